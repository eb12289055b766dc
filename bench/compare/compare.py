"""Driver for bench/compare: nnload against ONNX Runtime, OpenCV dnn, libtorch and PyTorch eager,
side by side (issue 7). Run through run.sh, which installs and builds what this needs.

For every model and thread count the runtimes run interleaved, round-robin over several rounds,
so noise from the rest of the machine hits all of them alike. Each round starts one process per
runtime that loads the model, warms up and times `--runs-per-round` predictions; a runtime's
figure is the median of its round medians (nnload's `bench --json` reports the median of its
runs, not each run). Before each round the driver waits (up to --max-wait seconds) for the
1-minute load average to fall to --max-load, and repeats a round during which it rose above
max(its load before, --max-load) + 0.5 (at most twice). Cold start: a whole process (start, load, one prediction, exit),
median of --cold. Peak RSS: the steady-state process's VmHWM as it reports it (ru_maxrss, which Linux carries
over from the forked driver, as a fallback). Outputs of every
runtime are compared with nnload's (max |difference| <= --atol).
"""
import argparse
import json
import re
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
RUNTIMES = ["nnload", "onnxruntime", "opencv", "libtorch", "pytorch"]
FIXTURE = {"mlp": "mlp", "mlp_b64": "mlp", "lstm": "lstm", "resnet18": "resnet18",
           "mobilenet_v2": "mobilenet_v2", "transformer": "transformer"}


def run_process(cmd, env, timeout):
    """(returncode, stdout, stderr, wall seconds, peak RSS MiB) of one whole process."""
    start = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        deadline = start + timeout
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() > deadline:
                proc.kill()
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.002)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (proc.returncode, out.read().decode(errors="replace"),
                err.read().decode(errors="replace"), wall, usage.ru_maxrss / 1024.0)


class Runtime:
    def __init__(self, name, args):
        self.name = name
        self.args = args
        self.models = args.models_dir

    def onnx(self, model, opset=17):
        return os.path.join(self.models, f"{FIXTURE[model]}.opset{opset}.onnx")

    def steady_cmd(self, model, inp, threads, runs, warmup, outdir):
        a = self.args
        if self.name == "nnload":
            return [a.nnload, "bench", self.onnx(model), "--input", inp, "--threads", str(threads),
                    "--runs", str(runs), "--warmup", str(warmup), "--json"]
        common = [inp, str(threads), str(runs), str(warmup), outdir or ""]
        if self.name == "onnxruntime":
            return ["node", os.path.join(HERE, "ort_runner.js"), self.onnx(model)] + common
        if self.name == "opencv":
            return [os.path.join(a.runner_dir, "opencv_runner"), self.onnx(model, 13)] + common
        if self.name == "libtorch":
            return [os.path.join(a.runner_dir, "libtorch_runner"),
                    os.path.join(self.models, f"{FIXTURE[model]}.pt")] + common
        if self.name == "pytorch":
            return [sys.executable, os.path.join(HERE, "torch_runner.py"), FIXTURE[model]] + common
        raise ValueError(self.name)

    def cold_cmd(self, model, inp, threads, outdir):
        if self.name == "nnload":
            cmd = [self.args.nnload, "predict", self.onnx(model), "--input", inp, "--threads",
                   str(threads)]
            return cmd + (["--output", os.path.join(outdir, "out.npz")] if outdir else [])
        return self.steady_cmd(model, inp, threads, 0, 0, outdir)

    def available(self):
        a = self.args
        if self.name == "nnload":
            return os.access(a.nnload, os.X_OK)
        if self.name == "onnxruntime":
            return shutil.which("node") is not None and os.path.isdir(
                os.path.join(os.environ.get("NODE_PATH", ""), "onnxruntime-node"))
        if self.name in ("opencv", "libtorch"):
            return os.access(os.path.join(a.runner_dir, f"{self.name}_runner"), os.X_OK)
        return True


def env_for(threads):
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = str(threads)
    env["OPENBLAS_NUM_THREADS"] = str(threads)
    env["MKL_NUM_THREADS"] = str(threads)
    # OMP_WAIT_POLICY stays the runtime's default: PASSIVE makes OpenMP threads sleep between
    # parallel regions, which penalises nnload and libtorch against ONNX Runtime's spinning pool.
    return env


def wait_idle(args, log):
    # Once a full --max-wait went by without the machine becoming idle, later rounds wait at
    # most 10 s each: a machine busy with other work for minutes stays busy.
    limit = args.max_wait if not getattr(args, "gave_up", False) else min(10.0, args.max_wait)
    waited = 0.0
    while os.getloadavg()[0] > args.max_load and waited < limit:
        time.sleep(5)
        waited += 5
    load = os.getloadavg()[0]
    if load > args.max_load:
        args.gave_up = True
        log(f"  load average {load:.2f} still above {args.max_load} after {waited:.0f} s; going on")
    return load


