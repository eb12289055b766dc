// ONNX's TensorProto.DataType numbers and names for nnload's dtypes: Cast's `to` attribute, and
// what frontends write when they emit a Cast.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "nnload/dtype.hpp"

namespace nnload::ops {

std::int64_t onnx_dtype_number(DType dtype);
std::optional<DType> dtype_from_onnx(std::int64_t number);
std::optional<DType> dtype_from_onnx_name(std::string_view name);  // "FLOAT", "INT64", ...

}  // namespace nnload::ops
