"""The runtime's cost as a user meets it (issue 27): whole processes, each timed from outside, median of `--runs`.

Usage:  python bench/runtime.py [--runs 5] [--photos 50] [--frames 40] [--json out.json]

Prints, for this machine (CPU count and load average are printed with the figures):
- `fer-lowres predict photo.jpg --json`: wall seconds and peak memory (the process's maximum resident set, from
  the operating system's accounting of the finished process) for a 640x480 JPEG with one real face (scikit-image's
  astronaut, shrunk into a face-free photo, its coffee cup); goal <= 1.0 s and <= 300 MB;
- `fer-lowres --help` (goal <= 0.5 s) and `python -c 'import fer_lowres.pretrained'` (goal <= 0.6 s);
- a folder of `--photos` such photos (each with the face at another place and size) in one call: photos per second,
  end to end, process start included (goal >= 10); beside it the same call with `--workers 1` (one photo at a time,
  its detection on every core: how the folder was read before `iter_pictures`);
- video: frames per second of `fer-lowres video` on a 640x480 clip of `--frames` frames (the astronaut's face moving
  across the photo), whole process, and in one process after loading (`iter_video`) with the ONNX path and with the
  PyTorch path of the same bundled models;
- label agreement of the ONNX path (NumPy preprocessing + onnxruntime, the runtime) with the PyTorch path as it was
  before the runtime existed (PyTorch's `F.interpolate` + `degrade` + the PyTorch model) on the bundled models' test
  faces: FER2013 PrivateTest when it is found (`fer_lowres.core.find_fer2013`), each face shrunk to each model's face
  size; synthetic faces otherwise (it says which).
Each whole process runs once untimed first (a warm file cache), then `--runs` times.
"""
from __future__ import annotations
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np

HERE = Path(__file__).resolve().parent.parent


def run_process(argv: list[str], env: dict) -> tuple[float, float, int]:
    "(wall seconds, peak resident memory in MB, exit code) of one whole process."
    t = time.perf_counter()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t
    p.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, p.returncode


def measure(argv: list[str], runs: int, env: dict) -> dict:
    "Median (and min, max) wall seconds and peak MB over `runs` whole processes, after one warm-up."
    run_process(argv, env)
    walls, mems, codes = [], [], set()
    for _ in range(runs):
        w, m, c = run_process(argv, env); walls.append(w); mems.append(m); codes.add(c)
    return dict(command=' '.join(argv), runs=runs, wall_s=statistics.median(walls), wall_min_s=min(walls), wall_max_s=max(walls),
                peak_mb=statistics.median(mems), exit_codes=sorted(codes))


def photo(size=(640, 480), face: int = 120, x: int | None = None, y: int | None = None) -> np.ndarray:
    "A WxH RGB photo with one real face: the astronaut's head, `face` px wide, on scikit-image's coffee photo."
    import cv2, skimage.data
    W, H = size
    k = face / 90                                              # the astronaut's face is 90 px wide in this crop
    head = cv2.resize(skimage.data.astronaut()[30:200, 150:300], None, fx=k, fy=k, interpolation=cv2.INTER_AREA)
    out = cv2.resize(skimage.data.coffee(), (W, H), interpolation=cv2.INTER_LINEAR)
    x = (W - head.shape[1]) // 2 if x is None else x
    y = (H - head.shape[0]) // 2 if y is None else y
    out[y:y + head.shape[0], x:x + head.shape[1]] = head
    return out


def old_torch_path(folder, faces: np.ndarray) -> np.ndarray:
    "Labels as the PyTorch Predictor made them before the runtime: F.interpolate + `degrade` on tensors, the PyTorch model."
    import torch, torch.nn.functional as F
    from fer_lowres.models import load_model
    from fer_lowres.config import DegradeSpec
    model = load_model(folder); spec = DegradeSpec.of(model)
    x = torch.from_numpy(faces)[:, None].float() / 255
    if spec.scale > 1 and tuple(x.shape[-2:]) == spec.lr_hw:
        if spec.mode == 'up': x = spec.from_lr(x)
    else:
        if x.shape[-1] != spec.hr_size:
            x = F.interpolate(x, size=(spec.hr_size,) * 2, mode='bicubic', align_corners=False, antialias=True).clamp_(0, 1)
        x = spec.apply(x)
    with torch.inference_mode(): return torch.cat([model(c) for c in x.split(256)]).argmax(1).numpy()


def agreement(n_faces: int) -> dict:
    "Label agreement of the runtime (ONNX) with the old PyTorch path, per bundled model of the default set, on faces of its size."
    import torch
    torch.set_num_threads(1)
    from fer_lowres.core import find_fer2013
    from fer_lowres.config import resolve_models
    from fer_lowres.inference import Predictor
    from fer_lowres.pretrained import shrink_faces
    csv = find_fer2013()
    if csv is not None:
        from fer_lowres.data import read_fer2013_csv
        fer = read_fer2013_csv(csv); idx = fer.indices('test')[:n_faces]
        hr = np.stack([np.asarray(fer.image(int(i))) for i in idx]); source = f"FER2013 PrivateTest, {len(idx):,} faces"
    else:
        from fer_lowres.synthetic import synthetic_faces
        hr, _ = synthetic_faces(n_faces, size=48, seed=0); source = f"synthetic faces, {n_faces:,} (FER2013 not found)"
    out = dict(faces=source, models={})
    for folder in resolve_models():
        p = Predictor(folder)
        side = p.face_size
        faces = (shrink_faces(torch.from_numpy(hr)[:, None].float() / 255, side)[:, 0] * 255).round().byte().numpy()
        new, old = p.probs(faces).argmax(1), old_torch_path(folder, faces)
        out['models'][folder.name] = dict(backend=p.backend, face_px=side, agree=float((new == old).mean()), n=len(faces))
    return out


