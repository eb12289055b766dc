// TensorFlow op layers in tf.keras models: TFOpLambda and SlicingOpLambda (TF 2.4+: a TF API
// function name plus the call's arguments, mapped by extra_ops.cpp) and TensorFlowOpLayer
// (TF 1.14 - 2.3: a serialized NodeDef, converted with the SavedModel reader's TF op builders).
#include <google/protobuf/util/json_util.h>

#include <functional>

#include "formats/keras/layers/extra_common.hpp"
#include "formats/savedmodel/tf_op_context.hpp"
#include "formats/savedmodel/tf_types.hpp"

namespace nnload::formats::keras {

namespace {

bool is_tf_keras_ref(const Json& j) {
  return j.is_array() && j.size() == 3 && j[0].is_string() && j[1].is_number_integer() &&
         j[2].is_number_integer();
}

// tf.keras writes tensors passed by keyword as [layer, node, tensor]; config.cpp collected them
// in this same order.
Json with_values(const Json& j, const std::vector<int>& values, std::size_t& next) {
  return extra::replace_tensor_refs(j, is_tf_keras_ref, values, next);
}

std::vector<int> tf_op_lambda(LayerContext& ctx) {
  const std::string function = ctx.get_string({"function"});
  const extra::OpBuilder builder = extra::find_tf_function(function);
  if (!builder) {
    ctx.unsupported(fmt::format("TensorFlow function tf.{} is not supported; supported: {}",
                                function, fmt::join(extra::tf_function_names(), ", ")));
  }
  // The first argument: its tensors (the layer's inputs) and the constants written in their
  // place, in order; a list when it holds several.
  std::vector<Json> first(ctx.input_count() +
                          (ctx.call() ? ctx.call()->constant_inputs.size() : 0));
  std::vector<bool> filled(first.size(), false);
  if (ctx.call()) {
    for (const auto& [position, value] : ctx.call()->constant_inputs) {
      if (position < first.size()) first[position] = value, filled[position] = true;
    }
  }
  std::size_t next = 0;
  for (std::size_t i = 0; i < first.size(); ++i) {
    if (!filled[i]) first[i] = extra::value_placeholder(ctx.input(next++));
  }
  extra::OpArgs args{ctx};
  // One tensor stands for itself (list arguments such as tf.concat's take a single tensor too).
  args.positional.push_back(first.size() == 1 ? first[0] : Json(first));
  for (const auto& [key, value] : ctx.call_kwargs().items()) {
    std::size_t k = 0;
    args.named[key] = with_values(value, ctx.kwarg_values(key), k);
  }
  return {builder(args)};
}

// A constant input of a TensorFlowOpLayer (its config's "constants", by input index) with the
// dtype the node's type attributes give it.
Tensor constant_tensor(LayerContext& ctx, const Json& j, DType numbers) {
  std::vector<double> values;
  Shape shape;
  std::function<void(const Json&, std::size_t)> walk = [&](const Json& e, std::size_t depth) {
    if (e.is_array()) {
      if (shape.size() <= depth) shape.push_back(static_cast<int64_t>(e.size()));
      for (const Json& item : e) walk(item, depth + 1);
    } else if (e.is_number() || e.is_boolean()) {
      values.push_back(e.is_boolean() ? (e.get<bool>() ? 1 : 0) : e.get<double>());
    } else {
      ctx.unsupported("constant " + e.dump() + " is not numeric");
    }
  };
  walk(j, 0);
  int64_t count = 1;
  for (int64_t d : shape) count *= d;
  if (count != static_cast<int64_t>(values.size())) ctx.corrupt("a constant is ragged");
  return Tensor::from_vector<double>(values, shape).to(numbers);
}

std::vector<int> tensorflow_op_layer(LayerContext& ctx) {
  const Json* node_json = ctx.find({"node_def"});
  if (!node_json || !node_json->is_object()) ctx.corrupt("config has no node_def");
  tf::NodeDef node;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(node_json->dump(), &node, options).ok())
    ctx.corrupt("node_def is not a TensorFlow NodeDef: " + node_json->dump());
  const savedmodel::TfOpBuilder builder = savedmodel::find_tf_op(node.op());
  if (!builder) {
    ctx.unsupported(fmt::format("TensorFlow op {} is not supported; supported: {}", node.op(),
                                fmt::join(savedmodel::supported_tf_ops(), ", ")));
  }
  // Data inputs: the layer's tensors, with the config's constants at their indices.
  std::size_t data_inputs = 0;
  for (const std::string& in : node.input()) data_inputs += !in.empty() && in[0] != '^';
  const Json constants = ctx.find({"constants"}) ? *ctx.find({"constants"}) : Json::object();
  // A float constant takes the node's type T; an integer one T when T is an integer type (math
  // on integers), else int32 (shapes, axes, permutations).
  DType t = DType::f32;
  if (auto it = node.attr().find("T"); it != node.attr().end() && it->second.has_type()) {
    if (const std::optional<DType> d = savedmodel::dtype_from_tf(it->second.type())) t = *d;
  }
  std::vector<int> inputs;
  std::size_t next = 0;
  for (std::size_t i = 0; i < data_inputs; ++i) {
    const std::string key = std::to_string(i);
    if (constants.is_object() && constants.contains(key)) {
      const Json& c = constants[key];
      bool any_float = false;
      std::function<void(const Json&)> scan = [&](const Json& e) {
        if (e.is_array()) {
          for (const Json& item : e) scan(item);
        } else {
          any_float = any_float || e.is_number_float();
        }
      };
      scan(c);
      const DType dtype =
          any_float ? (is_floating(t) ? t : DType::f32) : (is_integer(t) ? t : DType::i32);
      inputs.push_back(ctx.constant("constant_" + key, constant_tensor(ctx, c, dtype)));
    } else {
      inputs.push_back(ctx.input(next++));
    }
  }
  if (next != ctx.input_count())
    ctx.corrupt(fmt::format("the node takes {} tensor inputs, the layer is called with {}", next,
                            ctx.input_count()));
  // No op registry: the layer's NodeDef carries the attributes its op needs.
  const savedmodel::OpDefaults no_defaults;
  savedmodel::TfOpContext tf_ctx(ctx.graph(), node, inputs, no_defaults, ctx.node_name(""));
  return builder(tf_ctx);
}

}  // namespace

namespace extra {

LayerRows tf_op_layers() {
  return {
      {"TFOpLambda", tf_op_lambda},
      {"SlicingOpLambda", tf_op_lambda},
      {"TensorFlowOpLayer", tensorflow_op_layer},
  };
}

}  // namespace extra

}  // namespace nnload::formats::keras
