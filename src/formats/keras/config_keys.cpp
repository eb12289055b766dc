#include "formats/keras/config_keys.hpp"

#include <cstdlib>
#include <string_view>

#include "core/fail.hpp"

namespace nnload::formats::keras {

namespace {

// Every key the Keras 1, 2 and 3 configs of nnload's layers carry (gathered from real files of
// each version and from Keras' get_config methods). Keys ending in _initializer, _regularizer
// or _constraint are matched by suffix.
const std::set<std::string_view>& known_keys() {
  static const std::set<std::string_view> keys = {
      // any layer
      "name", "trainable", "dtype", "batch_input_shape", "batch_shape", "input_shape", "input_dim",
      "input_length", "input_dtype", "sparse", "ragged", "optional", "seed", "activation",
      "activity_regularizer", "autocast", "build_config", "module",
      // Keras 1 spellings
      "init", "inner_init", "forget_bias_init", "inner_activation", "output_dim", "nb_filter",
      "nb_row", "nb_col", "nb_depth", "filter_length", "border_mode", "subsample",
      "subsample_length", "dim_ordering", "bias", "atrous_rate", "output_shape", "mode",
      "concat_axis", "dot_axes", "layers", "mode_type", "output_mask_type", "output_mask",
      "node_indices", "tensor_indices", "arguments", "function", "function_type",
      "output_shape_type", "output_shape_module", "consume_less", "dropout_U", "dropout_W",
      "pool_length", "stride", "length",
      // dense, convolution, pooling, reshaping
      "units", "use_bias", "filters", "kernel_size", "strides", "padding", "data_format",
      "dilation_rate", "groups", "depth_multiplier", "output_padding", "pool_size", "keepdims",
      "size", "interpolation", "cropping", "target_shape", "dims", "n", "lora_rank", "lora_alpha",
      "quantization_config", "mask_zero", "embeddings_initializer",
      // activations and merges
      "alpha", "theta", "threshold", "max_value", "negative_slope", "shared_axes", "axis", "axes",
      "normalize",
      // normalization and noise
      "epsilon", "center", "scale", "momentum", "renorm", "renorm_clipping", "renorm_momentum",
      "fused", "virtual_batch_size", "adjustment", "synchronized", "rms_scaling", "rate",
      "noise_shape", "stddev", "l1", "l2", "groups",
      // preprocessing
      "offset", "mean", "variance", "invert", "height", "width", "crop_to_aspect_ratio",
      "pad_to_aspect_ratio", "fill_mode", "fill_value", "antialias", "mask_value", "max_tokens",
      "num_oov_indices", "mask_token", "oov_token", "vocabulary", "vocabulary_dtype", "idf_weights",
      "output_mode", "pad_to_max_tokens", "encoding", "num_bins", "bin_boundaries", "salt",
      "output_sequence_length", "split", "ngrams", "standardize", "num_tokens", "equation",
      "bias_axes",
      // recurrent
      "return_sequences", "return_state", "go_backwards", "stateful", "unroll", "time_major",
      "implementation", "use_cudnn", "recurrent_activation", "unit_forget_bias", "reset_after",
      "dropout", "recurrent_dropout", "zero_output_for_mask", "cell", "cells", "layer",
      "backward_layer", "merge_mode", "filters",
      // attention
      "num_heads", "key_dim", "value_dim", "attention_axes", "use_gate", "flash_attention",
      "sliding_window", "use_scale", "score_mode", "causal", "use_causal_mask"};
  return keys;
}

bool ends_with(std::string_view s, std::string_view tail) {
  return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

bool is_known(const std::string& key, const std::set<std::string, std::less<>>& read) {
  return read.count(key) || known_keys().count(key) || ends_with(key, "_initializer") ||
         ends_with(key, "_regularizer") || ends_with(key, "_constraint");
}

// The value a switched-off option has.
bool is_off(const Json& v) {
  if (v.is_null()) return true;
  if (v.is_boolean()) return !v.get<bool>();
  if (v.is_number()) return v.get<double>() == 0;
  if (v.is_string() || v.is_array() || v.is_object()) return v.empty();
  return false;
}

std::string shown(const Json& v) {
  std::string text = v.dump();
  return text.size() > 80 ? text.substr(0, 77) + "..." : text;
}

[[noreturn]] void refuse(const LayerConfig& layer, const std::string& key, const Json& value,
                         const std::string& why) {
  fail(ErrorCode::unsupported, "layer '{}' ({}): config key '{}' = {} {}", layer.name,
       layer.class_name, key, shown(value), why);
}

void check_dtype_policy(const LayerConfig& layer, const Json& dtype) {
  std::string policy;
  if (dtype.is_string()) policy = dtype.get<std::string>();
  if (dtype.is_object()) {
    const std::string cls = dtype.value("class_name", "");
    if (cls.find("Quantized") != std::string::npos)
      refuse(layer, "dtype", dtype, "is a quantized dtype policy, which nnload does not run");
    if (dtype.contains("config") && dtype["config"].is_object())
      policy = dtype["config"].value("name", "");
  }
  for (const char* prefix : {"int8", "int4", "float8"}) {
    if (policy.rfind(prefix, 0) == 0)
      refuse(layer, "dtype", dtype, "is a quantized dtype policy, which nnload does not run");
  }
}

// The options Keras' initializers, regularizers and constraints take (through 3.15).
bool known_option(std::string_view key) {
  static const std::set<std::string_view> options = {
      "seed",         "mean", "stddev",     "minval",      "maxval", "scale",     "mode",
      "distribution", "gain", "value",      "l1",          "l2",     "max_value", "min_value",
      "rate",         "axis", "input_axes", "output_axes", "dtype"};
  return options.count(key) > 0;
}

// A training-only object (initializer, regularizer, constraint) of a newer Keras may carry new
// options: whatever they are, they can't change a prediction; say that they were ignored.
void note_training_options(const LayerConfig& layer, const std::string& key, const Json& value,
                           std::vector<std::string>& notes) {
  if (!value.is_object() || !value.contains("config") || !value["config"].is_object()) return;
  for (const auto& [option, v] : value["config"].items()) {
    if (known_option(option)) continue;
    notes.push_back(fmt::format(
        "layer '{}' ({}): {} option '{}' = {} is unknown (a newer Keras); ignored, it only "
        "matters for training",
        layer.name, layer.class_name, key, option, shown(v)));
  }
}

}  // namespace

void refuse_unsupported_features(const LayerConfig& layer) {
  if (!layer.config.is_object()) return;
  for (const auto& [key, value] : layer.config.items()) {
    if (key == "quantization_config" && !value.is_null())
      refuse(layer, key, value, "asks for quantized weights, which nnload does not run");
    if (key == "lora_rank" && !is_off(value))
      refuse(layer, key, value, "asks for LoRA weights, which nnload does not apply");
    if (key == "dtype") check_dtype_policy(layer, value);
  }
}

bool newer_than_known(const KerasVersion& version) {
  const char* text = version.text.c_str();
  char* end = nullptr;
  const long major = std::strtol(text, &end, 10);
  if (end == text) return false;  // not stated: nothing says the file is newer
  const long minor = *end == '.' ? std::strtol(end + 1, nullptr, 10) : 0;
  return major > kNewestKnownKeras[0] ||
         (major == kNewestKnownKeras[0] && minor > kNewestKnownKeras[1]);
}

void check_config_keys(const LayerConfig& layer, const std::set<std::string, std::less<>>& read,
                       const KerasVersion& version, std::vector<std::string>& notes) {
  if (!layer.config.is_object()) return;
  refuse_unsupported_features(layer);
  const bool newer = newer_than_known(version);
  for (const auto& [key, value] : layer.config.items()) {
    if (newer && (ends_with(key, "_initializer") || ends_with(key, "_regularizer") ||
                  ends_with(key, "_constraint")))
      note_training_options(layer, key, value, notes);
    if (is_known(key, read)) continue;
    if (is_off(value)) {
      notes.push_back(fmt::format(
          "layer '{}' ({}): unknown config key '{}' = {} ignored (switched off, it can't change "
          "the result)",
          layer.name, layer.class_name, key, shown(value)));
    } else if (newer) {
      refuse(layer, key, value,
             fmt::format("is not known to nnload, and the file comes from Keras {}, newer than "
                         "the {}.{} nnload knows: the key may change the computation, so nnload "
                         "refuses rather than compute something else",
                         version.text, kNewestKnownKeras[0], kNewestKnownKeras[1]));
    } else {
      notes.push_back(fmt::format("layer '{}' ({}): config key '{}' = {} is not used by nnload",
                                  layer.name, layer.class_name, key, shown(value)));
    }
  }
}

}  // namespace nnload::formats::keras
