#include "formats/savedmodel/tf_types.hpp"

#include <cstring>

#include "core/dtype_dispatch.hpp"
#include "core/fail.hpp"

namespace nnload::formats::savedmodel {

std::optional<DType> dtype_from_tf(int tf_dtype) {
  if (tf_dtype > 100) tf_dtype -= 100;  // reference types: DT_FLOAT_REF = 101, ...
  switch (tf_dtype) {
    case tf::DT_FLOAT:
      return DType::f32;
    case tf::DT_DOUBLE:
      return DType::f64;
    case tf::DT_INT32:
      return DType::i32;
    case tf::DT_UINT8:
      return DType::u8;
    case tf::DT_INT16:
      return DType::i16;
    case tf::DT_INT8:
      return DType::i8;
    case tf::DT_INT64:
      return DType::i64;
    case tf::DT_BOOL:
      return DType::boolean;
    case tf::DT_BFLOAT16:
      return DType::bf16;
    case tf::DT_HALF:
      return DType::f16;
    default:
      return std::nullopt;
  }
}

std::string tf_dtype_name(int tf_dtype) {
  const int base = tf_dtype > 100 ? tf_dtype - 100 : tf_dtype;
  if (const std::optional<DType> d = dtype_from_tf(base)) return std::string(dtype_name(*d));
  switch (base) {
    case tf::DT_STRING:
      return "string";
    case tf::DT_COMPLEX64:
      return "complex64";
    case tf::DT_COMPLEX128:
      return "complex128";
    case tf::DT_RESOURCE:
      return "resource";
    case tf::DT_VARIANT:
      return "variant";
    case tf::DT_UINT16:
      return "uint16";
    case tf::DT_UINT32:
      return "uint32";
    case tf::DT_UINT64:
      return "uint64";
    default:
      return "DataType(" + std::to_string(tf_dtype) + ")";
  }
}

int tf_dtype_of(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return tf::DT_FLOAT;
    case DType::f64:
      return tf::DT_DOUBLE;
    case DType::i32:
      return tf::DT_INT32;
    case DType::u8:
      return tf::DT_UINT8;
    case DType::i16:
      return tf::DT_INT16;
    case DType::i8:
      return tf::DT_INT8;
    case DType::i64:
      return tf::DT_INT64;
    case DType::boolean:
      return tf::DT_BOOL;
    case DType::bf16:
      return tf::DT_BFLOAT16;
    case DType::f16:
      return tf::DT_HALF;
    case DType::string:
      return tf::DT_STRING;
  }
  return tf::DT_INVALID;
}

std::optional<Shape> shape_from_tf(const tf::TensorShapeProto& shape) {
  if (shape.unknown_rank()) return std::nullopt;
  Shape out;
  for (const auto& d : shape.dim()) out.push_back(d.size() < 0 ? -1 : d.size());
  return out;
}

namespace {

// Copies `values` (one per element, or fewer: the last repeats) converted to the tensor's type.
template <class Field>
void fill_from(const Field& values, Tensor& out, const std::string& what) {
  const std::int64_t n = out.numel();
  if (values.empty()) {
    if (n != 0) std::memset(out.mutable_raw(), 0, out.nbytes());  // no values: zeros
    return;
  }
  if (static_cast<std::int64_t>(values.size()) > n) {
    fail(ErrorCode::corrupt, "{}: {} values for a tensor of {} elements", what, values.size(), n);
  }
  visit_dtype(out.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* dst = static_cast<T*>(out.mutable_raw());
    for (std::int64_t i = 0; i < n; ++i) {
      const auto v = values[static_cast<int>(std::min<std::int64_t>(i, values.size() - 1))];
      dst[i] = convert_value<T>(v);
    }
  });
}

}  // namespace

Tensor tensor_from_proto(const tf::TensorProto& proto, const std::string& what) {
  const std::optional<DType> dtype = dtype_from_tf(proto.dtype());
  if (!dtype) {
    fail(ErrorCode::unsupported, "{}: tensors of type {} are not supported", what,
         tf_dtype_name(proto.dtype()));
  }
  const std::optional<Shape> shape = shape_from_tf(proto.tensor_shape());
  if (!shape) fail(ErrorCode::corrupt, "{}: a constant of unknown rank", what);
  for (std::int64_t d : *shape) {
    if (d < 0) fail(ErrorCode::corrupt, "{}: a constant with an unknown dimension", what);
  }
  Tensor out = Tensor::empty(*dtype, *shape);
  if (!proto.tensor_content().empty()) {
    if (proto.tensor_content().size() != out.nbytes()) {
      fail(ErrorCode::corrupt, "{}: tensor_content holds {} bytes, shape {} of {} needs {}", what,
           proto.tensor_content().size(), shape_to_list(*shape), dtype_name(*dtype), out.nbytes());
    }
    std::memcpy(out.mutable_raw(), proto.tensor_content().data(), out.nbytes());
    return out;
  }
  switch (*dtype) {
    case DType::f32:
      fill_from(proto.float_val(), out, what);
      break;
    case DType::f64:
      fill_from(proto.double_val(), out, what);
      break;
    case DType::i64:
      fill_from(proto.int64_val(), out, what);
      break;
    case DType::boolean:
      fill_from(proto.bool_val(), out, what);
      break;
    case DType::i32:
    case DType::i16:
    case DType::i8:
    case DType::u8:
      fill_from(proto.int_val(), out, what);
      break;
    case DType::f16:
    case DType::bf16: {
      // half_val holds the 16-bit patterns, one per int32.
      const auto& bits = proto.half_val();
      const std::int64_t n = out.numel();
      if (static_cast<std::int64_t>(bits.size()) > n)
        fail(ErrorCode::corrupt, "{}: too many values", what);
      auto* dst = static_cast<std::uint16_t*>(out.mutable_raw());
      for (std::int64_t i = 0; i < n; ++i) {
        dst[i] = bits.empty()
                     ? 0
                     : static_cast<std::uint16_t>(
                           bits[static_cast<int>(std::min<std::int64_t>(i, bits.size() - 1))]);
      }
      break;
    }
    case DType::string:
      fail(ErrorCode::unsupported, "{}: string constants are not supported", what);
  }
  return out;
}

}  // namespace nnload::formats::savedmodel
