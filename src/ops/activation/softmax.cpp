// ONNX Softmax, LogSoftmax, Hardmax: opset 1-12 over the input coerced to 2-D at `axis`
// (default 1), 13+ along `axis` (default -1). Softmax subtracts the maximum before exp.
#include <array>
#include <limits>

#include "linalg/broadcast.hpp"
#include "ops/activation/activation_common.hpp"

namespace nnload::ops::activation {

namespace {

enum class Mode { softmax, log_softmax, hardmax };

struct SoftmaxAttrs {
  std::int64_t axis = -1;
  bool coerce_2d = false;
};

template <bool Coerce2d>
SoftmaxAttrs parse_softmax(const graph::Node& node) {
  return {node.attrs.int_or("axis", Coerce2d ? 1 : -1), Coerce2d};
}

std::vector<TensorType> infer_softmax(const SoftmaxAttrs& attrs, std::span<const InputInfo> in) {
  elementwise::check_inputs(in, 1, 1);
  elementwise::check_dtype(in[0].dtype, kFloatTypes, "input 0");
  linalg::normalize_axis(attrs.axis, static_cast<std::int64_t>(in[0].shape.size()));
  return {{in[0].dtype, in[0].shape}};
}

// Row reductions through kLanes partial results, one per lane of a plain loop the compiler
// vectorises: a single scalar accumulator would stay scalar without -ffast-math (and
// `omp simd reduction(max)` compiles to slow code on GCC 12).
constexpr std::int64_t kLanes = 64;

template <class T>
T row_max(const T* x, std::int64_t n) {
  T max = -std::numeric_limits<T>::infinity();
  std::int64_t i = 0;
  if (n >= kLanes) {
    std::array<T, kLanes> lanes;
    for (std::int64_t j = 0; j < kLanes; ++j) lanes[j] = x[j];
    for (i = kLanes; i + kLanes <= n; i += kLanes) {
      for (std::int64_t j = 0; j < kLanes; ++j)
        lanes[j] = lanes[j] < x[i + j] ? x[i + j] : lanes[j];
    }
    for (std::int64_t j = 0; j < kLanes; ++j) max = std::max(max, lanes[j]);
  }
  for (; i < n; ++i) max = std::max(max, x[i]);
  return max;
}

// Sum of exp(x[i] - shift), also stored to y[i] when Store.
template <bool Store, class T>
T row_sum_exp(const T* x, T* y, std::int64_t n, T shift) {
  std::array<T, kLanes> lanes{};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (std::int64_t j = 0; j < kLanes; ++j) {
      const T e = linalg::math::exp(x[i + j] - shift);
      if constexpr (Store) y[i + j] = e;
      lanes[j] += e;
    }
  }
  T sum = 0;
  for (std::int64_t j = 0; j < kLanes; ++j) sum += lanes[j];
  for (; i < n; ++i) {
    const T e = linalg::math::exp(x[i] - shift);
    if constexpr (Store) y[i] = e;
    sum += e;
  }
  return sum;
}

// One softmax over n contiguous values.
template <Mode M, class T>
void softmax_row(const T* x, T* y, std::int64_t n) {
  if constexpr (M == Mode::hardmax) {
    std::int64_t best = 0;
    for (std::int64_t i = 1; i < n; ++i) {
      if (x[i] > x[best]) best = i;
    }
    for (std::int64_t i = 0; i < n; ++i) y[i] = T(0);
    y[best] = T(1);
    return;
  }
  const T max = row_max(x, n);
  if constexpr (M == Mode::softmax) {
    const T scale = T(1) / row_sum_exp<true>(x, y, n, max);
    for (std::int64_t i = 0; i < n; ++i) y[i] *= scale;
  } else {
    const T log_sum = std::log(row_sum_exp<false>(x, y, n, max));
    for (std::int64_t i = 0; i < n; ++i) y[i] = (x[i] - max) - log_sum;
  }
}

// Softmaxes down the columns [0, w) of an [n, stride] block: every loop runs across the
// columns, so it vectorises however long the softmax axis is. Blocks are wide because the rows
// lie `stride` apart, often a power of two, and narrow blocks pile onto a few cache sets.
constexpr std::int64_t kColumns = 1024;

template <Mode M, class T>
void softmax_columns(const T* x, T* y, std::int64_t n, std::int64_t stride, std::int64_t w) {
  std::array<T, kColumns> best;
  std::array<T, kColumns> acc;
  for (std::int64_t j = 0; j < w; ++j) best[j] = x[j];
  if constexpr (M == Mode::hardmax) {
    std::array<std::int64_t, kColumns> index{};
    for (std::int64_t k = 1; k < n; ++k) {
      const T* xr = x + k * stride;
      for (std::int64_t j = 0; j < w; ++j) {
        if (xr[j] > best[j]) {
          best[j] = xr[j];
          index[j] = k;
        }
      }
    }
    for (std::int64_t k = 0; k < n; ++k) {
      T* yr = y + k * stride;
      for (std::int64_t j = 0; j < w; ++j) yr[j] = index[j] == k ? T(1) : T(0);
    }
    return;
  }
  for (std::int64_t k = 1; k < n; ++k) {
    const T* xr = x + k * stride;
    for (std::int64_t j = 0; j < w; ++j) best[j] = std::max(best[j], xr[j]);
  }
  for (std::int64_t j = 0; j < w; ++j) acc[j] = T(0);
  for (std::int64_t k = 0; k < n; ++k) {
    const T* xr = x + k * stride;
    T* yr = y + k * stride;
    for (std::int64_t j = 0; j < w; ++j) {
      const T e = linalg::math::exp(xr[j] - best[j]);
      if constexpr (M == Mode::softmax) yr[j] = e;
      acc[j] += e;
    }
  }
  if constexpr (M == Mode::softmax) {
    for (std::int64_t j = 0; j < w; ++j) acc[j] = T(1) / acc[j];
    for (std::int64_t k = 0; k < n; ++k) {
      T* yr = y + k * stride;
      for (std::int64_t j = 0; j < w; ++j) yr[j] *= acc[j];
    }
  } else {
    for (std::int64_t j = 0; j < w; ++j) acc[j] = std::log(acc[j]);
    for (std::int64_t k = 0; k < n; ++k) {
      const T* xr = x + k * stride;
      T* yr = y + k * stride;
      for (std::int64_t j = 0; j < w; ++j) yr[j] = (xr[j] - best[j]) - acc[j];
    }
  }
}

template <Mode M>
void run_softmax(const SoftmaxAttrs& attrs, std::span<const Tensor> in, std::span<Tensor> out) {
  const Shape& shape = in[0].shape();
  const auto axis = static_cast<std::size_t>(linalg::normalize_axis(attrs.axis, in[0].rank()));
  std::int64_t outer = 1;
  std::int64_t n = 1;
  std::int64_t inner = 1;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (d < axis) {
      outer *= shape[d];
    } else if (d == axis || attrs.coerce_2d) {
      n *= shape[d];
    } else {
      inner *= shape[d];
    }
  }
  if (outer == 0 || n == 0 || inner == 0) return;
  elementwise::visit_masked<kFloatTypes>(in[0].dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = in[0].data<T>();
    T* y = out[0].mutable_data<T>();
    const std::int64_t block = n * inner;
    if (inner == 1) {
      linalg::parallel_for(outer, std::max<std::int64_t>(1, linalg::kElementwiseGrain / n),
                           [&](std::int64_t begin, std::int64_t end) {
                             for (std::int64_t o = begin; o < end; ++o) {
                               softmax_row<M>(x + o * n, y + o * n, n);
                             }
                           });
      return;
    }
    const std::int64_t column_blocks = (inner + kColumns - 1) / kColumns;
    const std::int64_t grain =
        std::max<std::int64_t>(1, linalg::kElementwiseGrain / (n * kColumns));
    linalg::parallel_for(outer * column_blocks, grain, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t task = begin; task < end; ++task) {
        const std::int64_t o = task / column_blocks;
        const std::int64_t j0 = (task % column_blocks) * kColumns;
        const std::int64_t offset = o * block + j0;
        softmax_columns<M>(x + offset, y + offset, n, inner, std::min(kColumns, inner - j0));
      }
    });
  });
}

template <Mode M>
OpTable mode_rows(std::string_view name) {
  return {
      {"", name, 1, 12,
       ops::bind<SoftmaxAttrs>(parse_softmax<true>, infer_softmax, run_softmax<M>)},
      {"", name, 13, graph::kLatestOpset,
       ops::bind<SoftmaxAttrs>(parse_softmax<false>, infer_softmax, run_softmax<M>)},
  };
}

}  // namespace

OpTable softmax_rows() {
  OpTable rows = mode_rows<Mode::softmax>("Softmax");
  for (OpTable more :
       {mode_rows<Mode::log_softmax>("LogSoftmax"), mode_rows<Mode::hardmax>("Hardmax")}) {
    for (OpDef& row : more) rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace nnload::ops::activation
