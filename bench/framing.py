"""Measure how the face detector's box sits on a face framed as the models were trained (issue 28): the box-to-crop rule.

FER2013 *Training* faces (the models' own framing: the whole 48x48 crop is what they learnt) are pasted whole at a
known side (log-uniform in `--sides`) into face-free training pictures of the detector (`training_backgrounds`,
never the benchmarks'), and `detect_faces` looks for them. For every face found (IoU >= 0.3 with its crop's square),
in units of the crop's side S: the box's width w/S and height h/S, and the offset of the box's centre from the
crop's centre, dx/S and dy/S (positive: right, down). Printed: the median and the spread (quartiles) of each by
face size, and how well each of the box's width, height, longer side and sqrt(w h) predicts S (spread of S/that,
relative): the rule is the one that predicts best.

Then, on PublicTest faces (never the benchmark's PrivateTest, never Training), the right label that the bundled
specialists give the faces found, cropped four ways: the face's true square (no detector), the box as it is
(stretched to a square by the model's resize), the square on the box's longer side, and the measured rule; and the
same faces given as crops. The rule (`fer_lowres.config.Framing`) comes from the measurement of the box, not from
these scores; the benchmark (`bench/scenes.py`) reports on test faces.

    python bench/framing.py [--faces 400] [--sides 16,96] [--valid 500] [--valid-sides 48,24,16] [--seed 0]
"""
from __future__ import annotations
import argparse, sys, time

import numpy as np


def measure(crops, sides, pictures, rng, per_scene=6):
    "One row per face: its side S and, when found, the box's (w/S, h/S, dx/S, dy/S) and the box itself."
    from fer_lowres.detect import detect_faces, _iou_matrix
    from fer_lowres.detect_train import _paste_face, random_background
    rows, order = [], list(range(len(crops)))
    while order:
        img = random_background(rng, 480, 640, pictures)
        placed = []
        for _ in range(per_scene):
            if not order: break
            s = int(round(np.exp(rng.uniform(*np.log(sides)))))
            for _try in range(50):
                x, y = rng.uniform(0.6 * s, 640 - 0.6 * s), rng.uniform(0.6 * s, 480 - 0.6 * s)
                if all(max(abs(x - px), abs(y - py)) > 0.8 * (s + ps) for px, py, ps, _ in placed): break
            else: continue
            i = order.pop()
            img = _paste_face(img, (np.repeat(crops[i][..., None], 3, -1), (0, 0, 48, 48), 0.38, 0.78), x, y, s, 0.0, 0.0, 'none', rng)
            placed.append((x, y, s, i))
        d = detect_faces(img)
        truth = np.array([(x - s / 2, y - s / 2, s, s) for x, y, s, _ in placed])
        m = _iou_matrix(truth, d) if len(d) else np.zeros((len(truth), 0))
        for k, (x, y, s, i) in enumerate(placed):
            j = int(m[k].argmax()) if m.shape[1] else -1
            if j < 0 or m[k, j] < 0.3: rows.append(dict(face=i, S=s, found=False)); continue
            bx, by, bw, bh = d[j]
            rows.append(dict(face=i, S=s, found=True, w=bw / s, h=bh / s, dx=(bx + bw / 2 - x) / s, dy=(by + bh / 2 - y) / s, box=tuple(d[j]), truth=(x - s / 2, y - s / 2, s)))
        yield img, rows[-len(placed):] if placed else []


def _square(grey, box, scale, dx, dy, ref):
    "The square crop of `box` for a rule: side `scale` times sqrt(w h) ('sqrt') or the longer side ('long'), centre moved by (dx, dy) sides."
    x, y, w, h = box
    side = scale * (np.sqrt(w * h) if ref == 'sqrt' else max(w, h))
    n = max(1, int(round(side)))
    x0, y0 = int(round(x + w / 2 + dx * side - n / 2)), int(round(y + h / 2 + dy * side - n / 2))
    ys, xs = np.clip(np.arange(y0, y0 + n), 0, grey.shape[0] - 1), np.clip(np.arange(x0, x0 + n), 0, grey.shape[1] - 1)
    return grey[ys[:, None], xs[None, :]]

RULES = {'true square': None, 'box as it is': 'box', 'long side': (1.0, 0, 0, 'long'), 'measured: 1.13 sqrt(w h), dx -0.02': (1.13, -0.02, 0, 'sqrt')}

