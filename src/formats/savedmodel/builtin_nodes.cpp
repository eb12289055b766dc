// The TensorFlow nodes the converter handles itself: constants, placeholders, identities,
// variables (TF2 resource handles, TF1 VariableV2) and function calls. Everything else goes to
// the TF op builders (tf_ops.cpp).
#include "core/fail.hpp"
#include "formats/savedmodel/converter.hpp"
#include "formats/savedmodel/tf_types.hpp"

namespace nnload::formats::savedmodel {

namespace {

const tf::AttrValue* attr(const NodeEnv& env, const std::string& name) {
  auto it = env.node.attr().find(name);
  if (it != env.node.attr().end()) return &it->second;
  return env.converter.context().defaults.find(env.node.op(), name);
}

std::vector<TfValue> constant(NodeEnv& env) {
  const tf::AttrValue* value = attr(env, "value");
  if (!value || value->value_case() != tf::AttrValue::kTensor)
    env.fail_here(ErrorCode::corrupt, "has no tensor 'value'");
  const int dtype = value->tensor().dtype();
  if (!dtype_from_tf(dtype)) {
    return {TfValue::nothing(fmt::format("the {} constant '{}', which nnload can't hold",
                                         tf_dtype_name(dtype), env.name()))};
  }
  Tensor t = tensor_from_proto(value->tensor(), env.where());
  return {TfValue::tensor(env.converter.graph().add_constant(env.name(), std::move(t)))};
}

std::vector<TfValue> placeholder(NodeEnv& env) {
  env.fail_here(ErrorCode::corrupt,
                "the signature's outputs depend on this placeholder, which is not one of its "
                "inputs");
}

std::vector<TfValue> first_input(NodeEnv& env) {
  env.expect_inputs(1);
  return {env.inputs[0]};
}

std::vector<TfValue> all_inputs(NodeEnv& env) { return env.inputs; }

std::vector<TfValue> no_outputs(NodeEnv&) { return {}; }

// TF2 resource variable handle: a top-level one is bound through the restore op or by name
// (variables.hpp); one inside a function only by its shared_name.
std::vector<TfValue> var_handle(NodeEnv& env) {
  const tf::AttrValue* shared = attr(env, "shared_name");
  const std::string shared_name =
      shared && shared->value_case() == tf::AttrValue::kS ? shared->s() : "";
  const std::string node = env.scope.function.empty() ? env.node.name() : "";
  const std::string* key = env.converter.context().variables.key_of_variable(node, shared_name);
  return {TfValue::resource(key ? *key : "",
                            fmt::format("the variable handle '{}'",
                                        shared_name.empty() ? env.node.name() : shared_name))};
}

// TF1 variables, restored from the bundle.
std::vector<TfValue> ref_variable(NodeEnv& env) {
  const std::string* key = env.converter.context().variables.key_of_variable(
      env.scope.function.empty() ? env.node.name() : "", "");
  if (!key) env.fail_here(ErrorCode::corrupt, "the variables bundle holds no value for it");
  return {TfValue::tensor(env.converter.variable_constant(*key))};
}

const std::string& bound_variable(const NodeEnv& env) {
  env.expect_inputs(1);
  const TfValue& handle = env.inputs[0];
  if (handle.kind != TfValue::Kind::resource)
    env.fail_here(ErrorCode::corrupt, "input 0 is not a variable handle");
  if (handle.variable.empty()) {
    env.fail_here(
        ErrorCode::corrupt,
        fmt::format("reads {}, which no variable of the checkpoint is bound to", handle.what));
  }
  return handle.variable;
}

std::vector<TfValue> read_variable(NodeEnv& env) {
  const std::string& key = bound_variable(env);
  const int id = env.converter.variable_constant(key);
  const tf::AttrValue* dtype = attr(env, "dtype");
  const DType held = env.converter.graph().value(id).dtype;
  if (dtype && dtype->value_case() == tf::AttrValue::kType && dtype_from_tf(dtype->type()) &&
      *dtype_from_tf(dtype->type()) != held) {
    env.fail_here(ErrorCode::corrupt, fmt::format("reads {} as {}, the checkpoint holds {}", key,
                                                  tf_dtype_name(dtype->type()), dtype_name(held)));
  }
  return {TfValue::tensor(id)};
}

// Embedding lookups: rows of the variable, as ONNX Gather on axis 0.
std::vector<TfValue> resource_gather(NodeEnv& env) {
  const std::string& key = bound_variable(env);
  const tf::AttrValue* batch_dims = attr(env, "batch_dims");
  if (batch_dims && batch_dims->value_case() == tf::AttrValue::kI && batch_dims->i() != 0)
    env.fail_here(ErrorCode::unsupported, "batch_dims other than 0 is not supported");
  const int table = env.converter.variable_constant(key);
  const int indices = env.tensor_input(1);
  graph::Attributes attrs;
  attrs.set("axis", std::int64_t{0});
  return {
      TfValue::tensor(env.converter.graph().add("Gather", env.name(), {table, indices}, attrs))};
}

std::vector<TfValue> partitioned_call(NodeEnv& env) {
  const tf::AttrValue* f = attr(env, "f");
  if (!f || f->value_case() != tf::AttrValue::kFunc)
    env.fail_here(ErrorCode::corrupt, "has no function attribute 'f'");
  return env.converter.call(env, f->func().name());
}

}  // namespace

const std::map<std::string, BuiltinNode, std::less<>>& builtin_nodes() {
  static const std::map<std::string, BuiltinNode, std::less<>> table = {
      {"Const", constant},
      {"Placeholder", placeholder},
      {"PlaceholderV2", placeholder},
      {"PlaceholderWithDefault", first_input},
      {"Identity", first_input},
      {"Snapshot", first_input},
      {"StopGradient", first_input},
      {"PreventGradient", first_input},
      {"IdentityN", all_inputs},
      {"NoOp", no_outputs},
      {"VarHandleOp", var_handle},
      {"VariableV2", ref_variable},
      {"Variable", ref_variable},
      {"ReadVariableOp", read_variable},
      {"ResourceGather", resource_gather},
      {"StatefulPartitionedCall", partitioned_call},
      {"PartitionedCall", partitioned_call},
  };
  return table;
}

}  // namespace nnload::formats::savedmodel
