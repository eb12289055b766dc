#include "ops/onnx_dtype.hpp"

#include <array>
#include <tuple>

#include "core/fail.hpp"

namespace nnload::ops {

namespace {
constexpr std::array<std::tuple<std::int64_t, std::string_view, DType>, 11> kOnnxTypes = {{
    {1, "FLOAT", DType::f32},
    {2, "UINT8", DType::u8},
    {3, "INT8", DType::i8},
    {5, "INT16", DType::i16},
    {6, "INT32", DType::i32},
    {7, "INT64", DType::i64},
    {8, "STRING", DType::string},
    {9, "BOOL", DType::boolean},
    {10, "FLOAT16", DType::f16},
    {11, "DOUBLE", DType::f64},
    {16, "BFLOAT16", DType::bf16},
}};
}  // namespace

std::int64_t onnx_dtype_number(DType dtype) {
  for (const auto& [n, name, d] : kOnnxTypes) {
    if (d == dtype) return n;
  }
  fail(ErrorCode::internal, "dtype {} has no ONNX number", static_cast<int>(dtype));
}

std::optional<DType> dtype_from_onnx(std::int64_t number) {
  for (const auto& [n, name, d] : kOnnxTypes) {
    if (n == number) return d;
  }
  return std::nullopt;
}

std::optional<DType> dtype_from_onnx_name(std::string_view name) {
  for (const auto& [n, onnx_name, d] : kOnnxTypes) {
    if (onnx_name == name) return d;
  }
  return std::nullopt;
}

}  // namespace nnload::ops
