// ONNX ReduceSum (1-12 axes attribute, 13+ axes input), ReduceMean, ReduceMax, ReduceMin,
// ReduceProd, ReduceL1, ReduceL2, ReduceSumSquare, ReduceLogSum, ReduceLogSumExp (1-17 axes
// attribute, 18+ axes input).
#include <cmath>
#include <limits>

#include "core/dtype_dispatch.hpp"
#include "core/fail.hpp"
#include "linalg/reduce.hpp"
#include "ops/reduce/axes.hpp"
#include "ops/reduce/reducers.hpp"
#include "ops/reduce/rows.hpp"

namespace nnload::ops {

namespace {

enum class ReduceKind { sum, mean, max, min, prod, l1, l2, sum_square, log_sum, log_sum_exp };

bool is_min_max(ReduceKind kind) { return kind == ReduceKind::max || kind == ReduceKind::min; }

// ONNX allows 32/64-bit integers for every Reduce* op, and also 8-bit integers and bool for
// Max/Min (from 12 and 20). ReduceLogSumExp is exp and log, which ONNX's reference rejects for
// integers; so do we.
bool supports(ReduceKind kind, DType dtype) {
  switch (dtype) {
    case DType::f32:
    case DType::f64:
      return true;
    case DType::i32:
    case DType::i64:
      return kind != ReduceKind::log_sum_exp;
    case DType::i8:
    case DType::u8:
    case DType::boolean:
      return is_min_max(kind);
    default:
      return false;
  }
}

template <class T>
class ReduceKernel final : public Kernel {
 public:
  ReduceKernel(ReduceKind kind, linalg::ReducePlan plan) : kind_(kind), plan_(std::move(plan)) {}

  void run(std::span<const Tensor> inputs, std::span<Tensor> outputs) const override {
    const T* x = inputs[0].data<T>();
    T* y = outputs[0].mutable_data<T>();
    const std::int64_t n = plan_.reduced_count();
    namespace r = reducers;
    if constexpr (std::is_same_v<T, bool> || sizeof(T) == 1) {
      if (kind_ == ReduceKind::max) return linalg::reduce(plan_, x, r::Max<T>{y});
      return linalg::reduce(plan_, x, r::Min<T>{y});
    } else {
      switch (kind_) {
        case ReduceKind::sum:
          return linalg::reduce(plan_, x, r::Sum<T>{{y, n}});
        case ReduceKind::mean:
          return linalg::reduce(plan_, x, r::Mean<T>{{{y, n}}});
        case ReduceKind::max:
          return linalg::reduce(plan_, x, r::Max<T>{y});
        case ReduceKind::min:
          return linalg::reduce(plan_, x, r::Min<T>{y});
        case ReduceKind::prod:
          return linalg::reduce(plan_, x, r::Prod<T>{y});
        case ReduceKind::l1:
          return linalg::reduce(plan_, x, r::L1<T>{{y, n}});
        case ReduceKind::l2:
          return linalg::reduce(plan_, x, r::L2<T>{{{y, n}}});
        case ReduceKind::sum_square:
          return linalg::reduce(plan_, x, r::SumSquare<T>{{y, n}});
        case ReduceKind::log_sum:
          return linalg::reduce(plan_, x, r::LogSum<T>{{{y, n}}});
        case ReduceKind::log_sum_exp:
          return log_sum_exp(x, y);
      }
    }
  }

 private:
  void log_sum_exp(const T* x, T* y) const {
    if constexpr (std::is_floating_point_v<T>) {
      // Shifting by the maximum keeps exp() finite; an infinite maximum is not subtracted,
      // so all -inf gives -inf and any +inf gives +inf rather than NaN.
      std::vector<double> shift(static_cast<std::size_t>(plan_.outputs()));
      linalg::reduce(plan_, x, reducers::Max<T, double>{shift.data()});
      for (double& s : shift) s = std::isfinite(s) ? s : 0.0;
      linalg::reduce(plan_, x, reducers::LogSumExp<T>{y, shift.data()});
    }
  }

  ReduceKind kind_;
  linalg::ReducePlan plan_;
};

class ReduceOp final : public Op {
 public:
  ReduceOp(std::string_view name, ReduceKind kind, ReduceAxes axes)
      : name_(name), kind_(kind), axes_(std::move(axes)) {}

  std::vector<TensorType> infer(std::span<const InputInfo> inputs) const override {
    const std::vector<bool> reduced = resolve_reduced_axes(axes_, inputs);
    const DType dtype = inputs[0].dtype;
    if (!supports(kind_, dtype)) {
      fail(ErrorCode::unsupported, "{} does not support dtype {}", name_, dtype_name(dtype));
    }
    return {{dtype, reduced_shape(inputs[0].shape, reduced, axes_.keepdims)}};
  }

  std::unique_ptr<Kernel> make_kernel(std::span<const InputInfo> inputs,
                                      std::span<const TensorType>) const override {
    linalg::ReducePlan plan(inputs[0].shape, resolve_reduced_axes(axes_, inputs));
    return visit_dtype(inputs[0].dtype, [&](auto tag) -> std::unique_ptr<Kernel> {
      using T = typename decltype(tag)::type;
      if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16> ||
                    std::is_same_v<T, std::int16_t>) {
        fail(ErrorCode::unsupported, "{} does not support dtype {}", name_,
             dtype_name(inputs[0].dtype));
      } else {
        return std::make_unique<ReduceKernel<T>>(kind_, std::move(plan));
      }
    });
  }

 private:
  std::string_view name_;
  ReduceKind kind_;
  ReduceAxes axes_;
};

OpDef reduce_row(std::string_view name, ReduceKind kind, int since, int until, bool axes_input) {
  return {"", name, since, until, [name, kind, axes_input](const graph::Node& node) {
            return std::make_unique<ReduceOp>(
                name, kind, axes_input ? parse_axes_input(node) : parse_axes_attribute(node));
          }};
}

}  // namespace

void add_reduce_rows(OpTable& table) {
  const int last = graph::kLatestOpset;
  table.push_back(reduce_row("ReduceSum", ReduceKind::sum, 1, 12, false));
  table.push_back(reduce_row("ReduceSum", ReduceKind::sum, 13, last, true));
  const std::pair<std::string_view, ReduceKind> axes_input_from_18[] = {
      {"ReduceMean", ReduceKind::mean},
      {"ReduceMax", ReduceKind::max},
      {"ReduceMin", ReduceKind::min},
      {"ReduceProd", ReduceKind::prod},
      {"ReduceL1", ReduceKind::l1},
      {"ReduceL2", ReduceKind::l2},
      {"ReduceSumSquare", ReduceKind::sum_square},
      {"ReduceLogSum", ReduceKind::log_sum},
      {"ReduceLogSumExp", ReduceKind::log_sum_exp},
  };
  for (const auto& [name, kind] : axes_input_from_18) {
    table.push_back(reduce_row(name, kind, 1, 17, false));
    table.push_back(reduce_row(name, kind, 18, last, true));
  }
}

}  // namespace nnload::ops
