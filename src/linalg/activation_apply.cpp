// Temporary apply_activation for the conv/matmul branch's tests; the activation helper's
// vectorised version replaces this file at merge.
#include <algorithm>
#include <cmath>

#include "linalg/activation.hpp"

namespace nnload::linalg {

namespace {
template <class Fn>
void each(std::span<float> data, Fn fn) {
  for (float& v : data) v = fn(v);
}
float sigmoid(float x) { return 1.0f / (1.0f + std::exp(-x)); }
float softplus(float x) { return x > 20.0f ? x : std::log1p(std::exp(x)); }
}  // namespace

void apply_activation(const Activation& a, std::span<float> data) {
  const float alpha = a.alpha;
  const float beta = a.beta;
  switch (a.kind) {
    case ActivationKind::none:
      return;
    case ActivationKind::relu:
      return each(data, [](float x) { return std::max(x, 0.0f); });
    case ActivationKind::leaky_relu:
      return each(data, [=](float x) { return x >= 0 ? x : alpha * x; });
    case ActivationKind::clip:
      return each(data, [=](float x) { return std::min(std::max(x, alpha), beta); });
    case ActivationKind::sigmoid:
      return each(data, sigmoid);
    case ActivationKind::hard_sigmoid:
      return each(data, [=](float x) { return std::max(0.0f, std::min(1.0f, alpha * x + beta)); });
    case ActivationKind::hard_swish:
      return each(data, [](float x) { return x * std::max(0.0f, std::min(1.0f, x / 6 + 0.5f)); });
    case ActivationKind::tanh:
      return each(data, [](float x) { return std::tanh(x); });
    case ActivationKind::elu:
      return each(data, [=](float x) { return x >= 0 ? x : alpha * (std::exp(x) - 1); });
    case ActivationKind::selu:
      return each(data, [=](float x) { return beta * (x > 0 ? x : alpha * (std::exp(x) - 1)); });
    case ActivationKind::softplus:
      return each(data, softplus);
    case ActivationKind::softsign:
      return each(data, [](float x) { return x / (1 + std::abs(x)); });
    case ActivationKind::swish:
      return each(data, [=](float x) { return x * sigmoid(alpha * x); });
    case ActivationKind::mish:
      return each(data, [](float x) { return x * std::tanh(softplus(x)); });
    case ActivationKind::gelu_erf:
      return each(data, [](float x) { return 0.5f * x * (1 + std::erf(x / std::sqrt(2.0f))); });
    case ActivationKind::gelu_tanh:
      return each(data, [](float x) {
        const float c = std::sqrt(2.0f / 3.14159265358979f);
        return 0.5f * x * (1 + std::tanh(c * (x + 0.044715f * x * x * x)));
      });
    case ActivationKind::exp:
      return each(data, [](float x) { return std::exp(x); });
  }
}

}  // namespace nnload::linalg
