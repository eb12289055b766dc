// y[m, n] = a[m, k] · b[n, k]^T (+ bias[n]): the product of inputs with weights stored one
// output per row, as ONNX's recurrent ops store W and R. Float32 runs on oneDNN's matmul
// (constant weights packed once); float64 runs plain loops.
#pragma once

#include <cstdint>
#include <memory>

namespace nnload::linalg {

template <class T>
class RowProduct {
 public:
  RowProduct();
  // `constant_b` is the weight matrix when it is known now (packed here; run() then ignores
  // its `b`), or nullptr when it is given to every run().
  RowProduct(std::int64_t m, std::int64_t k, std::int64_t n, bool bias, const T* constant_b);
  ~RowProduct();
  RowProduct(RowProduct&&) noexcept;
  RowProduct& operator=(RowProduct&&) noexcept;

  // Re-entrant. `bias` is read only when the product was made with one. `y` must not overlap
  // `a`.
  void run(const T* a, const T* b, const T* bias, T* y) const;

  std::int64_t m() const { return m_; }
  std::int64_t n() const { return n_; }

 private:
  struct Impl;
  std::int64_t m_ = 0, k_ = 0, n_ = 0;
  bool bias_ = false;
  std::unique_ptr<Impl> impl_;  // the packed or copied constant weights
};

extern template class RowProduct<float>;
extern template class RowProduct<double>;

}  // namespace nnload::linalg
