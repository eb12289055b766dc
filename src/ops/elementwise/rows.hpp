// The elementwise family's files each contribute their registration rows; table.cpp joins them.
#pragma once

#include "ops/op.hpp"

namespace nnload::ops::elementwise {

OpTable arithmetic_rows();
OpTable pow_rows();
OpTable variadic_rows();
OpTable compare_logic_rows();
OpTable unary_math_rows();
OpTable cast_rows();

}  // namespace nnload::ops::elementwise
