"""Frames per second of video analysis with the faces of one frame per call of the model (`batch=1`, as before) and of many.

A 640x480 clip of 40 frames (`write_pan_video`: scikit-image's astronaut, a 96 px face moving 3 px a frame over
its coffee photo), analysed by the bundled specialists (`SpecialistPredictor`, onnxruntime) with the default
detector on every `--detect-every`-th frame; each batch size in turn, `--repeats` times, median frames/s. The
load average is printed: the machine may be shared.

    python bench/video_batch.py [--batches 1,16] [--detect-every 5] [--repeats 3] [--no-detect]
"""
import argparse, os, statistics, tempfile, time
from pathlib import Path


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--batches', default='1,16')
    p.add_argument('--detect-every', type=int, default=5)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--no-detect', action='store_true', help='each frame is the face crop (the model alone)')
    a = p.parse_args(argv)
    from fer_lowres.inference import analyse_video, write_pan_video
    from fer_lowres.pretrained import SpecialistPredictor
    clip = write_pan_video(Path(tempfile.mkdtemp()) / 'pan640.avi', frames=40, size=(640, 480), face=96, step=3)
    pred, batches = SpecialistPredictor(), [int(b) for b in a.batches.split(',')]
    kw = dict(detect=not a.no_detect, detect_every=a.detect_every)
    first = analyse_video(clip, pred, max_frames=2, **kw)            # load the detector and the models
    print(f"load average before: {os.getloadavg()}")
    rates, tables = {b: [] for b in batches}, {}
    for _ in range(a.repeats):
        for b in batches:
            t = time.perf_counter(); tables[b] = analyse_video(clip, pred, batch=b, **kw)
            rates[b].append(len(tables[b]) / (time.perf_counter() - t))
    print(f"load average after: {os.getloadavg()}\n")
    ref = tables[batches[0]]
    print('| batch | frames/s (median of %d) | same labels as batch %d |\n|--:|--:|--:|' % (a.repeats, batches[0]))
    for b in batches: print(f"| {b} | {statistics.median(rates[b]):.1f} | {(tables[b]['label'] == ref['label']).mean():.0%} |")
    return first


if __name__ == '__main__':
    main()
