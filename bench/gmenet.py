"""Training throughput of GME-Net: images per second of forward + backward (batch 128) for `gmenet_tiny` and
`gmenet_base` at 48 px (LR faces upsampled back to the HR size, the `up` protocol) and at native 12 px, on
`--threads` CPU threads (default 2) and, when a GPU is present, on the GPU in fp32 and with mixed precision
plus channels_last. Prints one table, side by side, with the native/upsampled speed ratio.

    python bench/gmenet.py                 # CPU (2 threads) and, if there is one, the GPU
    python bench/gmenet.py --threads 1 --min-time 10 --models gmenet_tiny

The machine's load average is printed before and after: on a shared CPU, timings are only as good as it.
"""
from __future__ import annotations
import argparse, os, platform, time
import torch
import torch.nn.functional as F
from fer_lowres.core import MODEL_REGISTRY
from fer_lowres.gmenet import count_flops  # noqa: F401  (registers the GME-Net configs)


def images_per_second(name: str, size: int, bs: int, device: torch.device, amp: bool = False,
                      channels_last: bool = False, min_time: float = 5.0, min_iters: int = 3, warmup: int = 2) -> float:
    "Training images/s of forward + cross-entropy + backward for the registered model `name` at `size` px."
    torch.manual_seed(0)
    model = MODEL_REGISTRY[name]().to(device).train()
    x = torch.rand(bs, 1, size, size, device=device)
    y = torch.randint(0, 7, (bs,), device=device)
    if channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    dtype = torch.float16 if device.type == 'cuda' else torch.bfloat16
    def step():
        with torch.autocast(device.type, dtype=dtype, enabled=amp):
            loss = F.cross_entropy(model(x), y)
        loss.backward()
        model.zero_grad(set_to_none=True)
    sync = torch.cuda.synchronize if device.type == 'cuda' else (lambda: None)
    for _ in range(warmup): step()
    sync()
    iters, start = 0, time.perf_counter()
    while iters < min_iters or time.perf_counter() - start < min_time:
        step(); iters += 1
        sync()
    return bs * iters / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--models', nargs='+', default=['gmenet_tiny', 'gmenet_base'])
    parser.add_argument('--hr', type=int, default=48, help='HR side: the upsampled LR input')
    parser.add_argument('--lr', type=int, default=12, help='native LR side')
    parser.add_argument('--bs', type=int, default=128)
    parser.add_argument('--threads', type=int, default=2, help='CPU threads (torch.set_num_threads)')
    parser.add_argument('--min-time', type=float, default=5.0, help='seconds timed per measurement (at least 3 steps)')
    parser.add_argument('--no-cpu', action='store_true', help='skip the CPU runs')
    parser.add_argument('--no-gpu', action='store_true', help='skip the GPU runs')
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    print(f'torch {torch.__version__}, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs visible, '
          f'{args.threads} threads, batch {args.bs}; load average before: {os.getloadavg()[0]:.2f}')
    setups = []
    if not args.no_cpu: setups += [('cpu', torch.device('cpu'), False, False), ('cpu channels_last', torch.device('cpu'), False, True)]
    if torch.cuda.is_available() and not args.no_gpu:
        torch.backends.cudnn.benchmark = True
        gpu = torch.cuda.get_device_name()
        setups += [(f'{gpu} fp32', torch.device('cuda'), False, False),
                   (f'{gpu} amp+channels_last', torch.device('cuda'), True, True)]
    elif not args.no_gpu: print('no GPU here: CPU only')

    rows = []
    for label, device, amp, cl in setups:
        for name in args.models:
            flops = {s: count_flops(MODEL_REGISTRY[name](), s) for s in (args.hr, args.lr)}
            up = images_per_second(name, args.hr, args.bs, device, amp, cl, args.min_time)
            native = images_per_second(name, args.lr, args.bs, device, amp, cl, args.min_time)
            rows.append((label, name, flops[args.hr] / 1e6, flops[args.lr] / 1e6, up, native, native / up))
            print(f'  done: {label} {name}', flush=True)

    head = ('device', 'model', f'MFLOPs@{args.hr}', f'MFLOPs@{args.lr}', f'img/s up {args.hr}px',
            f'img/s native {args.lr}px', 'native/up')
    widths = [max(len(head[i]), *(len(f'{r[i]:.1f}' if isinstance(r[i], float) else str(r[i])) for r in rows)) for i in range(len(head))]
    fmt = lambda r: '  '.join((f'{v:.1f}' if isinstance(v, float) else str(v)).rjust(w) for v, w in zip(r, widths))
    print(fmt(head)); print(fmt(['-' * w for w in widths]))
    for r in rows: print(fmt(r))
    print(f'load average after: {os.getloadavg()[0]:.2f}')


if __name__ == '__main__':
    main()
