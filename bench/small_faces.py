"""Choose the small-face stage of 'mtcnn-fer' (issue 28) on validation pictures, never on the benchmark's.

Faces: 64 FER2013 *PublicTest* faces (the scene benchmark's are PrivateTest) pasted whole at 8-20 px into face-free
training pictures of the detector, eight a 640x480 scene (`bench/scenes.py`'s scene maker). Face-free pictures: 30
views of the detector's training pictures and 30 rendered text pages (OpenCV's fonts, 6-30 px letters, dark on
light): letters are what a detector of 8-20 px faces takes for faces. The nets run once per picture down to 7 px
(`_mtcnn_windows`, crops enlarged by bicubic interpolation); each rule is then applied as `_detect_mtcnn(..., small=(24,
onet, veto))` does: a window is a face when the original O-net's veto is at least `MTCNN_FER_VETO` (0.6), or, if it
is under 24 px, when our O-net is above `onet` and the veto at least `veto` (0.8, 0.6: the veto alone, as before).
A lower veto finds more faces and takes letters for faces (0.10 a text page at 0.3, 3.7 without a veto); a surer
O-net with a milder veto finds more for less: the shipped rule, `MTCNN_FER_SMALL` = (24, 0.98, 0.4), found 16 / 42 /
58 / 75% of the 8 / 10 / 12 / 16 px faces where the veto alone found 11 / 34 / 56 / 69%, with the same 1 false face
in the 30 text pages and none on the 30 photos (at a veto of 0.1 to 0.25, a few points more, and a false face on
scikit-image's astronaut photo).

    python bench/small_faces.py [--rules 0.8:0.6,0.98:0.1,0.98:0.25,0.98:0.4,0.95:0.4]
"""
import argparse, sys
from pathlib import Path

import numpy as np


def text_page(rng, size=(640, 480)):
    "A face-free picture of printed text: lines of random letters in OpenCV's fonts, 6-30 px high, on light paper."
    import cv2
    W, H = size
    page, y = np.full((H, W, 3), rng.integers(200, 256), np.uint8), 5
    while y < H:
        h = int(rng.integers(6, 30)); font = int(rng.choice([0, 1, 2, 3, 4, 6, 7]))
        text = ''.join(rng.choice(list('abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789 .,;:()'), 80))
        cv2.putText(page, text, (int(rng.integers(-20, 20)), y + h), font, cv2.getFontScaleFromHeight(font, h),
                    tuple(int(v) for v in rng.integers(0, 90, 3)), max(1, h // 12), cv2.LINE_AA)
        y += int(h * rng.uniform(1.3, 2.0))
    return page


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--rules', default='0.8:0.6,0.98:0.1,0.98:0.25,0.98:0.4,0.95:0.4',
                   help='O-net threshold:veto that also keeps a window under 24 px, comma-separated')
    p.add_argument('--faces', type=int, default=64)
    a = p.parse_args(argv)
    import fer_lowres.detect as D
    from fer_lowres.core import find_fer2013
    from fer_lowres.detect_train import training_backgrounds, random_background
    sys.path.insert(0, str(Path(__file__).parent))
    from scenes import test_faces, scenes
    csv = find_fer2013()
    if csv is None: sys.exit("no FER2013 CSV found: set $FER2013_CSV")
    crops, _ = test_faces(csv, a.faces, 0, split='valid')
    pictures = training_backgrounds(progress=False)
    rng = np.random.default_rng(5)
    empties = [random_background(rng, 480, 640, pictures) for _ in range(30)] + [text_page(rng) for _ in range(30)]
    windows = lambda img: D._mtcnn_windows(img, 7., threads=2, name='mtcnn-fer', second_opinion=True)
    sizes = (8, 10, 12, 14, 16, 20)
    scene_windows = {s: [(windows(img), np.array([b for b, _ in t])) for img, t in scenes(crops, s, pictures, np.random.default_rng(s))] for s in sizes}
    empty_windows = [windows(e) for e in empties]
    def faces(w, rule):                # the windows kept by `_detect_mtcnn(..., small=(24, *rule))`: the veto, or for small ones the rule
        b, reg, score, opinion = w
        if not len(b): return np.zeros((0, 4))
        onet, v = rule
        keep = (opinion >= D.MTCNN_FER_VETO) | ((b[:, 2] - b[:, 0] < 24) & (score > onet) & (opinion >= v))
        b, _ = D._mtcnn_faces(b, reg, score, keep)
        return np.stack([b[:, 0], b[:, 1], b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]], 1) if len(b) else np.zeros((0, 4))
    print('| O-net, veto under 24 px | ' + ' | '.join(f'found, {s} px' for s in sizes) + ' | false / photo | false / text page |\n|' + '--:|' * (len(sizes) + 3))
    for rule in [tuple(float(x) for x in r.split(':')) for r in a.rules.split(',')]:
        found = []
        for s in sizes:
            hit = [D._iou_matrix(T, d).max(1) >= 0.3 if len(d) else np.zeros(len(T), bool) for T, d in ((T, faces(w, rule)) for w, T in scene_windows[s])]
            found.append(np.concatenate(hit).mean())
        false = [len(faces(w, rule)) for w in empty_windows]
        print(f'| {rule[0]:g}, {rule[1]:g} | ' + ' | '.join(f'{f:.0%}' for f in found) + f' | {np.mean(false[:30]):.2f} | {np.mean(false[30:]):.2f} |')


if __name__ == '__main__':
    main()
