// Rows of the TF op families that live in files of their own; each family's table function
// (tf_math_ops, tf_nn_ops, tf_array_ops, tf_image_ops) adds them to its own rows.
#pragma once

#include "formats/savedmodel/tf_op_context.hpp"

namespace nnload::formats::savedmodel {

TfOpRows tf_reduce_rows();  // reduce_ops.cpp (math)
TfOpRows tf_conv_rows();    // conv_ops.cpp (nn)
TfOpRows tf_slice_rows();   // slice_ops.cpp (array)

}  // namespace nnload::formats::savedmodel
