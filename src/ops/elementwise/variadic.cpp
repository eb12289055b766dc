// ONNX Sum, Mean, Max, Min (opset 1+): one or more inputs with multidirectional broadcasting
// (opsets before 8 required equal shapes; broadcasting them anyway is a superset). Max and Min
// propagate NaN, like numpy's maximum and minimum.
#include <cmath>
#include <limits>

#include "linalg/broadcast.hpp"
#include "ops/elementwise/elementwise_common.hpp"
#include "ops/elementwise/rows.hpp"

namespace nnload::ops::elementwise {

namespace {

template <class T>
struct SumFn {
  T operator()(T a, T b) const { return add(a, b); }
};
template <class T>
struct MaxFn {
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      return (a < b || std::isnan(b)) ? b : a;
    } else {
      return a < b ? b : a;
    }
  }
};
template <class T>
struct MinFn {
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      return (b < a || std::isnan(b)) ? b : a;
    } else {
      return b < a ? b : a;
    }
  }
};

template <DTypeMask Mask>
std::vector<TensorType> infer_variadic(const NoAttrs&, std::span<const InputInfo> in) {
  check_inputs(in, 1, std::numeric_limits<std::size_t>::max());
  check_dtype(in[0].dtype, Mask, "input 0");
  std::vector<Shape> shapes;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (!in[i].present) fail(ErrorCode::invalid_argument, "input {} is missing", i);
    check_same_dtype(in[0].dtype, "input 0", in[i].dtype, fmt::format("input {}", i));
    shapes.push_back(in[i].shape);
  }
  return {{in[0].dtype, linalg::broadcast_shapes(shapes)}};
}

template <class T, template <class> class Fn>
void fold(std::span<const Tensor> in, Tensor& out) {
  std::vector<const T*> data;
  std::vector<Shape> shapes;
  for (const Tensor& t : in) {
    data.push_back(t.data<T>());
    shapes.push_back(t.shape());
  }
  linalg::broadcast_variadic<T>(data, shapes, out.mutable_data<T>(), out.shape(), Fn<T>{});
}

template <DTypeMask Mask, template <class> class Fn>
void run_variadic(const NoAttrs&, std::span<const Tensor> in, std::span<Tensor> out) {
  visit_masked<Mask>(in[0].dtype(),
                     [&](auto tag) { fold<typename decltype(tag)::type, Fn>(in, out[0]); });
}

void run_mean(const NoAttrs&, std::span<const Tensor> in, std::span<Tensor> out) {
  visit_masked<kFloatTypes>(in[0].dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    fold<T, SumFn>(in, out[0]);
    T* y = out[0].mutable_data<T>();
    const T count = static_cast<T>(in.size());
    linalg::map_unary(y, y, out[0].numel(), [count](T v) { return v / count; });
  });
}

template <DTypeMask Mask, template <class> class Fn>
OpDef variadic_row(std::string_view name) {
  return {"", name, 1, graph::kLatestOpset,
          ops::bind<NoAttrs>(parse_no_attrs, infer_variadic<Mask>, run_variadic<Mask, Fn>)};
}

}  // namespace

OpTable variadic_rows() {
  return {
      variadic_row<kNumericTypes, SumFn>("Sum"),
      variadic_row<kNumericTypes, MaxFn>("Max"),
      variadic_row<kNumericTypes, MinFn>("Min"),
      {"", "Mean", 1, graph::kLatestOpset,
       ops::bind<NoAttrs>(parse_no_attrs, infer_variadic<kFloatTypes>, run_mean)},
  };
}

}  // namespace nnload::ops::elementwise
