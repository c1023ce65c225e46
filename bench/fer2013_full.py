#!/usr/bin/env python3
"""FER2013, all of it, on a 2-core CPU: the recipe that trains the bundled models, one stage per process.

All 28,709 `Training` faces; each run keeps the epoch with the best `PublicTest` accuracy; `PrivateTest` is
scored once, at the end, at 48, 24, 12 and 6 px (bicubic), with and without flip test-time augmentation.
Every stage writes `OUT/NAME/` (model.safetensors + config.json) and `OUT/NAME/result.json`, so stages can run
in separate processes (one per core) and `--report` prints the tables from what is on disk.

  python bench/fer2013_full.py --stage bundled                  # the teacher (two cycles) and the three students that ship (the one command)
  python bench/fer2013_full.py --stage all                      # those, then every comparison below, in order
  python bench/fer2013_full.py --stage teacher                  # the 48 px teacher (gmenet_small)
  python bench/fer2013_full.py --stage teacher --init teacher --epochs 15 --lr 3e-3   # its second cycle, from its weights (ships)
  python bench/fer2013_full.py --stage student --scale 4 --seed 1 --distill askd   # needs the teacher
  python bench/fer2013_full.py --stage student --scale 4 --distill both --mode up --init teacher --teacher second --epochs 16
  python bench/fer2013_full.py --stage ablation --variant no_erase                 # one row of the recipe ablation
  python bench/fer2013_full.py --report
"""
import argparse, json, sys, time
from pathlib import Path
import numpy as np
import torch

RECIPE = dict(arch='gmenet_small', bs=64, lr=3e-3, augment='strong', label_smoothing=0.1, mode='native', protocol='bicubic',
              teacher_epochs=25, student_epochs={2: 20, 4: 12, 8: 20}, study_seeds=(0, 1, 2))
# the students that ship, all distilled from a teacher (attention + logits), seed 0, each chosen on PublicTest among
# the runs (README): at 24 and 12 px the LR face upsampled back to 48 px ('up') and the teacher's weights to start from;
# at 6 px that lost (PublicTest 0.395 against 0.410 for the native 20-epoch run), so the native-size student from random
# weights ships, trained for 30 epochs. Learning from the second-cycle teacher won on PublicTest at 24 px (0.621 against
# 0.601 from the first teacher) and at 6 px (0.420 against 0.418); at 12 px the first teacher's student kept its place
# (0.542 against 0.541)
BUNDLED = {2: dict(mode='up', init='teacher', epochs=8, teacher='second'), 4: dict(mode='up', init='teacher', epochs=16, teacher='first'),
           8: dict(mode=None, init='random', epochs=30, teacher='second')}
# the teacher that ships: teacher48 trained on for a second one-cycle schedule from its own weights (PublicTest 0.634
# with peak lr 3e-3, 0.634 with 1e-3; teacher48 0.618); `--teacher second` distils students from it
SECOND_CYCLE = dict(epochs=15, lr=3e-3)
def cycle_name(epochs, lr): return f"teacher48_then_e{epochs}_lr{lr:g}"   # a second-cycle teacher's run
TEACHERS = {'first': 'teacher48', 'second': cycle_name(**SECOND_CYCLE)}
DISTILL = {'alone': None,                                  # the student trained alone
           'askd': dict(lam=5.0, kd_weight=0.),           # A-SKD: lam 5, channel and spatial maps
           'kd': dict(lam=0.0, kd_weight=1.0),            # Hinton's logit distillation, T 4
           'both': dict(lam=5.0, kd_weight=1.0)}
# the recipe ablation: a 12 px gmenet_tiny student, 8 epochs, one change at a time from the full recipe
ABLATION = {'recipe': {}, 'light_aug': dict(augment='light'), 'no_aug': dict(augment=False),
            'no_erase': dict(augment='no_erase'), 'no_smoothing': dict(label_smoothing=0.)}

def log(*a): print(time.strftime('%H:%M:%S'), *a, flush=True)

