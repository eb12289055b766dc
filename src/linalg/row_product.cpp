#include "linalg/row_product.hpp"

#include <algorithm>
#include <optional>
#include <type_traits>
#include <vector>

#include "linalg/gemm.hpp"
#include "linalg/parallel.hpp"

namespace nnload::linalg {

template <class T>
struct RowProduct<T>::Impl {
  std::optional<MatMulPlan> plan;  // float32
  std::vector<T> b;                // float64: a copy of the constant weights
};

template <class T>
RowProduct<T>::RowProduct() = default;

template <class T>
RowProduct<T>::RowProduct(std::int64_t m, std::int64_t k, std::int64_t n, bool bias,
                          const T* constant_b)
    : m_(m), k_(k), n_(n), bias_(bias) {
  if constexpr (std::is_same_v<T, float>) {
    if (m > 0 && k > 0 && n > 0) {
      MatMulProblem p;
      p.m = m;
      p.k = k;
      p.n = n;
      p.trans_b = true;
      if (bias) p.addend = MatMulProblem::Addend::row;
      impl_ = std::make_unique<Impl>();
      impl_->plan.emplace(p, constant_b, nullptr);
    }
  } else if (constant_b != nullptr) {
    impl_ = std::make_unique<Impl>();
    impl_->b.assign(constant_b, constant_b + k * n);
  }
}

template <class T>
RowProduct<T>::~RowProduct() = default;
template <class T>
RowProduct<T>::RowProduct(RowProduct&&) noexcept = default;
template <class T>
RowProduct<T>& RowProduct<T>::operator=(RowProduct&&) noexcept = default;

template <class T>
void RowProduct<T>::run(const T* a, const T* b, const T* bias, T* y) const {
  if (m_ == 0 || n_ == 0) return;
  if constexpr (std::is_same_v<T, float>) {
    if (impl_ && impl_->plan) {
      impl_->plan->run(a, b, bias_ ? bias : nullptr, y);
      return;
    }
  }
  if (impl_) b = impl_->b.data();
  // Float64, or no k: dot products row by row.
  const std::int64_t grain = std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(k_ * n_, 1));
  parallel_for(m_, grain, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t i = begin; i < end; ++i) {
      const T* ai = a + i * k_;
      T* yi = y + i * n_;
      for (std::int64_t j = 0; j < n_; ++j) {
        const T* bj = b + j * k_;
        T sum = bias_ ? bias[j] : T(0);
        for (std::int64_t q = 0; q < k_; ++q) sum += ai[q] * bj[q];
        yi[j] = sum;
      }
    }
  });
}

template class RowProduct<float>;
template class RowProduct<double>;

}  // namespace nnload::linalg
