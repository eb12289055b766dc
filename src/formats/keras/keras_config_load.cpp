#include "formats/keras/keras_config_load.hpp"

#include <array>
#include <fstream>
#include <set>

#include "core/fail.hpp"
#include "formats/keras/keras3_weights.hpp"
#include "formats/keras/keras_archive.hpp"
#include "formats/keras/keras_h5.hpp"
#include "formats/keras/keras_model.hpp"
#include "io/hdf5/hdf5.hpp"

namespace nnload::formats::keras {

namespace {

constexpr std::uintmax_t kMaxConfigBytes = std::uintmax_t{256} << 20;

bool starts_with_zip_magic(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::array<char, 4> head{};
  return in.read(head.data(), 4) && head[0] == 'P' && head[1] == 'K' && head[2] == 3 &&
         head[3] == 4;
}

bool starts_with_hdf5_magic(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::array<char, 4> head{};
  return in.read(head.data(), 4) && head[0] == '\x89' && head[1] == 'H' && head[2] == 'D' &&
         head[3] == 'F';
}

std::string read_text_file(const std::filesystem::path& path) {
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) fail(ErrorCode::not_found, "{}: cannot be read ({})", path.string(), ec.message());
  if (size > kMaxConfigBytes)
    fail(ErrorCode::invalid_argument, "{}: {} bytes is too large for a Keras config", path.string(),
         size);
  std::ifstream in(path, std::ios::binary);
  std::string text(static_cast<std::size_t>(size), '\0');
  if (!in.read(text.data(), static_cast<std::streamsize>(size)))
    fail(ErrorCode::not_found, "{}: cannot be read", path.string());
  return text;
}

// Keras' weightless layer classes: the order matching of legacy weights skips them.
bool holds_no_weights(const std::string& cls) {
  static const std::set<std::string, std::less<>> none = {
      "InputLayer",      "Dropout",      "GaussianNoise",
      "GaussianDropout", "AlphaDropout", "ActivityRegularization",
      "Flatten",         "Reshape",      "Permute",
      "RepeatVector",    "Activation",   "ReLU",
      "LeakyReLU",       "ELU",          "Softmax",
      "ThresholdedReLU", "Add",          "Subtract",
      "Multiply",        "Average",      "Maximum",
      "Minimum",         "Concatenate",  "Dot",
      "Merge",           "Masking",      "Lambda",
      "Rescaling",       "Resizing",     "CenterCrop",
      "Identity",        "TFOpLambda"};
  for (const char* prefix :
       {"MaxPool", "AveragePool", "AvgPool", "GlobalAverage", "GlobalMax", "GlobalAvg",
        "ZeroPadding", "Cropping", "UpSampling", "SpatialDropout"}) {
    if (cls.rfind(prefix, 0) == 0) return true;
  }
  return none.count(cls) > 0;
}

std::string joined_names(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size() && i < 8; ++i)
    out += (i ? ", " : "") + ("'" + names[i] + "'");
  if (names.size() > 8) out += fmt::format(" and {} more", names.size() - 8);
  return out;
}

LayerWeights match_legacy_weights(const ModelConfig& config, const LayerWeights& file,
                                  std::vector<std::string>& notes) {
  std::set<std::string> config_names;
  std::vector<std::string> candidates;  // config layers that may hold weights, in order
  for (const LayerConfig& layer : config.layers) {
    config_names.insert(layer.name);
    if (!holds_no_weights(layer.class_name)) candidates.push_back(layer.name);
  }
  std::vector<std::string> stored, unknown;
  for (const auto& [name, list] : file.layers) {
    if (list.empty()) continue;
    stored.push_back(name);
    if (!config_names.count(name)) unknown.push_back(name);
  }
  if (unknown.empty()) return file;
  if (stored.size() != candidates.size()) {
    fail(ErrorCode::corrupt,
         "the weights file holds weights for {} layers ({}) but the config has {} layers that "
         "hold weights ({}), and the names differ: the weights belong to another model",
         stored.size(), joined_names(stored), candidates.size(), joined_names(candidates));
  }
  LayerWeights renamed;
  for (std::size_t i = 0; i < stored.size(); ++i) renamed.at(candidates[i]) = *file.find(stored[i]);
  notes.push_back(fmt::format(
      "the weights file names its layers differently ({} ...); its weights were matched to the "
      "config's layers by order, as Keras' load_weights does",
      joined_names({unknown.front()})));
  return renamed;
}

