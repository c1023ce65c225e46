#!/usr/bin/env python3
"""Store each bundled model's weights once, in half precision, and write the `model.onnx` that reads them, checked against PyTorch.

The runtime (`fer_lowres.inference.Predictor`, `pretrained.SpecialistPredictor`, `fer-lowres predict`) runs a model
folder's `model.onnx` with onnxruntime when there is one, so every bundled model should carry one. For each model
this tool rewrites `model.safetensors` with its kernels and matrices in fp16 (`fer_lowres.onnx.half_precision`;
a file already in that form is left as it is), then writes `model.onnx` in the shared form
(`fer_lowres.onnx.export_shared_onnx`): its initializers are external data pointing into `model.safetensors`, so
the wheel holds one copy of the weights (16_onnx teaches it). Before the new file replaces the old one it feeds the
same prepared test faces to PyTorch and to onnxruntime, both reading that one file, and refuses it when a class
probability differs by more than `--tol` (default 1e-5) or a label differs. Test faces: FER2013's PrivateTest
faces when the data set is found (`fer_lowres.core.find_fer2013`, `$FER2013_CSV`), else synthetic faces; it says
which. Run it after `tools/bundle_models.py`, which copies a run's fp32 weights in (the model card's accuracies are
then those of the fp32 weights: evaluate the bundled models again with `fer-lowres evaluate NAME ...`).

  python tools/bundle_onnx.py                        # every bundled model (after dropping new model folders in)
  python tools/bundle_onnx.py ferplus                # the models of one set, or names / tags / folders
  python tools/bundle_onnx.py --check                # only compare the model.onnx files that are there
"""
import argparse, os, sys
from pathlib import Path
import numpy as np

def test_faces(n: int, csv=None):
    "(faces (N, 48, 48) uint8, where they come from)."
    from fer_lowres.core import find_fer2013
    csv = csv or find_fer2013()
    if csv is not None:
        from fer_lowres.data import read_fer2013_csv
        fer = read_fer2013_csv(csv)
        idx = fer.indices('test')[:n]
        return np.stack([np.asarray(fer.image(int(i))) for i in idx]), f"FER2013 PrivateTest ({len(idx):,} faces of {csv})"
    from fer_lowres.synthetic import synthetic_faces
    faces, _ = synthetic_faces(n, size=48, seed=0)
    return faces, f"synthetic faces ({n:,}; FER2013 not found)"

def compare(folder: Path, onnx_path: Path, faces) -> tuple[float, float]:
    "(largest |probability difference|, fraction of faces with the same label) of PyTorch and onnxruntime on `faces`."
    from fer_lowres.inference import Predictor, _softmax
    ref, run = Predictor(folder, backend='torch'), Predictor(folder, onnx=onnx_path)
    x = ref.prepare(faces)
    p_torch, p_onnx = _softmax(ref.logits(x).astype(np.float64)), _softmax(run.logits(x).astype(np.float64))
    return float(np.abs(p_torch - p_onnx).max()), float((p_torch.argmax(1) == p_onnx.argmax(1)).mean())

def form(path: Path) -> str:
    "How a model.onnx holds its weights: 'shared' (external data in model.safetensors) or 'self-contained'."
    import onnx
    inits = onnx.load(str(path), load_external_data=False).graph.initializer
    return 'shared' if any(t.data_location == onnx.TensorProto.EXTERNAL for t in inits) else 'self-contained'

def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0], formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog=__doc__.split('\n\n', 1)[1])
    ap.add_argument('models', nargs='*', help='bundled sets, names, tags or model folders (default: every bundled model)')
    ap.add_argument('--check', action='store_true', help='compare the existing model.onnx files only; write nothing')
    ap.add_argument('--tol', type=float, default=1e-5, help='largest |probability difference| allowed (default 1e-5)')
    ap.add_argument('--faces', type=int, default=3589, help='test faces to compare on (default: all of PrivateTest)')
    ap.add_argument('--csv', default=None, help='a FER2013 CSV (default: found beside the project)')
    a = ap.parse_args(argv)
    import torch
    torch.set_num_threads(int(os.environ.get('OMP_NUM_THREADS') or 1))
    from fer_lowres.config import bundled_models, resolve_models, ONNX_NAME, WEIGHTS_NAME
    from fer_lowres.onnx import half_precision, export_shared_onnx
    folders = resolve_models(a.models or [m['name'] for m in bundled_models()])
    faces, source = test_faces(a.faces, a.csv)
    print(f"test faces: {source}")
    failed = 0
    for folder in folders:
        target, weights = folder/ONNX_NAME, folder/WEIGHTS_NAME
        def verdict(path):
            diff, agree = compare(folder, path, faces)
            ok = diff <= a.tol and agree == 1
            print(f"{folder.name}: max |dprob| {diff:.1e} on {len(faces):,} faces, same label on {100 * agree:.2f}%"
                  + ('' if ok else f"; over --tol {a.tol:g} or a label differs: {'refused' if a.check else 'not written'}"))
            return ok
        if a.check:
            if not target.exists(): print(f"{folder.name}: no {ONNX_NAME}"); failed += 1; continue
            failed += not verdict(target)
            print(f"  {form(target)} {ONNX_NAME} ({target.stat().st_size / 1e6:.2f} MB), {WEIGHTS_NAME} {weights.stat().st_size / 1e6:.2f} MB")
            continue
        half_precision(folder)
        def check(path):
            if not verdict(path): raise ValueError('refused')
        try: export_shared_onnx(folder, check=check)
        except ValueError as e:
            if str(e) != 'refused': raise
            failed += 1; continue
        print(f"  wrote {target} ({target.stat().st_size / 1e6:.2f} MB) reading {weights} ({weights.stat().st_size / 1e6:.2f} MB, fp16 kernels)")
    return 1 if failed else 0

if __name__ == '__main__': sys.exit(main())
