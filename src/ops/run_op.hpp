// Running one op eagerly on concrete tensors: constant folding, unit tests and the eager C++
// modules use it. The executor runs compiled plans instead.
#pragma once

#include <span>
#include <string>
#include <vector>

#include "graph/attributes.hpp"
#include "ops/op.hpp"

namespace nnload::ops {

// Infers, allocates the outputs, builds the kernel and runs it. Undefined input tensors stand
// for omitted optional inputs.
std::vector<Tensor> run_op(const Op& op, std::span<const Tensor> inputs);
std::vector<Tensor> run_op(const graph::Node& node, std::span<const Tensor> inputs,
                           int opset = graph::kLatestOpset);
std::vector<Tensor> run_op(const std::string& op_type, const std::vector<Tensor>& inputs,
                           const graph::Attributes& attrs = {}, int num_outputs = 1,
                           const std::string& domain = "", int opset = graph::kLatestOpset);

// InputInfo for a concrete tensor (value known) or an omitted optional input.
InputInfo info_of(const Tensor& tensor);

}  // namespace nnload::ops
