"""What a crop that is not square costs the model, and what to do with it (15_inference, `Predictor.prepare`).

Each FERPlus test face (48x48, majority labels) is cut around its centre to a crop narrower (or lower) than it is
high (or wide), as a user's own face crop can be, and given to a bundled 48 px model three ways: squashed to 48x48
(what `prepare` did before), trimmed to its central square (what it does now), and padded back to 48x48 with its
edge pixels repeated. Prints the accuracy of each.

    python bench/nonsquare.py [--model ferplus_48px] [--data ../shared/data/ferplus]
"""
import argparse
from pathlib import Path

import numpy as np


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--model', default='ferplus_48px')
    p.add_argument('--data', default=str(Path(__file__).resolve().parents[2] / 'shared' / 'data' / 'ferplus'))
    a = p.parse_args(argv)
    import cv2
    from fer_lowres.data import load_faces
    from fer_lowres.inference import Predictor
    fs = load_faces(a.data)
    idx = fs.indices('test')
    faces = np.stack([np.asarray(fs.image(int(i), 1)) for i in idx]); y = fs.items['label'].to_numpy()[idx].astype(int)
    pred = Predictor(a.model)
    acc = lambda xs: float((pred.probs(list(xs)).argmax(1) == y).mean())
    def trim(x):                                   # one crop's central square
        s = min(x.shape); y0, x0 = (x.shape[0] - s) // 2, (x.shape[1] - s) // 2
        return x[y0:y0 + s, x0:x0 + s]
    squash = lambda xs: np.stack([cv2.resize(x, (48, 48), interpolation=cv2.INTER_CUBIC) for x in xs])   # `prepare` trims now: squashed here
    print(f"{a.model} on {len(y):,} {fs.format} test faces; square 48x48: {acc(faces):.4f}")
    print('| crop | squashed | central square | padded (edges repeated) |\n|---|--:|--:|--:|')
    for frac in (0.77, 0.6):
        w = int(round(48 * frac)); o = (48 - w) // 2
        tall, wide = faces[:, :, o:o + w], faces[:, o:o + w, :]
        pad_tall = np.stack([cv2.copyMakeBorder(t, 0, 0, o, 48 - w - o, cv2.BORDER_REPLICATE) for t in tall])
        pad_wide = np.stack([cv2.copyMakeBorder(t, o, 48 - w - o, 0, 0, cv2.BORDER_REPLICATE) for t in wide])
        print(f"| {w}x48 (narrow) | {acc(squash(tall)):.4f} | {acc(np.stack([trim(t) for t in tall])):.4f} | {acc(pad_tall):.4f} |")
        print(f"| 48x{w} (low) | {acc(squash(wide)):.4f} | {acc(np.stack([trim(t) for t in wide])):.4f} | {acc(pad_wide):.4f} |")


if __name__ == '__main__':
    main()
