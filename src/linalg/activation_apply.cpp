// apply_activation: the fused post-op form of the pointwise activations, one vectorised loop
// per kind around the shared formulas of elementwise_activation.hpp.
#include "linalg/activation.hpp"
#include "linalg/elementwise.hpp"
#include "linalg/elementwise_activation.hpp"

namespace nnload::linalg {

void apply_activation(const Activation& activation, const float* in, float* out, std::int64_t n) {
  if (activation.kind == ActivationKind::none && in == out) return;
  visit_activation<float>(activation, [&](auto f) { map_unary(in, out, n, f); });
}

void apply_activation(const Activation& activation, std::span<float> data) {
  apply_activation(activation, data.data(), data.data(), static_cast<std::int64_t>(data.size()));
}

}  // namespace nnload::linalg
