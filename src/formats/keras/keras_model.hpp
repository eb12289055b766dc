// What every Keras reader shares once it has a config and the layers' weights: building the
// graph, the layer table and the model's facts.
#pragma once

#include "formats/keras/config.hpp"
#include "formats/keras/weights.hpp"
#include "formats/loaded_model.hpp"

namespace nnload::formats::keras {

// Builds the model of `config` with `weights`. `info` arrives with the reader's facts (format,
// producer version, metadata, notes); the model's name, class and the builder's notes are
// added.
LoadedModel assemble_keras_model(const ModelConfig& config, const LayerWeights& weights,
                                 const KerasVersion& version, ModelInfo info);

// The backend that wrote `weights` when the file does not say: TensorFlow names variables
// "<name>:0", Theano (Keras 1) names them without the suffix. Empty when there are no weights.
std::string infer_backend(const LayerWeights& weights);

}  // namespace nnload::formats::keras
