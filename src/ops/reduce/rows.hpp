// The reduce family's registration rows, one function per source file.
#pragma once

#include "ops/op.hpp"

namespace nnload::ops {

void add_reduce_rows(OpTable& table);      // reduce_family.cpp
void add_arg_reduce_rows(OpTable& table);  // arg_reduce.cpp

}  // namespace nnload::ops
