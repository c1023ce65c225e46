"""Choose the small-face stage of 'mtcnn-fer' (issue 28) on validation pictures, never on the benchmark's.

Faces: 64 FER2013 *PublicTest* faces (the scene benchmark's are PrivateTest) pasted whole at 8-20 px into face-free
training pictures of the detector, eight a 640x480 scene (`bench/scenes.py`'s scene maker). Face-free pictures: 30
views of the detector's training pictures and 30 rendered text pages (OpenCV's fonts, 6-30 px letters, dark on
light): letters are what a detector of 8-20 px faces takes for faces. The nets run once per picture down to 7 px
(`_mtcnn_windows`, crops enlarged by bicubic interpolation); each veto for windows under 24 px is then applied as
`_detect_mtcnn(..., small=(24, veto))` does. The shipped value is 0.6, the veto of larger faces: every lower one
took letters for faces (0.10 a text page at 0.3, 3.7 without a veto) and, at 0.3, an 11 px 'face' at the bottom
edge of scikit-image's astronaut photo.

    python bench/small_faces.py [--vetoes 0,0.05,0.1,0.2,0.3,0.6]
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
    p.add_argument('--vetoes', default='0,0.02,0.05,0.1,0.2,0.3,0.6')
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
    def faces(w, v):
        b, reg, score, opinion = w
        if not len(b): return np.zeros((0, 4))
        b, _ = D._mtcnn_faces(b, reg, score, opinion >= np.where(b[:, 2] - b[:, 0] < 24, v, D.MTCNN_FER_VETO))
        return np.stack([b[:, 0], b[:, 1], b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]], 1) if len(b) else np.zeros((0, 4))
    print('| veto under 24 px | ' + ' | '.join(f'found, {s} px' for s in sizes) + ' | false / photo | false / text page |\n|' + '--:|' * (len(sizes) + 3))
    for v in [float(x) for x in a.vetoes.split(',')]:
        found = []
        for s in sizes:
            hit = [D._iou_matrix(T, d).max(1) >= 0.3 if len(d) else np.zeros(len(T), bool) for T, d in ((T, faces(w, v)) for w, T in scene_windows[s])]
            found.append(np.concatenate(hit).mean())
        false = [len(faces(w, v)) for w in empty_windows]
        print(f'| {v} | ' + ' | '.join(f'{f:.0%}' for f in found) + f' | {np.mean(false[:30]):.2f} | {np.mean(false[30:]):.2f} |')


if __name__ == '__main__':
    main()
