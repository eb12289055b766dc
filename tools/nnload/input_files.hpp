// Reading a model's inputs from .npy / .npz / TensorProto .pb files named on the command line.
#pragma once

#include <string>
#include <vector>

#include "nnload/model.hpp"

namespace nnload::cli {

// One .npz whose keys are the input names (a single array for a one-input model), or one .npy
// or ONNX TensorProto .pb per input in input order. Throws Error naming the file, key or input that
// does not fit.
std::vector<Tensor> read_inputs(const Model& model, const std::vector<std::string>& files);

}  // namespace nnload::cli
