"""Benchmark `fer_lowres.degrade`: images per second for a 256x1x48x48 batch at r=4.

Every protocol in both modes, a few optional effects and the random mixed degradation, side by side in
one run with the bare `torch.nn.functional.interpolate` calls that `bicubic` consists of (antialiased
bicubic down, bicubic up). Candidates are timed in interleaved rounds (each round times every
candidate once); the median and the best (minimum) of the rounds are reported, so a load that
comes and goes on a shared machine hits them all alike, and the best shows the cost without it.
The goal ratios are also measured as the fastest of 300 single calls of the bare calls and of
`degrade`, interleaved: on a busy machine some calls still land in quiet moments. The load average is printed
before and after: on a shared machine, read the numbers with it. On CPU with `--threads` (default 2) torch threads; on CUDA too when there is a GPU.

    python bench/degrade.py [--threads 2] [--rounds 15] [--calls 300] [--batch 256] [--size 48] [--scale 4]

Goals (issue 3): `bicubic` costs at most 1.2x the bare calls; on GPU, at least 50x the CPU rate.
"""
import argparse, os, statistics, time

import torch
import torch.nn.functional as F

from fer_lowres.degrade import PROTOCOLS, degrade, degrade_random


def candidates(x, scale):
    "Name -> zero-argument function, for a batch `x` on its device."
    H, W = x.shape[-2:]
    h, w = H // scale, W // scale
    def bare_up():
        lr = F.interpolate(x, size=(h, w), mode='bicubic', antialias=True, align_corners=False)
        return F.interpolate(lr, size=(H, W), mode='bicubic', align_corners=False)
    def bare_native():
        return F.interpolate(x, size=(h, w), mode='bicubic', antialias=True, align_corners=False)
    c = {'bare interpolate (bicubic, up)': bare_up, 'bare interpolate (bicubic, native)': bare_native}
    for mode in ('up', 'native'):
        for name in PROTOCOLS:
            c[f'degrade {name} ({mode})'] = (lambda name=name, mode=mode: degrade(x, scale, name, mode))
    c['degrade bicubic + blur 1.0 (up)'] = lambda: degrade(x, scale, blur=1.0)
    c['degrade bicubic + noise 0.02 (up)'] = lambda: degrade(x, scale, noise=0.02, seed=0)
    c['degrade bicubic + poisson 100 (up)'] = lambda: degrade(x, scale, poisson=100., seed=0)
    c['degrade bicubic + jpeg 75 (up)'] = lambda: degrade(x, scale, jpeg=75)
    c['degrade_random (up, per image)'] = lambda: degrade_random(x, seed=0)
    return c


def sync(device):
    if device.type == 'cuda': torch.cuda.synchronize(device)


def time_all(fns, device, rounds, min_s=0.02):
    "Seconds per call of each function in each of `rounds` interleaved rounds."
    inner = {}
    for name, fn in fns.items():  # warm up, and pick how many calls make one measurement of >= min_s
        for _ in range(3): fn()
        sync(device); t = time.perf_counter(); fn(); sync(device)
        inner[name] = max(1, int(min_s / max(time.perf_counter() - t, 1e-7)))
    times = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            sync(device); t = time.perf_counter()
            for _ in range(inner[name]): fn()
            sync(device)
            times[name].append((time.perf_counter() - t) / inner[name])
    return times


def best_of(fns, device, calls=300):
    "Fastest single call of each function over `calls` interleaved calls (the cost with the least interference)."
    for fn in fns.values(): fn()
    best = {name: float('inf') for name in fns}
    for _ in range(calls):
        for name, fn in fns.items():
            sync(device); t = time.perf_counter(); fn(); sync(device)
            best[name] = min(best[name], time.perf_counter() - t)
    return best


