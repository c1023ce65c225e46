#!/usr/bin/env python3
"""Data benchmarks: seconds to read the full FER2013 CSV into arrays, and synthetic faces generated per second.

  python bench/data.py [--csv path/to/fer2013.csv.gz] [--repeat 3]
"""
import argparse, time
import torch
from fer_lowres.core import find_fer2013
from fer_lowres.data import read_fer2013_csv, synthetic_faceset
from fer_lowres.synthetic import synthetic_faces

def best(f, repeat):
    times = []
    for _ in range(repeat):
        t = time.perf_counter(); r = f(); times.append(time.perf_counter() - t)
    return min(times), r

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument('--csv'); p.add_argument('--repeat', type=int, default=3)
    a = p.parse_args()
    print(f"torch threads: {torch.get_num_threads()}")
    csv = a.csv or find_fer2013()
    if csv is None: print("FER2013 CSV: not found (pass --csv or set FER2013_CSV), skipped")
    else:
        s, faces = best(lambda: read_fer2013_csv(csv), a.repeat)
        print(f"FER2013 CSV {csv}: {len(faces):,} faces read into a uint8 array of shape {faces.pixels.shape} in {s:.2f} s (best of {a.repeat})")
    for size in (48, 112):
        n = 4096
        s, _ = best(lambda: synthetic_faces(n, size=size, seed=0), a.repeat)
        print(f"synthetic faces at {size} px: {n / s:,.0f} faces/s ({n} faces in {s:.2f} s, best of {a.repeat})")
    s, fs = best(lambda: synthetic_faceset(), 1)
    for fast in (True, False):
        dls = fs.dataloaders(bs=256, fast=fast)
        t = time.perf_counter(); n = sum(len(xb) for xb, _ in dls.train); s2 = time.perf_counter() - t
        print(f"one training epoch of the default synthetic set through fastai DataLoaders (bs 256, augmentation on, "
              f"{'in-memory tensor items' if fast else 'PIL items'}): {n / s2:,.0f} faces/s")

if __name__ == '__main__':
    main()
