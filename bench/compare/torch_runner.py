"""PyTorch eager runner for bench/compare (run with /usr/bin/python3):
    torch_runner.py MODEL INPUT.npy THREADS RUNS WARMUP OUTDIR
MODEL is a fixture name (mlp, lstm, resnet18, mobilenet_v2, transformer): the module is rebuilt by
make_onnx_fixtures.build (same seeds, so the same weights as the ONNX files); load_ms is that
build. Prints one JSON line like the other runners; writes OUTDIR/output_K.npy.
"""
import json
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests", "fixtures", "onnx"))


def peak_rss_mib():
    """VmHWM: ru_maxrss would also count what the process shared with its parent before exec."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def main():
    name, inp, threads, runs, warmup, outdir = sys.argv[1:7]
    import numpy as np
    import torch
    torch.set_num_threads(int(threads))
    torch.set_num_interop_threads(1)
    import make_onnx_fixtures as mof
    start = time.perf_counter()
    model = mof.build(name)[0].eval()
    load_ms = (time.perf_counter() - start) * 1e3
    x = torch.from_numpy(np.load(inp))
    with torch.no_grad():
        start = time.perf_counter()
        out = model(x)
        first_ms = (time.perf_counter() - start) * 1e3
        for _ in range(int(warmup)):
            model(x)
        latencies = []
        for _ in range(int(runs)):
            start = time.perf_counter()
            out = model(x)
            latencies.append((time.perf_counter() - start) * 1e3)
    if isinstance(out, torch.Tensor):
        out = (out,)
    if outdir:
        os.makedirs(outdir, exist_ok=True)
        for k, o in enumerate(out):
            np.save(os.path.join(outdir, f"output_{k}.npy"), o.numpy())
    print(json.dumps({"runtime": "pytorch", "version": torch.__version__, "load_ms": load_ms,
                      "first_ms": first_ms, "latencies_ms": latencies,
                      "peak_rss_mib": peak_rss_mib()}))


if __name__ == "__main__":
    main()