def video_in_process(clip, frames: int) -> dict:
    "Frames per second of `iter_video` with the bundled set, ONNX path and PyTorch path, after loading (median of 3)."
    from fer_lowres.inference import iter_video
    from fer_lowres.pretrained import SpecialistPredictor
    out = {}
    for backend in ('onnx', 'torch'):
        if backend == 'torch':
            import torch; torch.set_num_threads(1)
        sp = SpecialistPredictor(backend=backend)
        list(iter_video(clip, sp, max_frames=2))                  # load the detector and the models
        rates = []
        for _ in range(3):
            t = time.perf_counter(); n = sum(1 for _ in iter_video(clip, sp)); rates.append(n / (time.perf_counter() - t))
        out[backend] = statistics.median(rates)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument('--runs', type=int, default=5, help='whole processes per figure (median quoted)')
    ap.add_argument('--photos', type=int, default=50, help='photos in the folder of the batch figure')
    ap.add_argument('--frames', type=int, default=40, help='frames of the video clip')
    ap.add_argument('--faces', type=int, default=3589, help='test faces for the label agreement (default: all of PrivateTest)')
    ap.add_argument('--json', default=None, help='also write every figure to this JSON file')
    a = ap.parse_args(argv)
    from PIL import Image
    from fer_lowres.inference import write_pan_video
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in (str(HERE), os.environ.get('PYTHONPATH', '')) if p))
    cli = shutil.which('fer-lowres') or sys.exit("fer-lowres is not on PATH: pip install -e . first")
    tmp = Path(tempfile.mkdtemp(prefix='fer_runtime_'))
    Image.fromarray(photo()).save(tmp/'photo.jpg', quality=92)
    rng = np.random.default_rng(0); (tmp/'photos').mkdir()
    for i in range(a.photos):   # the face at another place and size in each photo
        s = int(rng.integers(60, 200)); Image.fromarray(photo(face=s, x=int(rng.integers(0, 640 - s * 1.7)), y=int(rng.integers(0, 480 - s * 1.9)))).save(tmp/'photos'/f'{i:03d}.jpg', quality=92)
    clip = write_pan_video(tmp/'clip.avi', frames=a.frames, size=(640, 480), face=96, step=3)
    res = dict(machine=dict(cpus=os.cpu_count(), load_before=os.getloadavg()))
    res['predict'] = measure([cli, 'predict', str(tmp/'photo.jpg'), '--json'], a.runs, env)
    res['help'] = measure([cli, '--help'], a.runs, env)
    res['import_pretrained'] = measure([sys.executable, '-c', 'import fer_lowres.pretrained'], a.runs, env)
    folder = measure([cli, 'predict', str(tmp/'photos'), '--json'], max(1, a.runs // 2), env)
    folder['photos_per_s'] = a.photos / folder['wall_s']; res['folder'] = folder
    one = measure([cli, 'predict', str(tmp/'photos'), '--json', '--workers', '1'], max(1, a.runs // 2), env)
    one['photos_per_s'] = a.photos / one['wall_s']; res['folder_one_at_a_time'] = one
    video = measure([cli, 'video', str(clip)], max(1, a.runs // 2), env)
    video['frames_per_s'] = a.frames / video['wall_s']; res['video'] = video
    res['video_in_process_fps'] = video_in_process(clip, a.frames)
    res['agreement'] = agreement(a.faces)
    res['machine']['load_after'] = os.getloadavg()
    m = res['machine']
    print(f"machine: {m['cpus']} CPUs, load average {m['load_before'][0]:.2f} before, {m['load_after'][0]:.2f} after; medians of {a.runs} whole processes")
    print(f"fer-lowres predict photo.jpg --json (640x480, one face): {res['predict']['wall_s']:.2f} s "
          f"(min {res['predict']['wall_min_s']:.2f}, max {res['predict']['wall_max_s']:.2f}), peak {res['predict']['peak_mb']:.0f} MB   [goal <= 1.0 s, <= 300 MB]")
    print(f"fer-lowres --help: {res['help']['wall_s']:.2f} s   [goal <= 0.5 s]")
    print(f"python -c 'import fer_lowres.pretrained': {res['import_pretrained']['wall_s']:.2f} s, peak {res['import_pretrained']['peak_mb']:.0f} MB   [goal <= 0.6 s]")
    print(f"fer-lowres predict <folder of {a.photos} photos> --json: {folder['wall_s']:.2f} s, {folder['photos_per_s']:.1f} photos/s, peak {folder['peak_mb']:.0f} MB   [goal >= 10 photos/s]; "
          f"--workers 1 (one photo at a time): {one['photos_per_s']:.1f} photos/s, peak {one['peak_mb']:.0f} MB")
    print(f"fer-lowres video <640x480, {a.frames} frames>: {video['wall_s']:.2f} s whole process, {video['frames_per_s']:.1f} frames/s; "
          f"in one process after loading: {res['video_in_process_fps']['onnx']:.1f} frames/s (ONNX), {res['video_in_process_fps']['torch']:.1f} (PyTorch)")
    ag = res['agreement']
    print(f"label agreement, runtime (ONNX) vs the PyTorch path, {ag['faces']}: " +
          ', '.join(f"{n} {100 * r['agree']:.2f}% ({r['backend']})" for n, r in ag['models'].items()))
    bad = [k for k in ('predict', 'help', 'import_pretrained', 'folder', 'folder_one_at_a_time', 'video') if res[k]['exit_codes'] != [0]]
    if bad: print(f"WARNING: non-zero exit codes in {bad}: {[res[k]['exit_codes'] for k in bad]}")
    if a.json: Path(a.json).write_text(json.dumps(res, indent=1))
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__': main()
