#include "formats/keras/layer_context.hpp"

#include "core/fail.hpp"
#include "formats/keras/activations.hpp"
#include "graph/shape_probe.hpp"

namespace nnload::formats::keras {

LayerContext::LayerContext(graph::Graph& graph, const LayerConfig& layer, std::vector<int> inputs,
                           const std::vector<LayerWeight>& weights, const KerasVersion& version,
                           std::string name_prefix)
    : graph_(graph),
      layer_(layer),
      inputs_(std::move(inputs)),
      weights_(weights),
      weight_values_(weights.size(), -1),
      trainable_(weights.size(), true),
      version_(version),
      prefix_(std::move(name_prefix)) {
  const Json* trainable = find({"trainable"});
  if (trainable && trainable->is_boolean() && !trainable->get<bool>())
    trainable_.assign(weights.size(), false);
}

void LayerContext::unsupported(const std::string& what) const {
  fail(ErrorCode::unsupported, "layer '{}' ({}): {}", layer_.name, layer_.class_name, what);
}

void LayerContext::corrupt(const std::string& what) const {
  fail(ErrorCode::corrupt, "layer '{}' ({}): {}", layer_.name, layer_.class_name, what);
}

int LayerContext::input(std::size_t i) const {
  if (i >= inputs_.size())
    corrupt(fmt::format("needs input {}, but is called with {}", i + 1, inputs_.size()));
  return inputs_[i];
}

void LayerContext::expect_inputs(std::size_t min, std::size_t max) const {
  if (inputs_.size() < min || inputs_.size() > max) {
    corrupt(min == max
                ? fmt::format("takes {} input(s), called with {}", min, inputs_.size())
                : fmt::format("takes {} to {} inputs, called with {}", min, max, inputs_.size()));
  }
}

Shape LayerContext::input_shape(std::size_t i) {
  const int value = input(i);
  const graph::Value& v = graph_.value(value);
  if (v.is_constant()) return v.shape;
  if (v.producer < 0 && v.shape_known) return v.shape;  // a graph input: its declared shape
  std::optional<Shape> shape = graph::probe_shape(graph_, value);
  if (!shape) corrupt(fmt::format("the shape of input {} can't be inferred", i + 1));
  return *shape;
}

int LayerContext::input_mask(std::size_t i) const {
  return i < input_masks_.size() ? input_masks_[i] : -1;
}

void LayerContext::set_output_mask(std::size_t i, int mask) {
  if (output_masks_.size() <= i) output_masks_.resize(i + 1, -1);
  output_masks_[i] = mask;
}

void LayerContext::set_call(const CallNode* call, std::vector<KwargInput> kwarg_inputs) {
  call_ = call;
  kwarg_inputs_ = std::move(kwarg_inputs);
}

const Json& LayerContext::call_kwargs() const {
  static const Json kNone = Json::object();
  return call_ && call_->kwargs.is_object() ? call_->kwargs : kNone;
}

const Json* LayerContext::call_kwarg(const char* key) const {
  const Json& kwargs = call_kwargs();
  auto it = kwargs.find(key);
  return it == kwargs.end() || it->is_null() ? nullptr : &*it;
}

std::vector<int> LayerContext::kwarg_values(std::string_view key) const {
  std::vector<int> values;
  for (const KwargInput& k : kwarg_inputs_) {
    if (k.keyword == key) values.push_back(k.value);
  }
  return values;
}

int LayerContext::kwarg_mask(std::string_view key) const {
  for (const KwargInput& k : kwarg_inputs_) {
    if (k.keyword == key) return k.mask;
  }
  return -1;
}

bool LayerContext::has(const char* key) const {
  read_keys_.emplace(key);
  return layer_.config.is_object() && layer_.config.contains(key) && !layer_.config[key].is_null();
}

const Json* LayerContext::find(std::initializer_list<const char*> keys) const {
  for (const char* key : keys) {
    if (has(key)) return &layer_.config[key];
  }
  return nullptr;
}

int64_t LayerContext::get_int(std::initializer_list<const char*> keys,
                              std::optional<int64_t> fallback) const {
  const Json* j = find(keys);
  if (!j) {
    if (fallback) return *fallback;
    corrupt(fmt::format("config has no '{}'", *keys.begin()));
  }
  if (j->is_array() && j->size() == 1) j = &(*j)[0];
  if (!j->is_number())
    corrupt(fmt::format("config '{}' is not a number: {}", *keys.begin(), j->dump()));
  return j->get<int64_t>();
}

double LayerContext::get_float(std::initializer_list<const char*> keys,
                               std::optional<double> fallback) const {
  const Json* j = find(keys);
  if (!j) {
    if (fallback) return *fallback;
    corrupt(fmt::format("config has no '{}'", *keys.begin()));
  }
  if (!j->is_number())
    corrupt(fmt::format("config '{}' is not a number: {}", *keys.begin(), j->dump()));
  return j->get<double>();
}

bool LayerContext::get_bool(std::initializer_list<const char*> keys, bool fallback) const {
  const Json* j = find(keys);
  if (!j) return fallback;
  if (!j->is_boolean())
    corrupt(fmt::format("config '{}' is not true/false: {}", *keys.begin(), j->dump()));
  return j->get<bool>();
}

std::string LayerContext::get_string(std::initializer_list<const char*> keys,
                                     std::optional<std::string> fallback) const {
  const Json* j = find(keys);
  if (!j) {
    if (fallback) return *fallback;
    corrupt(fmt::format("config has no '{}'", *keys.begin()));
  }
  if (!j->is_string())
    corrupt(fmt::format("config '{}' is not a string: {}", *keys.begin(), j->dump()));
  return j->get<std::string>();
}

std::vector<int64_t> LayerContext::get_ints(std::initializer_list<const char*> keys, std::size_t n,
                                            std::optional<int64_t> fallback) const {
  const Json* j = find(keys);
  if (!j) {
    if (fallback) return std::vector<int64_t>(n, *fallback);
    corrupt(fmt::format("config has no '{}'", *keys.begin()));
  }
  if (j->is_number_integer()) return std::vector<int64_t>(n, j->get<int64_t>());
  if (!j->is_array())
    corrupt(fmt::format("config '{}' is not a list of integers: {}", *keys.begin(), j->dump()));
  std::vector<int64_t> values;
  for (const Json& item : *j) {
    if (!item.is_number_integer())
      corrupt(fmt::format("config '{}' is not a list of integers: {}", *keys.begin(), j->dump()));
    values.push_back(item.get<int64_t>());
  }
  if (values.size() == 1 && n > 1) values.assign(n, values[0]);
  if (values.size() != n) {
    corrupt(fmt::format("config '{}' has {} values, expected {}", *keys.begin(), values.size(), n));
  }
  return values;
}

bool LayerContext::channels_first() const {
  if (const Json* f = find({"data_format"}); f && f->is_string())
    return f->get<std::string>() == "channels_first";
  if (const Json* d = find({"dim_ordering"}); d && d->is_string())
    return d->get<std::string>() == "th";
  return false;
}

const Tensor& LayerContext::weight_tensor(std::size_t index, const char* role) const {
  if (index >= weights_.size()) {
    corrupt(fmt::format("weight {} ({}) is missing: the file holds {} weight(s) for this layer",
                        index + 1, role, weights_.size()));
  }
  return weights_[index].value;
}

const std::string& LayerContext::weight_name(std::size_t index) const {
  static const std::string kNone;
  return index < weights_.size() ? weights_[index].name : kNone;
}

int LayerContext::weight(std::size_t index, const char* role) {
  const Tensor& t = weight_tensor(index, role);
  if (weight_values_[index] < 0) {
    int id = graph_.add_constant(weights_[index].name, t);
    if (t.dtype() != DType::f32) {
      graph::Attributes attrs;
      attrs.set("to", static_cast<int64_t>(1));  // ONNX TensorProto FLOAT
      id = add("Cast", std::string(role) + "_to_float", {id}, attrs);
    }
    weight_values_[index] = id;
  }
  return weight_values_[index];
}

void LayerContext::expect_weights(std::size_t count, const char* roles) const {
  if (weights_.size() != count) {
    corrupt(fmt::format("expected {} weight(s) ({}), the file holds {}", count, roles,
                        weights_.size()));
  }
}

void LayerContext::mark_non_trainable(std::size_t index) {
  if (index < trainable_.size()) trainable_[index] = false;
}

int LayerContext::add(const std::string& op, const std::string& step, std::vector<int> inputs,
                      graph::Attributes attrs, const std::string& domain) {
  return graph_.add(op, node_name(step), std::move(inputs), std::move(attrs), domain);
}

std::vector<int> LayerContext::add_multi(const std::string& op, const std::string& step,
                                         std::vector<int> inputs, int outputs,
                                         graph::Attributes attrs, const std::string& domain) {
  return graph_.add_node(op, node_name(step), std::move(inputs), std::move(attrs), outputs, domain);
}

int LayerContext::constant(const std::string& step, Tensor value) {
  return graph_.add_constant(node_name(step), std::move(value));
}

int LayerContext::int64s(const std::string& step, std::vector<int64_t> values) {
  const auto n = static_cast<int64_t>(values.size());
  return constant(step, Tensor::from_vector<int64_t>(values, {n}));
}

int LayerContext::scalar(const std::string& step, float value) {
  return constant(step, Tensor::scalar<float>(value));
}

int LayerContext::activation(int x, const Json& activation) {
  return apply_keras_activation(*this, x, activation);
}

int LayerContext::config_activation(int x) {
  const Json* a = find({"activation"});
  return a ? activation(x, *a) : x;
}

}  // namespace nnload::formats::keras
