"""Measure how the face detector's box sits on a face framed as the models were trained (issue 28): the box-to-crop rule.

FER2013 *Training* faces (the models' own framing: the whole 48x48 crop is what they learnt) are pasted whole at a
known side (log-uniform in `--sides`) into face-free training pictures of the detector (`training_backgrounds`,
never the benchmarks'), and `detect_faces` looks for them. For every face found (IoU >= 0.3 with its crop's square),
in units of the crop's side S: the box's width w/S and height h/S, and the offset of the box's centre from the
crop's centre, dx/S and dy/S (positive: right, down). Printed: the median and the spread (quartiles) of each by
face size, and how well each of the box's width, height, longer side and sqrt(w h) predicts S (spread of S/that,
relative): the rule is the one that predicts best.

Then, on PublicTest faces (never the benchmark's PrivateTest, never Training), the right label of the faces found
with three croppings: the box as it is (stretched to a square by the model's resize), the square on the box's long
side, and the measured rule. Only the rule's numbers are chosen here; the benchmark (`bench/scenes.py`) reports.

    python bench/framing.py [--faces 600] [--sides 16,96] [--valid 300] [--seed 0]
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


def main(argv=None):
    import pandas as pd
    from fer_lowres.core import find_fer2013
    from fer_lowres.detect_train import training_backgrounds
    sys.path.insert(0, str(__import__('pathlib').Path(__file__).parent))
    from scenes import test_faces
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--faces', type=int, default=600, help='Training faces to measure the box on')
    p.add_argument('--sides', default='16,96', help='smallest and largest face side (px), log-uniform')
    p.add_argument('--seed', type=int, default=0)
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
    return f


if __name__ == '__main__':
    main()
