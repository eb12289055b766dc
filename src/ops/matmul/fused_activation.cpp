#include "ops/matmul/fused_activation.hpp"

#include <limits>
#include <utility>

#include "core/fail.hpp"

namespace nnload::ops {

namespace {
std::pair<float, float> default_parameters(linalg::ActivationKind kind) {
  using K = linalg::ActivationKind;
  switch (kind) {
    case K::leaky_relu:
      return {0.01f, 0.0f};
    case K::elu:
      return {1.0f, 0.0f};
    case K::hard_sigmoid:
      return {0.2f, 0.5f};
    case K::selu:
      return {1.67326319217681884765625f, 1.05070102214813232421875f};
    case K::clip:
      return {std::numeric_limits<float>::lowest(), std::numeric_limits<float>::max()};
    case K::swish:
      return {1.0f, 0.0f};
    default:
      return {0.0f, 0.0f};
  }
}
}  // namespace

linalg::Activation parse_fused_activation(const graph::Attributes& attrs) {
  linalg::Activation act;
  if (!attrs.has("activation")) return act;
  const std::string& name = attrs.get_string("activation");
  const auto kind = linalg::activation_from_name(name);
  if (!kind) fail(ErrorCode::invalid_argument, "unknown fused activation '{}'", name);
  act.kind = *kind;
  const auto [alpha, beta] = default_parameters(act.kind);
  act.alpha = static_cast<float>(attrs.float_or("activation_alpha", alpha));
  act.beta = static_cast<float>(attrs.float_or("activation_beta", beta));
  return act;
}

}  // namespace nnload::ops
