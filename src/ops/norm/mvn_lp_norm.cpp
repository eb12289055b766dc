// ONNX MeanVarianceNormalization (9+, `axes` attribute) and LpNormalization (1+, p 1 or 2):
// a reduction over some axes, then every element divided by its group's statistic.
#include <cmath>

#include "core/dtype_dispatch.hpp"
#include "core/fail.hpp"
#include "linalg/broadcast.hpp"
#include "linalg/reduce.hpp"
#include "ops/norm/common.hpp"
#include "ops/norm/rows.hpp"
#include "ops/reduce/axes.hpp"

namespace nnload::ops {

namespace {

// Sum of f(x) into a double per output, finished by `finish` into `out`.
template <class T, class Map, class Finish>
struct StatReducer {
  using Acc = double;
  Map f;
  Finish finish;
  double* out;
  double init() const { return 0; }
  double map(T x, std::int64_t o) const { return f(static_cast<double>(x), o); }
  double combine(double a, double b) const { return a + b; }
  void store(std::int64_t o, double a) const { out[o] = finish(a); }
};

template <class T, class Map, class Finish>
void reduce_stat(const linalg::ReducePlan& plan, const T* x, Map f, Finish finish, double* out) {
  linalg::reduce(plan, x, StatReducer<T, Map, Finish>{f, finish, out});
}

class StatKernel : public Kernel {
 public:
  explicit StatKernel(linalg::ReducePlan plan) : plan_(std::move(plan)) {}

 protected:
  linalg::ReducePlan plan_;
};

// ---- MeanVarianceNormalization ---------------------------------------------------------------

// ONNX's function body: (X - E[X]) / (sqrt(E[X^2] - E[X]^2) + 1e-9). The variance is computed
// as E[(X - E[X])^2], the same value without the cancellation.
constexpr double kMvnEpsilon = 1e-9;

template <class T>
class MvnKernel final : public StatKernel {
 public:
  using StatKernel::StatKernel;
  void run(std::span<const Tensor> inputs, std::span<Tensor> outputs) const override {
    const T* x = inputs[0].data<T>();
    T* y = outputs[0].mutable_data<T>();
    const auto n = static_cast<double>(plan_.reduced_count());
    std::vector<double> mean(static_cast<std::size_t>(plan_.outputs()));
    std::vector<double> inv(mean.size());
    const double* m = mean.data();
    reduce_stat(
        plan_, x, [](double v, std::int64_t) { return v; }, [n](double s) { return s / n; },
        mean.data());
    reduce_stat(
        plan_, x,
        [m](double v, std::int64_t o) {
          const double d = v - m[o];
          return d * d;
        },
        [n](double s) { return 1.0 / (std::sqrt(s / n) + kMvnEpsilon); }, inv.data());
    const double* iv = inv.data();
    linalg::map_with_output(plan_, x, y, [m, iv](T v, std::int64_t o) {
      return static_cast<T>((static_cast<double>(v) - m[o]) * iv[o]);
    });
  }
};

// ---- LpNormalization -------------------------------------------------------------------------

// A zero norm gives zeros (as ONNX Runtime does), not NaN.
template <class T>
class LpNormKernel final : public StatKernel {
 public:
  LpNormKernel(linalg::ReducePlan plan, int p) : StatKernel(std::move(plan)), p_(p) {}
  void run(std::span<const Tensor> inputs, std::span<Tensor> outputs) const override {
    const T* x = inputs[0].data<T>();
    T* y = outputs[0].mutable_data<T>();
    std::vector<double> inv(static_cast<std::size_t>(plan_.outputs()));
    const auto inverse = [](double norm) { return norm == 0 ? 0.0 : 1.0 / norm; };
    if (p_ == 1) {
      reduce_stat(
          plan_, x, [](double v, std::int64_t) { return std::abs(v); }, inverse, inv.data());
    } else {
      reduce_stat(
          plan_, x, [](double v, std::int64_t) { return v * v; },
          [&](double s) { return inverse(std::sqrt(s)); }, inv.data());
    }
    const double* iv = inv.data();
    linalg::map_with_output(plan_, x, y, [iv](T v, std::int64_t o) {
      return static_cast<T>(static_cast<double>(v) * iv[o]);
    });
  }

