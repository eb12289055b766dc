#!/usr/bin/env bash
# Configures the sanitized build tree (default build-asan/, or $1) once: clang 14, the library
# and the tests under AddressSanitizer + UndefinedBehaviorSanitizer (LeakSanitizer comes with
# ASan), instrumented for libFuzzer's coverage too (NNLOAD_FUZZ=ON). scripts/sanitize.sh builds
# the test suite in it and scripts/fuzz.sh the fuzz targets, so CI compiles the sanitized library
# once for both. -O1 with line tables: enough for the reports and fast enough to fuzz, at about
# half the compile time of -O2 -g on CI's two cores.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
tree="${1:-$root/build-asan}"
if [[ -f "$tree/CMakeCache.txt" ]] && grep -q '^NNLOAD_FUZZ:BOOL=ON' "$tree/CMakeCache.txt"; then
  exit 0
fi
if ! command -v clang++-14 >/dev/null; then
  echo "sanitized-tree.sh: clang++-14 not found (scripts/install-deps.sh installs clang 14)" >&2
  exit 2
fi
# A tree configured by an older script (gcc) can't switch compilers in place.
rm -rf "$tree"
flags="-O1 -gline-tables-only -DNDEBUG"
CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$tree" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=$flags" "-DCMAKE_C_FLAGS_RELWITHDEBINFO=$flags" \
  -DNNLOAD_FUZZ=ON -DNNLOAD_BUILD_BENCH=OFF >/dev/null
