#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) into build-fuzz/, seeds their corpora from
# the fixtures and runs each for SECONDS (default 60). Prints per target the executions, seconds,
# corpus size and whether it crashed; crashing inputs are kept in build-fuzz/findings/<target>/.
# Exits 1 when any target crashed. Non-interactive and idempotent (corpora grow across runs).
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
# Environment: FUZZ_BUILD_DIR (build-fuzz), FUZZ_ARGS (extra libFuzzer flags, e.g.
# "-fork=2 -ignore_crashes=1" to keep going after a crash), CC/CXX (clang-14/clang++-14).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
seconds="${1:-60}"
shift || true
build="${FUZZ_BUILD_DIR:-$root/build-fuzz}"

# -max_len per target: the largest seeds are below these, and longer inputs mostly cost time.
declare -A max_len=(
  [hdf5]=262144 [keras_config]=65536 [keras_archive]=262144 [zip]=262144 [pickle]=65536
  [torch_zip]=262144 [torch_legacy]=262144 [savedmodel_pb]=262144 [tensor_bundle]=65536
  [onnx]=262144 [npy]=65536 [npz]=131072 [cli_input]=65536
)
declare -A dict=(
  [hdf5]=hdf5 [keras_config]=keras_json [keras_archive]=zip [zip]=zip [pickle]=pickle
  [torch_zip]=pickle [torch_legacy]=pickle [onnx]=onnx [npy]=npy [npz]=npy [cli_input]=npy
)
all_targets=(hdf5 keras_config keras_archive zip pickle torch_zip torch_legacy savedmodel_pb
             tensor_bundle onnx npy npz cli_input)
if (($# > 0)); then targets=("$@"); else targets=("${all_targets[@]}"); fi
for t in "${targets[@]}"; do
  [[ -n "${max_len[$t]:-}" ]] || { echo "fuzz.sh: unknown target '$t' (${all_targets[*]})" >&2; exit 2; }
done

if [[ ! -f "$build/CMakeCache.txt" ]]; then
  CC="${CC:-clang-14}" CXX="${CXX:-clang++-14}" cmake -S "$root" -B "$build" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DNNLOAD_FUZZ=ON -DNNLOAD_BUILD_TESTS=OFF \
    -DNNLOAD_BUILD_BENCH=OFF >/dev/null
fi
binaries=()
for t in "${targets[@]}"; do binaries+=("fuzz_$t"); done
mkdir -p "$build/logs"
if ! cmake --build "$build" -j "$(nproc)" --target "${binaries[@]}" >"$build/logs/build.log" 2>&1; then
  tail -40 "$build/logs/build.log" >&2
  echo "fuzz.sh: the build failed (log: $build/logs/build.log)" >&2
  exit 2
fi

"$root/fuzz/make_corpus.sh" "$build/corpus" "${targets[@]}" >/dev/null

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$root/fuzz/lsan.supp:print_suppressions=0}"
failed=0
printf '%-14s %8s %12s %8s  %s\n' target seconds executions corpus result
for t in "${targets[@]}"; do
  findings="$build/findings/$t"
  mkdir -p "$findings"
  before="$(find "$findings" -type f | wc -l)"
  dict_flag=()
  [[ -n "${dict[$t]:-}" ]] && dict_flag=("-dict=$root/fuzz/dict/${dict[$t]}.dict")
  log="$build/logs/$t.log"
  start="$(date +%s)"
  rc=0
  # shellcheck disable=SC2086
  "$build/bin/fuzz_$t" "$build/corpus/$t" -max_total_time="$seconds" -max_len="${max_len[$t]}" \
    -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 -artifact_prefix="$findings/" \
    "${dict_flag[@]}" ${FUZZ_ARGS:-} >"$log" 2>&1 || rc=$?
  elapsed=$(($(date +%s) - start))
  execs="$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)"
  [[ -n "$execs" ]] || execs="$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)"
  corpus="$(find "$build/corpus/$t" -type f | wc -l)"
  after="$(find "$findings" -type f | wc -l)"
  if ((rc != 0 || after > before)); then
    failed=1
    result="CRASH (exit $rc, $((after - before)) new in $findings, log $log)"
  else
    result="ok"
  fi
  printf '%-14s %8s %12s %8s  %s\n' "$t" "$elapsed" "${execs:-?}" "$corpus" "$result"
done
exit "$failed"