def load(csv, bs, augment, targets='majority'):
    "The faces (FER2013 from its CSV; any other layout `load_faces` reads, FERPlus labelled by `targets`) and their DataLoaders."
    from fer_lowres.data import read_fer2013_csv, load_faces, detect_format, face_augment, RandomErase
    fmt = detect_format(csv)
    faces = read_fer2013_csv(csv) if fmt == 'fer2013-csv' else load_faces(csv, mode=targets) if fmt.startswith('ferplus') else load_faces(csv)
    if augment == 'no_erase': augment = [t for t in face_augment('strong') if not isinstance(t, RandomErase)]
    dls = faces.dataloaders(size=48, channels=1, bs=bs, augment=augment)
    return faces, dls

def with_classes(model, n):
    "`model` with an output layer for `n` classes: the same weights where the shapes agree, a new layer where they do not (7 FER2013 -> 8 FERPlus classes)."
    cfg = model.fer_config
    if cfg['num_classes'] == n: return model
    from fer_lowres.models import create_model
    new = create_model(cfg['arch'], in_chans=cfg['in_chans'], num_classes=n, **cfg.get('model_kwargs', {}))
    own, state = new.state_dict(), model.state_dict()
    kept = {k: v for k, v in state.items() if k in own and own[k].shape == v.shape}
    new.load_state_dict(kept, strict=False)
    log(f"started from a {cfg['num_classes']}-class model: {len(own) - len(kept)} tensors of the head made anew for {n} classes")
    return new

def score(model, faces, dls, name, seconds, extra):
    "PrivateTest at 48/24/12/6 px, with and without flip TTA; and PublicTest at the model's own scale."
    from fer_lowres.evaluate import resolution_sweep, get_fer_preds as predict, fer_metrics
    test_dl = faces.split_dl(dls, 'test')
    res = dict(name=name, train_seconds=round(seconds), params=sum(p.numel() for p in model.parameters()), **extra)
    for tta in (False, True):
        df = resolution_sweep(model, test_dl, scales=(1, 2, 4, 8), protocol='bicubic', tta=tta)
        for _, r in df.iterrows():
            for m in ('accuracy', 'macro_f1', 'mean_class_accuracy'):
                res[f"test_{m}{'_tta' if tta else ''}@{r['size']}"] = round(float(r[m]), 4)
    cfg = model.fer_config
    probs, y = predict(model, test_dl, cfg['scale'], cfg['protocol'], cfg['mode'], tta=True)
    res['test_confusion_tta'] = fer_metrics(probs, y, list(dls.vocab))['confusion'].tolist()
    t = time.time(); predict(model, test_dl, cfg['scale'], cfg['protocol'], cfg['mode'])
    res['infer_img_s'] = round(len(y) / (time.time() - t))
    return res

