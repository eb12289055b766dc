// Reading PyTorch files (torch.save: the zip format, the legacy pickle-stream format, the tar
// format) into the tensors and plain values of their object tree, without running anything from
// the file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/read_limits.hpp"
#include "nnload/tensor.hpp"

namespace nnload::formats::torch {

// A tensor found in the file's object tree.
struct TorchTensor {
  std::string name;  // dotted path in the object tree: "model_state_dict.fc1.weight", "layers.0"
  Tensor value;      // a zero-copy view into the mapped file where dtype and byte order allow
  std::string location;       // where it was saved: "cpu", "cuda:0", "mps"
  bool is_parameter = false;  // wrapped in torch.nn.Parameter
};

// A non-tensor leaf of the object tree, as Python's repr() would print it ("42", "0.123",
// "'hello'", "True", "None"); lists and dicts are expanded into dotted paths like tensors.
struct TorchValue {
  std::string name;
  std::string repr;
};

// Defaults: the calling thread's nnload::ReadLimits (LoadOptions::limits during a load).
struct ReadLimits {
  std::uint64_t max_pickle_bytes = std::uint64_t{1} << 30;  // data.pkl or the legacy pickles
  std::uint32_t max_depth = read_limits().max_depth;        // nesting of containers
  std::uint64_t max_objects = read_limits().max_objects;    // values the pickle may create
};

struct TorchFile {
  std::string format;        // "zip", "legacy" or "tar"
  std::string version;       // the archive's `version` record or the legacy protocol version
  std::string byteorder;     // "little" or "big" (zip files without the record: "little")
  bool torchscript = false;  // torch.jit.save: its parameters are read, its code is not
  std::vector<TorchTensor> tensors;  // in the order the pickle reaches them
  std::vector<TorchValue> values;
  // Things a reader of the file should know: inert objects of unknown classes, GLOBALs that
  // name callables (e.g. "GLOBAL os.system: not executed, kept as an inert object"), ...
  std::vector<std::string> notes;
  // The object tree itself, for rebuilding whole-module pickles (torch.save(model)); its type is
  // defined in src/io/pickle.
  // Read it through formats/torch/object_tree.hpp: root_value(file), tensor_of(file, value).
  std::shared_ptr<const void> root;
};

// Throws Error(unknown_format) when the file is not a torch file, Error(corrupt) when damaged,
// Error(unsupported) for valid features not handled (naming them).
TorchFile read_torch_file(const std::filesystem::path& path, const ReadLimits& limits = {});

// The weights a model loads from this file: the file itself when it is a flat name -> tensor
// mapping (a state_dict), else the first of `state_dict`, `model_state_dict`, `model`,
// `net`, `network`, `module`, `weights`, `params` that is one; DataParallel's "module." prefix is
// removed. Names are relative to the state_dict ("fc1.weight"). Throws Error(not_found) listing
// the top-level keys when none is found.
std::vector<std::pair<std::string, Tensor>> find_state_dict(const TorchFile& file);

}  // namespace nnload::formats::torch
