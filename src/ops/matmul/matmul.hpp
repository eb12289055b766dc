// Factories of the matmul family's ops, for the family table.
#pragma once

#include <memory>

#include "ops/op.hpp"

namespace nnload::ops {

std::unique_ptr<Op> make_matmul(const graph::Node& node);
std::unique_ptr<Op> make_gemm(const graph::Node& node);     // opset 7+
std::unique_ptr<Op> make_gemm_v1(const graph::Node& node);  // opset 1..6: `broadcast` attribute
std::unique_ptr<Op> make_einsum(const graph::Node& node);   // opset 12+

}  // namespace nnload::ops
