"""Inference throughput of fer_lowres on CPU: crops/s with PyTorch and onnxruntime, and a 640x480 photo with detection.

Usage:  python bench/inference.py [--threads 2] [--n 1024] [--repeats 3] [--models vgg_fer,resnet18,...] [--json out.json]

What is timed (median of `--repeats` runs, after one warm-up):
- `predict_crops`: `Predictor.probs` on N already-cropped 48 px uint8 faces, batch 256: the whole path
  (uint8 -> float, channels, resize/degrade as the config says, forward, softmax);
- `forward`: the model alone on the prepared batch (no preprocessing);
- for students, `predict` on crops that already are 12 px (native: no resize or degradation; up: upsampled once);
for each model with PyTorch and with onnxruntime (the model exported by `export_onnx`), and
- `photo`: `Predictor.predict` on a 640x480 RGB photo (scikit-image's astronaut, resized), face detection included.
Weights are random: speed does not depend on them. The CPU may be shared: the load average is printed.
"""
from __future__ import annotations
import argparse, json, os, statistics, tempfile, time, warnings
from pathlib import Path

warnings.filterwarnings('ignore')
import numpy as np
import torch

from fer_lowres.models import create_model, save_model
from fer_lowres.synthetic import synthetic_faces
from fer_lowres.inference import Predictor, detect_faces; from fer_lowres.onnx import export_onnx
from fer_lowres.degrade import degrade


def timed(fn, repeats: int) -> float:
    "Median wall time of `fn()` over `repeats` runs, after one warm-up run."
    fn()
    ts = []
    for _ in range(repeats):
        t = time.perf_counter(); fn(); ts.append(time.perf_counter() - t)
    return statistics.median(ts)


# (label, arch, scale, mode): the config a saved model would carry
SETUPS = [
    ('vgg_fer @48', 'vgg_fer', 1, 'up'),
    ('resnet18 @48', 'resnet18', 1, 'up'),
    ('gmenet_tiny @48', 'gmenet_tiny', 1, 'up'),
    ('lnlnet_tiny @48', 'lnlnet_tiny', 1, 'up'),
    ('gmenet_tiny native 12px', 'gmenet_tiny', 4, 'native'),
    ('vgg_fer native 12px', 'vgg_fer', 4, 'native'),
    ('gmenet_small native 12px', 'gmenet_small', 4, 'native'),   # the bundled students' architecture, both modes
    ('gmenet_small up 12px', 'gmenet_small', 4, 'up'),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--n', type=int, default=1024, help='faces per timed run')
    ap.add_argument('--bs', type=int, default=256)
    ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--models', default=None, help='comma-separated labels/arch names to keep (default: all)')
    ap.add_argument('--json', default=None)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    tmp = Path(tempfile.mkdtemp())
    faces, _ = synthetic_faces(a.n, size=48, seed=0)
    print(f"torch {torch.__version__}, {a.threads} threads, N={a.n} faces of 48 px, batch {a.bs}; load average {os.getloadavg()}")
    rows = []
    for label, arch, scale, mode in SETUPS:
        if a.models and not any(k in (label, arch) for k in a.models.split(',')): continue
        d = save_model(create_model(arch).eval(), tmp / label.replace(' ', '_'), scale=scale, mode=mode)
        t0 = time.perf_counter(); onnx_path = export_onnx(d, tmp / f"{label.replace(' ', '_')}.onnx"); t_export = time.perf_counter() - t0
        for backend, pred in (('torch', Predictor(d, batch_size=a.bs)), ('onnxruntime', Predictor(onnx_path, batch_size=a.bs, threads=a.threads))):
            x = pred.prepare(faces)
            t_all = timed(lambda: pred.probs(faces), a.repeats)
            t_fwd = timed(lambda: pred.logits(x), a.repeats)
            rows.append(dict(model=label, backend=backend, input_px=pred.input_size, crops_per_s=round(a.n / t_all),
                             forward_per_s=round(a.n / t_fwd), export_s=round(t_export, 1)))
            print(f"{label:26s} {backend:12s} input {pred.input_size:2d} px: predict {a.n / t_all:9.0f} crops/s, "
                  f"forward only {a.n / t_fwd:9.0f} faces/s", flush=True)
            if pred.face_size != 48:  # crops that already are LR faces of the model's size (native: as they are; up: upsampled once)
                lr_faces = (degrade(torch.from_numpy(faces)[:, None].float() / 255, scale, mode='native')[:, 0].numpy() * 255).round().astype(np.uint8)
                t_lr = timed(lambda: pred.probs(lr_faces), a.repeats)
                rows[-1]['lr_crops_per_s'] = round(a.n / t_lr)
                print(f"{'':26s} {backend:12s} {pred.face_size} px crops in: predict {a.n / t_lr:9.0f} crops/s", flush=True)
    # a 640x480 photo with detection
    import skimage.data
    from PIL import Image
    photo = np.asarray(Image.fromarray(skimage.data.astronaut()).resize((640, 480), Image.BICUBIC))
    d = tmp / 'vgg_fer_@48'
    if not d.exists(): d = save_model(create_model('vgg_fer').eval(), d)
    pred = Predictor(d)
    t_det = timed(lambda: detect_faces(photo), a.repeats)
    t_photo = timed(lambda: pred.predict(photo), a.repeats)
    n_faces = len(pred.predict(photo))
    print(f"640x480 photo: detection {t_det * 1000:.0f} ms, detection + vgg_fer prediction {t_photo * 1000:.0f} ms "
          f"({n_faces} face(s); {1 / t_photo:.1f} photos/s)")
    rows.append(dict(model='vgg_fer @48', backend='torch', input_px=48, photo_640x480_ms=round(t_photo * 1000), detect_ms=round(t_det * 1000), faces=n_faces))
    if a.json: Path(a.json).write_text(json.dumps(dict(threads=a.threads, n=a.n, bs=a.bs, load=os.getloadavg(), rows=rows), indent=1))


if __name__ == '__main__':
    main()
