// fuse_matmul_bias: MatMul(x, W) + b, with W a constant matrix and b a constant vector along
// W's columns (Keras Dense, PyTorch Linear), becomes nnload.MatMul(x, W, b): the bias is added
// by the matmul kernel. Preconditions below: W is a constant of rank 2, b is a constant with N
// elements shaped [N] or [1, N], and the MatMul result feeds only the Add.
#include "graph/passes/passes.hpp"
#include "graph/passes/pattern.hpp"

namespace nnload::graph::passes {

namespace {

bool is_plain_matmul(const Node& node) {
  return is_op(node, "MatMul") && node.inputs.size() == 2 && !node.attrs.has("activation");
}

bool is_bias_for(const Tensor* bias, int64_t n) {
  if (!bias || bias->numel() != n) return false;
  return bias->rank() == 1 || (bias->rank() == 2 && bias->dim(0) == 1);
}

}  // namespace

int fuse_matmul_bias(Graph& graph) {
  const Uses uses(graph);
  std::vector<bool> removed(graph.nodes().size(), false);
  int fused = 0;
  for (std::size_t k = 0; k < graph.nodes().size(); ++k) {
    Node& matmul = graph.nodes()[k];
    if (removed[k] || !is_plain_matmul(matmul)) continue;
    const Tensor* weight = constant_of(graph, matmul.inputs[1]);
    if (!weight || weight->rank() != 2) continue;
    const int reader = uses.only_reader(matmul.outputs[0]);
    if (reader < 0) continue;
    const Node& add = graph.nodes()[static_cast<std::size_t>(reader)];
    if (!add.domain.empty() || add.op != "Add" || add.inputs.size() != 2) continue;
    const int other = add.inputs[0] == matmul.outputs[0] ? add.inputs[1] : add.inputs[0];
    if (!is_bias_for(constant_of(graph, other), weight->dim(1))) continue;
    const int64_t n = weight->dim(1);
    int bias = other;
    if (graph.value(other).constant.rank() == 2) {
      Tensor flat = graph.value(other).constant.reshaped({n});
      bias = graph.add_constant(graph.value(other).name + "/flat", std::move(flat));
    }
    matmul.domain = "nnload";
    matmul.inputs.push_back(bias);
    matmul.outputs[0] = add.outputs[0];
    removed[static_cast<std::size_t>(reader)] = true;
    ++fused;
  }
  erase_nodes(graph, removed);
  return fused;
}

}  // namespace nnload::graph::passes
