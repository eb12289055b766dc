// fuse_activation: Conv/MatMul/Gemm followed by a pointwise activation becomes one nnload-domain
// node with an `activation` attribute, applied by the kernel while the output is in cache.
// Preconditions, each checked by name below: the producer has no activation yet, its output
// feeds only the activation, and the activation is one the kernels can apply.
#include <limits>
#include <optional>

#include "graph/passes/passes.hpp"
#include "graph/passes/pattern.hpp"
#include "linalg/activation.hpp"

namespace nnload::graph::passes {

namespace {

using linalg::ActivationKind;

struct Fused {
  ActivationKind kind;
  double alpha = 0;
  double beta = 0;
};

bool can_carry_activation(const Node& node) {
  return (is_op(node, "Conv") || is_op(node, "ConvTranspose") || is_op(node, "MatMul") ||
          is_op(node, "Gemm")) &&
         !node.attrs.has("activation");
}

std::optional<Fused> as_activation(const Graph& graph, const Node& node) {
  if (node.domain.empty()) {
    if (node.op == "Relu") return Fused{ActivationKind::relu};
    if (node.op == "LeakyRelu")
      return Fused{ActivationKind::leaky_relu, node.attrs.float_or("alpha", 0.01)};
    if (node.op == "Sigmoid") return Fused{ActivationKind::sigmoid};
    if (node.op == "Tanh") return Fused{ActivationKind::tanh};
    if (node.op == "Elu") return Fused{ActivationKind::elu, node.attrs.float_or("alpha", 1.0)};
    if (node.op == "HardSigmoid") {
      return Fused{ActivationKind::hard_sigmoid, node.attrs.float_or("alpha", 0.2),
                   node.attrs.float_or("beta", 0.5)};
    }
    if (node.op == "HardSwish") return Fused{ActivationKind::hard_swish};
    if (node.op == "Softplus") return Fused{ActivationKind::softplus};
    if (node.op == "Mish") return Fused{ActivationKind::mish};
    if (node.op == "Gelu") {
      return Fused{node.attrs.string_or("approximate", "none") == "tanh"
                       ? ActivationKind::gelu_tanh
                       : ActivationKind::gelu_erf};
    }
    if (node.op == "Clip") {
      // Opset 11+: bounds are optional inputs; fusable when they are scalar constants.
      double lo = -std::numeric_limits<double>::infinity(),
             hi = std::numeric_limits<double>::infinity();
      if (node.inputs.size() > 1 && node.inputs[1] != kNoValue) {
        const Tensor* t = constant_of(graph, node.inputs[1]);
        if (!t || t->numel() != 1) return std::nullopt;
        lo = t->value_as_double(0);
      }
      if (node.inputs.size() > 2 && node.inputs[2] != kNoValue) {
        const Tensor* t = constant_of(graph, node.inputs[2]);
        if (!t || t->numel() != 1) return std::nullopt;
        hi = t->value_as_double(0);
      }
      if (node.attrs.has("min")) lo = node.attrs.get_float("min");
      if (node.attrs.has("max")) hi = node.attrs.get_float("max");
      return Fused{ActivationKind::clip, lo, hi};
    }
  } else if (node.domain == "nnload" && node.op == "Swish") {
    return Fused{ActivationKind::swish, node.attrs.float_or("alpha", 1.0)};
  }
  return std::nullopt;
}

}  // namespace

int fuse_activation(Graph& graph) {
  const Uses uses(graph);
  std::vector<bool> removed(graph.nodes().size(), false);
  int fused_count = 0;
  for (std::size_t k = 0; k < graph.nodes().size(); ++k) {
    Node& producer = graph.nodes()[k];
    if (removed[k] || !can_carry_activation(producer) || producer.outputs.size() != 1) continue;
    const int reader = uses.only_reader(producer.outputs[0]);
    if (reader < 0) continue;
    const Node& act = graph.nodes()[static_cast<std::size_t>(reader)];
    if (act.inputs.empty() || act.inputs[0] != producer.outputs[0]) continue;
    const std::optional<Fused> fused = as_activation(graph, act);
    if (!fused) continue;
    producer.domain = "nnload";
    producer.attrs.set("activation", std::string(linalg::activation_name(fused->kind)));
    producer.attrs.set("activation_alpha", fused->alpha);
    producer.attrs.set("activation_beta", fused->beta);
    producer.outputs[0] = act.outputs[0];
    removed[static_cast<std::size_t>(reader)] = true;
    ++fused_count;
  }
  erase_nodes(graph, removed);
  return fused_count;
}

}  // namespace nnload::graph::passes
