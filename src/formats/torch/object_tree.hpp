// The object tree of a torch file, for callers that need more than the flattened tensors and
// values: rebuilding a whole-module pickle (torch.save(model)) walks it.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "formats/torch/torch_file.hpp"
#include "io/pickle/value.hpp"

namespace nnload::formats::torch {

// A tensor built from a value of the tree (a _rebuild_tensor_v2 / _rebuild_parameter call).
struct ObjectTensor {
  Tensor value;
  std::string location;
  bool is_parameter = false;
};

// What TorchFile::root holds.
struct ObjectTree {
  std::shared_ptr<io::pickle::Heap> heap;
  const io::pickle::Value* root = nullptr;
  std::unordered_map<const io::pickle::Value*, ObjectTensor> tensors;
};

// The root of the file's object tree (see io/pickle/value.hpp). Error(invalid_argument) when
// `file` holds no tree (not made by read_torch_file).
const io::pickle::Value& root_value(const TorchFile& file);

// The tensor that `value` (a tensor rebuild or Parameter call in the tree) stands for, or
// nullptr when it is not one. The same value always gives the same tensor.
const ObjectTensor* tensor_of(const TorchFile& file, const io::pickle::Value& value);

}  // namespace nnload::formats::torch
