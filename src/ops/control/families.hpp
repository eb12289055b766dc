// The control-flow op family's parts.
#pragma once

#include "ops/op.hpp"

namespace nnload::ops {

OpTable if_ops();

}  // namespace nnload::ops
