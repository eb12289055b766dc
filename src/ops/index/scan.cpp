// ONNX CumSum (11+: exclusive, reverse) and NonZero (9+; its output shape depends on the data,
// so the input must be known when the plan is compiled).
#include <algorithm>
#include <cstring>

#include "core/dtype_dispatch.hpp"
#include "core/fail.hpp"
#include "linalg/broadcast.hpp"
#include "linalg/parallel.hpp"
#include "ops/bind.hpp"
#include "ops/index/families.hpp"
#include "ops/shape/op_inputs.hpp"

namespace nnload::ops {

namespace {

struct CumSumAttrs {
  bool exclusive = false;
  bool reverse = false;
};

CumSumAttrs parse_cumsum(const graph::Node& n) {
  return {n.attrs.int_or("exclusive", 0) != 0, n.attrs.int_or("reverse", 0) != 0};
}

template <class Fn>
void visit_summable(DType dtype, Fn&& fn) {
  if (dtype == DType::f16 || dtype == DType::bf16 || dtype == DType::boolean) {
    fail(ErrorCode::unsupported, "CumSum: dtype {} is not supported", dtype_name(dtype));
  }
  visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) fn(tag);
  });
}

std::int64_t cumsum_axis(const Tensor& axis, std::int64_t rank) {
  if (axis.numel() != 1 || axis.rank() > 1) {
    fail(ErrorCode::shape, "CumSum: axis has shape {}, expected a scalar",
         shape_to_list(axis.shape()));
  }
  return linalg::normalize_axis(int_scalar(axis, "CumSum", "axis"), rank, "CumSum: axis");
}

std::vector<TensorType> infer_cumsum(const CumSumAttrs&, std::span<const InputInfo> in) {
  check_input_count(in, 2, 2, "CumSum");
  visit_summable(in[0].dtype, [](auto) {});
  if (in[1].dtype != DType::i32 && in[1].dtype != DType::i64) {
    fail(ErrorCode::shape, "CumSum: axis has dtype {}, expected int32 or int64",
         dtype_name(in[1].dtype));
  }
  if (in[0].shape.empty()) fail(ErrorCode::shape, "CumSum: input is a scalar, expected rank >= 1");
  if (in[1].value != nullptr)
    cumsum_axis(*in[1].value, static_cast<std::int64_t>(in[0].shape.size()));
  return {{in[0].dtype, in[0].shape}};
}

void run_cumsum(const CumSumAttrs& a, std::span<const Tensor> in, std::span<Tensor> out) {
  const Shape& s = in[0].shape();
  const auto axis = static_cast<std::size_t>(cumsum_axis(in[1], in[0].rank()));
  const std::int64_t len = s[axis];
  std::int64_t outer = 1, inner = 1;
  for (std::size_t i = 0; i < axis; ++i) outer *= s[i];
  for (std::size_t i = axis + 1; i < s.size(); ++i) inner *= s[i];
  if (in[0].numel() == 0) return;
  visit_summable(in[0].dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = in[0].data<T>();
    T* y = out[0].mutable_data<T>();
    // Each outer slice is len rows of `inner` elements; row j adds row j - 1 (or j + 1 when
    // reversed), so the inner loop is a contiguous vector add.
    linalg::parallel_for(outer, std::max<std::int64_t>(1, 16384 / (len * inner)),
                         [&](std::int64_t b, std::int64_t e) {
                           for (std::int64_t o = b; o < e; ++o) {
                             const T* xs = x + o * len * inner;
                             T* ys = y + o * len * inner;
                             for (std::int64_t step = 0; step < len; ++step) {
                               const std::int64_t j = a.reverse ? len - 1 - step : step;
                               const std::int64_t prev = a.reverse ? j + 1 : j - 1;
                               T* row = ys + j * inner;
                               if (step == 0) {
                                 if (a.exclusive) {
                                   std::fill(row, row + inner, T{0});
                                 } else {
                                   std::copy(xs + j * inner, xs + (j + 1) * inner, row);
                                 }
                                 continue;
                               }
                               const T* add = xs + (a.exclusive ? prev : j) * inner;
                               const T* before = ys + prev * inner;
                               for (std::int64_t i = 0; i < inner; ++i)
                                 row[i] = static_cast<T>(before[i] + add[i]);
                             }
                           }
                         });
  });
}

// NonZero: [rank, count] coordinates in row-major order; a scalar counts as shape [1].
std::int64_t count_nonzero(const Tensor& x, std::vector<std::int64_t>* flat) {
  std::int64_t count = 0;
  visit_dtype(x.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* p = static_cast<const T*>(x.raw());
    for (std::int64_t i = 0; i < x.numel(); ++i) {
      bool nonzero;
      if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16>) {
        nonzero = (p[i].bits & 0x7fff) != 0;  // +0 and -0 are zero
      } else {
        nonzero = p[i] != T{0};
      }
      if (nonzero) {
        ++count;
        if (flat != nullptr) flat->push_back(i);
      }
    }
  });
  return count;
}

std::vector<TensorType> infer_nonzero(const NoAttrs&, std::span<const InputInfo> in) {
  check_input_count(in, 1, 1, "NonZero");
  if (in[0].value == nullptr) {
    fail(ErrorCode::unsupported,
         "NonZero: the output shape depends on the input's values, which are not known before "
         "running; nnload needs this input to be a constant");
  }
  const auto rank = std::max<std::int64_t>(1, static_cast<std::int64_t>(in[0].shape.size()));
  return {{DType::i64, {rank, count_nonzero(*in[0].value, nullptr)}}};
}

void run_nonzero(const NoAttrs&, std::span<const Tensor> in, std::span<Tensor> out) {
  std::vector<std::int64_t> flat;
  const std::int64_t count = count_nonzero(in[0], &flat);
  if (out[0].shape()[1] != count) {
    fail(ErrorCode::shape, "NonZero: the input has {} non-zero elements, the plan expected {}",
         count, out[0].shape()[1]);
  }
  const Shape s = in[0].shape().empty() ? Shape{1} : in[0].shape();
  std::int64_t* o = out[0].mutable_data<std::int64_t>();
  for (std::size_t n = 0; n < flat.size(); ++n) {
    std::int64_t rest = flat[n];
    for (std::size_t d = s.size(); d-- > 0;) {
      o[static_cast<std::int64_t>(d) * count + static_cast<std::int64_t>(n)] = rest % s[d];
      rest /= s[d];
    }
  }
}

}  // namespace

OpTable scan_ops() {
  return {
      {"", "CumSum", 11, graph::kLatestOpset,
       ops::bind<CumSumAttrs>(parse_cumsum, infer_cumsum, run_cumsum)},
      {"", "NonZero", 9, graph::kLatestOpset,
       ops::bind<NoAttrs>(parse_no_attrs, infer_nonzero, run_nonzero)},
  };
}

}  // namespace nnload::ops
