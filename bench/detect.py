"""Benchmark the face detectors of `fer_lowres.detect` on composed scenes of real faces (issue 16).

Scenes: a face-free scikit-image photo cropped to 640x480 with six real faces pasted on it (scikit-image's 100
LFW crops and its astronaut, plus FER2013 PrivateTest faces when `--fer-csv` exists), each 8 to 160 px (log-uniform), turned,
blurred or partly hidden (a blob over half the mouth, a bar over the mouth or the eyes); see
`fer_lowres.detect_train.compose_scene`. Every detector sees the same scenes and the same face-free pictures. Prints
recall by face size (faces neither hidden, turned nor blurred) and by trouble (faces of 16 px and more), false
positives per face-free picture and per scene, and the median time per 640x480 picture, as a markdown table;
then frames/s on a 640x480 clip with detection on every frame and on every 5th (`track_faces`).

Times: one detector at a time; MTCNN on `--threads` threads (default 0: every core, as `detect_faces` does; one
pyramid level or batch of crops per thread); the cascades are single-threaded anyway. The load average is
printed before and after: read the times with it.

    python bench/detect.py [--scenes 100] [--empty 30] [--seed 0] [--threads 0] [--fer 100]
                           [--detectors mtcnn,haar,lbp] [--csv faces.csv] [--video-frames 40]

Goals (issue 16), for the default detector: recall >= 90% for clean faces of 16 px and more, >= 70% with half
the mouth hidden, <= 0.1 false positives per face-free picture, >= 10 pictures/s at 640x480.
"""
import argparse, os, sys, time

import numpy as np

from fer_lowres.detect import available_detectors, face_free_images, list_detectors, resolve_detector, track_faces
from fer_lowres.detect_train import benchmark_table, compose_scene, detection_benchmark, real_faces


def video_rates(detector, faces, threads=1, n_frames=40, every=(1, 5), seed=0):
    "Frames per second of `track_faces` on a 640x480 clip (a scene panning 2 px a frame), detecting every k-th frame."
    rng = np.random.default_rng(seed)
    scene, _ = compose_scene(faces, face_free_images()['coffee'], rng)
    frames = [np.roll(scene, 2 * t, axis=1) for t in range(n_frames)]
    out = {}
    for k in every:
        t = time.perf_counter()
        for _ in track_faces(frames, every=k, detector=detector, threads=threads): pass
        out[k] = n_frames / (time.perf_counter() - t)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--scenes', type=int, default=100, help='640x480 scenes of six faces')
    p.add_argument('--empty', type=int, default=30, help="face-free pictures (scikit-image's, in turn)")
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--threads', type=int, default=0, help="MTCNN's threads (0: every core)")
    p.add_argument('--detectors', default=None, help='comma-separated names (default: every installed one)')
    p.add_argument('--fer', type=int, default=100, help='FER2013 faces to add to the LFW ones when the CSV exists')
    p.add_argument('--fer-csv', default=os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'data', 'fer2013', 'fer2013.csv.gz'))
    p.add_argument('--csv', default=None, help='also write the per-face rows here')
    p.add_argument('--video-frames', type=int, default=40, help='frames of the panning clip for frames/s (0: skip)')
    a = p.parse_args(argv)
    detectors = available_detectors() if a.detectors is None else [resolve_detector(d.strip()) for d in a.detectors.split(',')]
    faces = real_faces(n_fer=a.fer if os.path.exists(a.fer_csv) else 0, fer_path=a.fer_csv, seed=a.seed)
    print(f"detectors installed: {list_detectors()}; measuring {detectors}")
    print(f"face sources: {len(faces)} (LFW 100 + astronaut{' + FER2013 %d' % a.fer if len(faces) > 101 else ''}); "
          f"{a.scenes} scenes, {a.empty} face-free pictures, seed {a.seed}, MTCNN threads {a.threads or 'every core'}")
    print(f"load average before: {os.getloadavg()}"); t0 = time.time()
    face_rows, picture_rows = detection_benchmark(detectors, n_scenes=a.scenes, n_empty=a.empty, seed=a.seed,
                                                  faces=faces, threads=a.threads)
    print(f"load average after: {os.getloadavg()} ({time.time() - t0:.0f} s)\n")
    print('`' + ' '.join(['python', 'bench/detect.py'] + (argv if argv is not None else sys.argv[1:])) + '`\n')
    print(benchmark_table(face_rows, picture_rows).to_markdown())
    if a.csv: face_rows.to_csv(a.csv, index=False)
    if a.video_frames:
        print(f"\nvideo, 640x480, {a.video_frames} frames, `track_faces` (detect every k-th frame, hold the boxes between):\n")
        print('| detector | ' + ' | '.join(f'frames/s, every {k}' for k in (1, 5)) + ' |\n|:--|--:|--:|')
        for d in detectors:
            r = video_rates(d, faces, a.threads, a.video_frames)
            print(f'| {d} | ' + ' | '.join(f'{r[k]:.1f}' for k in (1, 5)) + ' |')


if __name__ == '__main__': main()
