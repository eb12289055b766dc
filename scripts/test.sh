#!/usr/bin/env bash
# The README's second command (and CI's): install dependencies, build, run the whole test suite.
#   scripts/test.sh --hardening   then also the suite under ASan + UBSan, the thread-safety test
#                                 under TSan (scripts/sanitize.sh) and 60 s of every fuzz target
#                                 (scripts/fuzz.sh); about an hour more on two cores. CI will run
#                                 it by default once a full pass is clean (issue 8).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh -DNNLOAD_WERROR=ON
ctest --test-dir build --output-on-failure -j "$(nproc)"
if [ "${1:-}" = "--hardening" ]; then
  scripts/sanitize.sh
  scripts/fuzz.sh 60
fi
