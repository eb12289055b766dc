#include "linalg/row_product.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <type_traits>
#include <vector>

#include "linalg/dnnl_engine.hpp"
#include "linalg/gemm.hpp"
#include "linalg/parallel.hpp"

namespace nnload::linalg {

namespace {

// Float32 products of a few rows (a recurrent step of a small batch) by constant weights: b
// packed k-major in panels of kPanel columns (zero-padded), so one pass streams the weights
// once while a group of up to four rows' outputs stays in registers. oneDNN's matmul has a
// fixed cost per call that dominates small recurrent steps; past about 2^18 multiply-adds per
// call with more than four rows it is the faster one.
constexpr std::int64_t kPanel = 64;
constexpr std::int64_t kMaxPanelRows = 4;

bool use_panels(std::int64_t m, std::int64_t k, std::int64_t n) {
  return m <= kMaxPanelRows || m * k * n <= (std::int64_t{1} << 18);
}

struct Panels {
  std::int64_t k = 0, n = 0, count = 0;
  std::shared_ptr<std::byte> buffer;
  const float* data() const { return reinterpret_cast<const float*>(buffer.get()); }
};

Panels pack_panels(const float* b, std::int64_t k, std::int64_t n) {
  Panels p{k, n, (n + kPanel - 1) / kPanel, nullptr};
  const auto floats = static_cast<std::size_t>(p.count * k * kPanel);
  p.buffer = dnnl_util::allocate(floats * sizeof(float));
  auto* out = reinterpret_cast<float*>(p.buffer.get());
  std::memset(out, 0, floats * sizeof(float));
  for (std::int64_t j = 0; j < n; ++j) {
    float* column = out + (j / kPanel) * k * kPanel + j % kPanel;
    for (std::int64_t q = 0; q < k; ++q) column[q * kPanel] = b[j * k + q];
  }
  return p;
}

// Panels [begin, end) of rows a[0..M) into y.
template <int M>
void panel_product(const Panels& p, std::int64_t begin, std::int64_t end, const float* a,
                   const float* bias, float* y) {
  const std::int64_t k = p.k, n = p.n;
  for (std::int64_t panel = begin; panel < end; ++panel) {
    const float* w = p.data() + panel * k * kPanel;
    const std::int64_t j0 = panel * kPanel;
    const std::int64_t width = std::min(kPanel, n - j0);
    float acc[M][kPanel] = {};
    for (int r = 0; bias != nullptr && r < M; ++r) {
      std::memcpy(acc[r], bias + j0, static_cast<std::size_t>(width) * sizeof(float));
    }
    for (std::int64_t q = 0; q < k; ++q) {
      const float* wq = w + q * kPanel;
      for (int r = 0; r < M; ++r) {
        const float av = a[r * k + q];
        for (std::int64_t c = 0; c < kPanel; ++c) acc[r][c] += av * wq[c];
      }
    }
    for (int r = 0; r < M; ++r)
      std::memcpy(y + r * n + j0, acc[r], static_cast<std::size_t>(width) * sizeof(float));
  }
}

// Rows in groups of four, each group streaming the packed weights once. Threads split the
// panels: with a static schedule each keeps the same slice of the weights, step after step,
// in its own cache.
void run_panels(const Panels& p, std::int64_t m, const float* a, const float* bias, float* y) {
  const std::int64_t grain =
      std::max<std::int64_t>(1, 65536 / std::max<std::int64_t>(m * p.k * kPanel, 1));
  parallel_for(p.count, grain, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = 0; r < m; r += kMaxPanelRows) {
      const float* ar = a + r * p.k;
      float* yr = y + r * p.n;
      switch (std::min(m - r, kMaxPanelRows)) {
        case 1:
          panel_product<1>(p, begin, end, ar, bias, yr);
          break;
        case 2:
          panel_product<2>(p, begin, end, ar, bias, yr);
          break;
        case 3:
          panel_product<3>(p, begin, end, ar, bias, yr);
          break;
        default:
          panel_product<4>(p, begin, end, ar, bias, yr);
          break;
      }
    }
  });
}

}  // namespace

template <class T>
struct RowProduct<T>::Impl {
  std::optional<MatMulPlan> plan;  // float32
  std::optional<Panels> panels;    // float32, few rows, constant b
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
      impl_ = std::make_unique<Impl>();
      if (constant_b != nullptr && use_panels(m, k, n)) {
        impl_->panels = pack_panels(constant_b, k, n);
      } else {
        MatMulProblem p;
        p.m = m;
        p.k = k;
        p.n = n;
        p.trans_b = true;
        if (bias) p.addend = MatMulProblem::Addend::row;
        impl_->plan.emplace(p, constant_b, nullptr);
      }
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
    if (impl_ && impl_->panels) {
      run_panels(*impl_->panels, m_, a, bias_ ? bias : nullptr, y);
      return;
    }
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
