#include "graph/passes/pattern.hpp"

namespace nnload::graph::passes {

Uses::Uses(const Graph& graph)
    : readers_(graph.consumers()), is_output_(graph.values().size(), false) {
  for (int out : graph.outputs()) is_output_[static_cast<std::size_t>(out)] = true;
}

int Uses::only_reader(int value) const {
  const std::vector<int>& r = readers(value);
  if (r.size() != 1 || is_graph_output(value)) return -1;
  return r[0];
}

void erase_nodes(Graph& graph, const std::vector<bool>& removed) {
  std::vector<Node> kept;
  for (std::size_t k = 0; k < graph.nodes().size(); ++k) {
    if (k >= removed.size() || !removed[k]) kept.push_back(std::move(graph.nodes()[k]));
  }
  graph.set_nodes(std::move(kept));
}

bool is_op(const Node& node, std::string_view op) {
  return node.op == op && (node.domain.empty() || node.domain == "nnload");
}

const Tensor* constant_of(const Graph& graph, int value) {
  if (value == kNoValue) return nullptr;
  const Value& v = graph.value(value);
  return v.is_constant() ? &v.constant : nullptr;
}

}  // namespace nnload::graph::passes
