// Calling typed code for a runtime DType, and converting element buffers between dtypes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "core/fail.hpp"
#include "nnload/dtype.hpp"

namespace nnload {

template <class T>
struct TypeTag {
  using type = T;
};

// Calls fn(TypeTag<T>{}) with T the C++ type of `dtype` (Float16/BFloat16 for 16-bit floats).
template <class Fn>
decltype(auto) visit_dtype(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::f32:
      return fn(TypeTag<float>{});
    case DType::f16:
      return fn(TypeTag<Float16>{});
    case DType::bf16:
      return fn(TypeTag<BFloat16>{});
    case DType::f64:
      return fn(TypeTag<double>{});
    case DType::i8:
      return fn(TypeTag<std::int8_t>{});
    case DType::i16:
      return fn(TypeTag<std::int16_t>{});
    case DType::i32:
      return fn(TypeTag<std::int32_t>{});
    case DType::i64:
      return fn(TypeTag<std::int64_t>{});
    case DType::u8:
      return fn(TypeTag<std::uint8_t>{});
    case DType::boolean:
      return fn(TypeTag<bool>{});
    case DType::string:
      // Numeric code is generic over the ten numeric types; strings reach only ops that handle
      // them explicitly (the executor refuses the rest before any kernel runs).
      fail(ErrorCode::unsupported, "this operation does not take string tensors");
  }
  fail(ErrorCode::internal, "visit_dtype: invalid dtype {}", static_cast<int>(dtype));
}

// A floating-point value to an integer type as numpy, PyTorch and ONNX Runtime do it on x86:
// truncated toward zero into int64, then wrapped to a narrower type (-2.0 to uint8 is 254). NaN and
// values beyond int64 give int64's minimum, the CPU's "integer indefinite". A plain static_cast
// would be undefined behaviour for any value out of the target's range.
template <class To, class From>
To float_to_integer(From v) {
  constexpr double kTwo63 = 9223372036854775808.0;
  const double d = static_cast<double>(v);
  if constexpr (std::is_same_v<To, std::uint64_t>) {
    if (d >= kTwo63 && d < 2 * kTwo63) return static_cast<std::uint64_t>(d);
  }
  const std::int64_t wide = d >= -kTwo63 && d < kTwo63 ? static_cast<std::int64_t>(d)
                                                       : std::numeric_limits<std::int64_t>::min();
  return static_cast<To>(wide);
}

// Element conversions through the widest exact type: 16-bit floats via float, the rest via
// static_cast (float to integer truncates toward zero, float_to_integer above, anything non-zero
// to bool is true).
template <class To, class From>
To convert_value(From v) {
  if constexpr (std::is_same_v<From, Float16>) {
    return convert_value<To>(half_to_float(v.bits));
  } else if constexpr (std::is_same_v<From, BFloat16>) {
    return convert_value<To>(bfloat16_to_float(v.bits));
  } else if constexpr (std::is_same_v<To, Float16>) {
    return Float16{float_to_half(static_cast<float>(v))};
  } else if constexpr (std::is_same_v<To, BFloat16>) {
    return BFloat16{float_to_bfloat16(static_cast<float>(v))};
  } else if constexpr (std::is_same_v<To, bool>) {
    return v != From{0};
  } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    return float_to_integer<To>(v);
  } else {
    return static_cast<To>(v);
  }
}

inline void convert_elements(const void* src, DType src_type, void* dst, DType dst_type,
                             std::size_t count) {
  visit_dtype(src_type, [&](auto src_tag) {
    using From = typename decltype(src_tag)::type;
    visit_dtype(dst_type, [&](auto dst_tag) {
      using To = typename decltype(dst_tag)::type;
      const From* in = static_cast<const From*>(src);
      To* out = static_cast<To*>(dst);
      for (std::size_t i = 0; i < count; ++i) out[i] = convert_value<To>(in[i]);
    });
  });
}

}  // namespace nnload
