#!/usr/bin/env python3
"""Copy a set of models trained by `bench/fer2013_full.py` into the package (`fer_lowres/weights/`), and write the model card.

Two sets ship: `fer2013` (FER2013's own labels, 7 classes) and `ferplus` (FERPlus's vote labels, 8 classes with contempt),
each a 48 px teacher and students for 24, 12 and 6 px faces, named `SET_48px` ... `SET_6px`.
Which run ships, and up to which face side each model takes faces in `pretrained.route` (`route_upto`), are decided
on PublicTest (the validation split of both sets) only: for each face size, the run (and the kind of training:
alone or distilled from the teacher) with the best PublicTest accuracy. Test numbers are copied from the runs' results,
never used to choose. Each shipped folder keeps its run's `result.json`, so the card is written from the package itself.

  python tools/bundle_models.py --set fer2013 --runs runs/fer2013_orig --data ../shared/data/ferplus/fer2013.csv.gz
  python tools/bundle_models.py --set ferplus --runs runs/ferplus --data ../shared/data/ferplus
  python tools/bundle_models.py --card-only         # rewrite MODEL_CARD.md from what is installed (both test sets measured again)
  python tools/bundle_models.py --runs DIR --dry-run  # show what would ship
"""
import argparse, json, shutil, sys
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
from fer_lowres.core import CLASSES   # the canonical 7-class order
from fer_lowres.config import DEFAULT_SET, Framing
SETS = ('fer2013', 'ferplus')
def sizes(set_name): return {48: f'{set_name}_48px', 24: f'{set_name}_24px', 12: f'{set_name}_12px', 6: f'{set_name}_6px'}
SIZES = sizes('fer2013')

def valid_faces(data, n=None):
    "The PublicTest faces of a FER2013 CSV or a FERPlus folder (majority labels; the first `n` when given) as (x in [0, 1], labels, class names)."
    import torch
    from fer_lowres.data import load_faces
    fer = load_faces(data)
    idx = fer.indices('valid')[:n]
    x = torch.from_numpy(np.stack([np.asarray(fer.image(int(i))) for i in idx]))[:, None].float() / 255
    return x, fer.items['label'].to_numpy()[idx], fer.classes

def measure_route_upto(folders: dict, csv=None, sides=range(6, 49), n=None) -> dict:
    """The largest face side each model should take in `pretrained.route`, measured: every PublicTest face shrunk to each
    side in `sides` and scored by every model; a model keeps the sides up to where the next larger one overtakes it."""
    from fer_lowres.core import find_fer2013
    from fer_lowres.inference import Predictor
    from fer_lowres.pretrained import shrink_faces
    x, y, _ = valid_faces(csv or find_fer2013(), n)   # PublicTest: the split we choose on
    preds = {size: Predictor(f) for size, f in sorted(folders.items())}
    acc = {side: {size: float((p.probs(shrink_faces(x, side)).argmax(1) == y).mean()) for size, p in preds.items()} for side in sides}
    print(f"PublicTest ({len(y):,} faces) accuracy by face side and model:", flush=True)
    print('side ' + ' '.join(f'{s:>6}px' for s in preds))
    for side, a in acc.items(): print(f'{side:>4} ' + ' '.join(f'{a[s]:>8.3f}' for s in preds) + f'   best: {max(a, key=a.get)} px', flush=True)
    sizes, upto = list(preds), {}
    for small, big in zip(sizes, sizes[1:]):   # hand over at the side from which the larger model is better at every side
        first = next((side for side in sides if all(acc[t][big] > acc[t][small] for t in sides if t >= side)), max(sides) + 1)
        upto[small] = first - 1
    upto[sizes[-1]] = None
    return upto

def pick(rows, size):
    "The run for `size`: at 12 px the kind with the best mean PublicTest over its seeds, then its best seed."
    cands = [r for r in rows if r['size'] == size and not r['name'].startswith('ablation')]
    if not cands: return None
    kinds = {}
    for r in cands: kinds.setdefault(r['name'].rsplit('_seed', 1)[0], []).append(r)
    kind = max(kinds, key=lambda k: np.mean([r['valid_accuracy'] for r in kinds[k]]))
    return max(kinds[kind], key=lambda r: r['valid_accuracy'])

