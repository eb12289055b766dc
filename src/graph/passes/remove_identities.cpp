// remove_identities: an Identity only renames a value, so its readers can read the source.
#include "graph/passes/passes.hpp"

namespace nnload::graph::passes {

int remove_identities(Graph& graph) {
  std::vector<Node> kept;
  int removed = 0;
  for (Node& node : graph.nodes()) {
    const bool is_identity = node.domain.empty() && node.op == "Identity" &&
                             node.inputs.size() == 1 && node.outputs.size() == 1 &&
                             node.inputs[0] != kNoValue;
    if (!is_identity) {
      kept.push_back(std::move(node));
      continue;
    }
    graph.replace_uses(node.outputs[0], node.inputs[0]);
    ++removed;
  }
  graph.set_nodes(std::move(kept));
  return removed;
}

}  // namespace nnload::graph::passes
