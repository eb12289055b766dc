// The one implementation of each pointwise activation formula: a functor per ActivationKind
// (templated so that float32 kernels, float64 kernels and fused post-ops share it), and the
// out-of-place form of apply_activation.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "linalg/activation.hpp"
#include "linalg/elementwise_math.hpp"

namespace nnload::linalg {

// Applies `activation` to in[0..n) into out[0..n); in and out may be the same buffer.
// Runs in parallel for large n (serially when called from a parallel region).
void apply_activation(const Activation& activation, const float* in, float* out, std::int64_t n);

namespace act {

// NaN propagates through every formula (x < 0 is false for NaN), as numpy's would.
template <class T>
struct Relu {
  T operator()(T x) const { return x < T(0) ? T(0) : x; }
};
template <class T>
struct LeakyRelu {
  T alpha;
  T operator()(T x) const { return x < T(0) ? alpha * x : x; }
};
// min(max(x, lo), hi): when lo > hi every value becomes hi, as ONNX Clip says.
template <class T>
struct Clip {
  T lo, hi;
  T operator()(T x) const { return std::min(std::max(x, lo), hi); }
};
template <class T>
struct Sigmoid {
  T operator()(T x) const { return math::sigmoid(x); }
};
template <class T>
struct HardSigmoid {
  T alpha, beta;
  T operator()(T x) const { return std::min(std::max(alpha * x + beta, T(0)), T(1)); }
};
template <class T>
struct HardSwish {
  T operator()(T x) const { return x * std::min(std::max(x * T(1.0 / 6.0) + T(0.5), T(0)), T(1)); }
};
template <class T>
struct Tanh {
  T operator()(T x) const { return math::tanh(x); }
};
template <class T>
struct Elu {
  T alpha;
  T operator()(T x) const { return x < T(0) ? alpha * (math::exp(x) - T(1)) : x; }
};
// ONNX's gamma is `beta` in Activation.
template <class T>
struct Selu {
  T alpha, gamma;
  T operator()(T x) const { return gamma * (x <= T(0) ? alpha * (math::exp(x) - T(1)) : x); }
};
template <class T>
struct Softplus {
  T operator()(T x) const { return math::softplus(x); }
};
template <class T>
struct Softsign {
  T operator()(T x) const { return x / (T(1) + std::abs(x)); }
};
template <class T>
struct Swish {
  T alpha;
  T operator()(T x) const { return x * math::sigmoid(alpha * x); }
};
// tanh(softplus(x)) = (e^2x + 2e^x) / (e^2x + 2e^x + 2): one exp, no log. Past x = 20 the
// ratio is 1 in float and double alike, so clamping keeps e^2x finite.
template <class T>
struct Mish {
  T operator()(T x) const {
    const T e = math::exp(std::min(x, T(20)));
    const T n = e * (e + T(2));
    return x * n / (n + T(2));
  }
};
template <class T>
struct GeluErf {
  T operator()(T x) const { return T(0.5) * x * (T(1) + math::erf(x * T(0.70710678118654752440))); }
};
template <class T>
struct GeluTanh {
  T operator()(T x) const {
    const T inner = T(0.79788456080286535588) * (x + T(0.044715) * x * x * x);
    return T(0.5) * x * (T(1) + math::tanh(inner));
  }
};
template <class T>
struct Exp {
  T operator()(T x) const { return math::exp(x); }
};

}  // namespace act

// Calls fn(functor) with the functor of `activation`'s kind for element type T; for
// ActivationKind::none, with an identity functor.
template <class T, class Fn>
decltype(auto) visit_activation(const Activation& a, Fn&& fn) {
  const T alpha = static_cast<T>(a.alpha);
  const T beta = static_cast<T>(a.beta);
  switch (a.kind) {
    case ActivationKind::none:
      return fn([](T x) { return x; });
    case ActivationKind::relu:
      return fn(act::Relu<T>{});
    case ActivationKind::leaky_relu:
      return fn(act::LeakyRelu<T>{alpha});
    case ActivationKind::clip:
      return fn(act::Clip<T>{alpha, beta});
    case ActivationKind::sigmoid:
      return fn(act::Sigmoid<T>{});
    case ActivationKind::hard_sigmoid:
      return fn(act::HardSigmoid<T>{alpha, beta});
    case ActivationKind::hard_swish:
      return fn(act::HardSwish<T>{});
    case ActivationKind::tanh:
      return fn(act::Tanh<T>{});
    case ActivationKind::elu:
      return fn(act::Elu<T>{alpha});
    case ActivationKind::selu:
      return fn(act::Selu<T>{alpha, beta});
    case ActivationKind::softplus:
      return fn(act::Softplus<T>{});
    case ActivationKind::softsign:
      return fn(act::Softsign<T>{});
    case ActivationKind::swish:
      return fn(act::Swish<T>{alpha});
    case ActivationKind::mish:
      return fn(act::Mish<T>{});
    case ActivationKind::gelu_erf:
      return fn(act::GeluErf<T>{});
    case ActivationKind::gelu_tanh:
      return fn(act::GeluTanh<T>{});
    case ActivationKind::exp:
      return fn(act::Exp<T>{});
  }
  return fn([](T x) { return x; });
}

}  // namespace nnload::linalg
