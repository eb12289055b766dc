#include "formats/keras/keras_model.hpp"

#include "formats/keras/model_builder.hpp"

namespace nnload::formats::keras {

LoadedModel assemble_keras_model(const ModelConfig& config, const LayerWeights& weights,
                                 const KerasVersion& version, ModelInfo info) {
  LoadedModel model;
  model.graph = std::make_shared<graph::Graph>();
  BuiltModel built = build_model(*model.graph, config, weights, version);
  model.info = std::move(info);
  model.info.producer = "Keras";
  if (model.info.producer_version.empty())
    model.info.producer_version = version.text.empty() ? "unknown" : version.text;
  model.info.name = config.name;
  model.info.metadata["keras_class"] = config.class_name;
  if (!version.backend.empty() && !model.info.metadata.count("backend"))
    model.info.metadata["backend"] = version.backend;
  for (std::string& note : built.notes) model.info.notes.push_back(std::move(note));
  model.inputs = std::move(built.inputs);
  model.outputs = std::move(built.outputs);
  // Weights in file order, with trainability as the layers declare it.
  for (const auto& [layer, list] : weights.layers) {
    const auto flags = built.trainable.find(layer);
    for (std::size_t i = 0; i < list.size(); ++i) {
      const bool trainable =
          flags == built.trainable.end() || i >= flags->second.size() || flags->second[i];
      model.weights.push_back({list[i].name, list[i].value, trainable, ""});
    }
  }
  model.layers = std::move(built.table);
  return model;
}

std::string infer_backend(const LayerWeights& weights) {
  for (const auto& [layer, list] : weights.layers) {
    for (const LayerWeight& w : list) {
      const auto colon = w.name.rfind(':');
      const bool suffixed = colon != std::string::npos && colon + 1 < w.name.size() &&
                            w.name.find_first_not_of("0123456789", colon + 1) == std::string::npos;
      return suffixed ? "tensorflow" : "theano";
    }
  }
  return "";
}

}  // namespace nnload::formats::keras
