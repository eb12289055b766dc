#!/usr/bin/env bash
# The README's second command (and CI's): install dependencies, build, run the whole test suite;
# then the same suite under AddressSanitizer + UndefinedBehaviorSanitizer, the thread-safety test
# under ThreadSanitizer (scripts/sanitize.sh), and a short pass of every fuzz target
# (scripts/fuzz.sh, 60 s each). About an hour on two cores from scratch.
#   scripts/test.sh --quick   the normal build and suite only (a few minutes once built)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh -DNNLOAD_WERROR=ON
ctest --test-dir build --output-on-failure -j "$(nproc)"
if [ "${1:-}" = "--quick" ]; then exit 0; fi
scripts/sanitize.sh
scripts/fuzz.sh 60
