// nnload TfFloorDiv, TfFloorMod (1): TensorFlow's FloorDiv and FloorMod with numpy
// broadcasting, integers and floats (ONNX Div truncates integers, and ONNX Mod has no flooring
// mode for floats); nnload Log1p (1): log(1 + x) accurate near 0, which Log(1 + x) is not.
#include <cmath>

#include "ops/elementwise/binary.hpp"
#include "ops/tf/families.hpp"

namespace nnload::ops::tfops {

namespace {

using elementwise::BinaryAttrs;
using elementwise::kFloatTypes;
using elementwise::kNumericTypes;

// Rounds the quotient toward -inf. min / -1 wraps instead of trapping.
template <class T>
struct FloorDivFn {
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      return std::floor(a / b);
    } else if constexpr (std::is_signed_v<T>) {
      if (b == T(-1)) return elementwise::neg(a);
      const T q = static_cast<T>(a / b);
      return (a % b != 0 && ((a < 0) != (b < 0))) ? static_cast<T>(q - 1) : q;
    } else {
      return static_cast<T>(a / b);
    }
  }
};

// The remainder of FloorDiv: it takes the divisor's sign, like Python's %.
template <class T>
struct FloorModFn {
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      T r = std::fmod(a, b);
      if (r != 0 && ((r < 0) != (b < 0))) r += b;
      return r;
    } else if constexpr (std::is_signed_v<T>) {
      if (b == T(-1)) return T(0);
      T r = static_cast<T>(a % b);
      if (r != 0 && ((r < 0) != (b < 0))) r = elementwise::add(r, b);
      return r;
    } else {
      return static_cast<T>(a % b);
    }
  }
};

template <template <class> class Fn>
void run_division(const BinaryAttrs& attrs, std::span<const Tensor> in, std::span<Tensor> out) {
  if (out[0].numel() > 0) elementwise::check_no_zero_divisor(in[1]);
  elementwise::run_binary<kNumericTypes, Fn, false>(attrs, in, out);
}

template <class T>
struct Log1pFn {
  T operator()(T x) const { return std::log1p(x); }
};

}  // namespace

OpTable arithmetic_rows() {
  return {
      {"nnload", "TfFloorDiv", 1, 1,
       ops::bind<BinaryAttrs>(elementwise::parse_binary,
                              elementwise::infer_binary<kNumericTypes, false>,
                              run_division<FloorDivFn>)},
      {"nnload", "TfFloorMod", 1, 1,
       ops::bind<BinaryAttrs>(elementwise::parse_binary,
                              elementwise::infer_binary<kNumericTypes, false>,
                              run_division<FloorModFn>)},
      {"nnload", "Log1p", 1, 1,
       ops::bind<NoAttrs>(parse_no_attrs, elementwise::infer_unary<kFloatTypes>,
                          elementwise::run_unary<kFloatTypes, Log1pFn>)},
  };
}

}  // namespace nnload::ops::tfops
