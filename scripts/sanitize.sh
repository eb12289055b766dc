#!/usr/bin/env bash
# The whole test suite again under AddressSanitizer + UndefinedBehaviorSanitizer (with
# LeakSanitizer: a leak fails the test), then the thread-safety test (8 threads x 1,000
# predictions on one model) under ThreadSanitizer. scripts/test.sh --hardening runs this after
# the normal tests; build trees: build-asan/ (shared with scripts/fuzz.sh) and build-tsan/.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="$(nproc)"

scripts/sanitized-tree.sh build-asan
make -C build-asan -j"$jobs" --no-print-directory nnload_tests
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
source scripts/sanitizer-env.sh
ctest --test-dir build-asan --output-on-failure -j "$jobs"

# TSan: only the library and the thread-safety test (tests/CMakeLists.txt), gcc, -O1.
flags="-O1 -g1 -DNDEBUG"
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=$flags" \
  "-DCMAKE_C_FLAGS_RELWITHDEBINFO=$flags" -DNNLOAD_BUILD_BENCH=OFF -DNNLOAD_SANITIZE=thread >/dev/null
make -C build-tsan -j"$jobs" --no-print-directory nnload_tsan_tests
# One OpenMP thread: libgomp is not built with TSan, so its barriers would be reported as races;
# the threads under test are the test's own 8 std::threads sharing one Model. gcc 12's TSan
# runtime cannot map its shadow memory under the kernel's high-entropy address layout; setarch
# -R runs the test with a fixed one.
OMP_NUM_THREADS=1 TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 \
  setarch "$(uname -m)" -R build-tsan/bin/nnload_tsan_tests
