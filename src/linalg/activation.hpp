// Pointwise activations that kernels can apply in place to their output (fused post-ops), and
// that the fusion pass folds into Conv/MatMul/Gemm nodes.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace nnload::linalg {

enum class ActivationKind {
  none,
  relu,          // max(x, 0)
  leaky_relu,    // x >= 0 ? x : alpha * x
  clip,          // min(max(x, alpha), beta)
  sigmoid,       // 1 / (1 + exp(-x))
  hard_sigmoid,  // max(0, min(1, alpha * x + beta))
  hard_swish,    // x * max(0, min(1, x / 6 + 1/2))
  tanh,
  elu,        // x >= 0 ? x : alpha * (exp(x) - 1)
  selu,       // beta * (x > 0 ? x : alpha * (exp(x) - 1)); ONNX's gamma is beta here
  softplus,   // log(1 + exp(x))
  softsign,   // x / (1 + |x|)
  swish,      // x * sigmoid(alpha * x)
  mish,       // x * tanh(softplus(x))
  gelu_erf,   // 0.5 x (1 + erf(x / sqrt 2))
  gelu_tanh,  // 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
  exp,
};

struct Activation {
  ActivationKind kind = ActivationKind::none;
  float alpha = 0;
  float beta = 0;
};

// The name the fusion pass writes into a fused node's `activation` attribute ("Relu", ...),
// the ONNX op name where there is one.
std::string_view activation_name(ActivationKind kind);
std::optional<ActivationKind> activation_from_name(std::string_view name);

// Applies `activation` in place to `data`, vectorised; a no-op for ActivationKind::none.
// (Defined with the activation kernels, src/linalg/activation_apply.cpp.)
void apply_activation(const Activation& activation, std::span<float> data);

}  // namespace nnload::linalg
