// remove_dead_nodes: drop nodes whose results no graph output depends on.
#include "graph/passes/passes.hpp"

namespace nnload::graph::passes {

int remove_dead_nodes(Graph& graph) {
  std::vector<bool> live_value(graph.values().size(), false);
  for (int out : graph.outputs()) live_value[static_cast<std::size_t>(out)] = true;
  std::vector<bool> live_node(graph.nodes().size(), false);
  for (std::size_t k = graph.nodes().size(); k-- > 0;) {
    const Node& node = graph.nodes()[k];
    for (int out : node.outputs)
      live_node[k] = live_node[k] || live_value[static_cast<std::size_t>(out)];
    if (!live_node[k]) continue;
    for (int in : node.inputs) {
      if (in != kNoValue) live_value[static_cast<std::size_t>(in)] = true;
    }
  }
  std::vector<Node> kept;
  for (std::size_t k = 0; k < graph.nodes().size(); ++k) {
    if (live_node[k]) kept.push_back(std::move(graph.nodes()[k]));
  }
  const int removed = static_cast<int>(graph.nodes().size() - kept.size());
  graph.set_nodes(std::move(kept));
  return removed;
}

}  // namespace nnload::graph::passes
