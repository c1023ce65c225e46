"""Score the whole path on real pictures (issue 28): test faces of known sizes in face-free photos, given to `predict(picture)`.

What it does. FER2013 PrivateTest faces (never trained or tuned on) are pasted, upright and whole, at a face side of
8, 10, 12, 16, 24, 32 and 48 px (the side of the 48x48 crop as pasted) into 640x480 views of the detection
benchmark's face-free photos (`fer_lowres.detect.face_free_images`, pasted as `compose_scene` pastes: an ellipse
blended into the photo), eight faces a scene. Each scene goes to `predictor.predict(scene)`: detection, crops,
the model (or the specialist for the face's size). A face is found when a box overlaps it by IoU >= 0.3 (one box
a face, best overlap first, as `match_faces`). Beside it, the same faces given as crops: the 48x48 crop shrunk to
the face's side (area resampling, as the paste does) and given to `predict_crops` with that side. Face-free pictures:
`--empty` other views (scale, crop, mirror) of the same photos, with no face pasted.

Printed, by face side: found (of the faces placed), right label over all faces placed, right label over the faces
found, the same faces' accuracy as crops (all of them, and those found), the gap, and the right label of every
face cut from the picture at its true square (no detector: what the paste alone costs the model); then false faces per face-free picture and per scene, and
pictures per second (median time of `predict` on a 640x480 picture, detection included, and on the face-free ones).

What it cannot tell. FER2013 faces are 48x48 crops without their own context: a pasted face has no hair, neck or
body around it beyond what the crop holds, its corners are the photo's, and its lighting, noise and blur are the
crop's, not the scene's. A real photo's faces differ in all of these; the benchmark measures detection and framing
on faces whose right answer is known, not how a model copes with a camera.

    python bench/scenes.py [--faces 400] [--models fer2013] [--csv FER2013_CSV] [--ferplus VOTES_CSV]
                           [--sizes 8,10,12,16,24,32,48] [--empty 60] [--seed 0] [--threads 0]
"""
from __future__ import annotations
import argparse, os, sys, time
from pathlib import Path

import numpy as np

SIZES = (8, 10, 12, 16, 24, 32, 48)
W, H = 640, 480


def test_faces(csv, n, seed=0, ferplus=None, split='test'):
    "(crops uint8 (n, 48, 48), labels as class names): `n` faces of `split` drawn with `seed`; FERPlus majority labels with `ferplus`."
    from fer_lowres.data import read_fer2013_csv, read_ferplus
    fs = read_ferplus(csv, ferplus) if ferplus else read_fer2013_csv(csv)
    idx = fs.indices(split)
    idx = np.sort(np.random.default_rng(seed).choice(idx, min(n, len(idx)), replace=False))
    crops = np.stack([np.asarray(fs.image(int(i), 1)) for i in idx])
    return crops, [fs.classes[int(fs.items['label'].iloc[i])] for i in idx]


def view(background, rng):
    "A 640x480 view of a face-free photo: scaled by 1-1.5 past covering the frame, a random crop, mirrored half the time."
    import cv2
    k = max(W / background.shape[1], H / background.shape[0]) * rng.uniform(1, 1.5)
    b = cv2.resize(background, (int(np.ceil(background.shape[1] * k)), int(np.ceil(background.shape[0] * k))), interpolation=cv2.INTER_AREA)
    y, x = rng.integers(0, b.shape[0] - H + 1), rng.integers(0, b.shape[1] - W + 1)
    b = b[y:y + H, x:x + W]
    return np.ascontiguousarray(b[:, ::-1] if rng.random() < 0.5 else b)


def positions(n, s, rng, tries=200):
    "Up to `n` centres for faces of side `s` in the frame, at least 1.6 sides (and 16 px) apart and 0.6 sides from the edges."
    gap, out = max(1.6 * s, 16), []
    for _ in range(tries):
        p = rng.uniform([0.6 * s, 0.6 * s], [W - 0.6 * s, H - 0.6 * s])
        if all(np.abs(p - q).max() >= gap for q in out): out.append(p)
        if len(out) == n: break
    return out


