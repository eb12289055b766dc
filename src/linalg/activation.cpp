#include "linalg/activation.hpp"

#include <array>
#include <utility>

namespace nnload::linalg {

namespace {
constexpr std::array<std::pair<ActivationKind, std::string_view>, 17> kNames = {{
    {ActivationKind::none, "None"},
    {ActivationKind::relu, "Relu"},
    {ActivationKind::leaky_relu, "LeakyRelu"},
    {ActivationKind::clip, "Clip"},
    {ActivationKind::sigmoid, "Sigmoid"},
    {ActivationKind::hard_sigmoid, "HardSigmoid"},
    {ActivationKind::hard_swish, "HardSwish"},
    {ActivationKind::tanh, "Tanh"},
    {ActivationKind::elu, "Elu"},
    {ActivationKind::selu, "Selu"},
    {ActivationKind::softplus, "Softplus"},
    {ActivationKind::softsign, "Softsign"},
    {ActivationKind::swish, "Swish"},
    {ActivationKind::mish, "Mish"},
    {ActivationKind::gelu_erf, "Gelu"},
    {ActivationKind::gelu_tanh, "GeluTanh"},
    {ActivationKind::exp, "Exp"},
}};
}  // namespace

std::string_view activation_name(ActivationKind kind) {
  for (const auto& [k, name] : kNames) {
    if (k == kind) return name;
  }
  return "?";
}

std::optional<ActivationKind> activation_from_name(std::string_view name) {
  for (const auto& [k, n] : kNames) {
    if (n == name) return k;
  }
  return std::nullopt;
}

}  // namespace nnload::linalg