std::string config_string(const Json& json, const char* key) {
  return json.is_object() && json.contains(key) && json[key].is_string()
             ? json[key].get<std::string>()
             : std::string();
}

}  // namespace

Json read_config_source(const std::string& source) {
  const auto first = source.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && source[first] == '{')
    return parse_config_json(source, "the Keras config");
  const std::filesystem::path path(source);
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec))
    fail(ErrorCode::not_found, "Keras config {}: no such file", source);
  if (starts_with_zip_magic(path)) return read_keras_archive(path).config;
  if (starts_with_hdf5_magic(path)) {
    const auto file = io::hdf5::open(path);
    if (!file->root().has_attribute("model_config")) {
      fail(ErrorCode::invalid_argument,
           "{}: an HDF5 file without model_config can't give the architecture", source);
    }
    return parse_config_json(file->root().string_attribute("model_config"),
                             source + ": model_config");
  }
  return parse_config_json(read_text_file(path), source);
}

LoadedModel load_keras_with_config(const std::filesystem::path& weights_path,
                                   const std::string& config_source) {
  const Json config_json = read_config_source(config_source);
  ModelConfig config;
  try {
    config = parse_model_config(config_json);
  } catch (const Error& e) {
    rethrow_with_context(e, "Keras config " + config_source);
  } catch (const Json::exception& e) {
    // A field of an unexpected JSON type (nlohmann's type_error), as load_h5 reports it.
    fail(ErrorCode::corrupt, "Keras config {}: malformed model config: {}", config_source,
         e.what());
  }
  // Keras 2's model.to_json() records the version and backend; the weights file may not.
  const std::string config_version = config_string(config_json, "keras_version");
  const std::string config_backend = config_string(config_json, "backend");
  ModelInfo info;
  info.metadata["config"] = config_source.find_first_not_of(" \t\r\n") != std::string::npos &&
                                    config_source[config_source.find_first_not_of(" \t\r\n")] == '{'
                                ? "JSON text"
                                : config_source;
  try {
    std::error_code ec;
    if (!std::filesystem::exists(weights_path, ec)) fail(ErrorCode::not_found, "no such file");
    if (starts_with_zip_magic(weights_path)) {
      KerasArchive archive = read_keras_archive(weights_path, false);
      const LayerWeights weights = map_keras3_weights(config, archive.variables);
      info.format = "Keras 3 .keras weights + JSON config";
      info.notes = std::move(archive.notes);
      return assemble_keras_model(
          config, weights, parse_keras_version(archive.version.empty() ? "3" : archive.version),
          std::move(info));
    }
    const auto file = io::hdf5::open(weights_path);
    const io::hdf5::Group root = file->root();
    const bool legacy = root.has_attribute("layer_names") || root.has_attribute("layer_names0");
    if (root.has_group("model_weights") || legacy) {
      const LayerWeights stored = read_layer_weights(legacy ? root : root.group("model_weights"));
      const LayerWeights weights = match_legacy_weights(config, stored, info.notes);
      KerasVersion version = h5_keras_version(root, stored);
      if (version.text.empty() && !config_version.empty()) {
        const std::string backend = version.backend;
        version = parse_keras_version(config_version);
        version.backend = backend;
      }
      if (!config_backend.empty() && !root.has_attribute("backend"))
        version.backend = config_backend;
      info.format = legacy ? "Keras HDF5 weights + JSON config" : "Keras HDF5 + JSON config";
      return assemble_keras_model(config, weights, version, std::move(info));
    }
    if (root.has_group("layers") || root.has_group("_layer_checkpoint_dependencies")) {
      const VarNode tree = read_var_tree(root);
      const LayerWeights weights = map_keras3_weights(config, tree);
      const bool tf213 = store_layout(tree) == StoreLayout::tf213;
      KerasVersion version =
          parse_keras_version(!config_version.empty() ? config_version : (tf213 ? "2.13" : "3"));
      info.format = "Keras 3 weights (.weights.h5) + JSON config";
      return assemble_keras_model(config, weights, version, std::move(info));
    }
    fail(ErrorCode::invalid_argument,
         "an HDF5 file with neither Keras weights layout (no layer_names attribute, no "
         "model_weights or layers group)");
  } catch (const Error& e) {
    rethrow_with_context(e, weights_path.string());
  } catch (const Json::exception& e) {
    fail(ErrorCode::corrupt, "{}: malformed Keras config: {}", weights_path.string(), e.what());
  }
}

}  // namespace nnload::formats::keras