def scenes(crops, s, backgrounds, rng, per_scene=8):
    "Every face of `crops` once, at side `s`, `per_scene` a scene: a list of (picture, [(box (x, y, w, h), face index)])."
    from fer_lowres.detect_train import _paste_face
    order, out = list(range(len(crops))), []
    while order:
        img = view(backgrounds[rng.integers(len(backgrounds))], rng)
        truth = []
        for x, y in positions(min(per_scene, len(order)), s, rng):
            i = order.pop()
            source = (np.repeat(crops[i][..., None], 3, -1), (0, 0, 48, 48), 0.38, 0.78, 'fer2013')   # the whole crop is the face's square
            img = _paste_face(img, source, x, y, s, 0.0, 0.0, 'none', rng)
            truth.append(((int(round(x - s / 2)), int(round(y - s / 2)), s, s), i))
        out.append((img, truth))
    return out


def assign(detections, truth, min_iou=0.3):
    "For each true box, the index of the detection matched to it (best overlap first, one each) or -1: `match_faces`' rule."
    from fer_lowres.detect import _iou_matrix
    out = np.full(len(truth), -1)
    if not len(truth) or not len(detections): return out
    m = _iou_matrix(truth, detections)
    for i, j in sorted(zip(*np.nonzero(m >= min_iou)), key=lambda ij: -m[ij]):
        if out[i] < 0 and j not in out: out[i] = j
    return out


def crop_accuracy(predictor, crops, labels, s):
    "Right label over the faces given as crops shrunk to side `s`."
    import cv2
    small = [c if s == 48 else cv2.resize(c, (s, s), interpolation=cv2.INTER_AREA) for c in crops]
    kw = dict(sides=[s] * len(small)) if hasattr(predictor, 'sizes') else {}
    res = predictor.predict_crops(small, **kw)
    return np.array([r.label == lab for r, lab in zip(res, labels)])


def load_predictor(models):
    "A `SpecialistPredictor` over a bundled set's name or comma-separated model folders / bundled names (one model: a plain `Predictor`)."
    from fer_lowres.config import resolve_models
    from fer_lowres.pretrained import SpecialistPredictor
    from fer_lowres.inference import Predictor
    try: folders = resolve_models([m for m in models.split(',') if m])
    except (FileNotFoundError, ValueError) as e: sys.exit(f"--models {models}: {e}")
    return Predictor(folders[0]) if len(folders) == 1 else SpecialistPredictor(folders)


def true_square_accuracy(predictor, scene_list, labels, s):
    "Right label over the faces cut from the pictures at their true square (no detector): what the paste alone costs."
    import cv2
    crops, truth = [], []
    for img, faces in scene_list:
        grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
        for (x, y, w, h), i in faces:
            ys, xs = np.clip(np.arange(y, y + h), 0, H - 1), np.clip(np.arange(x, x + w), 0, W - 1)
            crops.append(grey[ys[:, None], xs[None, :]]); truth.append(i)
    kw = dict(sides=[s] * len(crops)) if hasattr(predictor, 'sizes') else {}
    return dict(zip(truth, (r.label == labels[i] for r, i in zip(predictor.predict_crops(crops, **kw), truth))))


