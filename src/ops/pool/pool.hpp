// Factories of the pool family's ops, for the family table.
#pragma once

#include <memory>

#include "ops/op.hpp"

namespace nnload::ops {

std::unique_ptr<Op> make_max_pool(const graph::Node& node);
std::unique_ptr<Op> make_average_pool(const graph::Node& node);
std::unique_ptr<Op> make_lp_pool(const graph::Node& node);
std::unique_ptr<Op> make_global_average_pool(const graph::Node& node);
std::unique_ptr<Op> make_global_max_pool(const graph::Node& node);
std::unique_ptr<Op> make_global_lp_pool(const graph::Node& node);

}  // namespace nnload::ops
