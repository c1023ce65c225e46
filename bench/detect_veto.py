"""Choose `MTCNN_FER_VETO` (and compare training rounds of 'mtcnn-fer') on validation pictures, never on the benchmark.

The benchmark (`bench/detect.py`) must not choose the settings it measures, so this script has its own pictures:

- scenes: 200 compositions (`--seed 1`) of scikit-image's LFW crops, its astronaut and 100 FER2013 *PublicTest* faces
  (when the CSV is found; the benchmark's FER2013 faces are PrivateTest) on the face-free photos below;
- face-free pictures: the `valid` half that `tools/face_free_pictures.py OUT --split fer_lowres/weights/mtcnn_fer/training.json`
  writes (`--valid OUT/valid`: Debian photos and textures that the shipped nets never trained on), and, when
  `stellarium-data` and `extremetuxracer-data` are installed, 40 of Stellarium's nebulae (drawn with seed 123),
  its planet textures and Extreme Tux Racer's sky boxes (none of them in training either).

The nets run once on every picture (`_mtcnn_windows`, with the original O-net's opinion of each window); each veto
then keeps the windows it allows and applies the last NMS (`_mtcnn_faces`), which is exactly `_detect_mtcnn(...,
veto=v)`: `detect_faces` without its final size filter. A face is found when a box overlaps it by IoU >= 0.3), and the table gives the recall of clean faces
of 16 px and more and of those with half the mouth hidden, and the false faces per face-free picture and per scene.
The rule used for the shipped value: the lowest veto with at most 0.01 false faces per face-free picture.

    python tools/face_free_pictures.py /tmp/face_free --split fer_lowres/weights/mtcnn_fer/training.json
    python bench/detect_veto.py --valid /tmp/face_free/valid [--nets ROUND_DIR] [--vetoes 0,0.1,0.2,0.3,0.4]

The nets' run takes about as long as one veto did when each veto ran the whole detector (270 s on one core of two,
the other busy, for the 1,338 pictures and 200 scenes of the card of the nets that ship: 300 photos, 1,038 textures).
"""
import argparse, glob, os, sys, time

import numpy as np


