// Small queries the rewrite passes share: who reads a value, is it a constant, is it an output.
#pragma once

#include <string_view>
#include <vector>

#include "graph/graph.hpp"

namespace nnload::graph::passes {

class Uses {
 public:
  explicit Uses(const Graph& graph);
  // Nodes reading `value` (as many times as they read it).
  const std::vector<int>& readers(int value) const {
    return readers_[static_cast<std::size_t>(value)];
  }
  bool is_graph_output(int value) const { return is_output_[static_cast<std::size_t>(value)]; }
  // The one node reading `value` when nothing else (no other node, no graph output) does.
  int only_reader(int value) const;

 private:
  std::vector<std::vector<int>> readers_;
  std::vector<bool> is_output_;
};

// Drops the nodes flagged in `removed` (indexed like graph.nodes()), keeping the others' order.
void erase_nodes(Graph& graph, const std::vector<bool>& removed);

// An ONNX op, or the same op in the nnload domain (its extended form).
bool is_op(const Node& node, std::string_view op);
const Tensor* constant_of(const Graph& graph, int value);

}  // namespace nnload::graph::passes
