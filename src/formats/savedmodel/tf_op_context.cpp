#include "formats/savedmodel/tf_op_context.hpp"

#include "core/fail.hpp"
#include "formats/savedmodel/tf_types.hpp"

namespace nnload::formats::savedmodel {

OpDefaults::OpDefaults(const tf::OpList& ops) {
  for (const tf::OpDef& op : ops.op()) {
    for (const tf::OpDef::AttrDef& a : op.attr()) {
      if (a.has_default_value()) defaults_[op.name()][a.name()] = a.default_value();
    }
  }
}

const tf::AttrValue* OpDefaults::find(const std::string& op, const std::string& attr) const {
  auto o = defaults_.find(op);
  if (o == defaults_.end()) return nullptr;
  auto a = o->second.find(attr);
  return a == o->second.end() ? nullptr : &a->second;
}

TfOpContext::TfOpContext(graph::Graph& graph, const tf::NodeDef& node, std::vector<int> inputs,
                         const OpDefaults& defaults, std::string name_prefix)
    : graph_(graph),
      node_(node),
      inputs_(std::move(inputs)),
      defaults_(defaults),
      prefix_(std::move(name_prefix)) {}

void TfOpContext::unsupported(const std::string& what) const {
  fail(ErrorCode::unsupported, "node '{}' ({}): {}", name(), op(), what);
}

void TfOpContext::corrupt(const std::string& what) const {
  fail(ErrorCode::corrupt, "node '{}' ({}): {}", name(), op(), what);
}

int TfOpContext::input(std::size_t i) const {
  if (i >= inputs_.size()) corrupt(fmt::format("needs input {}, has {}", i + 1, inputs_.size()));
  return inputs_[i];
}

void TfOpContext::expect_inputs(std::size_t min, std::size_t max) const {
  if (inputs_.size() < min || inputs_.size() > max) {
    corrupt(min == max ? fmt::format("takes {} input(s), has {}", min, inputs_.size())
                       : fmt::format("takes {} to {} inputs, has {}", min, max, inputs_.size()));
  }
}

const Tensor* TfOpContext::constant_input(std::size_t i) const {
  const graph::Value& v = graph_.value(input(i));
  return v.is_constant() ? &v.constant : nullptr;
}

DType TfOpContext::input_dtype(std::size_t i) const { return graph_.value(input(i)).dtype; }

const tf::AttrValue* TfOpContext::attr(const std::string& name) const {
  auto it = node_.attr().find(name);
  if (it != node_.attr().end()) return &it->second;
  return defaults_.find(node_.op(), name);
}

const tf::AttrValue& TfOpContext::require(const std::string& name, tf::AttrValue::ValueCase kind,
                                          const char* what) const {
  const tf::AttrValue* a = attr(name);
  if (!a) corrupt(fmt::format("attribute '{}' is missing", name));
  if (a->value_case() != kind) corrupt(fmt::format("attribute '{}' is not {}", name, what));
  return *a;
}

std::int64_t TfOpContext::attr_int(const std::string& name,
                                   std::optional<std::int64_t> fallback) const {
  if (!has_attr(name) && fallback) return *fallback;
  return require(name, tf::AttrValue::kI, "an integer").i();
}

float TfOpContext::attr_float(const std::string& name, std::optional<float> fallback) const {
  if (!has_attr(name) && fallback) return *fallback;
  return require(name, tf::AttrValue::kF, "a float").f();
}

bool TfOpContext::attr_bool(const std::string& name, std::optional<bool> fallback) const {
  if (!has_attr(name) && fallback) return *fallback;
  return require(name, tf::AttrValue::kB, "a bool").b();
}

std::string TfOpContext::attr_string(const std::string& name,
                                     std::optional<std::string> fallback) const {
  if (!has_attr(name) && fallback) return *fallback;
  return require(name, tf::AttrValue::kS, "a string").s();
}

int TfOpContext::attr_type(const std::string& name, std::optional<int> fallback) const {
  if (!has_attr(name) && fallback) return *fallback;
  return require(name, tf::AttrValue::kType, "a type").type();
}

DType TfOpContext::attr_dtype(const std::string& name, std::optional<DType> fallback) const {
  if (!has_attr(name) && fallback) return *fallback;
  const int t = attr_type(name);
  const std::optional<DType> d = dtype_from_tf(t);
  if (!d)
    unsupported(fmt::format("attribute '{}' is type {}, which nnload does not support", name,
                            tf_dtype_name(t)));
  return *d;
}

std::vector<std::int64_t> TfOpContext::attr_ints(
    const std::string& name, std::optional<std::vector<std::int64_t>> fallback) const {
  if (!has_attr(name) && fallback) return *fallback;
  const tf::AttrValue& a = require(name, tf::AttrValue::kList, "a list");
  return {a.list().i().begin(), a.list().i().end()};
}

std::vector<float> TfOpContext::attr_floats(const std::string& name,
                                            std::optional<std::vector<float>> fallback) const {
  if (!has_attr(name) && fallback) return *fallback;
  const tf::AttrValue& a = require(name, tf::AttrValue::kList, "a list");
  return {a.list().f().begin(), a.list().f().end()};
}

std::vector<std::string> TfOpContext::attr_strings(
    const std::string& name, std::optional<std::vector<std::string>> fallback) const {
  if (!has_attr(name) && fallback) return *fallback;
  const tf::AttrValue& a = require(name, tf::AttrValue::kList, "a list");
  return {a.list().s().begin(), a.list().s().end()};
}

Tensor TfOpContext::attr_tensor(const std::string& name) const {
  return tensor_from_proto(require(name, tf::AttrValue::kTensor, "a tensor").tensor(),
                           fmt::format("node '{}' attribute '{}'", this->name(), name));
}

std::optional<Shape> TfOpContext::attr_shape(const std::string& name) const {
  return shape_from_tf(require(name, tf::AttrValue::kShape, "a shape").shape());
}

std::string TfOpContext::node_name(const std::string& step) const { return name() + "/" + step; }

int TfOpContext::add(const std::string& op, const std::string& step, std::vector<int> inputs,
                     graph::Attributes attrs, const std::string& domain) {
  return graph_.add(op, node_name(step), std::move(inputs), std::move(attrs), domain);
}

std::vector<int> TfOpContext::add_multi(const std::string& op, const std::string& step,
                                        std::vector<int> inputs, int outputs,
                                        graph::Attributes attrs, const std::string& domain) {
  return graph_.add_node(op, node_name(step), std::move(inputs), std::move(attrs), outputs, domain);
}

int TfOpContext::constant(const std::string& step, Tensor value) {
  return graph_.add_constant(node_name(step), std::move(value));
}

int TfOpContext::int64s(const std::string& step, std::vector<std::int64_t> values) {
  const auto n = static_cast<std::int64_t>(values.size());
  return constant(step, Tensor::from_vector<std::int64_t>(values, {n}));
}

int TfOpContext::scalar(const std::string& step, float value) {
  return constant(step, Tensor::scalar<float>(value));
}

}  // namespace nnload::formats::savedmodel
