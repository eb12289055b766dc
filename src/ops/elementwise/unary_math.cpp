// ONNX unary math: Abs, Neg, Exp, Log, Sqrt, Reciprocal, Floor, Ceil (opset 1+), Sin, Cos, Tan,
// Asin, Acos, Atan (7+), Sign, Erf, Sinh, Cosh, Asinh, Acosh, Atanh, IsNaN (9+), IsInf (10+),
// Round (11+, half to even).
#include <cmath>

#include "linalg/elementwise_math.hpp"
#include "ops/elementwise/elementwise_common.hpp"
#include "ops/elementwise/rows.hpp"

namespace nnload::ops::elementwise {

namespace {

template <class T>
struct AbsFn {
  T operator()(T x) const {
    if constexpr (std::is_unsigned_v<T>) {
      return x;
    } else {
      return x < T(0) ? neg(x) : x;
    }
  }
};
template <class T>
struct NegFn {
  T operator()(T x) const { return neg(x); }
};
// Sign of NaN is NaN, as numpy's.
template <class T>
struct SignFn {
  T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>) {
      return x > T(0) ? T(1) : x < T(0) ? T(-1) : x;
    } else {
      return x > T(0) ? T(1) : x < T(0) ? static_cast<T>(-1) : T(0);
    }
  }
};
template <class T>
struct ExpFn {
  T operator()(T x) const { return linalg::math::exp(x); }
};
template <class T>
struct ErfFn {
  T operator()(T x) const { return linalg::math::erf(x); }
};
template <class T>
struct ReciprocalFn {
  T operator()(T x) const { return T(1) / x; }
};
// nearbyint rounds half to even in the default rounding mode, which nnload never changes.
template <class T>
struct RoundFn {
  T operator()(T x) const { return std::nearbyint(x); }
};

// The rest are libm's functions.
template <class T>
struct LogFn {
  T operator()(T x) const { return std::log(x); }
};
template <class T>
struct SqrtFn {
  T operator()(T x) const { return std::sqrt(x); }
};
template <class T>
struct FloorFn {
  T operator()(T x) const { return std::floor(x); }
};
template <class T>
struct CeilFn {
  T operator()(T x) const { return std::ceil(x); }
};
template <class T>
struct SinFn {
  T operator()(T x) const { return std::sin(x); }
};
template <class T>
struct CosFn {
  T operator()(T x) const { return std::cos(x); }
};
template <class T>
struct TanFn {
  T operator()(T x) const { return std::tan(x); }
};
template <class T>
struct AsinFn {
  T operator()(T x) const { return std::asin(x); }
};
template <class T>
struct AcosFn {
  T operator()(T x) const { return std::acos(x); }
};
template <class T>
struct AtanFn {
  T operator()(T x) const { return std::atan(x); }
};
template <class T>
struct SinhFn {
  T operator()(T x) const { return std::sinh(x); }
};
template <class T>
struct CoshFn {
  T operator()(T x) const { return std::cosh(x); }
};
template <class T>
struct AsinhFn {
  T operator()(T x) const { return std::asinh(x); }
};
template <class T>
struct AcoshFn {
  T operator()(T x) const { return std::acosh(x); }
};
template <class T>
struct AtanhFn {
  T operator()(T x) const { return std::atanh(x); }
};

struct IsInfAttrs {
  bool positive = true;
  bool negative = true;
};

IsInfAttrs parse_is_inf(const graph::Node& node) {
  return {node.attrs.int_or("detect_positive", 1) != 0,
          node.attrs.int_or("detect_negative", 1) != 0};
}

std::vector<TensorType> infer_float_to_bool(std::span<const InputInfo> in) {
  check_inputs(in, 1, 1);
  check_dtype(in[0].dtype, kFloatTypes, "input 0");
  return {{DType::boolean, in[0].shape}};
}

std::vector<TensorType> infer_is_nan(const NoAttrs&, std::span<const InputInfo> in) {
  return infer_float_to_bool(in);
}
std::vector<TensorType> infer_is_inf(const IsInfAttrs&, std::span<const InputInfo> in) {
  return infer_float_to_bool(in);
}

void run_is_nan(const NoAttrs&, std::span<const Tensor> in, std::span<Tensor> out) {
  visit_masked<kFloatTypes>(in[0].dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    linalg::map_unary(in[0].data<T>(), out[0].mutable_data<bool>(), in[0].numel(),
                      [](T x) { return std::isnan(x); });
  });
}

void run_is_inf(const IsInfAttrs& attrs, std::span<const Tensor> in, std::span<Tensor> out) {
  visit_masked<kFloatTypes>(in[0].dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T pos = attrs.positive ? std::numeric_limits<T>::infinity() : T(0);
    const T neg = attrs.negative ? -std::numeric_limits<T>::infinity() : T(0);
    // With a side disabled its sentinel is 0, which is finite, so it never matches an inf.
    linalg::map_unary(in[0].data<T>(), out[0].mutable_data<bool>(), in[0].numel(),
                      [pos, neg](T x) { return std::isinf(x) && (x == pos || x == neg); });
  });
}

}  // namespace

OpTable unary_math_rows() {
  return {
      unary_row<kNumericTypes, AbsFn>("Abs", 1),
      unary_row<kSignedTypes, NegFn>("Neg", 1),
      unary_row<kNumericTypes, SignFn>("Sign", 9),
      unary_row<kFloatTypes, ExpFn>("Exp", 1),
      unary_row<kFloatTypes, LogFn>("Log", 1),
      unary_row<kFloatTypes, SqrtFn>("Sqrt", 1),
      unary_row<kFloatTypes, ReciprocalFn>("Reciprocal", 1),
      unary_row<kFloatTypes, FloorFn>("Floor", 1),
      unary_row<kFloatTypes, CeilFn>("Ceil", 1),
      unary_row<kFloatTypes, RoundFn>("Round", 11),
      unary_row<kFloatTypes, ErfFn>("Erf", 9),
      unary_row<kFloatTypes, SinFn>("Sin", 7),
      unary_row<kFloatTypes, CosFn>("Cos", 7),
      unary_row<kFloatTypes, TanFn>("Tan", 7),
      unary_row<kFloatTypes, AsinFn>("Asin", 7),
      unary_row<kFloatTypes, AcosFn>("Acos", 7),
      unary_row<kFloatTypes, AtanFn>("Atan", 7),
      unary_row<kFloatTypes, SinhFn>("Sinh", 9),
      unary_row<kFloatTypes, CoshFn>("Cosh", 9),
      unary_row<kFloatTypes, AsinhFn>("Asinh", 9),
      unary_row<kFloatTypes, AcoshFn>("Acosh", 9),
      unary_row<kFloatTypes, AtanhFn>("Atanh", 9),
      {"", "IsNaN", 9, graph::kLatestOpset,
       ops::bind<NoAttrs>(parse_no_attrs, infer_is_nan, run_is_nan)},
      {"", "IsInf", 10, graph::kLatestOpset,
       ops::bind<IsInfAttrs>(parse_is_inf, infer_is_inf, run_is_inf)},
  };
}

}  // namespace nnload::ops::elementwise
