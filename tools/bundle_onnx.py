#!/usr/bin/env python3
"""Write `model.onnx` beside each bundled model's `model.safetensors`, checked against PyTorch, for the runtime.

The runtime (`fer_lowres.inference.Predictor`, `pretrained.SpecialistPredictor`, `fer-lowres predict`) runs a model
folder's `model.onnx` with onnxruntime when there is one, so every bundled model should carry one. For each model
this tool exports the network (`fer_lowres.onnx.export_onnx`: dynamic batch axis, the config in the metadata),
then feeds the same prepared test faces to PyTorch and to onnxruntime and refuses the file (it is not written)
when a class probability differs by more than `--tol` (default 1e-5). Test faces: FER2013's PrivateTest faces when
the data set is found (`fer_lowres.core.find_fer2013`, `$FER2013_CSV`), else synthetic faces; it says which.

  python tools/bundle_onnx.py                        # every bundled model (after dropping new model folders in)
  python tools/bundle_onnx.py ferplus                # the models of one set, or names / tags / folders
  python tools/bundle_onnx.py --check                # only compare the model.onnx files that are there
"""
import argparse, os, shutil, sys, tempfile
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
    from fer_lowres.config import bundled_models, resolve_models, ONNX_NAME
    from fer_lowres.inference import Predictor, _softmax
    from fer_lowres.onnx import export_onnx
    folders = resolve_models(a.models or [m['name'] for m in bundled_models()])
    faces, source = test_faces(a.faces, a.csv)
    print(f"test faces: {source}")
    failed = 0
    for folder in folders:
        target = folder/ONNX_NAME
        if a.check:
            if not target.exists(): print(f"{folder.name}: no {ONNX_NAME}"); failed += 1; continue
            path = target
        else:
            path = export_onnx(folder, Path(tempfile.mkdtemp(prefix='bundle_onnx_', dir=folder))/ONNX_NAME)
        try:
            ref, run = Predictor(folder, backend='torch'), Predictor(path)
            x = ref.prepare(faces)
            p_torch, p_onnx = _softmax(ref.logits(x).astype(np.float64)), _softmax(run.logits(x).astype(np.float64))
            diff, agree = float(np.abs(p_torch - p_onnx).max()), float((p_torch.argmax(1) == p_onnx.argmax(1)).mean())
            ok = diff <= a.tol
            print(f"{folder.name}: max |dprob| {diff:.1e} on {len(x):,} faces, same label on {100 * agree:.2f}%"
                  + ('' if ok else f"; over --tol {a.tol:g}: {'not written' if not a.check else 'refused'}")
                  + (f"; wrote {target} ({path.stat().st_size / 1e6:.2f} MB)" if ok and not a.check else ''))
            if ok and not a.check: os.chmod(path, 0o644); os.replace(path, target)
            failed += not ok
        finally:
            if not a.check and path != target: shutil.rmtree(path.parent, ignore_errors=True)
    return 1 if failed else 0

if __name__ == '__main__': sys.exit(main())
