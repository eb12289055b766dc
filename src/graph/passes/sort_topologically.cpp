// sort_topologically: formats may list nodes in any order (Keras configs do not promise one).
#include "core/fail.hpp"
#include "graph/passes/passes.hpp"

namespace nnload::graph::passes {

void sort_topologically(Graph& graph) {
  const std::size_t n = graph.nodes().size();
  std::vector<int> producer(graph.values().size(), -1);
  for (std::size_t k = 0; k < n; ++k) {
    for (int out : graph.nodes()[k].outputs)
      producer[static_cast<std::size_t>(out)] = static_cast<int>(k);
  }
  std::vector<bool> available(graph.values().size(), false);
  for (int in : graph.inputs()) available[static_cast<std::size_t>(in)] = true;
  for (std::size_t v = 0; v < graph.values().size(); ++v) {
    if (graph.values()[v].is_constant()) available[v] = true;
  }
  std::vector<Node> sorted;
  std::vector<bool> placed(n, false);
  // Repeated sweeps keep the original order wherever it is already valid (stable), which keeps
  // plans and error messages predictable.
  bool progress = true;
  while (sorted.size() < n && progress) {
    progress = false;
    for (std::size_t k = 0; k < n; ++k) {
      if (placed[k]) continue;
      const Node& node = graph.nodes()[k];
      bool ready = true;
      for (int in : node.inputs)
        ready = ready && (in == kNoValue || available[static_cast<std::size_t>(in)]);
      if (!ready) continue;
      for (int out : node.outputs) available[static_cast<std::size_t>(out)] = true;
      placed[k] = true;
      sorted.push_back(node);
      progress = true;
    }
  }
  if (sorted.size() < n) {
    for (std::size_t k = 0; k < n; ++k) {
      if (placed[k]) continue;
      for (int in : graph.nodes()[k].inputs) {
        if (in != kNoValue && !available[static_cast<std::size_t>(in)] &&
            producer[static_cast<std::size_t>(in)] < 0) {
          fail(ErrorCode::corrupt, "node {} reads '{}', which nothing produces",
               graph.nodes()[k].describe(), graph.value(in).name);
        }
      }
    }
    fail(ErrorCode::corrupt, "the graph has a cycle through node {}", [&] {
      for (std::size_t k = 0; k < n; ++k) {
        if (!placed[k]) return graph.nodes()[k].describe();
      }
      return std::string();
    }());
  }
  for (int out : graph.outputs()) {
    if (!available[static_cast<std::size_t>(out)]) {
      fail(ErrorCode::corrupt, "graph output '{}' is never computed", graph.value(out).name);
    }
  }
  graph.set_nodes(std::move(sorted));
}

}  // namespace nnload::graph::passes
