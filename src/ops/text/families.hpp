// The text op family's parts.
#pragma once

#include "ops/op.hpp"

namespace nnload::ops {

OpTable string_normalizer_ops();

}  // namespace nnload::ops
