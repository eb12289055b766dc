// If (ONNX opset 1-25): runs one of two subgraphs. Each branch is a graph of its own whose
// inputs are the outer values it reads, at `inputs` positions of the If node (0 is the
// condition). Output types must not depend on a condition known only at run time.
#pragma once

#include <memory>
#include <vector>

#include "graph/graph.hpp"

namespace nnload::ops {

struct IfBranch {
  std::shared_ptr<const graph::Graph> graph;
  std::vector<std::int64_t> inputs;  // If-node input index of each branch input
};

}  // namespace nnload::ops
