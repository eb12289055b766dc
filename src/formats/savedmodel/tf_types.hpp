// TensorFlow's dtypes and TensorProto values as nnload types.
#pragma once

#include <optional>
#include <string>

#include "nnload/tensor.hpp"
#include "types.pb.h"

namespace nnload::formats::savedmodel {

// DType of a TensorFlow dtype (reference types count as their value type); nullopt for types
// nnload has no equivalent of (string, complex, resource, variant, quantized, unsigned > 8 bit).
std::optional<DType> dtype_from_tf(int tf_dtype);
// "float32", "string", "resource", ... for messages.
std::string tf_dtype_name(int tf_dtype);
// The TensorFlow dtype enum value of a DType.
int tf_dtype_of(DType dtype);

// Shape of a TensorShapeProto, -1 for unknown dimensions; nullopt for unknown rank.
std::optional<Shape> shape_from_tf(const tf::TensorShapeProto& shape);

// A TensorProto's value: tensor_content (raw little-endian bytes) or the typed *_val fields, where
// fewer values than elements repeat the last one (TensorFlow's splat constants). Throws
// Error(unsupported) for dtypes without an nnload equivalent (naming `what`), Error(corrupt) when
// sizes disagree.
Tensor tensor_from_proto(const tf::TensorProto& proto, const std::string& what);

}  // namespace nnload::formats::savedmodel
