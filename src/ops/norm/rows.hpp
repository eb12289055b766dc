// The norm family's registration rows, one function per source file.
#pragma once

#include "ops/op.hpp"

namespace nnload::ops {

void add_batch_norm_rows(OpTable& table);           // batch_norm.cpp
void add_layer_norm_rows(OpTable& table);           // layer_norm.cpp
void add_instance_group_norm_rows(OpTable& table);  // instance_group_norm.cpp
void add_mvn_lp_norm_rows(OpTable& table);          // mvn_lp_norm.cpp
void add_lrn_rows(OpTable& table);                  // lrn.cpp

}  // namespace nnload::ops
