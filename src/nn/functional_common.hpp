// Helpers shared by the functional ops and the modules that call them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nn/cached_op.hpp"
#include "nnload/functional.hpp"

namespace nnload::nn::detail {

// A dim in [-rank, rank) made non-negative; otherwise Error(invalid_argument) with PyTorch's
// "Dimension out of range (expected to be in range of [-2, 1], but got 2)".
std::int64_t wrap_dim(std::int64_t dim, std::int64_t rank);

// Error(invalid_argument) naming `what` when x is undefined.
void check_defined(const Tensor& x, const char* what);

// Runs a process-wide cached op on one input.
Tensor unary(const char* op, const Tensor& x, const graph::Attributes& attrs = {},
             int opset = graph::kLatestOpset, const std::string& domain = "");

// F.linear on a Gemm op; `constant` marks weight and bias as module state (bits 1 and 2).
Tensor linear_with(const CachedOp& gemm, const Tensor& x, const Tensor& weight, const Tensor& bias,
                   std::uint32_t constant);

// The Gemm attributes of F.linear (weight [out, in]: transB).
graph::Attributes linear_attrs();

// Conv/ConvTranspose attributes for PyTorch's arguments; pads from padding per axis, or
// PyTorch's "same" split (the odd element at the end) when `same`.
graph::Attributes conv_attrs(const std::vector<std::int64_t>& kernel,
                             const std::vector<std::int64_t>& stride,
                             const std::vector<std::int64_t>& padding, bool same,
                             const std::vector<std::int64_t>& dilation, std::int64_t groups,
                             const std::vector<std::int64_t>& output_padding = {});

// MaxPool / AveragePool attributes, after PyTorch's checks of the arguments.
graph::Attributes max_pool_attrs(const ExpandingArray<2>& kernel, const ExpandingArray<2>& stride,
                                 const ExpandingArray<2>& padding,
                                 const ExpandingArray<2>& dilation, bool ceil_mode);
graph::Attributes avg_pool_attrs(const ExpandingArray<2>& kernel, const ExpandingArray<2>& stride,
                                 const ExpandingArray<2>& padding, bool ceil_mode,
                                 bool count_include_pad);

// x [N, C, H, W] or [C, H, W] for a 2-d pool: the batched tensor and whether a batch dim was
// added; Error(shape) naming `what` for other ranks.
Tensor batched_2d(const Tensor& x, const char* what, bool& added);

}  // namespace nnload::nn::detail
