// Factories of the conv family's ops, for the family table.
#pragma once

#include <memory>

#include "ops/op.hpp"

namespace nnload::ops {

std::unique_ptr<Op> make_conv(const graph::Node& node);
std::unique_ptr<Op> make_conv_transpose(const graph::Node& node);

}  // namespace nnload::ops
