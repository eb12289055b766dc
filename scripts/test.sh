#!/usr/bin/env bash
# The README's second command (and CI's): install dependencies, build, run the whole test suite,
# then the hardening checks: the suite again under ASan + UBSan + LeakSanitizer, the
# thread-safety test under TSan (scripts/sanitize.sh) and 60 s of every fuzz target
# (scripts/fuzz.sh). About an hour on two cores from a clean clone, most of it the sanitized builds.
#   scripts/test.sh --quick   the normal suite only (minutes: for the edit-build-test loop)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh -DNNLOAD_WERROR=ON
ctest --test-dir build --output-on-failure -j "$(nproc)"
if [ "${1:-}" != "--quick" ]; then
  scripts/sanitize.sh
  # A fixed seed: the same mutations every run, so a CI failure can be reproduced.
  FUZZ_SEED=1 scripts/fuzz.sh 60
fi
