#include "formats/keras/keras_h5.hpp"

#include "core/fail.hpp"
#include "formats/keras/config.hpp"
#include "formats/keras/model_builder.hpp"
#include "formats/keras/weights.hpp"
#include "io/hdf5/hdf5.hpp"

namespace nnload::formats::keras {

namespace {

std::string optional_attribute(const io::hdf5::Group& group, const std::string& name) {
  return group.has_attribute(name) ? group.string_attribute(name) : std::string();
}

[[noreturn]] void not_a_full_model(const std::filesystem::path& path, const io::hdf5::Group& root) {
  const bool legacy_weights =
      root.has_attribute("layer_names") || root.has_attribute("layer_names0");
  const bool keras3_weights = root.has_group("layers") || root.has_group("vars");
  if (legacy_weights || keras3_weights || root.has_group("model_weights")) {
    fail(ErrorCode::invalid_argument,
         "{} holds weights only; no architecture (it was saved with save_weights, or without "
         "the model config). Load the full model file saved with model.save(), or give the "
         "architecture as a Keras JSON config",
         path.string());
  }
  fail(ErrorCode::unknown_format,
       "{} is an HDF5 file but not a Keras model: it has no model_config attribute", path.string());
}

}  // namespace

LoadedModel load_h5(const std::filesystem::path& path) {
  const std::shared_ptr<io::hdf5::File> file = io::hdf5::open(path);
  const io::hdf5::Group root = file->root();
  if (!root.has_attribute("model_config")) not_a_full_model(path, root);

  const std::string config_text = root.string_attribute("model_config");
  Json config_json;
  try {
    config_json = Json::parse(config_text);
  } catch (const Json::exception& e) {
    fail(ErrorCode::corrupt, "{}: model_config is not valid JSON ({})", path.string(), e.what());
  }

  std::string version_text = optional_attribute(root, "keras_version");
  const bool has_weights = root.has_group("model_weights");
  if (version_text.empty() && has_weights)
    version_text = optional_attribute(root.group("model_weights"), "keras_version");
  const KerasVersion version = parse_keras_version(version_text);

  LoadedModel model;
  try {
    const ModelConfig config = parse_model_config(config_json);
    const LayerWeights weights =
        has_weights ? read_layer_weights(root.group("model_weights")) : LayerWeights{};
    model.graph = std::make_shared<graph::Graph>();
    BuiltModel built = build_model(*model.graph, config, weights, version);

    model.info.format = "Keras HDF5";
    model.info.producer = "Keras";
    model.info.producer_version = version.text.empty() ? "unknown" : version.text;
    model.info.name = config.name;
    model.info.metadata["keras_class"] = config.class_name;
    const std::string backend = optional_attribute(root, "backend");
    if (!backend.empty()) model.info.metadata["backend"] = backend;
    if (root.has_attribute("training_config"))
      model.info.metadata["training_config"] = "present (ignored)";

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
  } catch (const Error& e) {
    rethrow_with_context(e, path.string());
  } catch (const Json::exception& e) {
    fail(ErrorCode::corrupt, "{}: malformed model_config: {}", path.string(), e.what());
  }
  return model;
}

}  // namespace nnload::formats::keras
