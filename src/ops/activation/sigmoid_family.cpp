// ONNX Sigmoid, HardSigmoid, Tanh, Softplus, Softsign (opset 1+), HardSwish (14+), Mish (18+),
// Gelu (20+, approximate "none" or "tanh"); nnload Swish (1).
#include "ops/activation/activation_common.hpp"

namespace nnload::ops::activation {

namespace {

using linalg::ActivationKind;

PointwiseAttrs parse_hard_sigmoid(const graph::Node& node) {
  return {{ActivationKind::hard_sigmoid, static_cast<float>(node.attrs.float_or("alpha", 0.2)),
           static_cast<float>(node.attrs.float_or("beta", 0.5))}};
}

PointwiseAttrs parse_gelu(const graph::Node& node) {
  const std::string approximate = node.attrs.string_or("approximate", "none");
  if (approximate == "none") return {{ActivationKind::gelu_erf, 0, 0}};
  if (approximate == "tanh") return {{ActivationKind::gelu_tanh, 0, 0}};
  fail(ErrorCode::invalid_argument, "approximate is '{}', expected 'none' or 'tanh'", approximate);
}

PointwiseAttrs parse_swish(const graph::Node& node) {
  return {{ActivationKind::swish, static_cast<float>(node.attrs.float_or("alpha", 1.0)), 0}};
}

}  // namespace

OpTable sigmoid_family_rows() {
  constexpr int kLatest = graph::kLatestOpset;
  return {
      pointwise_row("", "Sigmoid", 1, kLatest, parse_plain<ActivationKind::sigmoid>),
      pointwise_row("", "HardSigmoid", 1, kLatest, parse_hard_sigmoid),
      pointwise_row("", "HardSwish", 14, kLatest, parse_plain<ActivationKind::hard_swish>),
      pointwise_row("", "Tanh", 1, kLatest, parse_plain<ActivationKind::tanh>),
      pointwise_row("", "Softplus", 1, kLatest, parse_plain<ActivationKind::softplus>),
      pointwise_row("", "Softsign", 1, kLatest, parse_plain<ActivationKind::softsign>),
      pointwise_row("", "Mish", 18, kLatest, parse_plain<ActivationKind::mish>),
      pointwise_row("", "Gelu", 20, kLatest, parse_gelu),
      pointwise_row("nnload", "Swish", 1, 1, parse_swish),
  };
}

}  // namespace nnload::ops::activation
