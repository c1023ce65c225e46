#!/usr/bin/env python3
"""FER2013 benchmark: models x resolution on the real data, under the honest protocol.

Train on `train` (optionally a stratified fraction of it), choose the epoch on `valid` (PublicTest), report on
`test` (PrivateTest) only. Prints one markdown table: model x face size (48, 24, 12, 6 px, bicubic degradation)
with accuracy and macro-F1, parameters, training images/s and inference images/s (on this machine).

  python bench/fer2013.py --budget cpu            # under 30 minutes on 2 CPU cores
  python bench/fer2013.py --budget gpu            # the full budget, on a CUDA machine
  python bench/fer2013.py --budget cpu-full       # all of FER2013 on 2 CPU cores: the recipe of the bundled models
                                                  # (runs bench/fer2013_full.py --stage all; see that script)
  python bench/fer2013.py --csv path/to/fer2013.csv --train-frac 0.1 --epochs 2   # anything in between
"""
import argparse, json, time, sys
from pathlib import Path
import numpy as np
import pandas as pd
import torch

from fer_lowres.core import find_fer2013, seed_everything, default_device
from fer_lowres.data import read_fer2013_csv
from fer_lowres.learner import train_teacher, train_student
from fer_lowres.evaluate import resolution_sweep, get_fer_preds as predict

BUDGETS = {  # train fraction, epochs, students' seeds
    'cpu': dict(train_frac=0.25, epochs=5, seeds=(0,), arch='gmenet_tiny', baseline='resnet18', bs=128, mode='native'),
    'gpu': dict(train_frac=1.0, epochs=40, seeds=(0, 1, 2), arch='gmenet_base', baseline='resnet18', bs=128, mode='up'),
}

def infer_rate(model, dl, scale, mode):
    t = time.time(); probs, _ = predict(model, dl, scale, 'bicubic', mode)
    return len(probs) / (time.time() - t)

