#!/usr/bin/env bash
# Fills OUT/<target>/ (default build-asan/corpus) with seed inputs for each fuzz target, from the
# project's fixtures (tests/fixtures, examples/models), fuzz/seeds/ and, when present,
# ../shared/fixtures. Only small files (under each target's -max_len, see scripts/fuzz.sh) and a
# handful per source. Idempotent: seeds are named by content hash and never overwritten, and what
# the fuzzer added to the directory stays.
#   fuzz/make_corpus.sh [OUT] [TARGET...]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${1:-$root/build-asan/corpus}"
shift || true
shared="$root/../shared/fixtures"
python="$(command -v /usr/bin/python3 || command -v python3 || true)"
all_targets="hdf5 keras_config keras_archive zip pickle torch_zip torch_legacy savedmodel_pb
             tensor_bundle onnx npy npz cli_input"
targets="${*:-$all_targets}"

# add TARGET MAX_BYTES COUNT FILE...: copies up to COUNT of the files (evenly spread over the
# sorted list) no larger than MAX_BYTES.
add() {
  local target="$1" max="$2" count="$3"
  shift 3
  mkdir -p "$out/$target"
  local files=()
  for f in "$@"; do
    [[ -f "$f" ]] && (($(stat -c %s "$f") <= max)) && files+=("$f")
  done
  local n=${#files[@]}
  ((n == 0)) && return 0
  local step=$(((n + count - 1) / count))
  for ((i = 0; i < n; i += step)); do
    local f="${files[$i]}"
    local name
    name="$(sha1sum "$f" | cut -c1-16)"
    [[ -e "$out/$target/$name" ]] || cp "$f" "$out/$target/$name"
  done
}

# Files under the given directories whose names match the pattern, sorted (missing dirs: none).
files() {
  local pattern="$1"
  shift
  local dirs=()
  for d in "$@"; do [[ -d "$d" ]] && dirs+=("$d"); done
  ((${#dirs[@]} == 0)) && return 0
  find "${dirs[@]}" -type f -name "$pattern" | LC_ALL=C sort
}

# Files starting (or not) with the zip signature.
zips() { for f in "$@"; do [[ "$(head -c 2 "$f")" == "PK" ]] && echo "$f"; done; true; }
not_zips() { for f in "$@"; do [[ "$(head -c 2 "$f")" != "PK" ]] && echo "$f"; done; true; }

fx="$root/tests/fixtures"
seeds="$root/fuzz/seeds"
mapfile -t h5 < <(files '*.h5' "$fx" "$root/examples/models" "$shared/keras3" "$shared/real/keras_h5" |
  grep -v "^$fx/hdf5/")
# The HDF5 layout fixtures (chunk indexes, filters, dense storage Keras files rarely hold), but
# not many_chunks.h5: its 100,000 chunks take libhdf5 about a second a run under ASan.
mapfile -t h5_layouts < <(files '*.h5' "$fx/hdf5" | grep -v '/many_chunks\.h5$')
mapfile -t keras < <(files '*.keras' "$fx" "$shared/keras3")
mapfile -t json < <(files '*.json' "$fx/keras")
mapfile -t npy < <(files '*.npy' "$fx" "$root/examples/models")
mapfile -t npz < <(files '*.npz' "$fx/io" "$fx/keras" "$fx/nn")
mapfile -t torch < <(files '*.pt' "$fx" "$shared/real/pytorch"; files '*.pth' "$fx" "$shared/real/pytorch")
mapfile -t torch_zip < <(zips "${torch[@]}")
mapfile -t torch_legacy < <(not_zips "${torch[@]}")
mapfile -t pb < <(files 'saved_model.pb*' "$fx/savedmodel" "$shared/real/savedmodel")
mapfile -t onnx < <(files '*.onnx' "$seeds/onnx" "$shared/real/onnx")
mapfile -t tensor_pb < <(files 'input_*.pb' "$shared/real/onnx")

# Seeds that are parts of fixtures (a zip's entries, pickles from JSON, bundles packed as the
# tensor_bundle target reads them) need Python's standard library.
derive() {
  [[ -n "$python" ]] || { echo "make_corpus: no python3; derived seeds skipped" >&2; return 0; }
  "$python" - "$out" "$fx" "$shared" "$@" <<'EOF'
import hashlib, json, os, struct, sys, zipfile
out, fx, shared, targets = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
def put(target, data):
    os.makedirs(os.path.join(out, target), exist_ok=True)
    path = os.path.join(out, target, hashlib.sha1(data).hexdigest()[:16])
    if not os.path.exists(path):
        open(path, "wb").write(data)
def walk(top, suffix):
    for d, _, names in sorted(os.walk(top)):
        for n in sorted(names):
            if n.endswith(suffix):
                yield os.path.join(d, n)
if "pickle" in targets:
    cases = json.load(open(os.path.join(fx, "pickle/cases.json")))["cases"]
    for case in cases[::12]:
        put("pickle", bytes.fromhex(case["pickle"]))
    for path in list(walk(os.path.join(fx, "nn"), ".pth"))[::8]:
        with zipfile.ZipFile(path) as z:
            for name in z.namelist():
                if name.endswith("data.pkl"):
                    put("pickle", z.read(name))
if "keras_config" in targets:
    for top in (os.path.join(fx, "keras"), os.path.join(shared, "keras3")):
        for path in list(walk(top, ".keras"))[::3]:
            try:
                with zipfile.ZipFile(path) as z:
                    put("keras_config", z.read("config.json"))
            except (KeyError, zipfile.BadZipFile):
                pass
if "tensor_bundle" in targets:
    for top in (os.path.join(fx, "savedmodel"), os.path.join(shared, "real/savedmodel")):
        for index in walk(top, "variables.index"):
            shard = index[: -len(".index")] + ".data-00000-of-00001"
            data = open(shard, "rb").read() if os.path.exists(shard) else b""
            raw = open(index, "rb").read()
            if len(raw) + len(data) <= 64 * 1024:
                put("tensor_bundle", struct.pack("<I", len(raw)) + raw + data)
EOF
}

for t in $targets; do
  case "$t" in
    hdf5) add hdf5 262144 40 "${h5[@]}"; add hdf5 262144 20 "${h5_layouts[@]+"${h5_layouts[@]}"}" ;;
    keras_config) add keras_config 65536 30 "${json[@]}" ;;
    keras_archive) add keras_archive 262144 30 "${keras[@]}" ;;
    zip) add zip 262144 10 "${keras[@]}"; add zip 262144 10 "${npz[@]}"; add zip 262144 10 "${torch_zip[@]}" ;;
    pickle) add pickle 65536 10 "${torch_legacy[@]}" ;;
    torch_zip) add torch_zip 262144 40 "${torch_zip[@]}" ;;
    torch_legacy) add torch_legacy 262144 20 "${torch_legacy[@]}" ;;
    savedmodel_pb) add savedmodel_pb 262144 20 "${pb[@]}" ;;
    tensor_bundle) ;;
    onnx) add onnx 262144 60 "${onnx[@]}" ;;
    npy) add npy 65536 20 "${npy[@]}" ;;
    npz) add npz 131072 30 "${npz[@]}" ;;
    cli_input) add cli_input 65536 10 "${npy[@]}"; add cli_input 65536 10 "${npz[@]}"
               add cli_input 65536 10 "${tensor_pb[@]}"
               add cli_input 65536 1 "$fx/keras/archives/references.npz" ;;
    *) echo "make_corpus: unknown target '$t'" >&2; exit 2 ;;
  esac
  mkdir -p "$out/$t"
done
# shellcheck disable=SC2086
derive $targets
for t in $targets; do
  echo "corpus $t: $(find "$out/$t" -type f | wc -l) files"
done
