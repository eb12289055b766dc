// ONNX LRN (1+): y = x / (bias + alpha / size * sum of x^2 over a window of `size` channels)^beta.
#include <cmath>

#include "core/dtype_dispatch.hpp"
#include "core/fail.hpp"
#include "linalg/parallel.hpp"
#include "ops/norm/common.hpp"
#include "ops/norm/rows.hpp"

namespace nnload::ops {

namespace {

struct LrnAttrs {
  std::int64_t size = 1;
  double alpha = 1e-4;
  double beta = 0.75;
  double bias = 1.0;
};

template <class T>
class LrnKernel final : public Kernel {
 public:
  LrnKernel(LrnAttrs a, std::int64_t n, std::int64_t c, std::int64_t spatial)
      : a_(a), n_(n), c_(c), spatial_(spatial) {}

  void run(std::span<const Tensor> inputs, std::span<Tensor> outputs) const override {
    const T* x = inputs[0].data<T>();
    T* y = outputs[0].mutable_data<T>();
    // The window covers channels [c - floor((size-1)/2), c + ceil((size-1)/2)], clipped.
    const std::int64_t before = (a_.size - 1) / 2;
    const std::int64_t after = a_.size - 1 - before;
    const T alpha_over_size = static_cast<T>(a_.alpha / static_cast<double>(a_.size));
    const T bias = static_cast<T>(a_.bias);
    const T minus_beta = static_cast<T>(-a_.beta);
    const std::int64_t spatial = spatial_;
    linalg::parallel_for(n_ * c_,
                         std::max<std::int64_t>(
                             1, 16384 / std::max<std::int64_t>(1, spatial * std::min(a_.size, c_))),
                         [&](std::int64_t begin, std::int64_t end) {
                           std::vector<T> sum(static_cast<std::size_t>(spatial));
                           for (std::int64_t r = begin; r < end; ++r) {
                             const std::int64_t n = r / c_;
                             const std::int64_t c = r % c_;
                             const std::int64_t lo = std::max<std::int64_t>(0, c - before);
                             const std::int64_t hi = std::min<std::int64_t>(c_ - 1, c + after);
                             std::fill(sum.begin(), sum.end(), T{0});
                             for (std::int64_t k = lo; k <= hi; ++k) {
                               const T* xk = x + (n * c_ + k) * spatial;
                               for (std::int64_t i = 0; i < spatial; ++i) sum[i] += xk[i] * xk[i];
                             }
                             const T* xr = x + r * spatial;
                             T* yr = y + r * spatial;
                             for (std::int64_t i = 0; i < spatial; ++i) {
                               yr[i] =
                                   xr[i] * std::pow(bias + alpha_over_size * sum[i], minus_beta);
                             }
                           }
                         });
  }

 private:
  LrnAttrs a_;
  std::int64_t n_, c_, spatial_;
};

class LrnOp final : public Op {
 public:
  explicit LrnOp(LrnAttrs a) : a_(a) {}

  std::vector<TensorType> infer(std::span<const InputInfo> inputs) const override {
    const InputInfo& x = norm::required_input(inputs, 0, "LRN", "X");
    norm::require_float("LRN", "X", x.dtype);
    if (x.shape.size() < 2) {
      fail(ErrorCode::shape, "LRN: X has rank {}, expected at least 2 [N, C, ...]", x.shape.size());
    }
    return {{x.dtype, x.shape}};
  }

  std::unique_ptr<Kernel> make_kernel(std::span<const InputInfo> inputs,
                                      std::span<const TensorType>) const override {
    const Shape& s = inputs[0].shape;
    std::int64_t spatial = 1;
    for (std::size_t i = 2; i < s.size(); ++i) spatial *= s[i];
    return visit_dtype(inputs[0].dtype, [&](auto tag) -> std::unique_ptr<Kernel> {
      using T = typename decltype(tag)::type;
      if constexpr (std::is_floating_point_v<T>) {
        return std::make_unique<LrnKernel<T>>(a_, s[0], s[1], spatial);
      } else {
        fail(ErrorCode::internal, "LRN kernel for {}", dtype_name(inputs[0].dtype));
      }
    });
  }

 private:
  LrnAttrs a_;
};

}  // namespace

void add_lrn_rows(OpTable& table) {
  table.push_back({"", "LRN", 1, graph::kLatestOpset, [](const graph::Node& node) {
                     LrnAttrs a;
                     a.size = node.attrs.get_int("size");
                     if (a.size < 1) {
                       fail(ErrorCode::invalid_argument, "LRN: size is {}, expected >= 1", a.size);
                     }
                     a.alpha = node.attrs.float_or("alpha", 1e-4);
                     a.beta = node.attrs.float_or("beta", 0.75);
                     a.bias = node.attrs.float_or("bias", 1.0);
                     return std::make_unique<LrnOp>(a);
                   }});
}

}  // namespace nnload::ops
