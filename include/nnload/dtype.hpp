// Element types a tensor can hold, their sizes and names.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nnload {

// `string`: elements are std::string objects (ONNX string tensors). Only ops that say so accept
// them (StringNormalizer); numeric code never sees them.
enum class DType : std::uint8_t { f32, f16, bf16, f64, i8, i16, i32, i64, u8, boolean, string };

// 16-bit floats are stored as their bit patterns; these wrappers keep them apart from integers.
struct Float16 {
  std::uint16_t bits = 0;
};
struct BFloat16 {
  std::uint16_t bits = 0;
};

// Size of one element in bytes.
std::size_t dtype_size(DType dtype);
// numpy's name for the type: "float32", "float16", "bfloat16", "int64", "bool", ...
std::string_view dtype_name(DType dtype);
// Parses numpy-style names ("float32", "int8", "bool") and a few aliases ("float", "half").
std::optional<DType> dtype_from_name(std::string_view name);
bool is_floating(DType dtype);
bool is_integer(DType dtype);

// The DType of a C++ element type.
template <class T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() {
  return DType::f32;
}
template <>
constexpr DType dtype_of<double>() {
  return DType::f64;
}
template <>
constexpr DType dtype_of<Float16>() {
  return DType::f16;
}
template <>
constexpr DType dtype_of<BFloat16>() {
  return DType::bf16;
}
template <>
constexpr DType dtype_of<std::int8_t>() {
  return DType::i8;
}
template <>
constexpr DType dtype_of<std::int16_t>() {
  return DType::i16;
}
template <>
constexpr DType dtype_of<std::int32_t>() {
  return DType::i32;
}
template <>
constexpr DType dtype_of<std::int64_t>() {
  return DType::i64;
}
template <>
constexpr DType dtype_of<std::uint8_t>() {
  return DType::u8;
}
template <>
constexpr DType dtype_of<bool>() {
  return DType::boolean;
}
template <>
constexpr DType dtype_of<std::string>() {
  return DType::string;
}

// IEEE half and bfloat16 conversions (round to nearest even; NaN and infinities preserved).
float half_to_float(std::uint16_t bits);
std::uint16_t float_to_half(float value);
float bfloat16_to_float(std::uint16_t bits);
std::uint16_t float_to_bfloat16(float value);

}  // namespace nnload
