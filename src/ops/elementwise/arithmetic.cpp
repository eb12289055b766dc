// ONNX Add, Sub, Mul, Div (opset 1-6 with `broadcast`/`axis`, 7+ multidirectional) and Mod
// (opset 10+, `fmod`).
#include <cmath>

#include "ops/elementwise/binary.hpp"
#include "ops/elementwise/rows.hpp"

namespace nnload::ops::elementwise {

namespace {

template <class T>
struct AddFn {
  T operator()(T a, T b) const { return add(a, b); }
};
template <class T>
struct SubFn {
  T operator()(T a, T b) const { return sub(a, b); }
};
template <class T>
struct MulFn {
  T operator()(T a, T b) const { return mul(a, b); }
};
// Integer division truncates toward zero (as ONNX Runtime's does); min / -1 wraps instead of
// trapping. Zero divisors are rejected before the loop.
template <class T>
struct DivFn {
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T> && std::is_signed_v<T>) {
      return b == T(-1) ? neg(a) : static_cast<T>(a / b);
    } else {
      return static_cast<T>(a / b);
    }
  }
};
// fmod=1: the remainder has the dividend's sign (C's fmod and %).
template <class T>
struct FmodFn {
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      return std::fmod(a, b);
    } else if constexpr (std::is_signed_v<T>) {
      return b == T(-1) ? T(0) : static_cast<T>(a % b);
    } else {
      return static_cast<T>(a % b);
    }
  }
};
// fmod=0 (integers only): the remainder has the divisor's sign, like Python's %.
template <class T>
struct PyModFn {
  T operator()(T a, T b) const {
    if constexpr (std::is_signed_v<T>) {
      if (b == T(-1)) return T(0);
      T r = static_cast<T>(a % b);
      if (r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b);
      return r;
    } else {
      return static_cast<T>(a % b);
    }
  }
};

void run_div(const BinaryAttrs& attrs, std::span<const Tensor> in, std::span<Tensor> out) {
  if (out[0].numel() > 0) check_no_zero_divisor(in[1]);
  run_binary<kNumericTypes, DivFn, false>(attrs, in, out);
}

std::vector<TensorType> infer_mod(const BinaryAttrs& attrs, std::span<const InputInfo> in) {
  std::vector<TensorType> out = infer_binary<kNumericTypes, false>(attrs, in);
  if (!attrs.fmod && is_floating(in[0].dtype)) {
    fail(ErrorCode::invalid_argument, "Mod on {} needs fmod=1 (fmod=0 is for integers)",
         dtype_name(in[0].dtype));
  }
  return out;
}

void run_mod(const BinaryAttrs& attrs, std::span<const Tensor> in, std::span<Tensor> out) {
  if (out[0].numel() > 0) check_no_zero_divisor(in[1]);
  if (attrs.fmod) {
    run_binary<kNumericTypes, FmodFn, false>(attrs, in, out);
  } else {
    run_binary<kIntTypes, PyModFn, false>(attrs, in, out);
  }
}

}  // namespace

OpTable arithmetic_rows() {
  return {
      legacy_binary_row<kNumericTypes, AddFn>("Add", 1, 6),
      binary_row<kNumericTypes, AddFn>("Add", 7),
      legacy_binary_row<kNumericTypes, SubFn>("Sub", 1, 6),
      binary_row<kNumericTypes, SubFn>("Sub", 7),
      legacy_binary_row<kNumericTypes, MulFn>("Mul", 1, 6),
      binary_row<kNumericTypes, MulFn>("Mul", 7),
      {"", "Div", 1, 6,
       ops::bind<BinaryAttrs>(parse_binary_legacy, infer_binary<kNumericTypes, false>, run_div)},
      {"", "Div", 7, graph::kLatestOpset,
       ops::bind<BinaryAttrs>(parse_binary, infer_binary<kNumericTypes, false>, run_div)},
      {"", "Mod", 10, graph::kLatestOpset,
       ops::bind<BinaryAttrs>(parse_binary, infer_mod, run_mod)},
  };
}

}  // namespace nnload::ops::elementwise
