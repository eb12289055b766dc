// The kernel MatMul, Gemm and the fused Dense share: a linalg::MatMulProblem run on oneDNN
// (float32) or as loops (float64, empty shapes).
#pragma once

#include <memory>

#include "linalg/gemm.hpp"
#include "ops/op.hpp"

namespace nnload::ops {

// Inputs 0 and 1 are A and B; `addend_input` is the index of the bias/C input, or -1.
std::unique_ptr<Kernel> make_matmul_kernel(const linalg::MatMulProblem& problem, DType dtype,
                                           std::span<const InputInfo> inputs, int addend_input);

}  // namespace nnload::ops
