// Turning a Keras model config (Sequential or Functional, models nested as layers) plus the
// layers' weights into IR nodes, and the layer table summary() prints.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "formats/keras/config.hpp"
#include "formats/keras/weights.hpp"
#include "formats/loaded_model.hpp"
#include "graph/graph.hpp"

namespace nnload::formats::keras {

struct BuiltModel {
  std::vector<TensorInfo> inputs;
  std::vector<TensorInfo> outputs;
  LayerTable table;
  // Per layer (top-level name), whether each of its weights is trainable, in file order.
  std::map<std::string, std::vector<bool>> trainable;
  // Things worth telling the user (config keys ignored as harmless, ...), for ModelInfo::notes.
  std::vector<std::string> notes;
};

// Adds the model's graph inputs, nodes and outputs to `graph`.
BuiltModel build_model(graph::Graph& graph, const ModelConfig& config, const LayerWeights& weights,
                       const KerasVersion& version);

}  // namespace nnload::formats::keras
