// ONNX Relu, LeakyRelu, Elu, Selu (opset 1+), PRelu (7+), Shrink (9+), ThresholdedRelu (10+),
// Celu (12+); nnload KerasRelu (1).
#include "linalg/broadcast.hpp"
#include "ops/activation/activation_common.hpp"

namespace nnload::ops::activation {

namespace {

using linalg::ActivationKind;

// Relu also takes signed integers (opset 14+).
constexpr DTypeMask kReluTypes = elementwise::kSignedTypes;

std::vector<TensorType> infer_relu(const PointwiseAttrs&, std::span<const InputInfo> in) {
  elementwise::check_inputs(in, 1, 1);
  elementwise::check_dtype(in[0].dtype, kReluTypes, "input 0");
  return {{in[0].dtype, in[0].shape}};
}

void run_relu(const PointwiseAttrs& attrs, std::span<const Tensor> in, std::span<Tensor> out) {
  if (is_floating(in[0].dtype())) {
    run_pointwise(attrs, in, out);
    return;
  }
  elementwise::visit_masked<elementwise::kSignedIntTypes>(in[0].dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    linalg::map_unary(in[0].data<T>(), out[0].mutable_data<T>(), in[0].numel(),
                      linalg::act::Relu<T>{});
  });
}

PointwiseAttrs parse_leaky_relu(const graph::Node& node) {
  return {{ActivationKind::leaky_relu, static_cast<float>(node.attrs.float_or("alpha", 0.01)), 0}};
}
PointwiseAttrs parse_elu(const graph::Node& node) {
  return {{ActivationKind::elu, static_cast<float>(node.attrs.float_or("alpha", 1.0)), 0}};
}
PointwiseAttrs parse_selu(const graph::Node& node) {
  return {{ActivationKind::selu,
           static_cast<float>(node.attrs.float_or("alpha", 1.67326319217681884765625)),
           static_cast<float>(node.attrs.float_or("gamma", 1.05070102214813232421875))}};
}

// PRelu: the slope broadcasts to X's shape (unidirectionally).
std::vector<TensorType> infer_prelu(const NoAttrs&, std::span<const InputInfo> in) {
  elementwise::check_inputs(in, 2, 2);
  elementwise::check_dtype(in[0].dtype, elementwise::kSignedTypes, "input 0 (X)");
  elementwise::check_same_dtype(in[0].dtype, "X", in[1].dtype, "slope");
  if (linalg::broadcast_shapes(in[0].shape, in[1].shape) != in[0].shape) {
    fail(ErrorCode::shape, "slope of shape {} does not broadcast to X of shape {}",
         shape_to_list(in[1].shape), shape_to_list(in[0].shape));
  }
  return {{in[0].dtype, in[0].shape}};
}

void run_prelu(const NoAttrs&, std::span<const Tensor> in, std::span<Tensor> out) {
  elementwise::visit_masked<elementwise::kSignedTypes>(in[0].dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    linalg::broadcast_binary(
        in[0].data<T>(), in[0].shape(), in[1].data<T>(), in[1].shape(), out[0].mutable_data<T>(),
        out[0].shape(), [](T x, T slope) { return x < T(0) ? elementwise::mul(x, slope) : x; });
  });
}

struct AlphaAttrs {
  double alpha = 1.0;
};

AlphaAttrs parse_celu(const graph::Node& node) {
  const double alpha = node.attrs.float_or("alpha", 1.0);
  if (alpha == 0) fail(ErrorCode::invalid_argument, "alpha is 0; Celu divides by it");
  return {alpha};
}
AlphaAttrs parse_thresholded_relu(const graph::Node& node) {
  return {node.attrs.float_or("alpha", 1.0)};
}

// max(0, x) + min(0, alpha (exp(x / alpha) - 1)), written so that NaN propagates.
template <class T>
struct CeluFn {
  T alpha;
  static CeluFn from(const AlphaAttrs& a) { return {T(a.alpha)}; }
  T operator()(T x) const { return x > T(0) ? x : alpha * (linalg::math::exp(x / alpha) - T(1)); }
};

template <class T>
struct ThresholdedReluFn {
  T alpha;
  static ThresholdedReluFn from(const AlphaAttrs& a) { return {T(a.alpha)}; }
  T operator()(T x) const { return x > alpha ? x : T(0); }
};

struct ShrinkAttrs {
  double bias = 0.0;
  double lambd = 0.5;
};

