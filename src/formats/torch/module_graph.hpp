// torch.save(model) of a module built from torch.nn's own classes, rebuilt as a graph from the
// pickled module tree without running any Python.
#pragma once

#include <optional>
#include <string>

#include "formats/loaded_model.hpp"
#include "formats/torch/torch_file.hpp"

namespace nnload::formats::torch {

struct ModuleGraph {
  std::shared_ptr<graph::Graph> graph;
  std::vector<TensorInfo> inputs;
  std::vector<TensorInfo> outputs;
};

// nullopt when the file's root is not an nn.Module (a state_dict, a checkpoint). Throws
// Error(custom_layer_missing) for a module tree with a class outside torch.nn (a user's class,
// whose forward() is Python code the file does not hold), listing the state_dict keys; and
// Error(unsupported) naming a torch.nn class nnload does not rebuild.
std::optional<ModuleGraph> build_module_graph(const TorchFile& file);

}  // namespace nnload::formats::torch