def compare_rules(csv, n, sides, pictures, seed=1):
    "Right label (bundled specialists) of PublicTest faces found in pictures, cropped by each rule of `RULES`, and as crops."
    import cv2
    from fer_lowres.pretrained import SpecialistPredictor
    from scenes import test_faces
    crops, labels = test_faces(csv, n, seed, split='valid')
    P, out = SpecialistPredictor(), []
    for side in sides:
        got = {k: [] for k in RULES}; found = []
        for img, rows in measure(crops, (side, side), pictures, np.random.default_rng(side)):
            grey = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY)
            for r in (r for r in rows if r['found']):
                x, y, w, h = r['box']; tx, ty, ts = r['truth']
                for k, rule in RULES.items():
                    c = (_square(grey, (tx, ty, ts, ts), 1, 0, 0, 'long') if rule is None else grey[y:y + h, x:x + w] if rule == 'box'
                         else _square(grey, r['box'], *rule))
                    got[k].append(c)
                found.append((r['face'], r['S']))
        score = lambda cs: np.mean([p.label == labels[i] for p, (i, _) in zip(P.predict_crops(cs, sides=[S for _, S in found]), found)])
        small = [crops[i] if side == 48 else cv2.resize(crops[i], (side, side), interpolation=cv2.INTER_AREA) for i, _ in found]
        out.append({'face side': side, 'found': len(found), **{k: f'{score(v):.1%}' for k, v in got.items()}, 'the same faces as crops': f'{score(small):.1%}'})
    return out


def main(argv=None):
    import pandas as pd
    from fer_lowres.core import find_fer2013
    from fer_lowres.detect_train import training_backgrounds
    sys.path.insert(0, str(__import__('pathlib').Path(__file__).parent))
    from scenes import test_faces
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--faces', type=int, default=400, help='Training faces to measure the box on')
    p.add_argument('--sides', default='16,96', help='smallest and largest face side (px), log-uniform')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--valid', type=int, default=500, help='PublicTest faces to compare the croppings on (0: skip)')
    p.add_argument('--valid-sides', default='48,24,16')
    a = p.parse_args(argv)
    csv = find_fer2013()
    if csv is None: sys.exit("no FER2013 CSV found: set $FER2013_CSV")
    sides = [float(v) for v in a.sides.split(',')]
    crops, _ = test_faces(csv, a.faces, a.seed, split='train')
    pictures = training_backgrounds(progress=False)
    t0 = time.time()
    rows = [r for _, rs in measure(crops, sides, pictures, np.random.default_rng(a.seed)) for r in rs]
    f = pd.DataFrame(rows)
    print(f"{len(f)} Training faces, sides {sides[0]:.0f}-{sides[1]:.0f} px, {f.found.mean():.1%} found ({time.time() - t0:.0f} s)\n")
    g = f[f.found].copy()
    g['bucket'] = pd.cut(g.S, [0, 12, 16, 24, 32, 48, 64, 1000], right=False)
    q = lambda c: f'{c.median():.3f} [{c.quantile(.25):.3f}, {c.quantile(.75):.3f}]'
    print(g.groupby('bucket', observed=True).agg(n=('S', 'size'), w=('w', q), h=('h', q), dx=('dx', q), dy=('dy', q)).to_markdown(), '\n')
    print('all found:', {c: q(g[c]) for c in ('w', 'h', 'dx', 'dy')}, '\n')
    ref = {'width': g.w, 'height': g.h, 'long side': np.maximum(g.w, g.h), 'sqrt(w h)': np.sqrt(g.w * g.h)}
    print('| S from | median S / it | relative spread (IQR / median) |\n|:--|--:|--:|')
    for k, v in ref.items():
        r = 1 / v; print(f'| {k} | {r.median():.3f} | {(r.quantile(.75) - r.quantile(.25)) / r.median():.3f} |')
    if a.valid:
        print(f"\nright label of {a.valid} PublicTest faces found, by cropping (bundled specialists, routed by the true side):\n")
        print(pd.DataFrame(compare_rules(csv, a.valid, [int(v) for v in a.valid_sides.split(',')], pictures)).to_markdown(index=False))
    return f


if __name__ == '__main__':
    main()
