// Keras 3 `.keras` archives: a zip of config.json (the serialized model), metadata.json
// (keras_version, date_saved) and model.weights.h5 (or model.weights.npz), optional assets/.
#pragma once

#include <filesystem>
#include <memory>

#include "formats/keras/config.hpp"
#include "formats/keras/keras3_weights.hpp"
#include "formats/loaded_model.hpp"

namespace nnload::formats::keras {

struct KerasArchive {
  Json config;          // config.json; null when absent and not required
  std::string version;  // metadata.json's keras_version ("" when absent)
  std::string date_saved;
  VarNode variables;  // model.weights.h5 / .npz
  std::string weights_entry;
  std::vector<std::string> notes;
};

// Reads the archive. Error(corrupt) when config.json (if `need_config`), the weights entry, or
// either JSON is missing or damaged.
KerasArchive read_keras_archive(const std::filesystem::path& path, bool need_config = true);

LoadedModel load_keras_archive(const std::filesystem::path& path);

}  // namespace nnload::formats::keras
