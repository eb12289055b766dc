#!/usr/bin/python3
"""Compares torch.load with nnload's torch reader on one large state_dict: load time and peak
RSS, N runs each, interleaved. Run through run.sh, which sets the thread counts.

Times: torch's is the torch.load call alone, measured inside Python (the interpreter and torch
import are excluded); nnload's is the wall time of the whole `nnload inspect FILE` process
(start-up included), so the comparison favours torch. Peak RSS: each command's maximum resident
set size from /usr/bin/time, whole process (for torch that includes the interpreter and torch
itself; the table also shows torch's peak before the load call).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TORCH_PYTHON = "/usr/bin/python3"


def run_measured(argv):
    """(wall seconds, peak RSS in kB, exit code, stdout, stderr) of one command. The peak RSS
    comes from /usr/bin/time, whose tiny process forks the command: a child forked from this
    Python process would count this process's pages, inherited before exec, in its ru_maxrss."""
    with tempfile.NamedTemporaryFile() as rss, tempfile.TemporaryFile() as out, \
            tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        code = subprocess.call(["/usr/bin/time", "-f", "%M", "-o", rss.name] + argv, stdout=out,
                               stderr=err)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        rss_text = open(rss.name).read().split()
        # /usr/bin/time writes "Command exited with non-zero status N" before %M on failure
        peak_kb = int(rss_text[-1]) if rss_text and rss_text[-1].isdigit() else -1
        return (seconds, peak_kb, code, out.read().decode(errors="replace"),
                err.read().decode(errors="replace"))


def warm_page_cache(path):
    """Reads the file once, so every run starts from the same warm page cache."""
    buf = bytearray(1 << 20)
    with open(path, "rb", buffering=0) as f:
        while f.readinto(buf):
            pass


def fmt_mb(kb):
    return f"{kb / 1024:9.1f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--nnload", default="build/bin/nnload")
    ap.add_argument("--nnload-args", default="inspect", help="nnload subcommand and options")
    args = ap.parse_args()

    size = os.path.getsize(args.file)
    warm_page_cache(args.file)
    torch_cmd = [TORCH_PYTHON, os.path.join(HERE, "torch_helper.py"), "load", args.file]
    nnload_cmd = [args.nnload] + args.nnload_args.split() + [args.file]
    nnload_ok = os.access(args.nnload, os.X_OK)
    nnload_note = "" if nnload_ok else f"{args.nnload} not found (build it first)"

    torch_s, torch_rss, torch_pre = [], [], []
    nn_s, nn_rss = [], []
    for i in range(args.runs):
        order = ["torch", "nnload"] if i % 2 == 0 else ["nnload", "torch"]
        for which in order:
            if which == "torch":
                _, rss, code, out, err = run_measured(torch_cmd)
                if code != 0:
                    sys.exit(f"torch.load failed (exit {code}):\n{err[-2000:]}")
                r = json.loads(out.strip().splitlines()[-1])
                torch_s.append(r["load_s"])
                torch_rss.append(rss)
                torch_pre.append(r["hwm_before_load_kb"])
            elif nnload_ok:
                seconds, rss, code, out, err = run_measured(nnload_cmd)
                if code != 0:
                    nnload_ok = False
                    lines = (err.strip() or out.strip() or "no output").splitlines()
                    nnload_note = (f"`{' '.join(nnload_cmd)}` failed (exit {code}): "
                                   f"{lines[-1][:200]}")
                    continue
                nn_s.append(seconds)
                nn_rss.append(rss)

    med = statistics.median
    print(f"file: {args.file}")
    print(f"size: {size / 1e6:.1f} MB ({size / 2**20:.1f} MiB)")
    print(f"threads: OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')} "
          f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}; "
          f"runs: {args.runs} each, interleaved; page cache warm")
    print()
    print(f"{'':34}{'median load s':>14}{'min s':>9}{'peak RSS MiB':>14}")
    print(f"{'torch.load (call only)':34}{med(torch_s):14.3f}{min(torch_s):9.3f}"
          f"{fmt_mb(med(torch_rss)):>14}")
    print(f"{'  torch peak RSS before the load':34}{'':14}{'':9}{fmt_mb(med(torch_pre)):>14}")
    if nn_s:
        label = "nnload " + args.nnload_args + " (process)"
        print(f"{label:34}{med(nn_s):14.3f}{min(nn_s):9.3f}{fmt_mb(med(nn_rss)):>14}")
        print()
        print(f"ratio torch/nnload: load time {med(torch_s) / med(nn_s):.1f}x, "
              f"peak RSS {med(torch_rss) / med(nn_rss):.1f}x")
        over = med(nn_rss) * 1024 - size
        print(f"nnload peak RSS minus file size: {over / 2**20:+.1f} MiB "
              "(target: at most a small constant)")
    else:
        print(f"nnload: not measured: {nnload_note}")


if __name__ == "__main__":
    main()