 private:
  int p_;
};

template <template <class> class K, class... Args>
std::unique_ptr<Kernel> make_float_kernel(DType dtype, Args&&... args) {
  return visit_dtype(dtype, [&](auto tag) -> std::unique_ptr<Kernel> {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_floating_point_v<T>) {
      return std::make_unique<K<T>>(std::forward<Args>(args)...);
    } else {
      fail(ErrorCode::internal, "float kernel for {}", dtype_name(dtype));
    }
  });
}

struct MvnAttrs {
  std::vector<std::int64_t> axes;
};

class MvnOp final : public Op {
 public:
  explicit MvnOp(MvnAttrs a) : a_(std::move(a)) {}
  std::vector<TensorType> infer(std::span<const InputInfo> inputs) const override {
    const InputInfo& x = norm::required_input(inputs, 0, "MeanVarianceNormalization", "X");
    norm::require_float("MeanVarianceNormalization", "X", x.dtype);
    axes_to_flags(a_.axes, static_cast<std::int64_t>(x.shape.size()));
    return {{x.dtype, x.shape}};
  }
  std::unique_ptr<Kernel> make_kernel(std::span<const InputInfo> inputs,
                                      std::span<const TensorType>) const override {
    const Shape& shape = inputs[0].shape;
    linalg::ReducePlan plan(shape, axes_to_flags(a_.axes, static_cast<std::int64_t>(shape.size())));
    return make_float_kernel<MvnKernel>(inputs[0].dtype, std::move(plan));
  }

 private:
  MvnAttrs a_;
};

struct LpAttrs {
  std::int64_t axis = -1;
  int p = 2;
};

class LpNormOp final : public Op {
 public:
  explicit LpNormOp(LpAttrs a) : a_(a) {}
  std::vector<TensorType> infer(std::span<const InputInfo> inputs) const override {
    const InputInfo& x = norm::required_input(inputs, 0, "LpNormalization", "input");
    norm::require_float("LpNormalization", "input", x.dtype);
    linalg::normalize_axis(a_.axis, static_cast<std::int64_t>(x.shape.size()));
    return {{x.dtype, x.shape}};
  }
  std::unique_ptr<Kernel> make_kernel(std::span<const InputInfo> inputs,
                                      std::span<const TensorType>) const override {
    const Shape& shape = inputs[0].shape;
    const std::int64_t axes[] = {a_.axis};
    linalg::ReducePlan plan(shape, axes_to_flags(axes, static_cast<std::int64_t>(shape.size())));
    return make_float_kernel<LpNormKernel>(inputs[0].dtype, std::move(plan), a_.p);
  }

 private:
  LpAttrs a_;
};

}  // namespace

void add_mvn_lp_norm_rows(OpTable& table) {
  table.push_back(
      {"", "MeanVarianceNormalization", 9, graph::kLatestOpset, [](const graph::Node& node) {
         return std::make_unique<MvnOp>(MvnAttrs{node.attrs.ints_or("axes", {0, 2, 3})});
       }});
  table.push_back({"", "LpNormalization", 1, graph::kLatestOpset, [](const graph::Node& node) {
                     LpAttrs a;
                     a.axis = node.attrs.int_or("axis", -1);
                     const std::int64_t p = node.attrs.int_or("p", 2);
                     if (p != 1 && p != 2) {
                       fail(ErrorCode::invalid_argument,
                            "LpNormalization: p is {}, expected 1 or 2", p);
                     }
                     a.p = static_cast<int>(p);
                     return std::make_unique<LpNormOp>(a);
                   }});
}

}  // namespace nnload::ops
