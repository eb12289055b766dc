#!/usr/bin/env bash
# Installs everything nnload needs to build and test on Debian 12, from Debian's packages.
# Idempotent: re-running installs nothing new. Needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libdnnl-dev            # oneDNN: convolution, matmul, pooling primitives
  libhdf5-dev            # Keras .h5 files
  nlohmann-json3-dev     # Keras model configs
  libfmt-dev libcli11-dev
  libminizip-dev zlib1g-dev   # zip containers (.npz, .keras, PyTorch)
  libprotobuf-dev protobuf-compiler   # TensorFlow SavedModel (our own .proto files)
  libleveldb-dev         # tests: writing and cross-checking variables.index tables
  libgtest-dev libgmock-dev libbenchmark-dev
  libopenblas-dev        # only bench/gemm_backends, which measures it against oneDNN
  # The sanitized tree (scripts/sanitized-tree.sh: the suite under ASan/UBSan/LSan and the
  # libFuzzer targets) is built by clang 14, with its OpenMP; gcc's TSan builds the thread test
  clang-14 libclang-rt-14-dev libomp-14-dev
  # Test fixtures too large to commit, exported at test time (tests/fixtures/onnx): /usr/bin/python3
  python3-torch python3-torchvision python3-onnx python3-numpy
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages already installed"
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y --no-install-recommends "${missing[@]}"
