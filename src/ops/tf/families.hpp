// The tf op family (TensorFlow semantics that no ONNX op has) gathers its rows from its files;
// table.cpp concatenates them.
#pragma once

#include "ops/op.hpp"

namespace nnload::ops::tfops {

OpTable strided_slice_rows();   // strided_slice.cpp
OpTable mirror_pad_rows();      // mirror_pad.cpp
OpTable resize_nearest_rows();  // resize_nearest.cpp
OpTable conv_backprop_rows();   // conv_backprop_input.cpp
OpTable arithmetic_rows();      // arithmetic.cpp

}  // namespace nnload::ops::tfops