def run(a, name, scale, epochs, seed, arch, teacher=None, distill=None, init=None, **over):
    from fer_lowres.learner import train_teacher, train_student
    from fer_lowres.models import load_model
    out = Path(a.out) / name
    if (out / 'result.json').exists() and not a.force: log(f"{name}: done already ({out}/result.json)"); return
    r = dict(RECIPE, **over)
    faces, dls = load(a.csv, r['bs'], r['augment'], getattr(a, 'targets', 'majority'))
    n_train = len(faces.indices('train'))
    log(f"{name}: {arch} scale {scale} ({48 // scale} px) seed {seed} epochs {epochs} lr {r['lr']} augment {r['augment']} "
        f"smoothing {r['label_smoothing']} distill {distill} init {init or 'random'}; {n_train} training faces; {torch.get_num_threads()} thread(s)")
    kw = dict(epochs=epochs, lr=r['lr'], seed=seed, label_smoothing=r['label_smoothing'])
    t = time.time()
    where = lambda n: Path(a.out) / n if (Path(a.out) / n).exists() else n   # a run under --out, else a folder or a bundled name
    start = lambda n: with_classes(load_model(where(n)), len(faces.classes))   # a trained model's weights, its head re-made for these classes
    if scale == 1: learn = train_teacher(dls, start(init) if init else arch, **kw)   # init: a second cycle
    else:
        tm = load_model(where(teacher)) if distill else None
        dk = dict(distill or {})
        model = start(init) if init else arch   # start from a trained model's weights (the teacher's)
        learn = train_student(dls, model, scale=scale, teacher=tm, lam=dk.pop('lam', 5.0), distill_kwargs=dk or None,
                              mode=r['mode'], protocol=r['protocol'], **kw)
    seconds = time.time() - t
    rec = learn.recorder
    valid_acc = [float(v[rec.metric_names.index('accuracy') - 1]) for v in rec.values]
    best = int(np.argmax(valid_acc))
    extra = dict(arch=arch, scale=scale, size=48 // scale, seed=seed, epochs=epochs, best_epoch=best + 1,
                 valid_accuracy=round(valid_acc[best], 4), valid_curve=[round(v, 4) for v in valid_acc],
                 train_img_s=round(n_train * epochs / seconds), torch_threads=torch.get_num_threads(),
                 recipe={k: v for k, v in r.items() if k in ('bs', 'lr', 'augment', 'label_smoothing', 'mode', 'protocol')},
                 distill=distill, teacher=teacher if distill else None, init=init)
    learn.save_fer(out, data=f'{faces.format} Training ({n_train:,} faces) from {a.csv}; epoch chosen on PublicTest',
                   dataset='ferplus' if faces.format.startswith('ferplus') else 'fer2013', epochs=epochs,
                   best_epoch=best + 1, valid_accuracy=round(valid_acc[best], 4), train_seconds=round(seconds))
    res = score(learn.model, faces, dls, name, seconds, extra)
    (out / 'result.json').write_text(json.dumps(res, indent=1))
    log(f"{name}: {seconds:.0f} s; PublicTest best {valid_acc[best]:.4f} (epoch {best + 1}); PrivateTest at {48 // scale} px "
        f"{res[f'test_accuracy@{48 // scale}']:.4f}, with flip TTA {res[f'test_accuracy_tta@{48 // scale}']:.4f}")

def rescore(a, name):
    "Score a saved run whose process could not (its folder holds the model but no result.json)."
    from fer_lowres.models import load_model
    out = Path(a.out) / name
    model = load_model(out); cfg = model.fer_config
    faces, dls = load(a.csv, 64, False)
    extra = dict(arch=cfg['arch'], scale=cfg['scale'], size=48 // cfg['scale'], seed=int(name.rsplit('seed', 1)[1]) if 'seed' in name else 0,
                 epochs=cfg['epochs'], best_epoch=cfg['best_epoch'], valid_accuracy=cfg['valid_accuracy'], valid_curve=None,
                 train_img_s=round(len(faces.indices('train')) * cfg['epochs'] / cfg['train_seconds']), torch_threads=1,
                 recipe=dict(RECIPE_KEYS), distill=cfg.get('distillation'), teacher=None, rescored=True)
    res = score(model, faces, dls, name, cfg['train_seconds'], extra)
    (out / 'result.json').write_text(json.dumps(res, indent=1))
    size = extra['size']
    log(f"{name}: rescored; PrivateTest at {size} px {res[f'test_accuracy@{size}']:.4f}")

RECIPE_KEYS = {k: v for k, v in RECIPE.items() if k in ('bs', 'lr', 'augment', 'label_smoothing', 'mode', 'protocol')}