def validation_pictures(valid_dirs, extras=True):
    "(photos, textures): face-free RGB arrays; photos also serve as the scenes' backgrounds, in this order."
    from fer_lowres.images import read_image
    from fer_lowres.detect_train import load_pictures
    photos = []
    if extras:
        neb = sorted(glob.glob('/usr/share/stellarium/nebulae/**/*.png', recursive=True) + glob.glob('/usr/share/stellarium/nebulae/**/*.jpg', recursive=True))
        files = (list(np.random.default_rng(123).choice(neb, 40, replace=False)) if len(neb) >= 40 else [])
        files += sorted(glob.glob('/usr/share/games/etr/env/**/*.png', recursive=True))
        files += sorted(glob.glob('/usr/share/stellarium/textures/*.png') + glob.glob('/usr/share/stellarium/textures/*.jpg'))
        for f in files:
            try: a = read_image(f, 3)
            except Exception as e: print(f"skipped {f}: {e}", file=sys.stderr); continue
            if min(a.shape[:2]) >= 128: photos.append(a)
    textures = []
    for d in valid_dirs:
        names = sorted(os.listdir(d))
        is_photo = lambda n: n.startswith('usr__')           # the tool names a linked photo by its path, a texture by its source
        if any(map(is_photo, names)): photos += load_pictures([os.path.join(d, n) for n in names if is_photo(n)], progress=False)
        if any(not is_photo(n) for n in names): textures += load_pictures([os.path.join(d, n) for n in names if not is_photo(n)], progress=False)
    return photos, textures


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--valid', action='append', default=[], metavar='DIR', help="tools/face_free_pictures.py's valid half (repeatable)")
    p.add_argument('--no-extras', action='store_true', help="leave out Stellarium's and Extreme Tux Racer's pictures")
    p.add_argument('--nets', default=None, help="R- and O-net of a training round to measure (default: the package's)")
    p.add_argument('--vetoes', default='0,0.1,0.2,0.3,0.4,0.5,0.6,0.8')
    p.add_argument('--scenes', type=int, default=200)
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--fer-csv', default=os.path.join(os.path.dirname(__file__), '..', '..', 'shared', 'data', 'fer2013', 'fer2013.csv.gz'),
                   help='fer2013.csv(.gz) for the 100 PublicTest faces (without it: LFW faces only)')
    p.add_argument('--threads', type=int, default=2)
    a = p.parse_args(argv)
    import cv2, pandas as pd
    import fer_lowres.detect as D
    import fer_lowres.detect_train as DT
    for d in a.valid:
        if not os.path.isdir(d): sys.exit(f"--valid {d}: not a folder (make it with tools/face_free_pictures.py)")
    if a.nets and not all(os.path.exists(os.path.join(a.nets, f'{n}.onnx')) for n in ('rnet', 'onet')):
        sys.exit(f"--nets {a.nets}: expected rnet.onnx and onet.onnx there (a folder tools/train_detector.py --out wrote)")
    vetoes = [float(v) for v in a.vetoes.split(',')]
    photos, textures = validation_pictures(a.valid, extras=not a.no_extras)
    if not photos: sys.exit("no validation photos: give --valid OUT/valid (tools/face_free_pictures.py) or install stellarium-data")
    faces = DT.real_faces(n_fer=100, fer_path=a.fer_csv, seed=7, fer_split='valid')   # PublicTest: the benchmark's are PrivateTest
    if not os.path.exists(a.fer_csv): print(f"{a.fer_csv} not found: LFW faces only", file=sys.stderr)
    def fit(b):
        k = max(640 / b.shape[1], 480 / b.shape[0])
        b = cv2.resize(b, (int(np.ceil(b.shape[1] * k)), int(np.ceil(b.shape[0] * k))), interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR)
        return np.ascontiguousarray(b[:480, :640])
    empty = [fit(b) for b in photos + textures]
    print(f"{len(faces)} faces, {a.scenes} scenes (seed {a.seed}), {len(empty)} face-free pictures ({len(photos)} photos, "
          f"{len(textures)} textures); nets: {a.nets or 'the package'}", flush=True)
    rng = np.random.default_rng(a.seed)
    scenes = [DT.compose_scene(faces, photos[i % len(photos)], rng) for i in range(a.scenes)]   # the same scenes for every veto
    t0 = time.time()                                   # the nets run once; each veto only filters their windows
    windows = lambda img: D._mtcnn_windows(img, 10., threads=a.threads, name='mtcnn-fer', folder=a.nets, second_opinion=True)
    scene_windows, empty_windows = [windows(img) for img, _ in scenes], [windows(x) for x in empty]
    print(f"nets run on every picture: {time.time() - t0:.0f} s", file=sys.stderr, flush=True)
    det = lambda w, v: D._mtcnn_faces(*w[:3], w[3] >= v if v else slice(None))[0]   # as `_detect_mtcnn(..., veto=v)`
    rows = []
    for v in vetoes:
        found, fp_scene = [], 0
        for w, (_, truth) in zip(scene_windows, scenes):
            b = det(w, v); b = np.stack([b[:, 0], b[:, 1], b[:, 2] - b[:, 0], b[:, 3] - b[:, 1]], 1) if len(b) else np.zeros((0, 4))
            iou = D._iou_matrix(b, np.array([f['box'] for f in truth]))
            found += [(f['size'], f['angle'], f['blur'], f['occlusion'], bool(len(b)) and iou[:, j].max() >= 0.3) for j, f in enumerate(truth)]
            fp_scene += int((iou.max(1) < 0.3).sum()) if len(b) else 0
        fp_each = [len(det(w, v)) for w in empty_windows]; fp, fp_photo = sum(fp_each), sum(fp_each[:len(photos)])
        f = pd.DataFrame(found, columns=['size', 'angle', 'blur', 'occ', 'hit'])
        base = (f['size'] >= 16) & (f.angle.abs() <= 10) & (f.blur == 0)
        clean, half = f[base & (f.occ == 'none')], f[base & (f.occ == 'half mouth')]
        rows.append({'veto': v, f'recall >=16 px, clean ({len(clean)})': f'{clean.hit.mean():.1%}',
                     f'half mouth hidden ({len(half)})': f'{half.hit.mean():.1%}',
                     f'false faces / picture ({len(empty)})': f'{fp / len(empty):.3f} ({fp})',
                     f'of which photos ({len(photos)})': f'{fp_photo / len(photos):.3f} ({fp_photo})',
                     f'of which textures ({len(textures)})': f'{(fp - fp_photo) / max(1, len(textures)):.3f} ({fp - fp_photo})',
                     'false faces / scene': f'{fp_scene / a.scenes:.3f}'})
    print(pd.DataFrame(rows).set_index('veto').T.to_markdown())


if __name__ == '__main__':
    main()