def parse_steady(rt, stdout):
    if rt == "nnload":  # bench --json prints one indented object
        j = json.loads(stdout)
        return {"median": j["median_ms"], "latencies": None, "load_ms": j["load_ms"],
                "vm_hwm": j.get("peak_rss_mib")}
    j = json.loads(stdout.strip().splitlines()[-1])
    lat = j["latencies_ms"]
    return {"median": statistics.median(lat), "latencies": lat, "load_ms": j["load_ms"],
            "vm_hwm": j.get("peak_rss_mib")}


def read_outputs(rt, outdir):
    if rt == "nnload":
        with np.load(os.path.join(outdir, "out.npz")) as z:
            return [z[k] for k in z.files]
    outs, k = [], 0
    while os.path.exists(os.path.join(outdir, f"output_{k}.npy")):
        outs.append(np.load(os.path.join(outdir, f"output_{k}.npy")))
        k += 1
    return outs


def agreement(ref, outs, atol):
    if ref is None or outs is None:
        return None, "no outputs"
    if len(outs) < len(ref):
        return None, f"{len(outs)} outputs, nnload has {len(ref)}"
    worst = 0.0
    for r, o in zip(ref, outs):
        if r.size != o.size:
            return None, f"shape {list(o.shape)}, nnload {list(r.shape)}"
        worst = max(worst, float(np.max(np.abs(r.reshape(-1).astype(np.float64) -
                                                o.reshape(-1).astype(np.float64)), initial=0)))
    return worst, "ok" if worst <= atol else f"differs by {worst:.2e}"


def bench_one(args, runtimes, model, threads, log):
    inp = os.path.join(args.models_dir, f"{model}.input.npy")
    env = env_for(threads)
    rows = {rt.name: {"runtime": rt.name, "model": model, "threads": threads, "round_medians": [],
                      "latencies_ms": [], "load_ms": [], "peak_rss_mib": 0.0, "cold_ms": [],
                      "status": "ok"} for rt in runtimes}
    live = list(runtimes)
    # Outputs and the first cold-start sample (also tells which runtimes can run this model).
    ref = None
    work = tempfile.mkdtemp(prefix="nnload-compare-")
    outputs = {}
    for rt in list(live):
        outdir = os.path.join(work, rt.name)
        os.makedirs(outdir, exist_ok=True)
        rc, out, err, wall, rss = run_process(rt.cold_cmd(model, inp, threads, outdir), env,
                                              args.timeout)
        if rc != 0:
            msg = (err.strip().splitlines() or [f"exit {rc}"])[-1]
            node = re.search(r"Node \[([^\]]*)\]", msg)  # OpenCV's importer names the node
            msg = f"cannot import node {node.group(1)}" if node else msg[:160]
            rows[rt.name]["status"] = f"cannot run: {msg}"
            log(f"  {rt.name}: cannot run {model}: {msg}")
            live.remove(rt)
            continue
        rows[rt.name]["cold_ms"].append(wall * 1e3)
        outputs[rt.name] = read_outputs(rt.name, outdir)
    ref = outputs.get("nnload")
    for rt in live:
        worst, text = agreement(ref, outputs.get(rt.name), args.atol)
        rows[rt.name]["max_abs_diff"] = worst
        rows[rt.name]["agreement"] = "reference" if rt.name == "nnload" else text
    shutil.rmtree(work, ignore_errors=True)

    rounds_done, attempts = 0, 0
    while rounds_done < args.rounds and live:
        before = wait_idle(args, log)
        order = live[rounds_done % len(live):] + live[:rounds_done % len(live)]
        results = {}
        for rt in order:
            rc, out, err, wall, rss = run_process(
                rt.steady_cmd(model, inp, threads, args.runs_per_round, args.warmup, None), env,
                args.timeout)
            if rc != 0:
                results[rt.name] = None
                log(f"  {rt.name}: steady run failed: {(err.strip().splitlines() or [''])[-1]}")
                continue
            r = parse_steady(rt.name, out)
            # The process's own VmHWM: ru_maxrss also counts the pages a child shares with this
            # Python driver between fork and exec (~35 MiB), a floor under every small model.
            r["rss"] = r["vm_hwm"] or rss
            results[rt.name] = r
        attempts += 1
        after = os.getloadavg()[0]
        disturbed = after > max(before, args.max_load) + 0.5
        if disturbed and attempts - rounds_done <= 2 and args.repeat_disturbed:
            log(f"  round {rounds_done + 1}: load average rose to {after:.2f}; repeating it")
            continue
        for name, r in results.items():
            if r is None:
                rows[name]["status"] = "steady run failed"
                continue
            rows[name]["round_medians"].append(r["median"])
            if r["latencies"]:
                rows[name]["latencies_ms"].extend(r["latencies"])
            rows[name]["load_ms"].append(r["load_ms"])
            rows[name]["peak_rss_mib"] = max(rows[name]["peak_rss_mib"], r["rss"])
        rounds_done += 1

    for _ in range(args.cold - 1):
        for rt in live:
            rc, _, _, wall, _ = run_process(rt.cold_cmd(model, inp, threads, None), env,
                                            args.timeout)
            if rc == 0:
                rows[rt.name]["cold_ms"].append(wall * 1e3)

    summary = []
    for rt in runtimes:
        r = rows[rt.name]
        med = lambda xs: statistics.median(xs) if xs else None
        r["median_ms"] = med(r["round_medians"])
        r["load_ms_median"] = med(r["load_ms"])
        r["cold_ms_median"] = med(r["cold_ms"])
        summary.append(r)
    ort = rows.get("onnxruntime", {}).get("median_ms")
    for r in summary:
        r["ratio_to_ort"] = r["median_ms"] / ort if r["median_ms"] and ort else None
    return summary


