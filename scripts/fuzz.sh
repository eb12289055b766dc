#!/usr/bin/env bash
# Builds the libFuzzer targets (clang 14, ASan + UBSan) in the sanitized tree build-asan/ (shared
# with scripts/sanitize.sh: scripts/sanitized-tree.sh), seeds their corpora from the fixtures and
# runs each for SECONDS (default 60), FUZZ_JOBS targets at a time (default: one per core). Prints
# per target the executions, seconds, corpus size and whether it crashed; crashing inputs are kept
# in <tree>/findings/<target>/. Exits 1 when any target crashed. Non-interactive and idempotent
# (corpora grow across runs).
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
# Environment: FUZZ_BUILD_DIR (build-asan), FUZZ_JOBS (nproc), FUZZ_SEED (libFuzzer's -seed; 0,
# the default, picks a random one; scripts/test.sh fixes it so that CI's pass is repeatable),
# FUZZ_ARGS (extra libFuzzer flags, e.g. "-fork=2 -ignore_crashes=1" to keep going after a crash).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
seconds="${1:-60}"
shift || true
build="${FUZZ_BUILD_DIR:-$root/build-asan}"
jobs="${FUZZ_JOBS:-$(nproc)}"

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

"$root/scripts/sanitized-tree.sh" "$build"
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
source "$root/scripts/sanitizer-env.sh"

# Runs one target; leaves its log, exit status, seconds and number of new findings in logs/.
run_target() {
  local t="$1" findings="$build/findings/$1" log="$build/logs/$1.log"
  mkdir -p "$findings"
  touch "$build/logs/$t.result.start"
  local before start rc=0
  before="$(find "$findings" -type f | wc -l)"
  local dict_flag=()
  [[ -n "${dict[$t]:-}" ]] && dict_flag=("-dict=$root/fuzz/dict/${dict[$t]}.dict")
  start="$(date +%s)"
  # shellcheck disable=SC2086
  "$build/bin/fuzz_$t" "$build/corpus/$t" -max_total_time="$seconds" -max_len="${max_len[$t]}" \
    -rss_limit_mb=2048 -timeout=10 -seed="${FUZZ_SEED:-0}" -print_final_stats=1 \
    -artifact_prefix="$findings/" \
    "${dict_flag[@]}" ${FUZZ_ARGS:-} >"$log" 2>&1 || rc=$?
  echo "$rc $(($(date +%s) - start)) $(($(find "$findings" -type f | wc -l) - before))" \
    >"$build/logs/$t.result"
}

for t in "${targets[@]}"; do
  while (($(jobs -rp | wc -l) >= jobs)); do wait -n || true; done
  run_target "$t" &
done
wait

# What CI's log keeps of a crash (only the end of its output is shown): the sanitizer's or
# libFuzzer's report, cut short, and each new input gzipped in base64 when that is small, so that
# a finding on a machine we cannot reach can be reproduced here (base64 -d | gunzip > input).
report_crash() {
  local t="$1" log="$build/logs/$1.log" first
  echo "--- fuzz_$t: $log"
  first="$(grep -n -m1 -E 'ERROR: (libFuzzer|AddressSanitizer|LeakSanitizer)|runtime error:|==[0-9]+==' \
    "$log" | cut -d: -f1 || true)"
  if [[ -n "$first" ]]; then
    sed -n "${first},$((first + 39))p" "$log" | cut -c1-160
  else
    tail -20 "$log" | cut -c1-160
  fi
  while IFS= read -r f; do
    local packed
    packed="$(gzip -9nc <"$f" | base64 -w 100)"
    echo "input $f ($(stat -c %s "$f") bytes, sha1 $(sha1sum "$f" | cut -c1-40))"
    if ((${#packed} <= 6000)); then echo "$packed"; else echo "(too large to print)"; fi
  done < <(find "$build/findings/$t" -type f -newer "$build/logs/$t.result.start" | head -2)
}

failed=0
printf '%-14s %8s %12s %8s  %s\n' target seconds executions corpus result
for t in "${targets[@]}"; do
  log="$build/logs/$t.log"
  read -r rc elapsed new_findings <"$build/logs/$t.result"
  execs="$(grep -o 'stat::number_of_executed_units: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*$' || true)"
  [[ -n "$execs" ]] || execs="$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#' || true)"
  corpus="$(find "$build/corpus/$t" -type f | wc -l)"
  if ((rc == 72 && new_findings == 0)); then
    failed=1  # libFuzzer's exit on SIGINT: stopped by hand, not a finding, not a full run either
    result="interrupted (log $log)"
  elif ((rc != 0 || new_findings > 0)); then
    failed=1
    result="CRASH (exit $rc, $new_findings new in $build/findings/$t, log $log)"
  else
    result="ok"
  fi
  printf '%-14s %8s %12s %8s  %s\n' "$t" "$elapsed" "${execs:-?}" "$corpus" "$result"
done
for t in "${targets[@]}"; do
  read -r rc _ new_findings <"$build/logs/$t.result"
  if ((rc != 0 && rc != 72 || new_findings > 0)); then report_crash "$t"; fi
done
exit "$failed"
