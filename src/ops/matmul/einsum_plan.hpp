// Einsum's equation, and the plan that evaluates it for concrete input shapes: operands
// contracted left to right, each pair as one batched matrix product [batch, M, K] x [batch, K, N].
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "linalg/gemm.hpp"
#include "nnload/tensor.hpp"

namespace nnload::ops::einsum {

// One term of the equation: letter labels in order, and kEllipsis where "..." stands.
inline constexpr int kEllipsis = -1;
struct Term {
  std::vector<int> entries;
  bool has_ellipsis() const;
  std::int64_t letter_count() const;
};

struct Equation {
  std::vector<Term> inputs;
  Term output;
  bool explicit_output = false;
};

// Throws Error(invalid_argument) for malformed equations (stray characters, a lone '-', two
// "->", dots that are not "...", two ellipses in one term, repeated output letters).
Equation parse_equation(std::string_view equation);

// Rearranging a strided source into a contiguous buffer of `dims`, summing over the `sum_*`
// axes. `direct` means the source already is that buffer, so nothing needs to be copied.
struct Gather {
  Shape dims;
  std::vector<std::int64_t> strides;
  Shape sum_dims;
  std::vector<std::int64_t> sum_strides;
  bool direct = false;
};

// One contraction: the running result (input 0 at first) times input `rhs`.
struct Step {
  std::size_t rhs = 0;
  Gather a, b;
  linalg::MatMulProblem problem;  // one flattened batch dimension
  bool writes_output = false;     // the product already has the output's layout
};

struct Plan {
  Shape output_shape;
  std::vector<Step> steps;
  bool needs_final = true;  // the last result (or the only input) is gathered into the output
  Gather final;
};

// Validates the operands against the equation and plans the evaluation. Throws
// Error(invalid_argument) when the equation does not fit the operand count or ranks,
// Error(shape) when dimensions sharing a letter disagree.
Plan make_plan(const Equation& equation, std::span<const Shape> shapes);

}  // namespace nnload::ops::einsum
