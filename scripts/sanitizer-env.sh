# Sourced by scripts/sanitize.sh and scripts/fuzz.sh: LeakSanitizer settings both share. A value
# already in the environment wins, so a run can be tuned by hand.
# libhdf5 1.10.8 drops small free-list blocks on some of its own error paths (fuzz/lsan.supp says
# which); everything else that leaks fails the run.
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/fuzz/lsan.supp:print_suppressions=0}"