def fmt(x, spec):
    return "—" if x is None else format(x, spec)


def table(rows):
    head = ["model", "threads", "runtime", "median ms", "× ORT", "load ms", "cold start ms",
            "peak RSS MiB", "outputs vs nnload"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        status = r.get("agreement", "") if r["status"] == "ok" else r["status"]
        lines.append("| " + " | ".join([
            r["model"], str(r["threads"]), r["runtime"], fmt(r["median_ms"], ".3f"),
            fmt(r["ratio_to_ort"], ".2f"), fmt(r["load_ms_median"], ".1f"),
            fmt(r["cold_ms_median"], ".0f"),
            fmt(r["peak_rss_mib"] or None, ".0f"), status.replace("|", "/")]) + " |")
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", default="mlp,mlp_b64,lstm,resnet18,mobilenet_v2,transformer")
    p.add_argument("--runtimes", default=",".join(RUNTIMES))
    p.add_argument("--threads", default="1 2", help="thread counts, e.g. \"1 2\"")
    p.add_argument("--runs", type=int, default=30, help="timed runs per runtime in all (>= 30)")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--cold", type=int, default=10, help="cold starts per runtime (median)")
    p.add_argument("--atol", type=float, default=1e-4)
    p.add_argument("--max-load", type=float, default=max(1.0, (os.cpu_count() or 2) * 0.5))
    p.add_argument("--max-wait", type=float, default=120.0, help="seconds to wait for idle")
    p.add_argument("--no-repeat-disturbed", dest="repeat_disturbed", action="store_false")
    p.add_argument("--timeout", type=float, default=600.0)
    p.add_argument("--nnload", default=os.path.join(ROOT, "build", "bin", "nnload"))
    p.add_argument("--models-dir", default=os.path.join(ROOT, "build", "bench", "models"))
    p.add_argument("--runner-dir", default=os.path.join(ROOT, "build", "bench", "runners"))
    p.add_argument("--out", default=os.path.join(ROOT, "build", "bench", "compare"))
    args = p.parse_args()
    args.runs_per_round = max(1, -(-args.runs // args.rounds))

    def log(msg):
        print(msg, file=sys.stderr, flush=True)

    runtimes = []
    for name in args.runtimes.split(","):
        rt = Runtime(name, args)
        if rt.available():
            runtimes.append(rt)
        else:
            log(f"{name}: not available (run run.sh to install/build it); skipped")
    rows = []
    for model in args.models.split(","):
        for threads in [int(t) for t in args.threads.split()]:
            log(f"{model}, {threads} thread(s)")
            rows.extend(bench_one(args, runtimes, model, threads, log))
    md = table(rows)
    print(md)
    with open(args.out + ".md", "w") as f:
        f.write(f"nnload vs other runtimes: median of {args.rounds} round medians, "
                f"{args.runs_per_round} runs a round after {args.warmup} warm-up; "
                f"cold start median of {args.cold}; {os.cpu_count()} CPUs.\n\n{md}\n")
    with open(args.out + ".json", "w") as f:
        json.dump({"settings": {k: v for k, v in vars(args).items()}, "rows": rows}, f, indent=1)
    log(f"wrote {args.out}.md and {args.out}.json")


if __name__ == "__main__":
    main()