DATA = {'fer2013': dict(title='FER2013', labels="FER2013's own labels (one annotator per face), 7 expressions",
                        train='`Training` (28,709 faces)', valid='`PublicTest` (3,589)', test='`PrivateTest` (3,589 faces)',
                        source='FER2013 (Goodfellow et al., 2013; 35,887 grey 48x48 faces from web image searches), its original pixels '
                               '(`../shared/data/ferplus/fer2013.csv.gz`)'),
        'ferplus': dict(title='FERPlus', labels="FERPlus's labels (Barsoum et al., 2016: ten annotators per face), 8 expressions with contempt",
                        train='the FERPlus rules\' `Training` faces (26,698 with vote distributions)', valid='`PublicTest` (3,199 majority-labelled faces)',
                        test='`PrivateTest` (3,153 majority-labelled faces)',
                        source='FER2013\'s original pixels with the FERPlus vote file `fer2013new.csv`, labelled by the FERPlus authors\' rules '
                               '(`02_data`)')}

def installed(out) -> dict:
    "{set: {size: (name, result, config)}} of the bundled models that carry their run's result."
    sets = {}
    for f in sorted(Path(out).glob('*/result.json')):
        cfg = json.loads((f.parent / 'config.json').read_text())
        r = json.loads(f.read_text())
        sets.setdefault(cfg.get('dataset', 'fer2013'), {})[r['size']] = (f.parent.name, r, cfg)
    return sets

def cross_table(sets, fer2013_csv, ferplus_dir) -> tuple[list, dict]:
    "Every installed model at its own face size on both test sets, over the 7 classes they share; and the mean per set."
    import torch
    from fer_lowres.data import load_faces
    from fer_lowres.inference import Predictor
    from fer_lowres.pretrained import shrink_faces
    tests = {}
    for key, data in (('FER2013 PrivateTest', fer2013_csv), ('FERPlus test', ferplus_dir)):
        faces = load_faces(data); idx = faces.indices('test')
        names = np.asarray(faces.classes)[faces.items['label'].to_numpy()[idx]]
        keep = names != 'contempt'   # the classes both sets have
        x = torch.from_numpy(np.stack([np.asarray(faces.image(int(i))) for i in idx[keep]]))[:, None].float() / 255
        tests[key] = (x, np.array([CLASSES.index(n) for n in names[keep]]))
    rows, means = [], {}
    for set_name, models in sorted(sets.items()):
        for size, (name, _, _) in sorted(models.items(), reverse=True):
            pred = Predictor(Path(ROOT / 'fer_lowres/weights' / name))
            shared = [pred.classes.index(c) for c in CLASSES]   # an 8-class model: contempt's output left out
            accs = {}
            for key, (x, y) in tests.items():
                p = np.concatenate([pred.probs(shrink_faces(x[i:i + 512], size))[:, shared] for i in range(0, len(x), 512)])
                accs[key] = float((p.argmax(1) == y).mean())
            rows.append((set_name, name, size, accs))
            print(f"{name}: " + ', '.join(f"{k} {v:.4f}" for k, v in accs.items()), flush=True)
    for set_name in sets: means[set_name] = float(np.mean([np.mean(list(a.values())) for s, _, _, a in rows if s == set_name]))
    return rows, means

def by_size(cross):
    "Which set has the higher mean at each face size, in words."
    best = {}
    for s, _, size, accs in cross:
        m = float(np.mean(list(accs.values())))
        if size not in best or m > best[size][1]: best[size] = (s, m)
    return ', '.join(f"`{best[size][0]}`'s at {size} px" for size in sorted(best, reverse=True))

