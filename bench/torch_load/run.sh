#!/bin/sh
# Benchmark (not a test): torch.load vs nnload's torch reader on a ~1 GB state_dict.
# Usage: bench/torch_load/run.sh [RUNS]   (from the repository root; default 5 runs each)
# Environment: NNLOAD_BENCH_DIR (default /tmp/nnload_bench) holds the generated file;
# THREADS (default 1) sets OMP_NUM_THREADS, OPENBLAS_NUM_THREADS and MKL_NUM_THREADS for both;
# NNLOAD (default build/bin/nnload); NNLOAD_ARGS (default "inspect").
set -eu
cd "$(dirname "$0")/../.."
PY=/usr/bin/python3  # Debian's python3 with torch 1.13; the python3 first on PATH has no torch
RUNS=${1:-5}
DIR=${NNLOAD_BENCH_DIR:-/tmp/nnload_bench}
FILE="$DIR/state_dict_1g.pth"
THREADS=${THREADS:-1}
export OMP_NUM_THREADS="$THREADS" OPENBLAS_NUM_THREADS="$THREADS" MKL_NUM_THREADS="$THREADS"

mkdir -p "$DIR"
if [ ! -f "$FILE" ]; then
  echo "generating $FILE (16 Linear(4096, 4096) weights + biases, ~1.07 GB)..." >&2
  "$PY" bench/torch_load/torch_helper.py make "$FILE"
fi
exec "$PY" bench/torch_load/bench.py "$FILE" --runs "$RUNS" \
  --nnload="${NNLOAD:-build/bin/nnload}" --nnload-args="${NNLOAD_ARGS-inspect}"
