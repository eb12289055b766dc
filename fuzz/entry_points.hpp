// One entry point per fuzzed reader. The libFuzzer targets (fuzz/fuzz_<name>.cpp) and the
// regression test (tests/fuzz/fuzz_regressions_test.cpp) call the same functions, so a committed
// crashing input replays exactly what the fuzzer ran. Each returns whether the input was accepted
// or refused with nnload::Error; anything else (another exception, a crash, a sanitizer report)
// is a bug.
#pragma once

#include <span>
#include <string_view>

#include "harness.hpp"

namespace nnload::fuzz {

Outcome run_hdf5(Bytes data);           // walk of the HDF5 file, then nnload::load of the .h5
Outcome run_keras_config(Bytes data);   // load_keras(JSON text, a fixed small weights file)
Outcome run_keras_archive(Bytes data);  // nnload::load of a .keras (stored CRCs repaired)
Outcome run_zip(Bytes data);            // ZipReader: list, map and read every entry
Outcome run_pickle(Bytes data);         // the pickle VM, then repr() of what it made
Outcome run_torch_zip(Bytes data);      // read_torch_file + nnload::load (stored CRCs repaired)
Outcome run_torch_legacy(Bytes data);   // read_torch_file + nnload::load of a legacy/tar file
Outcome run_savedmodel_pb(Bytes data);  // saved_model.pb(txt) beside fixed variables
Outcome run_tensor_bundle(Bytes data);  // variables.index (CRCs repaired) + data shard, fixed .pb
Outcome run_onnx(Bytes data);           // nnload::load of a .onnx, predict on zeros
Outcome run_npy(Bytes data);            // read_npy, owned and view
Outcome run_npz(Bytes data);            // load_npz
Outcome run_cli_input(Bytes data);      // the CLI's read_inputs (.npy/.npz/.pb) + predict

struct Target {
  std::string_view name;
  Outcome (*run)(Bytes data);
};

// Every target, by the name its binary (fuzz_<name>) and corpus directory carry.
std::span<const Target> targets();
// The target of that name, or nullptr.
const Target* find_target(std::string_view name);

}  // namespace nnload::fuzz
