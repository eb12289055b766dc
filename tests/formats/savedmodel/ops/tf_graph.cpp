#include "formats/savedmodel/ops/tf_graph.hpp"

#include <cstring>

#include "formats/savedmodel/tf_types.hpp"
#include "graph/executor.hpp"
#include "graph/passes/passes.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::formats::savedmodel::tftest {

tf::AttrValue type_attr(DType dtype) {
  tf::AttrValue a;
  a.set_type(static_cast<tf::DataType>(tf_dtype_of(dtype)));
  return a;
}
tf::AttrValue int_attr(std::int64_t value) {
  tf::AttrValue a;
  a.set_i(value);
  return a;
}
tf::AttrValue float_attr(float value) {
  tf::AttrValue a;
  a.set_f(value);
  return a;
}
tf::AttrValue bool_attr(bool value) {
  tf::AttrValue a;
  a.set_b(value);
  return a;
}
tf::AttrValue string_attr(const std::string& value) {
  tf::AttrValue a;
  a.set_s(value);
  return a;
}
tf::AttrValue ints_attr(const std::vector<std::int64_t>& values) {
  tf::AttrValue a;
  a.mutable_list();  // an empty list is still a list
  for (std::int64_t v : values) a.mutable_list()->add_i(v);
  return a;
}
tf::AttrValue tensor_attr(const Tensor& value) {
  tf::AttrValue a;
  tf::TensorProto* t = a.mutable_tensor();
  t->set_dtype(static_cast<tf::DataType>(tf_dtype_of(value.dtype())));
  for (std::int64_t d : value.shape()) t->mutable_tensor_shape()->add_dim()->set_size(d);
  if (value.nbytes() > 0)
    t->set_tensor_content(std::string(static_cast<const char*>(value.raw()), value.nbytes()));
  return a;
}
tf::AttrValue shape_attr(const std::optional<Shape>& shape) {
  tf::AttrValue a;
  tf::TensorShapeProto* s = a.mutable_shape();
  if (!shape) {
    s->set_unknown_rank(true);
  } else {
    for (std::int64_t d : *shape) s->add_dim()->set_size(d);
  }
  return a;
}

tf::NodeDef node(const std::string& name, const std::string& op,
                 const std::vector<std::string>& inputs, const Attrs& attrs) {
  tf::NodeDef n;
  n.set_name(name);
  n.set_op(op);
  for (const std::string& i : inputs) n.add_input(i);
  for (const auto& [key, value] : attrs) (*n.mutable_attr())[key] = value;
  return n;
}

tf::NodeDef const_node(const std::string& name, const Tensor& value) {
  return node(name, "Const", {},
              {{"dtype", type_attr(value.dtype())}, {"value", tensor_attr(value)}});
}

tf::NodeDef placeholder(const std::string& name, DType dtype, const std::optional<Shape>& shape) {
  return node(name, "Placeholder", {}, {{"dtype", type_attr(dtype)}, {"shape", shape_attr(shape)}});
}

namespace {

// "node" -> ("node", 0), "node:2" -> ("node", 2).
std::pair<std::string, std::size_t> parse_ref(const std::string& ref) {
  const auto colon = ref.rfind(':');
  if (colon == std::string::npos) return {ref, 0};
  return {ref.substr(0, colon), static_cast<std::size_t>(std::stoul(ref.substr(colon + 1)))};
}

}  // namespace

BuiltGraph build_tf_graph(const std::vector<tf::NodeDef>& nodes,
                          const std::vector<std::string>& fetches, const OpDefaults& defaults) {
  BuiltGraph built;
  built.graph = std::make_shared<graph::Graph>();
  graph::Graph& g = *built.graph;
  std::map<std::string, std::vector<int>> outputs;
  auto lookup = [&](const std::string& ref) {
    const auto [name, index] = parse_ref(ref);
    auto it = outputs.find(name);
    if (it == outputs.end() || index >= it->second.size())
      throw std::runtime_error("tf_graph: unknown tensor " + ref);
    return it->second[index];
  };
  for (const tf::NodeDef& n : nodes) {
    if (n.op() == "Placeholder") {
      const DType dtype = *dtype_from_tf(n.attr().at("dtype").type());
      const std::optional<Shape> shape = shape_from_tf(n.attr().at("shape").shape());
      const int id = g.add_input(n.name(), dtype, shape.value_or(Shape{}));
      g.value(id).shape_known = shape.has_value();
      outputs[n.name()] = {id};
      built.input_names.push_back(n.name());
      continue;
    }
    if (n.op() == "Const") {
      outputs[n.name()] = {
          g.add_constant(n.name(), tensor_from_proto(n.attr().at("value").tensor(), n.name()))};
      continue;
    }
    std::vector<int> inputs;
    for (const std::string& i : n.input()) {
      if (!i.empty() && i[0] != '^') inputs.push_back(lookup(i));
    }
    const TfOpBuilder builder = find_tf_op(n.op());
    if (builder == nullptr) throw std::runtime_error("tf_graph: no builder for " + n.op());
    TfOpContext ctx(g, n, inputs, defaults, "");
    outputs[n.name()] = builder(ctx);
  }
  for (const std::string& f : fetches) g.add_output(lookup(f), f);
  return built;
}

std::vector<Tensor> run_tf_graph(const std::vector<tf::NodeDef>& nodes,
                                 const std::map<std::string, Tensor>& feeds,
                                 const std::vector<std::string>& fetches,
                                 const OpDefaults& defaults) {
  BuiltGraph built = build_tf_graph(nodes, fetches, defaults);
  std::vector<Tensor> inputs;
  for (const std::string& name : built.input_names) inputs.push_back(feeds.at(name));
  auto optimized = std::make_shared<graph::Graph>(*built.graph);
  graph::passes::optimize(*optimized);
  std::vector<Tensor> plain = graph::Executor(built.graph).run(inputs);
  std::vector<Tensor> folded = graph::Executor(optimized).run(inputs);
  for (std::size_t i = 0; i < plain.size(); ++i) {
    EXPECT_TRUE(same_tensor(folded[i], plain[i], 1e-5, 1e-5)) << "optimized output " << fetches[i];
  }
  return plain;
}

Tensor run_tf_graph1(const std::vector<tf::NodeDef>& nodes,
                     const std::map<std::string, Tensor>& feeds, const std::string& fetch) {
  return run_tf_graph(nodes, feeds, {fetch}).at(0);
}

::testing::AssertionResult same_tensor(const Tensor& actual, const Tensor& expected, double atol,
                                       double rtol) {
  if (actual.dtype() != expected.dtype()) {
    return ::testing::AssertionFailure() << "dtype " << dtype_name(actual.dtype())
                                         << " != expected " << dtype_name(expected.dtype());
  }
  return nnload::testing::tensors_close(actual, expected, atol, rtol);
}

}  // namespace nnload::formats::savedmodel::tftest
