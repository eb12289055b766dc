#include "linalg/recurrent_activation.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

#include "linalg/elementwise_activation.hpp"

namespace nnload::linalg {

namespace {

using Kind = RecurrentActivationKind;

struct KindInfo {
  Kind kind;
  std::string_view name;
  bool alpha, beta;
  float default_alpha, default_beta;
};

constexpr std::array<KindInfo, 11> kKinds = {{
    {Kind::relu, "Relu", false, false, 0, 0},
    {Kind::tanh, "Tanh", false, false, 0, 0},
    {Kind::sigmoid, "Sigmoid", false, false, 0, 0},
    {Kind::affine, "Affine", true, true, 1.0f, 0.0f},
    {Kind::leaky_relu, "LeakyRelu", true, false, 0.01f, 0},
    {Kind::thresholded_relu, "ThresholdedRelu", true, false, 1.0f, 0},
    {Kind::scaled_tanh, "ScaledTanh", true, true, 1.0f, 1.0f},
    {Kind::hard_sigmoid, "HardSigmoid", true, true, 0.2f, 0.5f},
    {Kind::elu, "Elu", true, false, 1.0f, 0},
    {Kind::softsign, "Softsign", false, false, 0, 0},
    {Kind::softplus, "Softplus", false, false, 0, 0},
}};

const KindInfo& info(Kind kind) { return kKinds[static_cast<std::size_t>(kind)]; }

template <class T, class F>
void map_in_place(T* __restrict x, std::int64_t n, F f) {
  for (std::int64_t i = 0; i < n; ++i) x[i] = f(x[i]);
}

template <class T>
void apply(const RecurrentActivation& a, T* x, std::int64_t n) {
  const T alpha = static_cast<T>(a.alpha);
  const T beta = static_cast<T>(a.beta);
  switch (a.kind) {
    case Kind::relu:
      return map_in_place(x, n, act::Relu<T>{});
    case Kind::tanh:
      return map_in_place(x, n, act::Tanh<T>{});
    case Kind::sigmoid:
      return map_in_place(x, n, act::Sigmoid<T>{});
    case Kind::affine:
      return map_in_place(x, n, [=](T v) { return alpha * v + beta; });
    case Kind::leaky_relu:
      return map_in_place(x, n, [=](T v) { return v >= T(0) ? v : alpha * v; });
    case Kind::thresholded_relu:
      return map_in_place(x, n, [=](T v) { return v >= alpha ? v : T(0); });
    case Kind::scaled_tanh:
      return map_in_place(x, n, [=](T v) { return alpha * math::tanh(beta * v); });
    case Kind::hard_sigmoid:
      return map_in_place(x, n, act::HardSigmoid<T>{alpha, beta});
    case Kind::elu:
      return map_in_place(x, n, [=](T v) { return v >= T(0) ? v : alpha * (math::exp(v) - T(1)); });
    case Kind::softsign:
      return map_in_place(x, n, act::Softsign<T>{});
    case Kind::softplus:
      return map_in_place(x, n, act::Softplus<T>{});
  }
}

}  // namespace

std::optional<RecurrentActivationKind> recurrent_activation_from_name(std::string_view name) {
  const auto lower = [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  };
  for (const KindInfo& k : kKinds) {
    if (k.name.size() == name.size() &&
        std::equal(name.begin(), name.end(), k.name.begin(),
                   [&](char a, char b) { return lower(a) == lower(b); })) {
      return k.kind;
    }
  }
  return std::nullopt;
}

std::string_view recurrent_activation_name(RecurrentActivationKind kind) { return info(kind).name; }
bool uses_alpha(RecurrentActivationKind kind) { return info(kind).alpha; }
bool uses_beta(RecurrentActivationKind kind) { return info(kind).beta; }
float default_alpha(RecurrentActivationKind kind) { return info(kind).default_alpha; }
float default_beta(RecurrentActivationKind kind) { return info(kind).default_beta; }

void apply_recurrent_activation(const RecurrentActivation& f, float* x, std::int64_t n) {
  apply(f, x, n);
}
void apply_recurrent_activation(const RecurrentActivation& f, double* x, std::int64_t n) {
  apply(f, x, n);
}

}  // namespace nnload::linalg
