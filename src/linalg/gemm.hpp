// Batched matrix products for MatMul, Gemm and the fused Dense:
//   Y[b] = act(alpha * op(A[b]) op(B[b]) + addend),
// with numpy batch broadcasting, on oneDNN matmul (float32, constant B packed once), and a
// plain loop for float64 and empty shapes.
#pragma once

#include <cstdint>
#include <memory>

#include "linalg/activation.hpp"
#include "nnload/tensor.hpp"

namespace nnload::linalg {

struct MatMulProblem {
  // Batch dims of A, B and Y, all of one length (shorter ones padded with 1s in front); A's
  // and B's are 1 or Y's.
  Shape batch_a, batch_b, batch_y;
  std::int64_t m = 0, k = 0, n = 0;
  bool trans_a = false;  // A stored as [..., K, M]
  bool trans_b = false;  // B stored as [..., N, K]
  float alpha = 1;

  // What is added to alpha * A B: nothing; beta * a row of N values (a bias); or beta * C with
  // C of rank <= 2 broadcast to [M, N] (Gemm without batch dims).
  enum class Addend { none, row, matrix };
  Addend addend = Addend::none;
  Shape c_shape;  // Addend::matrix
  float beta = 1;
  Activation activation;

  std::int64_t batch_size() const { return shape_size(batch_y); }
  bool empty() const { return batch_size() == 0 || m == 0 || n == 0 || k == 0; }
};

// A compiled float32 product on oneDNN. Not for empty() problems (use matmul_loop). `b` and
// `addend` are the constant operands when known (packed or scaled now), else nullptr.
class MatMulPlan {
 public:
  MatMulPlan(const MatMulProblem& problem, const float* b, const float* addend);
  ~MatMulPlan();
  MatMulPlan(MatMulPlan&&) noexcept;
  MatMulPlan& operator=(MatMulPlan&&) noexcept;

  // Re-entrant. `b` and `addend` are ignored where constants were given.
  void run(const float* a, const float* b, const float* addend, float* y) const;
  // The oneDNN implementation chosen, for tests.
  std::string implementation() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The same product as plain loops, any shapes (empty included), float or double. The
// activation is applied for float only.
template <class T>
void matmul_loop(const MatMulProblem& problem, const T* a, const T* b, const T* addend, T* y);

}  // namespace nnload::linalg
