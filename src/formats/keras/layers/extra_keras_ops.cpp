// Keras 3 op layers: keras.ops functions called on symbolic tensors are recorded as layers
// (module keras.src.ops.*, class "Add", "Reshape", ...); their builder maps the recorded
// arguments onto the op table of extra_ops.cpp.
#include "formats/keras/layers/extra_common.hpp"

namespace nnload::formats::keras {

namespace {

// Replaces the __keras_tensor__ records of a Keras 3 call argument by the graph values the
// model builder resolved, in the order config.cpp collected them.
Json with_values(const Json& j, const std::vector<int>& values, std::size_t& next) {
  return extra::replace_tensor_refs(
      j,
      [](const Json& r) {
        return r.is_object() && r.value("class_name", "") == "__keras_tensor__";
      },
      values, next);
}

std::vector<int> keras_op_layer(LayerContext& ctx) {
  const extra::OpBuilder builder = extra::find_keras_op(ctx.layer().class_name);
  extra::OpArgs args{ctx};
  if (ctx.call()) {
    std::size_t next = 0;
    args.positional = with_values(ctx.call()->args, ctx.inputs(), next);
    for (const auto& [key, value] : ctx.call_kwargs().items()) {
      std::size_t k = 0;
      args.named[key] = with_values(value, ctx.kwarg_values(key), k);
    }
  } else {
    args.positional = Json::array();
    for (int v : ctx.inputs()) args.positional.push_back(extra::value_placeholder(v));
  }
  // The op's own parameters (axis, keepdims, newshape, ...) are in its config.
  for (const auto& [key, value] : ctx.config().items()) {
    if (key != "name" && !args.named.contains(key)) args.named[key] = value;
  }
  if (!args.positional.is_array()) args.positional = Json::array({args.positional});
  return {builder(args)};
}

}  // namespace

LayerBuilder find_keras_op_builder(const LayerConfig& layer, const KerasVersion& version) {
  if (!extra::find_keras_op(layer.class_name)) return nullptr;
  const bool op_module = layer.module.rfind("keras.src.ops", 0) == 0;
  // Keras 3's legacy .h5 writes no module: an op's config has no "trainable" entry, which every
  // layer's config has.
  const bool op_config = layer.module.empty() && version.major >= 3 && layer.config.is_object() &&
                         !layer.config.contains("trainable");
  return op_module || op_config ? keras_op_layer : nullptr;
}

}  // namespace nnload::formats::keras