ShrinkAttrs parse_shrink(const graph::Node& node) {
  return {node.attrs.float_or("bias", 0.0), node.attrs.float_or("lambd", 0.5)};
}

std::vector<TensorType> infer_shrink(const ShrinkAttrs&, std::span<const InputInfo> in) {
  elementwise::check_inputs(in, 1, 1);
  elementwise::check_dtype(in[0].dtype, elementwise::kNumericTypes, "input 0");
  return {{in[0].dtype, in[0].shape}};
}

// Integers are compared and shifted in double, then saturated back.
void run_shrink(const ShrinkAttrs& a, std::span<const Tensor> in, std::span<Tensor> out) {
  elementwise::visit_masked<elementwise::kNumericTypes>(in[0].dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = std::conditional_t<std::is_same_v<T, float>, float, double>;
    const C bias = static_cast<C>(a.bias);
    const C lambd = static_cast<C>(a.lambd);
    linalg::map_unary(in[0].data<T>(), out[0].mutable_data<T>(), in[0].numel(), [=](T v) {
      const C x = static_cast<C>(v);
      const C y = x < -lambd ? x + bias : x > lambd ? x - bias : C(0);
      return elementwise::saturate_cast<T>(y);
    });
  });
}

// Keras' ReLU layer, exactly as keras.activations.relu computes it (Keras 2 and 3 alike): the
// positive part is x where x > threshold (plain relu when threshold is 0), clipped to
// [0, max_value] when max_value is set; the leak subtracts negative_slope * relu(threshold - x).
// This differs from the documented formula at x == threshold and, with max_value set, for
// threshold < x < 0: Keras' code is what trained models saw.
struct KerasReluAttrs {
  double max_value = std::numeric_limits<double>::infinity();
  double negative_slope = 0.0;
  double threshold = 0.0;
};

KerasReluAttrs parse_keras_relu(const graph::Node& node) {
  return {node.attrs.float_or("max_value", std::numeric_limits<double>::infinity()),
          node.attrs.float_or("negative_slope", 0.0), node.attrs.float_or("threshold", 0.0)};
}

template <class T>
struct KerasReluFn {
  T max_value, negative_slope, threshold;
  static KerasReluFn from(const KerasReluAttrs& a) {
    return {T(a.max_value), T(a.negative_slope), T(a.threshold)};
  }
  T operator()(T x) const {
    T positive = threshold != T(0) ? (x > threshold ? x : T(0)) : (x > T(0) ? x : T(0));
    if (max_value != std::numeric_limits<T>::infinity()) {
      positive = positive < T(0) ? T(0) : (positive > max_value ? max_value : positive);
    }
    const T leak = threshold - x > T(0) ? threshold - x : T(0);
    return positive - negative_slope * leak;
  }
};

}  // namespace

OpTable relu_family_rows() {
  return {
      {"", "Relu", 1, graph::kLatestOpset,
       ops::bind<PointwiseAttrs>(parse_plain<ActivationKind::relu>, infer_relu, run_relu)},
      pointwise_row("", "LeakyRelu", 1, graph::kLatestOpset, parse_leaky_relu),
      pointwise_row("", "Elu", 1, graph::kLatestOpset, parse_elu),
      pointwise_row("", "Selu", 1, graph::kLatestOpset, parse_selu),
      {"", "PRelu", 7, graph::kLatestOpset,
       ops::bind<NoAttrs>(parse_no_attrs, infer_prelu, run_prelu)},
      {"", "Shrink", 9, graph::kLatestOpset,
       ops::bind<ShrinkAttrs>(parse_shrink, infer_shrink, run_shrink)},
      {"", "ThresholdedRelu", 10, graph::kLatestOpset,
       ops::bind<AlphaAttrs>(parse_thresholded_relu, infer_float_unary<AlphaAttrs>,
                             run_float_unary<AlphaAttrs, ThresholdedReluFn>)},
      {"", "Celu", 12, graph::kLatestOpset,
       ops::bind<AlphaAttrs>(parse_celu, infer_float_unary<AlphaAttrs>,
                             run_float_unary<AlphaAttrs, CeluFn>)},
      {"nnload", "KerasRelu", 1, 1,
       ops::bind<KerasReluAttrs>(parse_keras_relu, infer_float_unary<KerasReluAttrs>,
                                 run_float_unary<KerasReluAttrs, KerasReluFn>)},
  };
}

}  // namespace nnload::ops::activation
