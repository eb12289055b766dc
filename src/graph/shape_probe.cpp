#include "graph/shape_probe.hpp"

namespace nnload::graph {

namespace {
// Stand-ins for unknown dimensions: the batch gets 1 and 2; other dimensions (sequence lengths,
// image sizes) get sizes large enough that convolutions and pooling stay valid.
std::vector<Shape> stand_in_shapes(const Graph& graph, bool second) {
  std::vector<Shape> shapes;
  for (int id : graph.inputs()) {
    Shape s = graph.value(id).shape;
    for (std::size_t d = 0; d < s.size(); ++d) {
      if (s[d] < 0) s[d] = d == 0 ? (second ? 2 : 1) : (second ? 97 : 64);
    }
    shapes.push_back(std::move(s));
  }
  return shapes;
}

std::optional<InferredGraph> try_infer(const Executor& executor, const std::vector<Shape>& shapes) {
  try {
    return executor.infer(shapes);
  } catch (const Error&) {
    return std::nullopt;
  }
}
}  // namespace

std::vector<std::optional<ops::TensorType>> probe_types(const Executor& executor,
                                                        const std::vector<int>& values) {
  const auto a = try_infer(executor, stand_in_shapes(executor.graph(), false));
  const auto b = try_infer(executor, stand_in_shapes(executor.graph(), true));
  std::vector<std::optional<ops::TensorType>> result;
  for (int value : values) {
    const auto v = static_cast<std::size_t>(value);
    if (!a || !b || v >= a->known.size() || !a->known[v] || !b->known[v] ||
        a->types[v].shape.size() != b->types[v].shape.size()) {
      result.push_back(std::nullopt);
      continue;
    }
    Shape s = a->types[v].shape;
    for (std::size_t d = 0; d < s.size(); ++d) {
      if (s[d] != b->types[v].shape[d]) s[d] = -1;
    }
    result.push_back(ops::TensorType{a->types[v].dtype, std::move(s)});
  }
  return result;
}

std::vector<std::optional<Shape>> probe_shapes(const Executor& executor,
                                               const std::vector<int>& values) {
  std::vector<std::optional<Shape>> shapes;
  for (const auto& type : probe_types(executor, values)) {
    shapes.push_back(type ? std::optional<Shape>(type->shape) : std::nullopt);
  }
  return shapes;
}

std::optional<Shape> probe_shape(const Graph& graph, int value) {
  auto snapshot = std::make_shared<Graph>(graph);
  snapshot->mutable_outputs().clear();
  const Executor executor(snapshot);
  return probe_shapes(executor, {value})[0];
}

}  // namespace nnload::graph
