// The load-time pipeline: order, simplify, precompute, then drop what no output needs.
#include "graph/constant_copy_limit.hpp"
#include "graph/passes/passes.hpp"

namespace nnload::graph::passes {

void optimize(Graph& graph) {
  // From the constants as loaded, before folding makes any (constant_copy_limit.hpp).
  graph.set_constant_copy_allowance(constant_copy_limit(graph));
  sort_topologically(graph);
  remove_identities(graph);
  remove_dead_nodes(graph);
  fold_constants(graph);
  // Fusions run on the folded graph: BatchNormalization's scale and shift are constants now.
  while (fold_scale_shift_into_conv(graph) > 0) fold_constants(graph);
  // After the folds (they match channels-first Convs too), before activations fuse into Convs.
  to_channels_last(graph);
  fuse_matmul_bias(graph);
  fuse_activation(graph);
  remove_dead_nodes(graph);
}

}  // namespace nnload::graph::passes
