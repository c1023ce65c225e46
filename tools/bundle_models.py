#!/usr/bin/env python3
"""Copy the FER2013 models trained by `bench/fer2013_full.py` into the package (`fer_lowres/weights/`), with a model card.

Which run ships, and up to which face side each model takes faces in `pretrained.route` (`route_upto`), are decided
on PublicTest only: for each face size, the run (and the kind of training:
alone or distilled from the teacher) with the best PublicTest accuracy. PrivateTest numbers are copied from the runs' results,
never used to choose.

  python tools/bundle_models.py                       # from runs/fer2013_full (FER2013 needed: routing limits are measured)
  python tools/bundle_models.py --runs DIR --dry-run  # show what would ship
"""
import argparse, json, shutil, sys
from pathlib import Path
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
from fer_lowres.core import CLASSES   # the canonical 7-class order
SIZES = {48: 'fer2013_48px', 24: 'fer2013_24px', 12: 'fer2013_12px', 6: 'fer2013_6px'}

def measure_route_upto(folders: dict, csv=None, sides=range(6, 49)) -> dict:
    """The largest face side each model should take in `pretrained.route`, measured: every PublicTest face shrunk to each
    side in `sides` and scored by every model; a model keeps the sides up to where the next larger one overtakes it."""
    import torch
    from fer_lowres.core import find_fer2013
    from fer_lowres.data import read_fer2013_csv
    from fer_lowres.inference import Predictor
    from fer_lowres.pretrained import shrink_faces
    fer = read_fer2013_csv(csv or find_fer2013())
    idx = fer.indices('valid')   # PublicTest: the split we choose on
    x = torch.from_numpy(np.stack([np.asarray(fer.image(int(i))) for i in idx]))[:, None].float() / 255
    y = fer.items['label'].to_numpy()[idx]
    preds = {size: Predictor(f) for size, f in sorted(folders.items())}
    acc = {side: {size: float((p.probs(shrink_faces(x, side)).argmax(1) == y).mean()) for size, p in preds.items()} for side in sides}
    print(f"PublicTest ({len(idx):,} faces) accuracy by face side and model:")
    print('side ' + ' '.join(f'{s:>6}px' for s in preds))
    for side, a in acc.items(): print(f'{side:>4} ' + ' '.join(f'{a[s]:>8.3f}' for s in preds) + f'   best: {max(a, key=a.get)} px')
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