def main():
    if '--budget' in sys.argv and sys.argv[sys.argv.index('--budget') + 1:][:1] == ['cpu-full'] or '--budget=cpu-full' in sys.argv:
        import runpy   # the full-data recipe runs stage by stage (one process per core): bench/fer2013_full.py
        rest = [x for i, x in enumerate(sys.argv[1:]) if x not in ('--budget', 'cpu-full', '--budget=cpu-full')]
        sys.argv = [str(Path(__file__).with_name('fer2013_full.py')), *(rest or ['--stage', 'all'])]
        runpy.run_path(sys.argv[0], run_name='__main__'); return
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--csv', default=None, help='FER2013 CSV (default: $FER2013_CSV or shared/data/fer2013 beside the project)')
    p.add_argument('--budget', choices=sorted(BUDGETS) + ['cpu-full'], default='cpu', help='cpu-full: see bench/fer2013_full.py')
    p.add_argument('--train-frac', type=float); p.add_argument('--epochs', type=int); p.add_argument('--arch'); p.add_argument('--baseline'); p.add_argument('--mode', choices=('up', 'native'))
    p.add_argument('--scale', type=int, default=4, help='students see 48/scale px faces')
    p.add_argument('--out', default='runs/bench_fer2013')
    p.add_argument('--threads', type=int, help='torch CPU threads (default: torch\'s own choice)')
    p.add_argument('--seeds', type=int, nargs='+', help="students' seeds (default: the budget's)")
    p.add_argument('--askd', nargs='+', default=['5'], help="distilled students to train, each `lam[:channel|spatial]` (default: A-SKD's 5, both maps)")
    a = p.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    cfg = dict(BUDGETS[a.budget]); cfg.update({k: v for k, v in dict(train_frac=a.train_frac, epochs=a.epochs, arch=a.arch, baseline=a.baseline, mode=a.mode,
                                    seeds=tuple(a.seeds) if a.seeds else None).items() if v is not None})
    askd = []
    for spec in a.askd:
        lam, *parts = spec.split(':')
        if parts and parts[0] not in ('channel', 'spatial'): sys.exit(f"--askd {spec}: expected lam or lam:channel or lam:spatial")
        askd.append((float(lam), tuple(parts) or ('channel', 'spatial'), spec))
    csv = Path(a.csv) if a.csv else find_fer2013()
    if csv is None: sys.exit("FER2013 not found: pass --csv or set FER2013_CSV.")
    out = Path(a.out); out.mkdir(parents=True, exist_ok=True)
    t0 = time.time()
    faces = read_fer2013_csv(csv).subsample(frac=cfg['train_frac']) if cfg['train_frac'] < 1 else read_fer2013_csv(csv)
    print(f"{faces}  (read in {time.time() - t0:.1f} s); budget {a.budget}: {cfg}; device {default_device()}", flush=True)
    dls = faces.dataloaders(size=48, channels=1, bs=cfg['bs'])
    test_dl = faces.split_dl(dls, 'test')
    n_train = len(faces.indices('train'))
    px = 48 // a.scale
    runs = []  # (name, learner, seconds)
    def fit(name, f, seed=0):   # every learner also gets `seed=`: initialisation, batch order and noise are repeatable
        seed_everything(seed); t = time.time(); learn = f(); s = time.time() - t
        runs.append((name, learn, s)); print(f"== {name}: {s:.0f} s", flush=True); return learn
    teacher = fit(f"{cfg['arch']} teacher 48px", lambda: train_teacher(dls, cfg['arch'], epochs=cfg['epochs'], seed=0))
    for seed in cfg['seeds']:
        for lam, parts, spec in askd:
            fit(f"{cfg['arch']} {px}px +ASKD {spec} seed{seed}", lambda: train_student(dls, cfg['arch'], scale=a.scale, teacher=teacher, lam=lam,
                                                                                      distill_kwargs=dict(parts=parts), epochs=cfg['epochs'], mode=cfg['mode'], seed=seed), seed)
        fit(f"{cfg['arch']} {px}px alone seed{seed}", lambda: train_student(dls, cfg['arch'], scale=a.scale, epochs=cfg['epochs'], mode=cfg['mode'], seed=seed), seed)
    fit(f"{cfg['baseline']} {px}px", lambda: train_student(dls, cfg['baseline'], scale=a.scale, epochs=cfg['epochs'], mode=cfg['mode'], seed=0))
    rows = []
    for name, learn, secs in runs:
        sweep = resolution_sweep(learn.model, test_dl, scales=(1, 2, 4, 8), protocol='bicubic', name=name)
        row = dict(model=name, params=sum(p.numel() for p in learn.model.parameters()),
                   train_img_s=round(n_train * cfg['epochs'] / secs), infer_img_s=round(infer_rate(learn.model, test_dl, learn.fer_meta['scale'], learn.fer_meta['mode'])))
        for _, r in sweep.iterrows(): row[f"acc@{r['size']}"] = r['accuracy']; row[f"f1@{r['size']}"] = r['macro_f1']
        rows.append(row)
    df = pd.DataFrame(rows)
    df.to_csv(out/'results.csv', index=False)
    meta = dict(date=time.strftime('%Y-%m-%d'), device=str(default_device()), torch_threads=torch.get_num_threads(), budget=a.budget,
                n_train=n_train, n_valid=len(faces.indices('valid')), n_test=len(faces.indices('test')), seconds=round(time.time() - t0), **cfg)
    (out/'meta.json').write_text(json.dumps(meta, indent=2))
    print(f"\nFER2013 PrivateTest (n={meta['n_test']}), bicubic degradation; {meta}")
    cols = ['model'] + [f'{m}@{s}' for s in (48, 24, 12, 6) for m in ('acc', 'f1')] + ['params', 'train_img_s', 'infer_img_s']
    fmt = lambda v: f'{v:.3f}' if isinstance(v, float) else f'{v:,}' if isinstance(v, (int, np.integer)) else str(v)
    print('| ' + ' | '.join(cols) + ' |\n|' + '---|' * len(cols))
    for _, r in df[cols].iterrows(): print('| ' + ' | '.join(fmt(v) for v in r) + ' |')
    if len(cfg['seeds']) > 1:   # the students over seeds: mean and standard deviation at their own size
        kind = df['model'].str.replace(r' seed\d+$', '', regex=True)
        print(f"\nstudents over seeds {cfg['seeds']}, accuracy / macro-F1 at {px} px: mean +- sd")
        for name, g in df[kind != df['model']].groupby(kind[kind != df['model']], sort=False):
            print(f"  {name}: {g[f'acc@{px}'].mean():.3f} +- {g[f'acc@{px}'].std():.3f} / {g[f'f1@{px}'].mean():.3f} +- {g[f'f1@{px}'].std():.3f}  (n={len(g)})")

if __name__ == '__main__':
    main()
