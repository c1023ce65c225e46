"""LNLNet next to GME-Net: parameters, forward FLOPs per image, and CPU training images/second.

For `lnlnet_tiny`, `lnlnet_base`, `gmenet_tiny` and `gmenet_base` (GME-Net only when `fer_lowres.gmenet` imports),
one table from one run: parameters; MFLOPs of one forward pass on one image at 48 px and at 12 px, counted by
`torch.utils.flop_counter.FlopCounterMode`; and training images/s, forward + loss + backward at batch 128, at
48 px (LR faces upsampled back to the HR size, the `up` protocol) and at native 12 px. LNLNet's loss includes its
auxiliary part (alpha x mean CE of the region logits), as in training. No optimizer step (the same for every model).

Timings are taken in interleaved rounds (each round times every model and size once), and the median and
the best (maximum) images/s over the rounds are reported, so a load that comes and goes on a shared machine
hits all models alike. The load average is printed before and after: read the numbers with it.

    python bench/lnlnet.py                        # 2 threads, 5 rounds
    python bench/lnlnet.py --threads 1 --rounds 7 --models lnlnet_tiny gmenet_tiny
"""
from __future__ import annotations
import argparse, os, platform, statistics, time
import torch
import torch.nn.functional as F
from torch.utils.flop_counter import FlopCounterMode
from fer_lowres.core import MODEL_REGISTRY
import fer_lowres.lnlnet  # noqa: F401  (registers lnlnet_tiny / lnlnet_base)
from fer_lowres.lnlnet import aux_loss

try:
    import fer_lowres.gmenet  # noqa: F401  (registers gmenet_tiny / gmenet_base)
    GMENET = True
except ImportError as e:
    print(f'fer_lowres.gmenet does not import ({e}): GME-Net left out of the table')
    GMENET = False


def flops_per_image(model: torch.nn.Module, size: int) -> int:
    "FLOPs of one forward pass on one 1-channel image of `size` px, in eval mode."
    model.eval()
    with FlopCounterMode(display=False) as counter, torch.no_grad(): model(torch.rand(1, 1, size, size))
    return counter.get_total_flops()


def train_step(model: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> None:
    "Forward, loss (with LNLNet's auxiliary part), backward."
    loss = F.cross_entropy(model(x), y)
    if getattr(model, 'last_aux', None) is not None: loss = loss + model.alpha * aux_loss(model.last_aux, y)
    loss.backward()
    model.zero_grad(set_to_none=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    default = ['lnlnet_tiny', 'lnlnet_base'] + (['gmenet_tiny', 'gmenet_base'] if GMENET else [])
    parser.add_argument('--models', nargs='+', default=default)
    parser.add_argument('--sizes', nargs='+', type=int, default=[48, 12], help='input sides (48: upsampled LR, 12: native LR)')
    parser.add_argument('--bs', type=int, default=128)
    parser.add_argument('--threads', type=int, default=2, help='CPU threads (torch.set_num_threads)')
    parser.add_argument('--rounds', type=int, default=5, help='interleaved timing rounds')
    parser.add_argument('--steps', type=int, default=2, help='training steps timed per model, size and round')
    args = parser.parse_args()
    unknown = [m for m in args.models if m not in MODEL_REGISTRY]
    if unknown: parser.error(f'unknown models {unknown}; registered: {sorted(MODEL_REGISTRY)}')

    torch.set_num_threads(args.threads)
    print(f'torch {torch.__version__}, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs visible, '
          f'{args.threads} threads, batch {args.bs}, {args.rounds} rounds x {args.steps} steps; '
          f'load average before: {os.getloadavg()[0]:.2f}', flush=True)

    torch.manual_seed(0)
    models = {name: MODEL_REGISTRY[name]() for name in args.models}
    info = {name: dict(params=sum(p.numel() for p in m.parameters()),
                       **{f'MFLOPs@{s}': flops_per_image(m, s) / 1e6 for s in args.sizes}) for name, m in models.items()}
    batches = {s: (torch.rand(args.bs, 1, s, s), torch.randint(0, 7, (args.bs,))) for s in args.sizes}
    for m in models.values(): m.train()
    for name, m in models.items():   # warm-up: one step per model and size
        for s in args.sizes: train_step(m, *batches[s])
    rates = {(name, s): [] for name in models for s in args.sizes}
    for r in range(args.rounds):
        for name, m in models.items():
            for s in args.sizes:
                start = time.perf_counter()
                for _ in range(args.steps): train_step(m, *batches[s])
                rates[name, s].append(args.bs * args.steps / (time.perf_counter() - start))
        print(f'  round {r + 1}/{args.rounds} done, load average {os.getloadavg()[0]:.2f}', flush=True)

    head = ['model', 'params'] + [f'MFLOPs@{s}' for s in args.sizes]
    for s in args.sizes: head += [f'img/s@{s} median', f'img/s@{s} best']
    rows = []
    for name in models:
        row = [name, f"{info[name]['params']:,}"] + [f"{info[name][f'MFLOPs@{s}']:.1f}" for s in args.sizes]
        for s in args.sizes: row += [f'{statistics.median(rates[name, s]):.0f}', f'{max(rates[name, s]):.0f}']
        rows.append(row)
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
    fmt = lambda r: '  '.join(v.rjust(w) for v, w in zip(r, widths))
    print(fmt(head)); print(fmt(['-' * w for w in widths]))
    for r in rows: print(fmt(r))
    print(f'load average after: {os.getloadavg()[0]:.2f}')


if __name__ == '__main__':
    main()
