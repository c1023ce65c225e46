"""Does attention distillation help a low-resolution GME-Net student? A small, reproducible experiment on the
built-in synthetic faces: a `gmenet_tiny` teacher trained on 48 px faces, then students trained on the faces
shrunk `--scale` times (bicubic), in `up` or `native` mode, with cross-entropy only or with ASKD at several
weights. Same data, epochs, learning rate and seed for every run. Prints validation accuracy, the final CE
and the ASKD distance to the teacher on the validation faces, and the time of each run.

    python bench/distill.py --threads 1                        # the default 14 settings (measured: 22 min, 1 thread)
    python bench/distill.py --epochs 5 --variants native:0 native:5
    python bench/distill.py --spatial cbam                     # the same with CBAM's spatial attention (A-SKD's)

A variant is `mode:lam[:option...]`, with mode `up` or `native`, lam the ASKD weight (0 = cross-entropy only)
and options `channel` or `spatial` (distil only those maps; default both), `tinit` (the student starts from
the teacher's weights instead of a fresh initialisation) and `kd=W` (add logit distillation with weight W,
T=4). One seed: differences of a few points are within noise (512 validation faces: one standard error is
about 2 points at 80% accuracy). Results: notebook 07_distill, "What we measured".
"""
from __future__ import annotations
import argparse, os, time
import torch
from fastai.learner import Learner
from fastai.metrics import accuracy
from fer_lowres.core import seed_everything
from fer_lowres.data import synthetic_faceset
from fer_lowres.degrade import DegradeCallback, degrade
from fer_lowres.distill import ASKDCallback, askd_loss
from fer_lowres.core import MODEL_REGISTRY
import fer_lowres.gmenet  # noqa: F401  (registers the GME-Net configs)

DEFAULT_VARIANTS = ['native:0', 'native:0.1', 'native:0.5', 'native:5', 'native:0.5:channel', 'native:0.5:spatial',
                    'native:0:tinit', 'native:0.5:tinit', 'native:5:tinit', 'native:0:kd=1', 'native:0.5:kd=1',
                    'up:0', 'up:0.5', 'up:5']


def parse_variant(variant: str) -> dict:
    "`'native:0.5:channel:tinit:kd=1'` -> dict(mode, lam, parts, tinit, kd)."
    mode, lam, *options = variant.split(':')
    if mode not in ('up', 'native'): raise SystemExit(f"variant {variant!r}: mode {mode!r}; expected 'up' or 'native'.")
    out = dict(mode=mode, lam=float(lam), parts='both', tinit=False, kd=0.)
    for option in options:
        if option in ('both', 'channel', 'spatial'): out['parts'] = option
        elif option == 'tinit': out['tinit'] = True
        elif option.startswith('kd='): out['kd'] = float(option[3:])
        else: raise SystemExit(f"variant {variant!r}: unknown option {option!r}; expected channel, spatial, tinit or kd=W.")
    return out


def fit(dls, model, epochs, lr, cbs=()):
    learn = Learner(dls, model, metrics=accuracy, cbs=list(cbs))
    with learn.no_bar(), learn.no_logging(): learn.fit_one_cycle(epochs, lr)
    return learn


def distance_to_teacher(model, teacher, dls, scale, mode):
    "Mean ASKD distance of `model` on LR validation faces to `teacher` on the HR faces."
    model.eval(); teacher.eval()
    total, n = 0., 0
    with torch.no_grad():
        for xb, _ in dls.valid:
            teacher(xb); model(degrade(xb, scale, mode=mode))
            total += askd_loss(model.attention_maps(), teacher.attention_maps()).item() * len(xb); n += len(xb)
    return total / n


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--model', default='gmenet_tiny')
    parser.add_argument('--epochs', type=int, default=15)
    parser.add_argument('--lr', type=float, default=3e-3)
    parser.add_argument('--n-train', type=int, default=2048)
    parser.add_argument('--n-valid', type=int, default=512)
    parser.add_argument('--scale', type=float, default=4)
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--variants', nargs='+', default=DEFAULT_VARIANTS)
    parser.add_argument('--spatial', choices=('depthwise', 'cbam'), default='depthwise',
                        help="the MABs' spatial attention: DBAM's depthwise read-out (default) or CBAM's, as in A-SKD")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f'{args.model}, {args.epochs} epochs, {args.n_train}/{args.n_valid} synthetic faces at 48 px, scale {args.scale:g}, '
          f'seed {args.seed}, {args.threads} threads, {args.spatial} spatial attention; load average before: {os.getloadavg()[0]:.2f}', flush=True)

    seed_everything(args.seed)
    faces = synthetic_faceset(args.n_train, args.n_valid, n_test=8, size=48, seed=args.seed)
    dls = faces.dataloaders(size=48, bs=64, device='cpu')
    start = time.time()
    teacher = MODEL_REGISTRY[args.model](spatial=args.spatial)
    teacher_acc = float(fit(dls, teacher, args.epochs, args.lr).recorder.values[-1][2])
    print(f'teacher (48 px): valid accuracy {teacher_acc:.3f}, {time.time() - start:.0f} s', flush=True)

    print(f"{'mode':>6}  {'lam':>4}  {'parts':>7}  {'init':>7}  {'kd':>3}  {'accuracy':>8}  {'valid_ce':>8}  {'askd_to_teacher':>15}  {'seconds':>7}")
    variants = [parse_variant(v) for v in args.variants]
    for v in variants:
        mode, lam, parts = v['mode'], v['lam'], v['parts']
        seed_everything(args.seed)
        cbs = [DegradeCallback(args.scale, mode=mode)]
        if lam or v['kd']:
            cbs.append(ASKDCallback(teacher, lam=lam, kd_weight=v['kd'], parts=('channel', 'spatial') if parts == 'both' else (parts,), log_parts=True))
        student = MODEL_REGISTRY[args.model](spatial=args.spatial)
        if v['tinit']: student.load_state_dict(teacher.state_dict())
        start = time.time()
        learn = fit(dls, student, args.epochs, args.lr, cbs)
        seconds = time.time() - start
        record = dict(zip(learn.recorder.metric_names[1:], learn.recorder.values[-1]))
        ce = record.get('ce', record['valid_loss'])
        dist = distance_to_teacher(learn.model, teacher, dls, args.scale, mode)
        print(f"{mode:>6}  {lam:>4g}  {parts:>7}  {'teacher' if v['tinit'] else 'fresh':>7}  {v['kd']:>3g}  {record['accuracy']:>8.3f}  {ce:>8.3f}  {dist:>15.3f}  {seconds:>7.0f}", flush=True)
    print(f'load average after: {os.getloadavg()[0]:.2f}')


if __name__ == '__main__':
    main()