def card(sets, cross=None, means=None, default='fer2013'):
    L = ["# Model card: the models bundled with fer_lowres", "",
         f"Two sets of four models ship inside the `fer_lowres` package (`fer_lowres/weights/`): {', '.join(f'`{s}`' for s in sorted(sets))}, each a",
         "48 px teacher and students made for 24, 12 and 6 px faces. `fer-lowres models` lists them; `fer-lowres predict photo.jpg`",
         f"uses the default set (`{default}`), sending each face to the model for its size; `--models SET` chooses the other.",
         "Each model's weights are stored once, kernels and matrices in half precision, and read by both PyTorch and onnxruntime",
         "(`16_onnx`). The per-set tables below were measured in full precision when the models were trained; `16_onnx` measured",
         "the stored weights again: the same test accuracy for seven of the eight models, one face fewer for `fer2013_24px`.", ""]
    if cross:
        L += ["## Which set is the default, and why", "",
              "Each model at its own face size on both sets' test faces, over the 7 classes both sets have (FERPlus's 16 contempt test",
              "faces left out; an 8-class model's contempt output ignored), 48 px faces shrunk by bicubic downsampling. Labels differ:",
              "FER2013 PrivateTest is scored against FER2013's labels (3,589 faces), FERPlus test against the FERPlus majority (3,137).", "",
              "| set | model | face size | FER2013 PrivateTest | FERPlus test (7 classes) | mean |", "|---|---|---|---|---|---|"]
        for s, name, size, accs in cross:
            L.append(f"| {s} | {name} | {size} px | {accs['FER2013 PrivateTest']:.3f} | {accs['FERPlus test']:.3f} | {np.mean(list(accs.values())):.3f} |")
        L += ["", "Mean over the four sizes and both test sets: " + ', '.join(f"`{s}` {m:.3f}" for s, m in sorted(means.items())) +
              (f". **`{default}` is the default** (`config.DEFAULT_SET`): the higher mean, measured by `python tools/bundle_models.py --card-only` on"
               f" both test sets; by face size, the higher mean is {by_size(cross)}."
                    if default == max(means, key=means.get) else
                    f". The higher mean is `{max(means, key=means.get)}`'s (measured by `python tools/bundle_models.py --card-only`), above all on"
                    f" FERPlus's cleaner labels; **this release still defaults to `{default}`** (`config.DEFAULT_SET`): the measurement came at the"
                    " end of the release, and switching the default, with the lessons and tests written against it, is the next step."), ""]
    for set_name, shipped in sorted(sets.items(), key=lambda kv: kv[0] != default):
        d = DATA[set_name]
        classes = shipped[48][2]['classes']
        L += [f"## The `{set_name}` set: {d['title']}", "",
              f"- **Data**: {d['source']}; {d['labels']}. Its terms allow research use; check them before any other use. The weights are derived from it.",
              f"- **Split**: trained on {d['train']}; the epoch and the kind of training chosen on {d['valid']}; reported once on {d['test']}.",
              "- **Model**: `gmenet_small` (GME-Net, ~340k parameters; our interpretation of arXiv 2511.05938, see `06_gmenet`).",
              "- **Recipe**: AdamW one-cycle (batch 64), label smoothing 0.1, strong augmentation (zoom up to 1.25x at a random centre,",
              "  rotation up to 10 degrees, flips, lighting, random erasing of one box per face)" +
              (", trained on each face's FERPlus vote distribution (the paper's cross-entropy mode; `VoteCrossEntropy`, `12_learner`)" if set_name == 'ferplus' else '') + ".",
              "  Students see the 48 px face shrunk by bicubic downsampling (antialiased) to their size; distilled students also match",
              "  the teacher's attention maps (A-SKD, lam 5) and its softened outputs (logit KD, weight 1, T 4).",
              "- **How each model started** (all runs on a 2-core CPU, one torch thread): " + '; '.join(
                  f"`{name}` ({r['name']}, {r['epochs']} epochs, peak lr {r['recipe']['lr']:g}, mode {r['recipe'].get('mode', 'native') if size != 48 else 'HR'}) from "
                  + (f"`{r['init']}`" if r.get('init') else 'random weights') + (f", distilled from `{r['teacher']}`" if r.get('distill') else '')
                  for size, (name, r, _) in sorted(shipped.items(), reverse=True)) + ".",
              f"- **Retrain**: `{shipped[48][2].get('retrain', '')}`.", "",
              f"### Accuracy on {d['title']} {d['test']}", "",
              "Each model at its own size and at the others (bicubic degradation of the 48 px test faces); `tta`: the mean of",
              "the face and its mirror image (the predictor does not do this by default). `fer-lowres evaluate NAME --data DATA --split test",
              "--scales 1,2,4,8` reproduces a row (without TTA).", "",
              "| model | trained as | PublicTest | 48 px | 24 px | 12 px | 6 px | macro-F1 (own size) | acc. own size, flip TTA |",
              "|---|---|---|---|---|---|---|---|---|"]
        for size, (name, r, _) in sorted(shipped.items(), reverse=True):
            L.append(f"| {name} | {r['name']} | {r['valid_accuracy']:.3f} | " + ' | '.join(f"{r[f'test_accuracy@{px}']:.3f}" for px in (48, 24, 12, 6))
                     + f" | {r[f'test_macro_f1@{size}']:.3f} | {r[f'test_accuracy_tta@{size}']:.3f} |")
        L += ["", f"### Confusion matrices ({d['title']} test, own size, flip TTA; rows: true class, % of the row)", ""]
        for size, (name, r, _) in sorted(shipped.items(), reverse=True):
            cm = np.array(r['test_confusion_tta'], float); cm = 100 * cm / np.maximum(cm.sum(1, keepdims=True), 1)
            L += [f"**{name}**", "", "| true \\ predicted | " + ' | '.join(classes) + " |", "|---|" + "---|" * len(classes)]
            L += [f"| {c} | " + ' | '.join(f"{v:.0f}" for v in row) + " |" for c, row in zip(classes, cm)]
            L.append("")
    L += ["## Known limits", "",
          "- Trained on 48x48 grey, roughly frontal, roughly aligned face crops: faces turned far from the camera, heavily",
          "  occluded, or cropped very differently from FER2013's crops are outside what they saw.",
          "- FER2013's own labels are noisy (human accuracy is about 65%, Goodfellow et al.); FERPlus's ten votes per face are",
          "  cleaner. Both sets are unbalanced: `disgust` and `contempt` have a few hundred faces each, and their accuracy is the",
          "  lowest (see the matrices).",
          "- The faces come from web searches: the data set's demographic make-up is not documented and it is known to be",
          "  skewed; accuracy across ages, skin tones and cultures was not measured here.",
          "- A student is a specialist for its size: fed faces of another size it is much worse (the tables above). The",
          "  routing predictor exists for that reason.",
          "- Expression is not emotion: a model says what a face shows, not what a person feels. Do not use it to make",
          "  decisions about people.", ""]
    return '\n'.join(L)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--set', choices=SETS, default='fer2013', help='which set the runs make')
    p.add_argument('--runs', help='the runs of bench/fer2013_full.py (default: runs/fer2013_full, runs/ferplus)')
    p.add_argument('--data', help="the set's data: FER2013 CSV (original pixels) or the FERPlus folder; its PublicTest measures the routing")
    p.add_argument('--fer2013', default=str(ROOT.parent / 'shared/data/ferplus/fer2013.csv.gz'), help='FER2013 (original pixels), for the card\'s cross table')
    p.add_argument('--ferplus', default=str(ROOT.parent / 'shared/data/ferplus'), help='the FERPlus folder, for the card\'s cross table')
    p.add_argument('--default', choices=SETS, help="the default set named in the card (default: the package's, config.DEFAULT_SET)")
    p.add_argument('--route-faces', type=int, help='measure the routing on the first N PublicTest faces (default: all)')
    p.add_argument('--out', default=str(ROOT / 'fer_lowres/weights'))
    p.add_argument('--card-only', action='store_true', help='rewrite MODEL_CARD.md from the installed models')
    p.add_argument('--dry-run', action='store_true')
    a = p.parse_args()
    out = Path(a.out)
    if not a.card_only:
        runs = Path(a.runs or ROOT / ('runs/fer2013_full' if a.set == 'fer2013' else 'runs/ferplus'))
        rows = [json.loads(f.read_text()) for f in sorted(runs.glob('*/result.json'))]
        shipped = {}
        for size, name in sizes(a.set).items():
            r = pick(rows, size)
            if r is None: sys.exit(f"no finished run for {size} px under {runs}: run bench/fer2013_full.py first.")
            shipped[size] = (name, r)
            print(f"{name}: {r['name']} (PublicTest {r['valid_accuracy']:.4f}; test {r[f'test_accuracy@{size}']:.4f})")
        if a.dry_run: return
        out.mkdir(parents=True, exist_ok=True)
        upto = measure_route_upto({size: runs / r['name'] for size, (name, r) in shipped.items()}, a.data, n=a.route_faces)
        print(f"route_upto (largest face side per model): {upto}")
        d = DATA[a.set]
        for size, (name, r) in shipped.items():
            src, dst = runs / r['name'], out / name
            if dst.exists(): shutil.rmtree(dst)
            dst.mkdir()
            shutil.copy(src / 'model.safetensors', dst / 'model.safetensors')
            shutil.copy(src / 'result.json', dst / 'result.json')
            cfg = json.loads((src / 'config.json').read_text())
            cfg.update(name=name, dataset=a.set, trained_as=r['name'], test_split=f"{d['title']} {d['test']}",
                       test_accuracy=r[f'test_accuracy@{size}'], test_macro_f1=r[f'test_macro_f1@{size}'],
                       test_accuracy_tta=r[f'test_accuracy_tta@{size}'],
                       test_accuracy_by_size={px: r[f'test_accuracy@{px}'] for px in (48, 24, 12, 6)},
                       route_upto=upto[size], framing=Framing().to_dict(),   # FER2013's crops, as measured (bench/framing.py); FERPlus has the same crops
                       retrain=f"bench/fer2013_full.py runs named in the card (see README), then python tools/bundle_models.py --set {a.set} --runs RUNS --data DATA")
            (dst / 'config.json').write_text(json.dumps(cfg, indent=2))
        print(f"wrote {len(shipped)} models to {out}")
    sets = installed(out)
    cross, means = (cross_table(sets, a.fer2013, a.ferplus) if len(sets) > 1 and Path(a.fer2013).exists() and Path(a.ferplus).exists() else (None, None))
    default = a.default or DEFAULT_SET
    if means and default != max(means, key=means.get): print(f"note: the cross table favours {max(means, key=means.get)!r}, the default is {default!r}")
    (out / 'MODEL_CARD.md').write_text(card(sets, cross, means, default))
    print(f"wrote MODEL_CARD.md (default set: {default})")

if __name__ == '__main__':
    main()
