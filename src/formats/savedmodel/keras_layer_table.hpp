// Keras' layer table for a TensorFlow 2 Keras export: the Keras model config that Keras stores
// in the SavedModel's metadata, rebuilt with the Keras reader's own layer builders on the
// layers' variables, so summary() prints what model.summary() printed before saving.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "formats/loaded_model.hpp"
#include "formats/savedmodel/graph_converter.hpp"

namespace nnload::formats::savedmodel {

struct KerasLayerTable {
  LayerTable table;
  std::shared_ptr<graph::Graph> graph;  // the graph the table's value ids refer to
};

// nullopt when the SavedModel is not a Keras export, or when its layers can't be rebuilt (a
// layer class the Keras reader lacks, a nested model): summary() then lists variables instead.
std::optional<KerasLayerTable> keras_layer_table(const MetaGraphContext& context,
                                                 const std::string& keras_metadata_json);

}  // namespace nnload::formats::savedmodel