def main(argv=None):
    from fer_lowres.core import find_fer2013
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--faces', type=int, default=400, help='PrivateTest faces, each placed once at every side')
    p.add_argument('--models', default='fer2013', help="a bundled set ('fer2013': its specialists), or comma-separated model folders or bundled names")
    p.add_argument('--csv', default=None, help='FER2013 CSV (default: fer_lowres.core.find_fer2013())')
    p.add_argument('--ferplus', default=None, help="fer2013new.csv: FERPlus majority labels over --csv's pixels (aligned row by row)")
    p.add_argument('--sizes', default=','.join(map(str, SIZES)), help='face sides in px')
    p.add_argument('--empty', type=int, default=60, help='face-free pictures (views of the 15 photos, in turn)')
    p.add_argument('--per-scene', type=int, default=8)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--threads', type=int, default=0, help="the detector's threads (0: every core)")
    p.add_argument('--detector', default=None, help='a detector name (default: the best installed)')
    a = p.parse_args(argv)
    csv = Path(a.csv) if a.csv else find_fer2013()
    if csv is None or not csv.exists(): sys.exit(f"--csv {a.csv or '(not given)'}: no FER2013 CSV found; give --csv or set $FER2013_CSV")
    if a.ferplus and not Path(a.ferplus).exists(): sys.exit(f"--ferplus {a.ferplus}: file not found")
    try: sizes = [int(s) for s in a.sizes.split(',')]
    except ValueError: sys.exit(f"--sizes {a.sizes}: expected comma-separated integers")
    if min(sizes) < 6 or max(sizes) > 200: sys.exit(f"--sizes {a.sizes}: sides from 6 to 200 px")
    import pandas as pd
    from fer_lowres.detect import face_free_images
    predictor = load_predictor(a.models)
    crops, labels = test_faces(csv, a.faces, a.seed, a.ferplus)
    keep = [i for i, lab in enumerate(labels) if lab in predictor.classes]   # contempt faces for a 7-class model: left out, counted
    if len(keep) < len(labels): print(f"{len(labels) - len(keep)} faces of classes the model lacks left out", file=sys.stderr)
    crops, labels = crops[keep], [labels[i] for i in keep]
    backgrounds = list(face_free_images().values())
    rng = np.random.default_rng(a.seed)
    kw = dict(detector=a.detector)
    if a.threads: kw['threads'] = a.threads
    predict = lambda img: predictor.predict(img, **{k: v for k, v in kw.items() if k != 'threads'})
    print(f"models: {predictor!r}\nfaces: {len(crops)} of {csv} (PrivateTest{', FERPlus labels' if a.ferplus else ''}, seed {a.seed}); "
          f"sides {sizes}; {a.per_scene} faces a 640x480 scene; {a.empty} face-free pictures", file=sys.stderr)
    print(f"load average before: {os.getloadavg()}", file=sys.stderr); t0 = time.time()
    predict(view(backgrounds[0], rng))                  # load the models
    rows, times, false_scene = [], [], 0
    for s in sizes:
        scene_list = scenes(crops, s, backgrounds, rng, a.per_scene)
        cut = true_square_accuracy(predictor, scene_list, labels, s)
        for img, truth in scene_list:
            t = time.perf_counter(); res = predict(img); times.append(('scene', time.perf_counter() - t))
            m = assign(np.array([r.box for r in res]).reshape(-1, 4), [b for b, _ in truth])
            false_scene += len(res) - int((m >= 0).sum())
            rows += [dict(side=s, face=i, found=j >= 0, right=j >= 0 and res[j].label == labels[i], cut_right=cut[i]) for (_, i), j in zip(truth, m)]
        rows_s = [r for r in rows if r['side'] == s]
        ok = crop_accuracy(predictor, crops, labels, s)
        for r in rows_s: r['crop_right'] = bool(ok[r['face']])
        print(f"side {s}: {np.mean([r['found'] for r in rows_s]):.1%} found ({time.time() - t0:.0f} s)", file=sys.stderr, flush=True)
    false_empty = []
    for k in range(a.empty):
        img = view(backgrounds[k % len(backgrounds)], rng)
        t = time.perf_counter(); res = predict(img); times.append(('face-free', time.perf_counter() - t))
        false_empty.append(len(res))
    print(f"load average after: {os.getloadavg()} ({time.time() - t0:.0f} s)", file=sys.stderr)
    f = pd.DataFrame(rows)
    table = []
    for s, g in f.groupby('side'):
        found = g[g.found]
        crop_found = found.crop_right.mean() if len(found) else float('nan')
        table.append({'face side (px)': s, 'faces': len(g), 'found': f'{g.found.mean():.1%}',
                      'right label / placed': f'{g.right.mean():.1%}',
                      'right label / found': f'{found.right.mean():.1%}' if len(found) else '-',
                      'same faces as crops': f'{g.crop_right.mean():.1%}',
                      'found faces as crops': f'{crop_found:.1%}' if len(found) else '-',
                      'gap (found: picture - crops)': f'{100 * (found.right.mean() - crop_found):+.1f}' if len(found) else '-',
                      'true square cut from the picture': f'{g.cut_right.mean():.1%}'})
    print('`' + ' '.join(['python', 'bench/scenes.py'] + (argv if argv is not None else sys.argv[1:])) + '`\n')
    print(pd.DataFrame(table).to_markdown(index=False))
    ts = pd.DataFrame(times, columns=['kind', 's'])
    print(f"\nfalse faces: {np.mean(false_empty):.3f} per face-free picture ({sum(false_empty)} in {a.empty}), "
          f"{false_scene / max(1, (ts.kind == 'scene').sum()):.3f} per scene ({false_scene})")
    print(f"pictures/s at 640x480 (median time of predict, detection included): scenes {1 / ts[ts.kind == 'scene'].s.median():.1f}, "
          f"face-free {1 / ts[ts.kind == 'face-free'].s.median():.1f}; fastest picture {1 / ts.s.min():.1f} (the cost without load); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    return f, table


if __name__ == '__main__':
    main()
