#!/usr/bin/env bash
# nnload side by side with ONNX Runtime, OpenCV dnn, libtorch and PyTorch eager (issue 7).
#   bench/compare/run.sh [--runs N] [--threads "1 2"] [any other compare.py option]
# Installs what it needs (idempotent), builds nnload and the C++ runners, makes the models, runs
# the driver; the table goes to stdout, build/bench/compare.md and build/bench/compare.json.
# NNLOAD=/path/to/nnload uses that binary instead of building build/bin/nnload.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="$root/build/bench"
py=/usr/bin/python3  # Debian's Python: torch, torchvision, onnx, numpy
mkdir -p "$cache/runners"

say() { echo "run.sh: $*" >&2; }

# 1. Packages. apt only when something is missing (needs root); npm into the cache.
need=()
for pkg in libopencv-dev libtorch-dev python3-torch python3-torchvision python3-onnx; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
for tool in node npm; do  # node may come from elsewhere than Debian's nodejs
  command -v "$tool" >/dev/null || need+=("$([ "$tool" = node ] && echo nodejs || echo npm)")
done
if ((${#need[@]})); then
  say "installing ${need[*]}"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
if [ ! -d "$cache/node_modules/onnxruntime-node" ]; then
  say "npm install onnxruntime-node into $cache"
  # The CPU library ships inside the npm package; skip the install script's CUDA download.
  (cd "$cache" && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund onnxruntime-node)
fi
export NODE_PATH="$cache/node_modules"

# 2. nnload itself.
nnload="${NNLOAD:-$root/build/bin/nnload}"
if [ -z "${NNLOAD:-}" ]; then
  if [ ! -f "$root/build/CMakeCache.txt" ]; then cmake -S "$root" -B "$root/build" >&2; fi
  make -C "$root/build" -j"$(nproc)" nnload_cli >&2
fi

# 3. C++ runners (plain g++, rebuilt when their source is newer).
build_runner() {  # name, extra flags...
  local name=$1; shift
  local out="$cache/runners/${name}_runner" src="$here/${name}_runner.cpp"
  if [ ! -x "$out" ] || [ "$src" -nt "$out" ] || [ "$here/npy.hpp" -nt "$out" ]; then
    say "building $out"
    g++ -O2 -std=c++17 -Wall -Wextra "$src" -o "$out" "$@" >&2 || say "$name runner did not build; skipped"
  fi
}
build_runner opencv -I/usr/include/opencv4 -lopencv_dnn -lopencv_core
build_runner libtorch -I/usr/include/torch/csrc/api/include -ltorch -ltorch_cpu -lc10

# 4. Models (ONNX fixtures, MLP at batch 64, TorchScript traces), then the driver.
"$py" "$here/make_models.py" --out "$cache/models" --torchscript >&2
exec "$py" "$here/compare.py" --nnload "$nnload" --models-dir "$cache/models" \
  --runner-dir "$cache/runners" --out "$cache/compare" "$@"