def report(a):
    rows = [json.loads(p.read_text()) for p in sorted(Path(a.out).glob('*/result.json'))]
    if not rows: sys.exit(f"no results under {a.out}")
    print("FER2013 PrivateTest (3,589 faces), bicubic degradation, flip TTA; epoch chosen on PublicTest\n")
    print('| run | epochs (best) | PublicTest | 48 px | 24 px | 12 px | 6 px | macro-F1 own size | train s | train img/s |')
    print('|---|---|---|---|---|---|---|---|---|---|')
    for r in rows:
        s = r['size']
        print(f"| {r['name']} | {r['epochs']} ({r['best_epoch']}) | {r['valid_accuracy']:.3f} | " +
              ' | '.join(f"{r[f'test_accuracy_tta@{px}']:.3f}" for px in (48, 24, 12, 6)) +
              f" | {r[f'test_macro_f1_tta@{s}']:.3f} | {r['train_seconds']} | {r['train_img_s']} |")
    study = [r for r in rows if r['name'].startswith('s12_')]
    if study:   # the distillation study as the notebook and README print it: one row per kind and schedule
        kinds = {}
        for r in study: kinds.setdefault(r['name'].rsplit('_seed', 1)[0], []).append(r)
        ms = lambda v: f"{np.mean(v):.3f} ± {np.std(v, ddof=1):.3f}" if len(v) > 1 else f"{v[0]:.3f}"   # one seed: no spread to show"
        print("\n| 12 px student | epochs | seeds | PrivateTest acc. | with flip TTA | macro-F1 | PublicTest |\n|---|---|---|---|---|---|---|")
        for k, rs in kinds.items():
            rs = sorted(rs, key=lambda r: r['seed'])
            print(f"| {k[4:]} | {rs[0]['epochs']} | {', '.join(str(r['seed']) for r in rs)} | {ms([r['test_accuracy@12'] for r in rs])} | "
                  f"{ms([r['test_accuracy_tta@12'] for r in rs])} | {ms([r['test_macro_f1@12'] for r in rs])} | {ms([r['valid_accuracy'] for r in rs])} |")

def student(a, arch, scale, distill, epochs, seed, mode=None, init='random', lr=None, teacher='first'):
    "One student run, named after how it differs from the recipe (e.g. `s12_both_e16_up_init_seed0`; `_t2`: from the second teacher)."
    longer = '' if epochs == RECIPE['student_epochs'][scale] else f"_e{epochs}"   # a schedule other than the recipe's
    name = (f"s{48 // scale}_{distill}{longer}{'_up' if mode == 'up' else ''}{'' if init == 'random' else '_init'}"
            f"{'' if lr is None else f'_lr{lr:g}'}{'' if teacher == 'first' else '_t2'}_seed{seed}")
    over = {k: v for k, v in dict(lr=lr, mode=mode).items() if v is not None}
    t = TEACHERS[teacher]
    run(a, name, scale, epochs, seed, arch, t, DISTILL[distill], init=None if init == 'random' else t, **over)

def second_cycle(a, arch, epochs, lr):
    "The teacher trained on: a new one-cycle schedule of `epochs` from `teacher48`'s weights (e.g. `teacher48_then_e15_lr0.001`)."
    run(a, cycle_name(epochs, lr), 1, epochs, 0, arch, init=TEACHERS['first'], lr=lr)

