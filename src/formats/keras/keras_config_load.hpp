// Weights loaded into an architecture given separately as a Keras JSON config: the weights of
// save_weights (the legacy HDF5 layout, layer_names at the root, or Keras 3's .weights.h5,
// layers/<entry>/vars/<index>), or those of a full .h5 or .keras file, with another config.
#pragma once

#include <filesystem>
#include <string>

#include "formats/keras/config.hpp"
#include "formats/loaded_model.hpp"

namespace nnload::formats::keras {

// The config: JSON text (starting with '{'), or the path of a .json file (model.to_json(), a
// .keras archive's config.json), of a .keras archive (its config.json) or of a full-model .h5
// (its model_config). Error(not_found) for a missing path, Error(corrupt) for bad JSON,
// Error(invalid_argument) for a file that holds no config.
Json read_config_source(const std::string& source);

// Legacy weights are matched to the config's layers by name, or, when the names differ (a model
// rebuilt in a fresh session numbers its layers anew), by order among the layers that hold
// weights, as Keras' load_weights does. Keras 3 weights are matched by path, as Keras does.
// Error(corrupt) when the config and the weights disagree (another model's weights, layer
// counts, shapes).
LoadedModel load_keras_with_config(const std::filesystem::path& weights,
                                   const std::string& config_source);

}  // namespace nnload::formats::keras
