#include "model_source.hpp"

#include "core/fail.hpp"

namespace nnload::cli {

void ModelSource::add_options(CLI::App* sub) {
  CLI::Option* model_option =
      sub->add_option("model", model, "Model file or directory (or Keras weights with --config)");
  CLI::Option* config_option =
      sub->add_option("--config", config,
                      "Keras architecture for weights-only files: a JSON file (model.to_json(), "
                      "a .keras's config.json), or a .keras/.h5 whose config to use");
  CLI::Option* weights_option =
      sub->add_option("--weights", weights,
                      "Keras weights to load into --config (save_weights .h5 or .weights.h5, or "
                      "a full .h5/.keras)");
  model_option->excludes(weights_option);
  weights_option->needs(config_option);
}

Model ModelSource::load(LoadOptions options) const {
  if (!model.empty() && !weights.empty()) {
    fail(ErrorCode::invalid_argument,
         "give the weights once: either as MODEL or with --weights, not both");
  }
  if (!weights.empty() && config.empty()) {
    fail(ErrorCode::invalid_argument,
         "--weights needs --config (the Keras architecture to load the weights into)");
  }
  const std::string& path = weights.empty() ? model : weights;
  if (path.empty())
    fail(ErrorCode::invalid_argument, "no model given (MODEL, or --weights with --config)");
  options.keras_config = config;
  return nnload::load(path, options);
}

}  // namespace nnload::cli
