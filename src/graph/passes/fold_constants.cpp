// fold_constants: nodes that read only constants are computed once, at load time.
#include "core/fail.hpp"
#include "graph/constant_copy_limit.hpp"
#include "graph/passes/passes.hpp"
#include "ops/constant_copy_budget.hpp"
#include "ops/run_op.hpp"

namespace nnload::graph::passes {

namespace {
bool reads_only_constants(const Graph& graph, const Node& node) {
  for (int in : node.inputs) {
    if (in != kNoValue && !graph.value(in).is_constant()) return false;
  }
  return true;
}
}  // namespace

int fold_constants(Graph& graph) {
  std::vector<Node> kept;
  int folded = 0;
  // Each fold keeps a new constant: one weight transposed by 300 torch module references was
  // 300 copies. Past the graph's limit nodes stay and compute at run time (same results).
  const ops::ScopedConstantCopyBudget budget(constant_copy_limit(graph));
  for (Node& node : graph.nodes()) {
    if (!reads_only_constants(graph, node)) {
      kept.push_back(std::move(node));
      continue;
    }
    std::vector<Tensor> inputs;
    for (int in : node.inputs)
      inputs.push_back(in == kNoValue ? Tensor() : graph.value(in).constant);
    std::vector<Tensor> outputs = ops::run_op(node, inputs, graph.opset(node.domain));
    std::uint64_t bytes = 0;
    for (const Tensor& t : outputs) bytes += t.nbytes();
    if (!ops::take_constant_copy_budget(bytes)) {
      kept.push_back(std::move(node));
      continue;
    }
    for (std::size_t o = 0; o < outputs.size(); ++o) {
      Value& v = graph.value(node.outputs[o]);
      v.dtype = outputs[o].dtype();
      v.shape = outputs[o].shape();
      v.shape_known = true;
      v.constant = std::move(outputs[o]);
    }
    ++folded;
  }
  graph.set_nodes(std::move(kept));
  graph.set_constant_copy_allowance(ops::constant_copy_budget_left());
  return folded;
}

}  // namespace nnload::graph::passes
