"""Models for bench/compare: the ONNX fixtures (make_onnx_fixtures.py), one input .npy per model,
an MLP at batch 64, and TorchScript traces for libtorch. Idempotent: existing files are kept.

Run with /usr/bin/python3 (Debian's python3-torch 1.13.1, torchvision, onnx, numpy).
"""
import argparse
import os
import subprocess
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "..", "tests", "fixtures", "onnx")
sys.path.insert(0, FIXTURES)

# bench name -> (fixture model, batch override)
BENCH_MODELS = {
    "mlp": ("mlp", None),
    "mlp_b64": ("mlp", 64),
    "lstm": ("lstm", None),
    "resnet18": ("resnet18", None),
    "mobilenet_v2": ("mobilenet_v2", None),
    "transformer": ("transformer", None),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    parser.add_argument("--models", default=",".join(BENCH_MODELS))
    parser.add_argument("--torchscript", action="store_true", help="also write NAME.pt traces")
    args = parser.parse_args()
    names = [m for m in args.models.split(",") if m]
    fixtures = sorted({BENCH_MODELS[n][0] for n in names})
    os.makedirs(args.out, exist_ok=True)
    subprocess.run([sys.executable, os.path.join(FIXTURES, "make_onnx_fixtures.py"), "--out",
                    args.out, "--models", ",".join(fixtures), "--opsets", "13,17"], check=True)
    import torch
    torch.set_num_threads(1)
    import make_onnx_fixtures as mof
    for name in names:
        fixture, batch = BENCH_MODELS[name]
        inp = os.path.join(args.out, f"{name}.input.npy")
        if not os.path.exists(inp):
            if batch is None:
                x = np.load(os.path.join(args.out, f"{fixture}.npz"))["input_0"]
            else:
                x = np.random.default_rng(64).standard_normal((batch, 784)).astype(np.float32)
            np.save(inp, np.ascontiguousarray(x, dtype=np.float32))
        pt = os.path.join(args.out, f"{fixture}.pt")
        if args.torchscript and not os.path.exists(pt):
            model, inputs, *_ = mof.build(fixture)
            model.eval()
            traced = torch.jit.trace(model, tuple(inputs), check_trace=False)
            traced.save(pt + ".tmp")
            os.replace(pt + ".tmp", pt)
        print(f"model {name}: ready", flush=True)


if __name__ == "__main__":
    main()