def report(device, batch, times):
    med = {k: statistics.median(v) for k, v in times.items()}
    best = {k: min(v) for k, v in times.items()}
    bare = lambda d, name: d['bare interpolate (bicubic, native)' if '(native)' in name else 'bare interpolate (bicubic, up)']
    print(f"\n{device}")
    print(f"  {'name':<40} {'median ms':>10} {'best ms':>9} {'images/s (median)':>18} {'x bare (median)':>16} {'x bare (best)':>14}")
    for name in times:
        print(f"  {name:<40} {med[name] * 1e3:10.3f} {best[name] * 1e3:9.3f} {batch / med[name]:18,.0f} "
              f"{med[name] / bare(med, name):16.2f} {best[name] / bare(best, name):14.2f}")
    return med, best


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--threads', type=int, default=2, help='torch CPU threads')
    ap.add_argument('--rounds', type=int, default=15, help='interleaved timing rounds (median reported)')
    ap.add_argument('--calls', type=int, default=300, help='single calls for the goal ratios (fastest reported)')
    ap.add_argument('--batch', type=int, default=256)
    ap.add_argument('--size', type=int, default=48)
    ap.add_argument('--scale', type=int, default=4)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"load average before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs")
    print(f"torch {torch.__version__}, batch {args.batch}x1x{args.size}x{args.size} float32, r={args.scale}, "
          f"{torch.get_num_threads()} CPU threads, {args.rounds} rounds (median)")
    x = torch.rand(args.batch, 1, args.size, args.size, generator=torch.Generator().manual_seed(0))
    results, pairs = {}, {}
    devices = [torch.device('cpu')] + ([torch.device('cuda')] if torch.cuda.is_available() else [])
    for device in devices:
        times = time_all(candidates(x.to(device), args.scale), device, args.rounds)
        label = f"cpu, {torch.get_num_threads()} threads" if device.type == 'cpu' else f"cuda ({torch.cuda.get_device_name(device)})"
        results[device.type] = report(label, args.batch, times)
        fns = candidates(x.to(device), args.scale)
        for mode in ('up', 'native'):
            names = (f'degrade bicubic ({mode})', f'bare interpolate (bicubic, {mode})')
            best = best_of({k: fns[k] for k in names}, device, args.calls)
            pairs[device.type, mode] = (best[names[0]] / best[names[1]], best[names[0]], best[names[1]])
    (cpu_med, cpu_best) = results['cpu']
    print('\nGoals:')
    for mode in ('up', 'native'):
        name, bare = f'degrade bicubic ({mode})', f'bare interpolate (bicubic, {mode})'
        r_med, r_best = cpu_med[name] / cpu_med[bare], cpu_best[name] / cpu_best[bare]
        r, t_deg, t_bare = pairs['cpu', mode]
        print(f"  CPU bicubic ({mode}) / bare interpolate: {r:.3f}x, fastest of {args.calls} calls ({t_deg * 1e3:.3f} vs {t_bare * 1e3:.3f} ms); "
              f"{r_med:.3f}x of the medians, {r_best:.3f}x of the bests above (goal <= 1.2x: {'met' if r <= 1.2 else 'NOT met'})")
    if 'cuda' in results:
        for mode in ('up', 'native'):
            r, t_deg, t_bare = pairs['cuda', mode]
            print(f"  GPU bicubic ({mode}) / bare interpolate: {r:.3f}x, fastest of {args.calls} calls ({t_deg * 1e3:.3f} vs {t_bare * 1e3:.3f} ms)")
        gpu_med = results['cuda'][0]
        for name in ('degrade bicubic (up)', 'degrade bicubic (native)', 'degrade askd (up)', 'degrade bicubic + jpeg 75 (up)', 'degrade_random (up, per image)'):
            speedup = cpu_med[name] / gpu_med[name]
            print(f"  GPU / CPU rate (median), {name}: {speedup:.1f}x  (goal >= 50x: {'met' if speedup >= 50 else 'NOT met'})")
    else:
        print('  GPU: no CUDA device here, GPU rates not measured.')
    print(f"load average after: {os.getloadavg()[0]:.2f} (1 min)")


if __name__ == '__main__':
    main()
