// ONNX GlobalAveragePool, GlobalMaxPool, GlobalLpPool (opset 1..21), also as
// nnload.GlobalAveragePool/GlobalMaxPool with channels_last. Own loops: a reduction over the
// spatial axes is one pass over memory either way.
#include <algorithm>
#include <cmath>
#include <limits>

#include "core/fail.hpp"
#include "linalg/parallel.hpp"
#include "ops/conv/spatial.hpp"
#include "ops/pool/pool.hpp"
#include "ops/pool/pool_loops.hpp"

namespace nnload::ops {

namespace {

struct GlobalAttrs {
  PoolKind kind = PoolKind::average;
  bool channels_last = false;
  double p = 2;
};

// Reduces n values spaced `stride` apart.
template <class T>
T reduce(const GlobalAttrs& a, const T* x, std::int64_t n, std::int64_t stride) {
  if (a.kind == PoolKind::max) {
    T best = std::numeric_limits<T>::lowest();
    for (std::int64_t i = 0; i < n; ++i) best = std::max(best, x[i * stride]);
    return best;
  }
  if (a.kind == PoolKind::lp) {
    double sum = 0;
    for (std::int64_t i = 0; i < n; ++i)
      sum += std::pow(std::abs(static_cast<double>(x[i * stride])), a.p);
    return static_cast<T>(std::pow(sum, 1.0 / a.p));
  }
  // Eight independent partial sums let the compiler vectorise the contiguous case.
  T lanes[8] = {};
  std::int64_t i = 0;
  if (stride == 1) {
    for (; i + 8 <= n; i += 8) {
      for (int j = 0; j < 8; ++j) lanes[j] += x[i + j];
    }
  }
  for (; i < n; ++i) lanes[0] += x[i * stride];
  T sum = 0;
  for (T v : lanes) sum += v;
  return sum / static_cast<T>(n);
}

// Channels-last: each spatial position is a row of `stride` values of which this call reduces
// `channels`; accumulating whole rows keeps the inner loop on contiguous channels.
template <class T>
void reduce_rows(const GlobalAttrs& a, const T* x, std::int64_t rows, std::int64_t channels,
                 std::int64_t stride, T* y) {
  if (a.kind == PoolKind::lp) {
    for (std::int64_t c = 0; c < channels; ++c) y[c] = reduce(a, x + c, rows, stride);
    return;
  }
  const bool max = a.kind == PoolKind::max;
  std::fill(y, y + channels, max ? std::numeric_limits<T>::lowest() : T(0));
  for (std::int64_t r = 0; r < rows; ++r) {
    const T* row = x + r * stride;
    if (max) {
      for (std::int64_t c = 0; c < channels; ++c) y[c] = std::max(y[c], row[c]);
    } else {
      for (std::int64_t c = 0; c < channels; ++c) y[c] += row[c];
    }
  }
  if (!max) {
    const T scale = T(1) / static_cast<T>(rows);
    for (std::int64_t c = 0; c < channels; ++c) y[c] *= scale;
  }
}

template <class T>
class GlobalPoolKernel final : public Kernel {
 public:
  GlobalPoolKernel(const GlobalAttrs& a, const SpatialShape& s) : attrs_(a), x_(s) {
    spatial_ = shape_size(s.spatial);
  }

  void run(std::span<const Tensor> inputs, std::span<Tensor> outputs) const override {
    const T* x = inputs[0].data<T>();
    T* y = outputs[0].mutable_data<T>();
    const std::int64_t n = x_.batch, c = x_.channels;
    if (n * c == 0) return;
    const std::int64_t grain =
        std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(spatial_, 1));
    if (attrs_.channels_last) {
      constexpr std::int64_t kBlock = 256;  // channels per task
      const std::int64_t blocks = (c + kBlock - 1) / kBlock;
      linalg::parallel_for(n * blocks, std::max<std::int64_t>(1, grain / kBlock),
                           [&](std::int64_t begin, std::int64_t end) {
                             for (std::int64_t t = begin; t < end; ++t) {
                               const std::int64_t b = t / blocks, c0 = (t % blocks) * kBlock;
                               reduce_rows(attrs_, x + b * spatial_ * c + c0, spatial_,
                                           std::min(kBlock, c - c0), c, y + b * c + c0);
                             }
                           });
    } else {
      linalg::parallel_for(n * c, grain, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t i = begin; i < end; ++i)
          y[i] = reduce(attrs_, x + i * spatial_, spatial_, 1);
      });
    }
  }

 private:
  GlobalAttrs attrs_;
  SpatialShape x_;
  std::int64_t spatial_ = 0;
};

class GlobalPoolOp final : public Op {
 public:
  explicit GlobalPoolOp(GlobalAttrs attrs) : attrs_(attrs) {}

  std::vector<TensorType> infer(std::span<const InputInfo> inputs) const override {
    const SpatialShape s = check(inputs);
    return {{inputs[0].dtype,
             join_spatial(s.batch, s.channels, Shape(s.spatial.size(), 1), attrs_.channels_last)}};
  }

  std::unique_ptr<Kernel> make_kernel(std::span<const InputInfo> inputs,
                                      std::span<const TensorType>) const override {
    const SpatialShape s = check(inputs);
    if (inputs[0].dtype == DType::f64) return std::make_unique<GlobalPoolKernel<double>>(attrs_, s);
    return std::make_unique<GlobalPoolKernel<float>>(attrs_, s);
  }

 private:
  SpatialShape check(std::span<const InputInfo> inputs) const {
    if (inputs.size() != 1)
      fail(ErrorCode::invalid_argument, "expected 1 input, got {}", inputs.size());
    const DType dtype = inputs[0].dtype;
    if (dtype != DType::f32 && dtype != DType::f64) {
      fail(ErrorCode::unsupported, "X has dtype {}, supported: float32, float64",
           dtype_name(dtype));
    }
    const SpatialShape s = split_spatial(inputs[0].shape, attrs_.channels_last, "X", 8);
    if (shape_size(s.spatial) == 0 && s.batch * s.channels != 0) {
      fail(ErrorCode::shape, "X has empty spatial dims {}: nothing to pool",
           shape_to_list(s.spatial));
    }
    return s;
  }

  GlobalAttrs attrs_;
};

std::unique_ptr<Op> make_global(const graph::Node& node, PoolKind kind) {
  GlobalAttrs a;
  a.kind = kind;
  a.channels_last = node.attrs.int_or("channels_last", 0) != 0;
  a.p = node.attrs.float_or("p", 2.0);
  if (!(a.p > 0)) fail(ErrorCode::invalid_argument, "p is {}, expected > 0", a.p);
  return std::make_unique<GlobalPoolOp>(a);
}

}  // namespace

std::unique_ptr<Op> make_global_average_pool(const graph::Node& node) {
  return make_global(node, PoolKind::average);
}

std::unique_ptr<Op> make_global_max_pool(const graph::Node& node) {
  return make_global(node, PoolKind::max);
}

std::unique_ptr<Op> make_global_lp_pool(const graph::Node& node) {
  return make_global(node, PoolKind::lp);
}

}  // namespace nnload::ops
