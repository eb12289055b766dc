// fold_scale_shift_into_conv: Conv followed by a per-output-channel Mul and/or Add with constants
// (a BatchNormalization at inference, Keras' or ONNX's once lowered) is folded into the Conv's
// weights and bias: W'[m] = W[m] * s[m], B'[m] = B[m] * s[m] + t[m]. The new weights are nodes
// on constants, computed by the following fold_constants. Preconditions below: the Conv has no
// activation yet, its weight is constant, each step's constant has one value per output channel
// laid out along the Conv's channel axis (or is a scalar), and each result feeds only the next.
#include "core/fail.hpp"
#include "graph/passes/passes.hpp"
#include "graph/passes/pattern.hpp"

namespace nnload::graph::passes {

namespace {

bool is_foldable_conv(const Graph& graph, const Node& node) {
  return is_op(node, "Conv") && !node.attrs.has("activation") && node.inputs.size() >= 2 &&
         constant_of(graph, node.inputs[1]) != nullptr &&
         constant_of(graph, node.inputs[1])->rank() >= 3;
}

// A constant with one value per channel along the conv output's channel axis: shape [M] (or
// [1,...,M]) for channels-last, [M, 1, ..., 1] (or with leading 1s) for channels-first; or a
// single value.
bool per_channel(const Tensor& t, int64_t channels, int64_t out_rank, bool channels_last) {
  if (t.numel() == 1) return t.rank() <= out_rank;
  if (t.numel() != channels || t.rank() > out_rank) return false;
  const Shape& s = t.shape();
  for (std::size_t d = 0; d < s.size(); ++d) {
    const int64_t axis_from_end = static_cast<int64_t>(s.size() - d);  // 1 = last axis
    const bool channel_axis = channels_last ? axis_from_end == 1 : axis_from_end == out_rank - 1;
    if (s[d] != (channel_axis ? channels : 1)) return false;
  }
  return true;
}

}  // namespace

int fold_scale_shift_into_conv(Graph& graph) {
  int folded = 0;
  bool changed = true;
  while (changed) {
    changed = false;
    const Uses uses(graph);
    for (std::size_t k = 0; k < graph.nodes().size() && !changed; ++k) {
      Node& conv = graph.nodes()[k];
      if (!is_foldable_conv(graph, conv)) continue;
      const int reader = uses.only_reader(conv.outputs[0]);
      if (reader < 0) continue;
      const Node& next = graph.nodes()[static_cast<std::size_t>(reader)];
      if (!next.domain.empty() || (next.op != "Mul" && next.op != "Add") || next.inputs.size() != 2)
        continue;
      const int other = next.inputs[0] == conv.outputs[0] ? next.inputs[1] : next.inputs[0];
      const Tensor* factor = constant_of(graph, other);
      const Tensor& weight = *constant_of(graph, conv.inputs[1]);
      const int64_t channels = weight.dim(0);
      const int64_t out_rank = weight.rank();
      const bool channels_last = conv.attrs.int_or("channels_last", 0) != 0;
      if (!factor || factor->dtype() != DType::f32 ||
          !per_channel(*factor, channels, out_rank, channels_last))
        continue;

      // Adding nodes and constants below reallocates the graph's vectors: copy what is needed.
      const std::string base = conv.name + "/folded_" + next.op;
      const bool is_mul = next.op == "Mul";
      const int result = next.outputs[0];
      std::vector<int> conv_inputs = conv.inputs;
      const bool has_bias = conv_inputs.size() > 2 && conv_inputs[2] != kNoValue;

      // The factor as a vector: [M] or [1], either broadcasts against the bias [M].
      const int vector = graph.add(
          "Reshape", base + "_vector",
          {other,
           graph.add_constant(base + "_vector_shape", Tensor::from_vector<int64_t>({-1}, {1}))});
      int bias = has_bias ? conv_inputs[2] : -1;
      int new_weight = conv_inputs[1];
      if (is_mul) {
        std::vector<int64_t> w_shape(static_cast<std::size_t>(out_rank), 1);
        w_shape[0] = -1;
        const int along_out = graph.add(
            "Reshape", base + "_weight_factor",
            {vector, graph.add_constant(base + "_weight_factor_shape",
                                        Tensor::from_vector<int64_t>(w_shape, {out_rank}))});
        new_weight = graph.add("Mul", base + "_weight", {conv_inputs[1], along_out});
        if (has_bias) bias = graph.add("Mul", base + "_bias", {bias, vector});
      } else {
        const int zero = graph.add_constant(base + "_zero", Tensor::zeros(DType::f32, {channels}));
        bias = graph.add("Add", base + "_bias", {has_bias ? bias : zero, vector});
      }
      conv_inputs.resize(3);
      conv_inputs[1] = new_weight;
      conv_inputs[2] = bias;
      Node& folded_conv = graph.nodes()[k];
      folded_conv.inputs = conv_inputs;
      folded_conv.outputs[0] = result;
      // Drop the folded Mul/Add; the new nodes were appended after the conv, so reorder.
      std::vector<bool> removed(graph.nodes().size(), false);
      removed[static_cast<std::size_t>(reader)] = true;
      erase_nodes(graph, removed);
      sort_topologically(graph);
      ++folded;
      changed = true;
    }
  }
  return folded;
}

}  // namespace nnload::graph::passes
