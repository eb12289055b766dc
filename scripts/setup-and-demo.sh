#!/usr/bin/env bash
# The README's first command: install dependencies, build, and run nnload on the example model
# that ships in the repo (its summary and one prediction).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
build/bin/nnload summary examples/models/digits_cnn.h5
build/bin/nnload predict examples/models/digits_cnn.h5 --input examples/models/digits_sample.npy
