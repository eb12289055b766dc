#include "formats/torch/modules/module_context.hpp"
#include "ops/onnx_dtype.hpp"

#include "core/fail.hpp"
#include "formats/torch/object_tree.hpp"
#include "graph/shape_probe.hpp"

namespace nnload::formats::torch {

using io::pickle::Kind;
using io::pickle::Value;

std::string module_class(const Value& module) {
  const Value* type = module.type_global();
  return type ? type->qualified_name() : std::string("?");
}

bool is_module(const Value& value) {
  return value.kind == Kind::object && value.state != nullptr && value.state->kind == Kind::dict &&
         value.state->get("_modules") != nullptr && value.state->get("_parameters") != nullptr;
}

std::vector<std::pair<std::string, const Value*>> children(const Value& module) {
  std::vector<std::pair<std::string, const Value*>> out;
  const Value* modules = module.state ? module.state->get("_modules") : nullptr;
  if (!modules || modules->kind != Kind::dict) return out;
  for (const io::pickle::DictEntry& e : modules->entries) {
    if (e.key && e.key->kind == Kind::string && e.value && e.value->kind != Kind::none) {
      out.emplace_back(e.key->text, e.value);
    }
  }
  return out;
}

ModuleContext::ModuleContext(graph::Graph& graph, const TorchFile& file, const Value& module,
                             std::string path, std::vector<int> inputs)
    : graph_(graph),
      file_(file),
      module_(module),
      path_(std::move(path)),
      inputs_(std::move(inputs)) {}

std::string ModuleContext::class_name() const {
  const Value* type = module_.type_global();
  return type ? std::string(type->name()) : std::string("?");
}

void ModuleContext::unsupported(const std::string& what) const {
  fail(ErrorCode::unsupported, "module '{}' ({}): {}", path_, class_name(), what);
}

void ModuleContext::corrupt(const std::string& what) const {
  fail(ErrorCode::corrupt, "module '{}' ({}): {}", path_, class_name(), what);
}

int ModuleContext::input(std::size_t i) const {
  if (i >= inputs_.size())
    corrupt(fmt::format("needs input {}, called with {}", i + 1, inputs_.size()));
  return inputs_[i];
}

std::size_t ModuleContext::input_rank(std::size_t i) {
  const int value = input(i);
  const graph::Value& v = graph_.value(value);
  if (v.producer < 0 && v.shape_known) return v.shape.size();
  const std::optional<Shape> shape = graph::probe_shape(graph_, value);
  if (!shape) corrupt(fmt::format("the rank of input {} can't be inferred", i + 1));
  return shape->size();
}

const Value* ModuleContext::attribute(const char* name) const {
  return module_.state ? module_.state->get(name) : nullptr;
}

bool ModuleContext::is_none(const char* name) const {
  const Value* v = attribute(name);
  return v == nullptr || v->kind == Kind::none;
}

std::int64_t ModuleContext::get_int(const char* name, std::optional<std::int64_t> fallback) const {
  const Value* v = attribute(name);
  if (v && v->is_int()) return v->as_int();
  if (v && v->kind == Kind::tuple && v->items.size() == 1 && v->items[0]->is_int())
    return v->items[0]->as_int();
  if ((!v || v->kind == Kind::none) && fallback) return *fallback;
  corrupt(fmt::format("attribute '{}' is missing or not an integer", name));
}

double ModuleContext::get_float(const char* name, std::optional<double> fallback) const {
  const Value* v = attribute(name);
  if (v && v->kind == Kind::floating) return v->number;
  if (v && v->is_int()) return static_cast<double>(v->as_int());
  if ((!v || v->kind == Kind::none) && fallback) return *fallback;
  corrupt(fmt::format("attribute '{}' is missing or not a number", name));
}

bool ModuleContext::get_bool(const char* name, std::optional<bool> fallback) const {
  const Value* v = attribute(name);
  if (v && v->kind == Kind::boolean) return v->flag;
  if (!v && fallback) return *fallback;
  corrupt(fmt::format("attribute '{}' is missing or not True/False", name));
}

std::string ModuleContext::get_string(const char* name, std::optional<std::string> fallback) const {
  const Value* v = attribute(name);
  if (v && v->kind == Kind::string) return v->text;
  if ((!v || v->kind == Kind::none) && fallback) return *fallback;
  corrupt(fmt::format("attribute '{}' is missing or not a string", name));
}

std::vector<std::int64_t> ModuleContext::get_ints(const char* name, std::size_t n) const {
  const Value* v = attribute(name);
  if (v && v->is_int()) return std::vector<std::int64_t>(n, v->as_int());
  if (v && (v->kind == Kind::tuple || v->kind == Kind::list)) {
    std::vector<std::int64_t> out;
    for (const Value* item : v->items) {
      if (!item->is_int()) corrupt(fmt::format("attribute '{}' holds a non-integer", name));
      out.push_back(item->as_int());
    }
    if (out.size() == 1 && n > 1) out.assign(n, out[0]);
    if (out.size() == n) return out;
  }
  corrupt(fmt::format("attribute '{}' is missing or not {} integer(s)", name, n));
}

std::optional<int> ModuleContext::tensor_entry(const char* group, const char* name) {
  const Value* dict = attribute(group);
  const Value* entry = dict ? dict->get(name) : nullptr;
  if (!entry || entry->kind == Kind::none) return std::nullopt;
  const ObjectTensor* tensor = tensor_of(file_, *entry);
  if (!tensor) corrupt(fmt::format("{} '{}' is not a tensor", group, name));
  const std::string full = path_.empty() ? name : path_ + "." + name;
  int id = graph_.add_constant(full, tensor->value);
  if (tensor->value.dtype() != DType::f32) {
    graph::Attributes to;
    to.set("to", ops::onnx_dtype_number(DType::f32));
    id = add("Cast", std::string(name) + "_to_float", {id}, to);
  }
  return id;
}

std::optional<int> ModuleContext::parameter(const char* name) {
  return tensor_entry("_parameters", name);
}

int ModuleContext::required_parameter(const char* name) {
  const std::optional<int> id = parameter(name);
  if (!id) corrupt(fmt::format("parameter '{}' is missing", name));
  return *id;
}

std::optional<int> ModuleContext::buffer(const char* name) {
  return tensor_entry("_buffers", name);
}

std::string ModuleContext::node_name(const std::string& step) const {
  return (path_.empty() ? class_name() : path_) + "/" + step;
}

int ModuleContext::add(const std::string& op, const std::string& step, std::vector<int> inputs,
                       graph::Attributes attrs, const std::string& domain) {
  return graph_.add(op, node_name(step), std::move(inputs), std::move(attrs), domain);
}

std::vector<int> ModuleContext::add_multi(const std::string& op, const std::string& step,
                                          std::vector<int> inputs, int outputs,
                                          graph::Attributes attrs) {
  return graph_.add_node(op, node_name(step), std::move(inputs), std::move(attrs), outputs);
}

int ModuleContext::int64s(const std::string& step, std::vector<std::int64_t> values) {
  const auto n = static_cast<std::int64_t>(values.size());
  return graph_.add_constant(node_name(step), Tensor::from_vector<std::int64_t>(values, {n}));
}

int ModuleContext::scalar(const std::string& step, float value) {
  return graph_.add_constant(node_name(step), Tensor::scalar<float>(value));
}

}  // namespace nnload::formats::torch
