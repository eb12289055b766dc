#include "formats/torch/load_torch.hpp"

#include <set>

#include "core/fail.hpp"
#include "formats/torch/module_graph.hpp"
#include "formats/torch/modules/module_context.hpp"
#include "formats/torch/object_tree.hpp"
#include "formats/torch/torch_file.hpp"

namespace nnload::formats::torch {

namespace {

// "model_state_dict, optimizer_state_dict, epoch": the first path components, in file order.
std::string top_level_keys(const TorchFile& file) {
  std::vector<std::string> keys;
  std::set<std::string> seen;
  auto note = [&](const std::string& name) {
    const std::string top = name.substr(0, name.find('.'));
    if (seen.insert(top).second) keys.push_back(top);
  };
  for (const TorchTensor& t : file.tensors) note(t.name);
  for (const TorchValue& v : file.values) note(v.name);
  const std::size_t shown = std::min<std::size_t>(keys.size(), 8);
  std::string text = fmt::format(
      "{}", fmt::join(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(shown), ", "));
  if (keys.size() > shown) text += ", ...";
  return text;
}

std::string weights_only_reason(const std::filesystem::path& path, const TorchFile& file) {
  return fmt::format(
      "{} holds weights only ({} tensors; top-level entries: {}): a PyTorch state_dict or "
      "checkpoint does not contain the model's architecture, which is Python code. To run it, "
      "define the architecture in C++ with nnload::nn modules and call "
      "load_state_dict(\"{}\") (see examples/load_pytorch.cpp), or save the whole model with "
      "torch.save(model) when it is built from torch.nn layers only, or export it to ONNX",
      path.string(), file.tensors.size(), top_level_keys(file), path.string());
}

}  // namespace

LoadedModel load_torch(const std::filesystem::path& path) {
  TorchFile file = read_torch_file(path);
  LoadedModel model;
  model.info.format = "PyTorch " + file.format;
  model.info.producer = "PyTorch";
  model.info.producer_version = "unknown";  // torch files record a serialization version only
  model.info.name = path.stem().string();
  if (!file.version.empty()) model.info.metadata["serialization_version"] = file.version;
  if (!file.byteorder.empty()) model.info.metadata["byteorder"] = file.byteorder;
  for (const TorchValue& v : file.values) model.info.values.push_back({v.name, v.repr});
  model.info.notes = file.notes;
  for (const TorchTensor& t : file.tensors) {
    model.weights.push_back({t.name, t.value, t.is_parameter, t.location});
  }
  if (file.torchscript) {
    model.weights_only_code = ErrorCode::unsupported;
    model.weights_only_reason =
        path.string() +
        ": a TorchScript archive (torch.jit.save): nnload reads its parameters "
        "(inspect, weights) but does not run TorchScript code yet; export the "
        "model to ONNX, or save it with torch.save(model)";
    return model;
  }
  try {
    if (std::optional<ModuleGraph> built = build_module_graph(file)) {
      model.graph = std::move(built->graph);
      model.inputs = std::move(built->inputs);
      model.outputs = std::move(built->outputs);
      model.info.metadata["module_class"] = module_class(root_value(file));
      return model;
    }
  } catch (const Error& e) {
    if (e.code() != ErrorCode::custom_layer_missing && e.code() != ErrorCode::unsupported) {
      rethrow_with_context(e, path.string());
    }
    // A module nnload can't rebuild still loads: its weights can be inspected, exported and
    // loaded into nnload::nn modules; predict() says why it can't run.
    model.weights_only_code = e.code();
    model.weights_only_reason = path.string() + ": " + e.what();
    return model;
  }
  model.weights_only_reason = weights_only_reason(path, file);
  return model;
}

}  // namespace nnload::formats::torch
