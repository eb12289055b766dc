#include "formats/keras/keras_h5.hpp"

#include "core/fail.hpp"
#include "formats/keras/config.hpp"
#include "formats/keras/keras_model.hpp"
#include "formats/keras/weights.hpp"
#include "io/hdf5/hdf5.hpp"
#include "io/json_text.hpp"

namespace nnload::formats::keras {

namespace {

std::string optional_attribute(const io::hdf5::Group& group, const std::string& name) {
  return group.has_attribute(name) ? group.string_attribute(name) : std::string();
}

[[noreturn]] void not_a_full_model(const std::filesystem::path& path, const io::hdf5::Group& root) {
  const bool legacy_weights =
      root.has_attribute("layer_names") || root.has_attribute("layer_names0");
  const bool keras3_weights = root.has_group("layers") || root.has_group("vars") ||
                              root.has_group("_layer_checkpoint_dependencies");
  if (legacy_weights || keras3_weights || root.has_group("model_weights")) {
    fail(ErrorCode::invalid_argument,
         "{} holds weights only; no architecture (it was saved with save_weights, or without "
         "the model config). Give the architecture as a Keras JSON config (model.to_json(), or a "
         ".keras archive's config.json): LoadOptions::keras_config in C++, --config on the "
         "command line",
         path.string());
  }
  fail(ErrorCode::unknown_format,
       "{} is an HDF5 file but not a Keras model: it has no model_config attribute", path.string());
}

}  // namespace

KerasVersion h5_keras_version(const io::hdf5::Group& root, const LayerWeights& weights) {
  std::string text = optional_attribute(root, "keras_version");
  std::string backend = optional_attribute(root, "backend");
  if (root.has_group("model_weights")) {
    const io::hdf5::Group g = root.group("model_weights");
    if (text.empty()) text = optional_attribute(g, "keras_version");
    if (backend.empty()) backend = optional_attribute(g, "backend");
  }
  KerasVersion version = parse_keras_version(text);
  // Keras 1 files do not record their backend; their weight names tell it.
  if (backend.empty() && version.major == 1) backend = infer_backend(weights);
  version.backend = backend;
  return version;
}

Json parse_config_json(const std::string& text, const std::string& where) {
  return io::parse_json(text, where);
}

LoadedModel load_h5(const std::filesystem::path& path) {
  const std::shared_ptr<io::hdf5::File> file = io::hdf5::open(path);
  const io::hdf5::Group root = file->root();
  if (!root.has_attribute("model_config")) not_a_full_model(path, root);
  const Json config_json =
      parse_config_json(root.string_attribute("model_config"), path.string() + ": model_config");
  try {
    const ModelConfig config = parse_model_config(config_json);
    const bool has_weights = root.has_group("model_weights");
    const LayerWeights weights =
        has_weights ? read_layer_weights(root.group("model_weights")) : LayerWeights{};
    const KerasVersion version = h5_keras_version(root, weights);
    ModelInfo info;
    info.format = "Keras HDF5";
    if (root.has_attribute("backend")) {
      info.metadata["backend"] = root.string_attribute("backend");
    } else if (!version.backend.empty()) {
      info.metadata["backend"] = version.backend + " (inferred from the weight names)";
    }
    if (root.has_attribute("training_config"))
      info.metadata["training_config"] = "present (ignored)";
    return assemble_keras_model(config, weights, version, std::move(info));
  } catch (const Error& e) {
    rethrow_with_context(e, path.string());
  } catch (const Json::exception& e) {
    fail(ErrorCode::corrupt, "{}: malformed model_config: {}", path.string(), e.what());
  }
}

}  // namespace nnload::formats::keras