def card(shipped, rows):
    L = ["# Model card: fer_lowres bundled FER2013 models", "",
         "Four models ship inside the `fer_lowres` package (`fer_lowres/weights/`): a 48 px teacher and students made for",
         "24, 12 and 6 px faces. `fer-lowres models` lists them; `fer-lowres predict photo.jpg` uses all four, sending",
         "each face to the model for its size.", "",
         "## Training data and protocol", "",
         "- **Data**: FER2013 (Goodfellow et al., 2013; 35,887 grey 48x48 faces from web image searches, 7 expressions).",
         "  Its terms allow research use; check them before any other use. The weights are derived from it.",
         "- **Split**: trained on `Training` (28,709 faces); the epoch and the kind of training (alone, or distilled from the teacher) chosen on",
         "  `PublicTest` (3,589); reported once on `PrivateTest` (3,589).",
         "- **Model**: `gmenet_small` (GME-Net, ~340k parameters; our interpretation of arXiv 2511.05938, see `06_gmenet`).",
         "- **Recipe**: AdamW one-cycle (lr 3e-3, batch 64), label smoothing 0.1, strong augmentation (zoom up to 1.25x at a",
         "  random centre, rotation up to 10 degrees, flips, lighting, random erasing of one box per face). Students see",
         "  the 48 px face shrunk by bicubic downsampling (antialiased) to their size, then "
         + ("upsampled back to 48 px (bicubic; `up` mode), and start from the teacher's weights. "
            if all(r.get('recipe', {}).get('mode') == 'up' and r.get('init') for size, (_, r) in shipped.items() if size != 48)
            else "kept at that size (`native` mode) or upsampled back to 48 px (`up` mode; these start from the teacher's "
                 "weights), as the run names in the table say (`_up_init`). "),
         "  Distilled students also match the teacher's attention maps (A-SKD, lam 5) and its softened outputs (logit KD,",
         "  weight 1, T 4).",
         *([] if not shipped[48][1].get('init') else [
         f"- **The teacher that ships** is `{shipped[48][1]['init']}` trained on: a second one-cycle schedule of "
         f"{shipped[48][1]['epochs']} epochs (peak lr {shipped[48][1]['recipe']['lr']:g})",
         f"  from its weights (`{shipped[48][1]['name']}`)."]),
         "- **Each student's teacher**: " + '; '.join(f"`{name}` from `{r.get('teacher')}`" + (' (the shipped teacher)' if r.get('teacher') == shipped[48][1]['name'] else '') for size, (name, r) in sorted(shipped.items(), reverse=True)
                                                    if size != 48) + ".",
         "- **Retrain all of them**: `python bench/fer2013_full.py --stage bundled` then `python tools/bundle_models.py`",
         "  (on 2 CPU cores, one thread per process; see the README for the times measured).", "",
         "## Accuracy on FER2013 PrivateTest", "",
         "Each model at its own size and at the others (bicubic degradation of the 48 px test faces); `tta`: the mean of",
         "the face and its mirror image (the predictor does not do this by default).", "",
         "| model | trained as | PublicTest | 48 px | 24 px | 12 px | 6 px | macro-F1 (own size) | acc. own size, flip TTA |",
         "|---|---|---|---|---|---|---|---|---|"]
    for size, (name, r) in sorted(shipped.items(), reverse=True):
        L.append(f"| {name} | {r['name']} | {r['valid_accuracy']:.3f} | " + ' | '.join(f"{r[f'test_accuracy@{px}']:.3f}" for px in (48, 24, 12, 6))
                 + f" | {r[f'test_macro_f1@{size}']:.3f} | {r[f'test_accuracy_tta@{size}']:.3f} |")
    L += ["", "## Confusion matrices (PrivateTest, own size, flip TTA; rows: true class, % of the row)", ""]
    for size, (name, r) in sorted(shipped.items(), reverse=True):
        cm = np.array(r['test_confusion_tta'], float); cm = 100 * cm / cm.sum(1, keepdims=True)
        L += [f"**{name}**", "", "| true \\ predicted | " + ' | '.join(CLASSES) + " |", "|---|" + "---|" * len(CLASSES)]
        L += [f"| {c} | " + ' | '.join(f"{v:.0f}" for v in row) + " |" for c, row in zip(CLASSES, cm)]
        L.append("")
    L += ["## Known limits", "",
          "- Trained on 48x48 grey, roughly frontal, roughly aligned face crops: faces turned far from the camera, heavily",
          "  occluded, or cropped very differently from FER2013's crops are outside what it saw.",
          "- FER2013's labels are noisy (human accuracy is about 65%, Goodfellow et al.) and its classes are unbalanced:",
          "  `disgust` has 547 of the 35,887 faces, and its accuracy is the lowest (see the matrices).",
          "- The data set's faces come from web searches: its demographic make-up is not documented and it is known to be",
          "  skewed; accuracy across ages, skin tones and cultures was not measured here.",
          "- A student is a specialist for its size: fed faces of another size it is much worse (the table above). The",
          "  routing predictor exists for that reason.",
          "- Expression is not emotion: a model says what a face shows, not what a person feels. Do not use it to make",
          "  decisions about people.", ""]
    return '\n'.join(L)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--runs', default=str(ROOT / 'runs/fer2013_full'))
    p.add_argument('--out', default=str(ROOT / 'fer_lowres/weights'))
    p.add_argument('--dry-run', action='store_true')
    a = p.parse_args()
    rows = [json.loads(f.read_text()) for f in sorted(Path(a.runs).glob('*/result.json'))]
    shipped = {}
    for size, name in SIZES.items():
        r = pick(rows, size)
        if r is None: sys.exit(f"no finished run for {size} px under {a.runs}: run bench/fer2013_full.py first.")
        shipped[size] = (name, r)
        print(f"{name}: {r['name']} (PublicTest {r['valid_accuracy']:.4f}; PrivateTest {r[f'test_accuracy@{size}']:.4f})")
    if a.dry_run: return
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    upto = measure_route_upto({size: Path(a.runs) / r['name'] for size, (name, r) in shipped.items()})
    print(f"route_upto (largest face side per model): {upto}")
    for size, (name, r) in shipped.items():
        src, dst = Path(a.runs) / r['name'], out / name
        if dst.exists(): shutil.rmtree(dst)
        dst.mkdir()
        shutil.copy(src / 'model.safetensors', dst / 'model.safetensors')
        cfg = json.loads((src / 'config.json').read_text())
        cfg.update(name=name, trained_as=r['name'], test_split='FER2013 PrivateTest (3,589 faces)',
                   test_accuracy=r[f'test_accuracy@{size}'], test_macro_f1=r[f'test_macro_f1@{size}'],
                   test_accuracy_tta=r[f'test_accuracy_tta@{size}'],
                   test_accuracy_by_size={px: r[f'test_accuracy@{px}'] for px in (48, 24, 12, 6)},
                   route_upto=upto[size],
                   retrain='python bench/fer2013_full.py --stage bundled && python tools/bundle_models.py')
        (dst / 'config.json').write_text(json.dumps(cfg, indent=2))
    (out / 'MODEL_CARD.md').write_text(card(shipped, rows))
    print(f"wrote {len(shipped)} models and MODEL_CARD.md to {out}")

if __name__ == '__main__':
    main()
