#!/usr/bin/env python3
"""Does `torch.compile` speed up training on the CPU? Training images/s of `gmenet_small`, eager against compiled.

One training step is a forward pass, cross-entropy, backward pass and AdamW step on a batch of random faces (64 by
default), at 48 px (the teacher) and at native 12 px (a student). The first 3 steps (where compilation happens) are
timed apart from the next `--steps`; the model uses channels-last where it prefers it, as `fer_learner` does.

  python bench/compile_cpu.py [--threads 1] [--steps 40] [--sizes 48,12]
"""
import argparse, time, warnings
import torch

def rate(size, compiled, steps, bs):
    from fer_lowres.models import create_model
    torch.manual_seed(0)
    m = create_model('gmenet_small', in_chans=1, num_classes=7)
    if getattr(m, 'prefers_channels_last', False): m = m.to(memory_format=torch.channels_last)
    opt = torch.optim.AdamW(m.parameters(), 1e-3)
    f = torch.compile(m) if compiled else m
    x, y = torch.rand(bs, 1, size, size), torch.randint(0, 7, (bs,))
    def step():
        loss = torch.nn.functional.cross_entropy(f(x), y); opt.zero_grad(); loss.backward(); opt.step()
    t = time.time()
    for _ in range(3): step()
    first = time.time() - t
    t = time.time()
    for _ in range(steps): step()
    return steps * bs / (time.time() - t), first

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--threads', type=int, default=1); p.add_argument('--steps', type=int, default=40)
    p.add_argument('--bs', type=int, default=64); p.add_argument('--sizes', default='48,12')
    a = p.parse_args()
    torch.set_num_threads(a.threads); warnings.filterwarnings('ignore')
    print(f"torch {torch.__version__}, {a.threads} thread(s), batch {a.bs}")
    for size in (int(s) for s in a.sizes.split(',')):
        for compiled in (False, True):
            r, first = rate(size, compiled, a.steps, a.bs)
            print(f"gmenet_small {size} px, {'torch.compile' if compiled else 'eager'}: {r:,.0f} training img/s "
                  f"(first 3 steps, compilation included: {first:.0f} s)", flush=True)

if __name__ == '__main__':
    main()