def finetune(a, arch):
    "One run that starts from a saved model (`--init-from`), keeps its scale and mode, and is distilled by `--teacher-from` when given."
    from fer_lowres.models import load_model
    where = Path(a.out) / a.init_from if (Path(a.out) / a.init_from).exists() else a.init_from
    cfg = load_model(where).fer_config
    scale, mode = a.scale or cfg['scale'], a.mode or cfg['mode']   # a teacher's weights can start a student (--scale, --mode)
    name = a.name or f"ft_{Path(a.init_from).name}_e{a.epochs}"
    teacher = getattr(a, 'teacher_from', None)
    over = {k: v for k, v in dict(lr=a.lr, mode=mode).items() if v is not None}
    run(a, name, scale, a.epochs, a.seed, arch, teacher, DISTILL['both'] if teacher and scale > 1 else None, init=a.init_from, **over)

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--csv', help='FER2013 CSV (default: $FER2013_CSV or shared/data/fer2013 beside the project), or a FERPlus folder (either layout)')
    p.add_argument('--targets', choices=('majority', 'crossentropy', 'probability'), default='majority',
                   help="FERPlus: how training faces are labelled (test: always majority)")
    p.add_argument('--out', default='runs/fer2013_full')
    p.add_argument('--stage', choices=('bundled', 'all', 'teacher', 'student', 'ablation'), default='bundled')
    p.add_argument('--scale', type=int, choices=(2, 4, 8), help='the student\'s factor (default 4; with --init-from: the model\'s own)')
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--distill', choices=tuple(DISTILL), default='alone')
    p.add_argument('--variant', choices=tuple(ABLATION))
    p.add_argument('--epochs', type=int, help='override the recipe\'s epochs')
    p.add_argument('--lr', type=float, help='override the recipe\'s peak learning rate')
    p.add_argument('--init', choices=('random', 'teacher'), default='random', help='starting weights: random, or the 48 px teacher\'s (for --stage teacher: a second cycle)')
    p.add_argument('--mode', choices=('native', 'up'), help="override the recipe's student mode: 'up' feeds the LR faces upsampled to 48 px")
    p.add_argument('--teacher', choices=tuple(TEACHERS), default='first',
                   help=f"the teacher a student learns from: {TEACHERS['first']} or {TEACHERS['second']} (its second cycle)")
    p.add_argument('--threads', type=int, default=1, help='torch CPU threads (1 per process: run two stages on two cores)')
    p.add_argument('--force', action='store_true', help='retrain a stage that has a result already')
    p.add_argument('--init-from', help='start from this saved model folder or bundled name (e.g. fer2013_12px: fine-tune a model on other pixels); names the run NAME with --name')
    p.add_argument('--teacher-from', help='with --init-from: distil from this saved teacher folder or bundled name')
    p.add_argument('--name', help='name of the run folder under --out (with --init-from)')
    p.add_argument('--report', action='store_true')
    p.add_argument('--rescore', help='score the saved run NAME under --out (no training)')
    a = p.parse_args()
    if a.report: return report(a)
    torch.set_num_threads(a.threads)
    from fer_lowres.core import find_fer2013
    a.csv = a.csv or find_fer2013()
    if a.csv is None: sys.exit("FER2013 not found: pass --csv or set FER2013_CSV.")
    arch = RECIPE['arch']
    if a.rescore: return rescore(a, a.rescore)
    if a.init_from:   # fine-tune a saved model at its own scale and mode, distilled (attention + logits) by --teacher-from
        return finetune(a, arch)
    if a.stage in ('teacher', 'all') and a.init == 'random': run(a, 'teacher48', 1, a.epochs or RECIPE['teacher_epochs'], 0, arch)
    if a.stage == 'teacher' and a.init == 'teacher': second_cycle(a, arch, a.epochs or SECOND_CYCLE['epochs'], a.lr or SECOND_CYCLE['lr'])
    if a.stage == 'student':
        a.scale = a.scale or 4
        student(a, arch, a.scale, a.distill, a.epochs or RECIPE['student_epochs'][a.scale], a.seed, a.mode, a.init, a.lr, a.teacher)
    if a.stage in ('bundled', 'all'):
        if a.stage == 'bundled': run(a, 'teacher48', 1, RECIPE['teacher_epochs'], 0, arch)
        second_cycle(a, arch, **SECOND_CYCLE)   # the teacher that ships
        for scale, b in BUNDLED.items(): student(a, arch, scale, 'both', b['epochs'], 0, b['mode'], b['init'], teacher=b['teacher'])
    if a.stage == 'ablation':
        run(a, f"ablation_{a.variant}", 4, a.epochs or 8, 0, 'gmenet_tiny', **ABLATION[a.variant])
    if a.stage == 'all':
        for scale in (2, 8):   # the 24 and 6 px students, alone and distilled (attention + logits: the best kind at 12 px)
            for d in ('alone', 'both'): run(a, f"s{48 // scale}_{d}_seed0", scale, RECIPE['student_epochs'][scale], 0, arch, 'teacher48', DISTILL[d])
        for seed in RECIPE['study_seeds']:
            for d in DISTILL: run(a, f"s12_{d}_seed{seed}", 4, RECIPE['student_epochs'][4], seed, arch, 'teacher48', DISTILL[d])
        for v in ABLATION: run(a, f"ablation_{v}", 4, 8, 0, 'gmenet_tiny', **ABLATION[v])
    report(a)

if __name__ == '__main__':
    main()
