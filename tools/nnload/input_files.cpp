#include "input_files.hpp"

#include <filesystem>

#include "core/fail.hpp"
#include "formats/onnx/tensor_proto.hpp"
#include "io/npy.hpp"
#include "io/npz.hpp"

namespace nnload::cli {

namespace {

bool is_npz(const std::string& file) { return std::filesystem::path(file).extension() == ".npz"; }

// One input file: .npy, or an ONNX TensorProto (.pb, as the ONNX test cases store them).
Tensor read_one(const std::string& file) {
  if (std::filesystem::path(file).extension() == ".pb")
    return formats::onnx::load_tensor_proto_file(file).value;
  return io::load_npy(file);
}

const Tensor* find_array(const std::vector<io::NamedTensor>& arrays, const std::string& key) {
  for (const io::NamedTensor& array : arrays) {
    if (array.name == key) return &array.tensor;
  }
  return nullptr;
}

// Keys are the input names; "x__<name>" (and for a one-input model "x", or the only array) are
// accepted too, so an npz holding both inputs and reference outputs can be fed directly.
std::vector<Tensor> from_npz(const Model& model, const std::string& file) {
  const std::vector<io::NamedTensor> arrays = io::load_npz(file);
  const std::vector<TensorInfo>& inputs = model.inputs();
  if (inputs.size() == 1 && arrays.size() == 1) return {arrays[0].tensor};
  std::vector<Tensor> ordered;
  for (const TensorInfo& input : inputs) {
    const Tensor* found = find_array(arrays, input.name);
    if (!found) found = find_array(arrays, fmt::format("x__{}", input.name));
    if (!found && inputs.size() == 1) found = find_array(arrays, "x");
    if (!found) {
      std::vector<std::string> keys;
      for (const io::NamedTensor& array : arrays) keys.push_back(array.name);
      fail(ErrorCode::not_found, "{}: no array named '{}' for input '{}' (the file holds: {})",
           file, input.name, input.name, fmt::join(keys, ", "));
    }
    ordered.push_back(*found);
  }
  return ordered;
}

}  // namespace

std::vector<Tensor> read_inputs(const Model& model, const std::vector<std::string>& files) {
  if (files.size() == 1 && is_npz(files[0])) return from_npz(model, files[0]);
  if (files.size() != model.inputs().size()) {
    fail(ErrorCode::invalid_argument,
         "the model takes {} input(s); {} file(s) given (use one .npz keyed by input name, or one "
         ".npy or TensorProto .pb per input)",
         model.inputs().size(), files.size());
  }
  std::vector<Tensor> inputs;
  for (const std::string& file : files) {
    if (is_npz(file))
      fail(ErrorCode::invalid_argument,
           "{}: give a single .npz for all inputs, or one .npy/.pb file per input", file);
    inputs.push_back(read_one(file));
  }
  return inputs;
}

}  // namespace nnload::cli
