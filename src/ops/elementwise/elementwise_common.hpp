// Shared by the elementwise and activation families: dtype sets and checks, input-count checks,
// integer arithmetic without undefined behaviour, and the unary-op templates.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <type_traits>
#include <vector>

#include "core/dtype_dispatch.hpp"
#include "linalg/elementwise.hpp"
#include "ops/bind.hpp"

namespace nnload::ops::elementwise {

// A set of dtypes, one bit per DType.
using DTypeMask = std::uint32_t;
constexpr DTypeMask mask_of(DType dtype) { return 1u << static_cast<unsigned>(dtype); }
constexpr DTypeMask kFloatTypes = mask_of(DType::f32) | mask_of(DType::f64);
constexpr DTypeMask kSignedIntTypes =
    mask_of(DType::i8) | mask_of(DType::i16) | mask_of(DType::i32) | mask_of(DType::i64);
constexpr DTypeMask kIntTypes = kSignedIntTypes | mask_of(DType::u8);
constexpr DTypeMask kSignedTypes = kFloatTypes | kSignedIntTypes;
constexpr DTypeMask kNumericTypes = kFloatTypes | kIntTypes;
constexpr DTypeMask kBoolType = mask_of(DType::boolean);
constexpr DTypeMask kAllTypes =
    kNumericTypes | kBoolType | mask_of(DType::f16) | mask_of(DType::bf16);

template <class T>
constexpr bool in_mask(DTypeMask mask) {
  return (mask & mask_of(dtype_of<T>())) != 0;
}

// Throws unless `dtype` is in `allowed`: Error(unsupported) for float16/bfloat16 (nnload's math
// runs in float32; the loader converts such weights), Error(shape) otherwise. `what` names the
// input ("input 0").
void check_dtype(DType dtype, DTypeMask allowed, std::string_view what);
// Throws Error(shape) unless both dtypes are equal.
void check_same_dtype(DType a, std::string_view a_what, DType b, std::string_view b_what);
// Throws Error(invalid_argument) unless min <= inputs.size() <= max and the first `min`
// inputs are present.
void check_inputs(std::span<const InputInfo> inputs, std::size_t min, std::size_t max);

// Calls fn(TypeTag<T>{}) for `dtype`, instantiating only the types of `Mask` (infer has
// already rejected the others).
template <DTypeMask Mask, class Fn>
void visit_masked(DType dtype, Fn&& fn) {
  visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (in_mask<T>(Mask)) {
      fn(tag);
    } else {
      fail(ErrorCode::internal, "dtype {} reached a kernel that does not implement it",
           dtype_name(dtype));
    }
  });
}

// Integer +, -, *, negation and abs wrap around (two's complement) instead of overflowing into
// undefined behaviour: the arithmetic runs in an unsigned type at least as wide as int.
template <class T>
using WrapType =
    std::conditional_t<sizeof(T) < sizeof(unsigned), unsigned, std::make_unsigned_t<T>>;

template <class T>
T add(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(static_cast<WrapType<T>>(a) + static_cast<WrapType<T>>(b));
  } else {
    return a + b;
  }
}
template <class T>
T sub(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(static_cast<WrapType<T>>(a) - static_cast<WrapType<T>>(b));
  } else {
    return a - b;
  }
}
template <class T>
T mul(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    return static_cast<T>(static_cast<WrapType<T>>(a) * static_cast<WrapType<T>>(b));
  } else {
    return a * b;
  }
}
template <class T>
T neg(T a) {
  return sub(T(0), a);
}

// The unary op template: y = Fn<T>{}(x) elementwise for the dtypes in Mask.
template <DTypeMask Mask>
std::vector<TensorType> infer_unary(const NoAttrs&, std::span<const InputInfo> inputs) {
  check_inputs(inputs, 1, 1);
  check_dtype(inputs[0].dtype, Mask, "input 0");
  return {{inputs[0].dtype, inputs[0].shape}};
}

template <DTypeMask Mask, template <class> class Fn>
void run_unary(const NoAttrs&, std::span<const Tensor> inputs, std::span<Tensor> outputs) {
  visit_masked<Mask>(inputs[0].dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    linalg::map_unary(inputs[0].data<T>(), outputs[0].mutable_data<T>(), inputs[0].numel(),
                      Fn<T>{});
  });
}

template <DTypeMask Mask, template <class> class Fn>
OpDef unary_row(std::string_view name, int since, int until = graph::kLatestOpset) {
  return {"", name, since, until,
          ops::bind<NoAttrs>(parse_no_attrs, infer_unary<Mask>, run_unary<Mask, Fn>)};
}

}  // namespace nnload::ops::elementwise

namespace nnload::ops::elementwise {

// Float to integer conversion with defined results everywhere: NaN gives 0, values beyond
// the target's range saturate (a plain cast is undefined behaviour there).
template <class To, class From>
To saturate_cast(From v) {
  if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To> &&
                !std::is_same_v<To, bool>) {
    constexpr auto lo = static_cast<From>(std::numeric_limits<To>::min());
    // 2^bits is exact in float and double; max() itself may not be.
    constexpr From hi = static_cast<From>(std::numeric_limits<To>::max() / 2 + 1) * From(2);
    if (std::isnan(v)) return To(0);
    if (v <= lo) return std::numeric_limits<To>::min();
    if (v >= hi) return std::numeric_limits<To>::max();
    return static_cast<To>(v);
  } else {
    return static_cast<To>(v);
  }
}

}  // namespace nnload::ops::elementwise
