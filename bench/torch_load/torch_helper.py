#!/usr/bin/python3
"""The torch side of the torch_load benchmark (needs Debian's /usr/bin/python3 with torch 1.13).

    torch_helper.py make FILE   write a ~1 GB state_dict: 16 Linear(4096, 4096) weights + biases
    torch_helper.py load FILE   time torch.load(FILE) alone; print one JSON line
"""
import collections
import json
import os
import sys
import time

LAYERS, WIDTH = 16, 4096


def vm_hwm_kb():
    """Peak resident set size of this process so far (kB), from /proc/self/status."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return -1


def make(path):
    import torch

    g = torch.Generator().manual_seed(0)
    bound = 1.0 / WIDTH**0.5  # nn.Linear's init range
    sd = collections.OrderedDict()
    for i in range(LAYERS):
        sd[f"layers.{i}.weight"] = torch.empty(WIDTH, WIDTH).uniform_(-bound, bound, generator=g)
        sd[f"layers.{i}.bias"] = torch.empty(WIDTH).uniform_(-bound, bound, generator=g)
    tmp = path + ".partial"
    torch.save(sd, tmp)
    os.replace(tmp, path)  # an interrupted run leaves no half-written file under the real name


def load(path):
    import torch

    before = vm_hwm_kb()
    start = time.perf_counter()
    sd = torch.load(path, map_location="cpu")
    seconds = time.perf_counter() - start
    elements = sum(t.numel() for t in sd.values())
    print(json.dumps({"load_s": seconds, "hwm_before_load_kb": before, "hwm_kb": vm_hwm_kb(),
                      "tensors": len(sd), "elements": elements}))


if __name__ == "__main__":
    {"make": make, "load": load}[sys.argv[1]](sys.argv[2])
