#!/usr/bin/env python3
"""Data that does not fit in memory: a class-per-folder tree of 100,000 image files, read through DataLoader workers.

Writes the tree once (JPEG files of the built-in synthetic faces, RGB at --side px, as RAF-DB's aligned crops are;
`--n` files in seven class folders), then for 0, 1 and 2 workers measures:
- `load`: reading the tree's layout (`load_faces`: listing every file, no pixels read);
- `data`: faces/s through the training DataLoader (decode, resize to 48 px grey, augmentation, batching);
- `train`: faces/s of training steps (`gmenet_tiny`, a 12 px native student, on the CPU) fed by that DataLoader;
- peak memory: the largest sum of PSS (proportional set size: shared pages counted once) over this process and its
  worker processes, sampled every 0.2 s, and the main process's own peak RSS;
and, with `--epoch`, one whole training epoch of data (every training file once) with the most workers, to show
that memory stays flat over all the files rather than growing with them.

  python bench/big_tree.py                                  # 100,000 files in /tmp/fer_lowres_tree (written once)
  python bench/big_tree.py --n 20000 --batches 100          # smaller
  python bench/big_tree.py --workers 0,2 --epoch
"""
import argparse, os, threading, time
from pathlib import Path
import psutil
import torch

CLASS_DIRS = ('angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral')

def write_tree(root: Path, n: int, side: int, unique: int = 5000, seed: int = 0):
    "n JPEG files in root/<class>/, drawn from `unique` synthetic faces (file reading, not face variety, is what is measured)."
    from PIL import Image
    from fer_lowres.synthetic import synthetic_faces
    marker = root/'.complete'
    if marker.exists() and marker.read_text() == f"{n} {side}": return False
    faces, labels = synthetic_faces(min(unique, n), size=side, seed=seed)
    for c in CLASS_DIRS: (root/c).mkdir(parents=True, exist_ok=True)
    t = time.time()
    for i in range(n):
        k = i % len(faces)
        Image.fromarray(faces[k]).convert('RGB').save(root/CLASS_DIRS[labels[k]]/f"{i:06d}.jpg", quality=90)
        if (i + 1) % 20000 == 0: print(f"  wrote {i + 1:,} files ({time.time() - t:.0f} s)", flush=True)
    marker.write_text(f"{n} {side}")
    return True

class PeakMemory:
    "Sample the PSS of this process and its children every `every` seconds; `peak` is the largest sum seen (bytes)."
    def __init__(self, every=0.2): self.every, self.peak, self._stop = every, 0, threading.Event()
    def _sample(self):
        me = psutil.Process()
        total = 0
        for p in [me] + me.children(recursive=True):
            try: total += p.memory_full_info().pss
            except (psutil.NoSuchProcess, psutil.AccessDenied): pass
        self.peak = max(self.peak, total)
    def _loop(self):
        while not self._stop.is_set(): self._sample(); self._stop.wait(self.every)
    def __enter__(self): self.t = threading.Thread(target=self._loop, daemon=True); self.t.start(); return self
    def __exit__(self, *a): self._stop.set(); self.t.join(); self._sample()

def gib(b): return f"{b / 2**30:.2f} GiB"

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--root', default='/tmp/fer_lowres_tree', help='where the tree is written (once) and read')
    p.add_argument('--n', type=int, default=100_000, help='image files in the tree')
    p.add_argument('--side', type=int, default=100, help='side of each file in pixels')
    p.add_argument('--workers', default='0,1,2', help='DataLoader worker counts to measure')
    p.add_argument('--batches', type=int, default=150, help='training batches timed per measurement (after 5 warm-up batches)')
    p.add_argument('--bs', type=int, default=64)
    p.add_argument('--epoch', action='store_true', help='also read one whole training epoch with the most workers')
    p.add_argument('--threads', type=int, default=1, help='torch threads of the main process')
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    from fer_lowres.data import load_faces
    from fer_lowres.degrade import degrade
    from fer_lowres.models import create_model
    root = Path(a.root)
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; torch {torch.__version__}, {a.threads} thread(s) in the main process")
    t = time.time()
    if write_tree(root, a.n, a.side): print(f"wrote {a.n:,} JPEG files ({a.side}x{a.side} RGB) under {root} in {time.time() - t:.0f} s")
    du = sum(f.stat().st_size for f in root.rglob('*.jpg'))
    print(f"tree: {a.n:,} files, {du / 2**20:.0f} MiB on disk")
    rows = []
    for w in [int(x) for x in a.workers.split(',')]:
        with PeakMemory() as mem:
            t = time.time(); faces = load_faces(root); t_load = time.time() - t
            dls = faces.dataloaders(size=48, channels=1, bs=a.bs, num_workers=w, device='cpu')
            it = iter(dls.train)
            for _ in range(5): next(it)   # workers started, first batches out
            t = time.time(); n = 0
            for _ in range(a.batches): n += len(next(it)[0])
            data_rate = n / (time.time() - t)
            del it
            model = create_model('gmenet_tiny', in_chans=1, num_classes=len(dls.vocab))
            opt = torch.optim.AdamW(model.parameters(), 1e-3)
            it = iter(dls.train)
            for _ in range(3): next(it)
            t = time.time(); n = 0
            for _ in range(a.batches):
                xb, yb = (torch.Tensor(t).as_subclass(torch.Tensor) for t in next(it))   # plain tensors, as fastai's Learner sees them
                loss = torch.nn.functional.cross_entropy(model(degrade(xb, 4, 'bicubic', 'native')), yb)
                opt.zero_grad(); loss.backward(); opt.step(); n += len(xb)
            train_rate = n / (time.time() - t)
            del it
        rss = psutil.Process().memory_info().rss
        rows.append((w, t_load, data_rate, train_rate, mem.peak, rss))
        print(f"workers {w}: layout read in {t_load:.1f} s ({len(faces):,} files); data {data_rate:,.0f} faces/s; "
              f"training {train_rate:,.0f} faces/s; peak memory (PSS, all processes) {gib(mem.peak)}, main RSS now {gib(rss)}", flush=True)
    print("\n| workers | layout read (s) | data (faces/s) | training (faces/s) | peak PSS, all processes |")
    print("|---|---|---|---|---|")
    for w, tl, dr, tr, pk, _ in rows: print(f"| {w} | {tl:.1f} | {dr:,.0f} | {tr:,.0f} | {gib(pk)} |")
    if a.epoch:
        w = max(int(x) for x in a.workers.split(','))
        faces = load_faces(root)
        dls = faces.dataloaders(size=48, channels=1, bs=a.bs, num_workers=w, device='cpu')
        samples = []
        with PeakMemory() as mem:
            t = time.time(); n = 0
            for i, (xb, _) in enumerate(dls.train):
                n += len(xb)
                if i % 200 == 0: samples.append((n, mem.peak))
            s = time.time() - t
        print(f"\none training epoch with {w} workers: {n:,} faces in {s:.0f} s ({n / s:,.0f} faces/s); peak PSS {gib(mem.peak)}; "
              f"peak so far after " + ', '.join(f"{k:,} faces {gib(v)}" for k, v in samples[1::max(1, len(samples) // 6)]))

if __name__ == '__main__':
    main()
