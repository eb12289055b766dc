// ONNX Pow: opset 1-6 (`broadcast`/`axis`), 7+ multidirectional broadcasting; from opset 12 the
// exponent may have another dtype than the base (the output has the base's).
#include <cmath>

#include "linalg/broadcast.hpp"
#include "ops/elementwise/binary.hpp"
#include "ops/elementwise/rows.hpp"

namespace nnload::ops::elementwise {

namespace {

// Integer powers by squaring, wrapping on overflow. A negative exponent truncates toward zero
// as a float power cast back would: 1 and -1 keep their magnitude, everything else gives 0
// (including 0, where the float power is infinite).
template <class T>
T int_pow(T base, std::int64_t e) {
  if (e < 0) {
    if (base == T(1)) return T(1);
    if constexpr (std::is_signed_v<T>) {
      if (base == T(-1)) return (e & 1) != 0 ? T(-1) : T(1);
    }
    return T(0);
  }
  T result = T(1);
  while (e != 0) {
    if ((e & 1) != 0) result = mul(result, base);
    e >>= 1;
    if (e != 0) base = mul(base, base);
  }
  return result;
}

std::vector<TensorType> infer_pow(const BinaryAttrs& attrs, std::span<const InputInfo> in) {
  check_inputs(in, 2, 2);
  check_dtype(in[0].dtype, kNumericTypes, "input 0 (X)");
  check_dtype(in[1].dtype, kNumericTypes, "input 1 (Y)");
  if (attrs.legacy) {
    check_same_dtype(in[0].dtype, "input 0", in[1].dtype, "input 1");
    effective_b_shape(attrs, in[0].shape, in[1].shape);
    return {{in[0].dtype, in[0].shape}};
  }
  return {{in[0].dtype, linalg::broadcast_shapes(in[0].shape, in[1].shape)}};
}

// Float base: the exponent is converted to the base's type (it is nearly always one value).
template <class T>
void pow_float(const Tensor& base, const Tensor& exponent, const Shape& exponent_shape,
               Tensor& out) {
  const T* x = base.data<T>();
  const T* e = exponent.data<T>();
  T* y = out.mutable_data<T>();
  const std::int64_t n = out.numel();
  if (exponent.numel() == 1 && base.numel() == n) {
    const T p = e[0];
    if (p == T(1)) {
      linalg::map_unary(x, y, n, [](T v) { return v; });
    } else if (p == T(2)) {
      linalg::map_unary(x, y, n, [](T v) { return v * v; });
    } else if (p == T(3)) {
      linalg::map_unary(x, y, n, [](T v) { return v * v * v; });
    } else if (p == T(0.5)) {
      // pow(-0, 0.5) is +0 and pow(-inf, 0.5) is +inf, where sqrt gives -0 and NaN.
      linalg::map_unary(x, y, n, [](T v) {
        return v == T(0) ? T(0) : std::isinf(v) ? std::abs(v) : std::sqrt(v);
      });
    } else {
      linalg::map_unary(x, y, n, [p](T v) { return std::pow(v, p); });
    }
    return;
  }
  linalg::broadcast_binary(x, base.shape(), e, exponent_shape, y, out.shape(),
                           [](T a, T b) { return std::pow(a, b); });
}

void run_pow(const BinaryAttrs& attrs, std::span<const Tensor> in, std::span<Tensor> out) {
  const Tensor& base = in[0];
  const Shape exponent_shape = effective_b_shape(attrs, base.shape(), in[1].shape());
  if (is_floating(base.dtype())) {
    const Tensor exponent = in[1].to(base.dtype());
    visit_masked<kFloatTypes>(base.dtype(), [&](auto tag) {
      pow_float<typename decltype(tag)::type>(base, exponent, exponent_shape, out[0]);
    });
    return;
  }
  visit_masked<kIntTypes>(base.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (is_floating(in[1].dtype())) {
      const Tensor exponent = in[1].to(DType::f64);
      linalg::broadcast_binary(
          base.data<T>(), base.shape(), exponent.data<double>(), exponent_shape,
          out[0].mutable_data<T>(), out[0].shape(),
          [](T a, double b) { return saturate_cast<T>(std::pow(static_cast<double>(a), b)); });
    } else {
      const Tensor exponent = in[1].to(DType::i64);
      linalg::broadcast_binary(base.data<T>(), base.shape(), exponent.data<std::int64_t>(),
                               exponent_shape, out[0].mutable_data<T>(), out[0].shape(),
                               [](T a, std::int64_t b) { return int_pow(a, b); });
    }
  });
}

}  // namespace

OpTable pow_rows() {
  return {
      {"", "Pow", 1, 6, ops::bind<BinaryAttrs>(parse_binary_legacy, infer_pow, run_pow)},
      {"", "Pow", 7, graph::kLatestOpset, ops::bind<BinaryAttrs>(parse_binary, infer_pow, run_pow)},
  };
}

}  // namespace nnload::ops::elementwise
