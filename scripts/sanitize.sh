#!/usr/bin/env bash
# The whole test suite again under AddressSanitizer + UndefinedBehaviorSanitizer (with
# LeakSanitizer: a leak fails the test), then the thread-safety test (8 threads x 1,000
# predictions on one model) under ThreadSanitizer. scripts/test.sh runs this after the normal
# tests; build trees: build-asan/ and build-tsan/.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs="$(nproc)"

# Sanitizer builds: -O1 with line tables (enough for the reports, and half the compile time of
# -O2 -g on CI's two cores); warnings are the normal build's business.
sanitized=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG"
  "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" -DNNLOAD_BUILD_BENCH=OFF)
cmake -S . -B build-asan "${sanitized[@]}" -DNNLOAD_SANITIZE=address,undefined >/dev/null
make -C build-asan -j"$jobs" --no-print-directory nnload_tests
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# libhdf5 1.10.8 drops small free-list blocks on some of its own error paths (fuzz/lsan.supp).
export LSAN_OPTIONS="suppressions=$PWD/fuzz/lsan.supp:print_suppressions=0"
ctest --test-dir build-asan --output-on-failure -j "$jobs"

cmake -S . -B build-tsan "${sanitized[@]}" -DNNLOAD_SANITIZE=thread >/dev/null
make -C build-tsan -j"$jobs" --no-print-directory nnload_tsan_tests
# gcc 12's TSan runtime cannot map its shadow memory under the kernel's high-entropy address
# layout; setarch -R runs the test with a fixed one.
TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1 setarch "$(uname -m)" -R \
  build-tsan/bin/nnload_tsan_tests
