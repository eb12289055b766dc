// ONNX ScatterND and ScatterElements (11..15; 16..17 reduction none/add/mul; 18+ also max/min)
// and the deprecated Scatter (9..10, = ScatterElements without reduction).
#include <algorithm>
#include <cstring>

#include "core/dtype_dispatch.hpp"
#include "core/fail.hpp"
#include "linalg/broadcast.hpp"
#include "ops/bind.hpp"
#include "ops/index/families.hpp"
#include "ops/shape/op_inputs.hpp"

namespace nnload::ops {

namespace {

enum class Reduction { none, add, mul, max, min };

struct ScatterAttrs {
  std::int64_t axis = 0;  // ScatterElements only
  Reduction reduction = Reduction::none;
};

Reduction parse_reduction(const graph::Node& n, bool allow_max_min) {
  const std::string r = n.attrs.string_or("reduction", "none");
  if (r == "none") return Reduction::none;
  if (r == "add") return Reduction::add;
  if (r == "mul") return Reduction::mul;
  if (allow_max_min && r == "max") return Reduction::max;
  if (allow_max_min && r == "min") return Reduction::min;
  fail(ErrorCode::invalid_argument, "reduction '{}', expected none, add, mul{}", r,
       allow_max_min ? ", max or min" : " (max and min need opset 18)");
}

ScatterAttrs parse_scatter_11(const graph::Node& n) {
  // A reduction before opset 16 would otherwise be silently ignored.
  if (n.attrs.string_or("reduction", "none") != "none") {
    fail(ErrorCode::invalid_argument, "reduction '{}' needs opset 16",
         n.attrs.get_string("reduction"));
  }
  return {n.attrs.int_or("axis", 0), Reduction::none};
}
ScatterAttrs parse_scatter_16(const graph::Node& n) {
  return {n.attrs.int_or("axis", 0), parse_reduction(n, false)};
}
ScatterAttrs parse_scatter_18(const graph::Node& n) {
  return {n.attrs.int_or("axis", 0), parse_reduction(n, true)};
}

void check_reduction_dtype(Reduction r, DType dtype, const char* op) {
  if (r == Reduction::none) return;
  if (dtype == DType::boolean || dtype == DType::f16 || dtype == DType::bf16) {
    fail(ErrorCode::unsupported, "{}: reduction on {} data is not supported", op,
         dtype_name(dtype));
  }
}

// Writes `count` elements from `src` into `dst`, combining per the reduction.
template <class T>
void apply(Reduction r, T* dst, const T* src, std::int64_t count) {
  switch (r) {
    case Reduction::none:
      std::memcpy(dst, src, static_cast<std::size_t>(count) * sizeof(T));
      return;
    case Reduction::add:
      if constexpr (!std::is_same_v<T, bool> && std::is_arithmetic_v<T>) {
        for (std::int64_t i = 0; i < count; ++i) dst[i] = static_cast<T>(dst[i] + src[i]);
      }
      return;
    case Reduction::mul:
      if constexpr (!std::is_same_v<T, bool> && std::is_arithmetic_v<T>) {
        for (std::int64_t i = 0; i < count; ++i) dst[i] = static_cast<T>(dst[i] * src[i]);
      }
      return;
    case Reduction::max:
      if constexpr (std::is_arithmetic_v<T>) {
        for (std::int64_t i = 0; i < count; ++i) dst[i] = std::max(dst[i], src[i]);
      }
      return;
    case Reduction::min:
      if constexpr (std::is_arithmetic_v<T>) {
        for (std::int64_t i = 0; i < count; ++i) dst[i] = std::min(dst[i], src[i]);
      }
      return;
  }
}

// Copies data to the output, then applies each update slice in index order (so with duplicate
// indices and no reduction the last update wins, as in the spec's reference loop).
void scatter(const ScatterAttrs& a, const Tensor& data, std::span<const std::int64_t> offsets,
             std::int64_t slice, const Tensor& updates, Tensor& out) {
  copy_unless_aliased(data, out);
  visit_dtype(data.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* o = static_cast<T*>(out.mutable_raw());
    const T* u = static_cast<const T*>(updates.raw());
    for (std::size_t i = 0; i < offsets.size(); ++i) {
      apply(a.reduction, o + offsets[i], u + static_cast<std::int64_t>(i) * slice, slice);
    }
  });
}

// ScatterND: indices [..., k] address the first k dimensions of data; updates have shape
// indices.shape[:-1] + data.shape[k:].
std::vector<TensorType> infer_scatter_nd(const ScatterAttrs& a, std::span<const InputInfo> in) {
  check_input_count(in, 3, 3, "ScatterND");
  const Shape& data = in[0].shape;
  const Shape& ind = in[1].shape;
  check_index_dtype(in[1].dtype, "ScatterND", "indices");
  check_reduction_dtype(a.reduction, in[0].dtype, "ScatterND");
  if (data.empty() || ind.empty()) {
    fail(ErrorCode::shape, "ScatterND: data {} and indices {} need rank >= 1", shape_to_list(data),
         shape_to_list(ind));
  }
  const std::int64_t k = ind.back();
  if (k < 0 || k > static_cast<std::int64_t>(data.size())) {
    fail(ErrorCode::shape, "ScatterND: indices {} address {} dimensions of data {}",
         shape_to_list(ind), k, shape_to_list(data));
  }
  Shape expected(ind.begin(), ind.end() - 1);
  expected.insert(expected.end(), data.begin() + k, data.end());
  if (in[2].shape != expected || in[2].dtype != in[0].dtype) {
    fail(ErrorCode::shape, "ScatterND: updates are {} {}, expected {} {}", dtype_name(in[2].dtype),
         shape_to_list(in[2].shape), dtype_name(in[0].dtype), shape_to_list(expected));
  }
  return {{in[0].dtype, data}};
}

void run_scatter_nd(const ScatterAttrs& a, std::span<const Tensor> in, std::span<Tensor> out) {
  const Shape& data = in[0].shape();
  const auto k = static_cast<std::size_t>(in[1].shape().back());
  const std::vector<std::int64_t> raw = index_values(in[1], "ScatterND");
  const std::vector<std::int64_t> strides = linalg::contiguous_strides(data);
  std::int64_t slice = 1;
  for (std::size_t d = k; d < data.size(); ++d) slice *= data[d];
  const std::size_t tuples =
      k == 0 ? static_cast<std::size_t>(in[2].numel() / std::max<std::int64_t>(slice, 1))
             : raw.size() / k;
  std::vector<std::int64_t> offsets(tuples, 0);
  for (std::size_t t = 0; t < tuples; ++t) {
    for (std::size_t j = 0; j < k; ++j) {
      offsets[t] += wrap_index(raw[t * k + j], data[j], "ScatterND") * strides[j];
    }
  }
  scatter(a, in[0], offsets, slice, in[2], out[0]);
}

std::vector<TensorType> infer_scatter_elements(const ScatterAttrs& a,
                                               std::span<const InputInfo> in) {
  check_input_count(in, 3, 3, "ScatterElements");
  const Shape& data = in[0].shape;
  const Shape& ind = in[1].shape;
  check_index_dtype(in[1].dtype, "ScatterElements", "indices");
  check_reduction_dtype(a.reduction, in[0].dtype, "ScatterElements");
  if (data.empty() || ind.size() != data.size()) {
    fail(ErrorCode::shape, "ScatterElements: indices {} and data {} must have the same rank >= 1",
         shape_to_list(ind), shape_to_list(data));
  }
  if (in[2].shape != ind || in[2].dtype != in[0].dtype) {
    fail(ErrorCode::shape, "ScatterElements: updates are {} {}, expected {} {}",
         dtype_name(in[2].dtype), shape_to_list(in[2].shape), dtype_name(in[0].dtype),
         shape_to_list(ind));
  }
  const auto axis = linalg::normalize_axis(a.axis, static_cast<std::int64_t>(data.size()),
                                           "ScatterElements: axis");
  for (std::size_t d = 0; d < data.size(); ++d) {
    if (static_cast<std::int64_t>(d) != axis && ind[d] > data[d]) {
      fail(ErrorCode::shape, "ScatterElements: indices {} is larger than data {} on dimension {}",
           shape_to_list(ind), shape_to_list(data), d);
    }
  }
  return {{in[0].dtype, data}};
}

void run_scatter_elements(const ScatterAttrs& a, std::span<const Tensor> in,
                          std::span<Tensor> out) {
  const Shape& data = in[0].shape();
  const auto axis = static_cast<std::size_t>(linalg::normalize_axis(a.axis, in[0].rank()));
  const std::vector<std::int64_t> idx = wrapped_indices(in[1], data[axis], "ScatterElements");
  const std::vector<std::int64_t> offsets = element_offsets(data, in[1].shape(), axis, idx);
  scatter(a, in[0], offsets, 1, in[2], out[0]);
}

}  // namespace

OpTable scatter_ops() {
  return {
      {"", "ScatterND", 11, 15,
       ops::bind<ScatterAttrs>(parse_scatter_11, infer_scatter_nd, run_scatter_nd)},
      {"", "ScatterND", 16, 17,
       ops::bind<ScatterAttrs>(parse_scatter_16, infer_scatter_nd, run_scatter_nd)},
      {"", "ScatterND", 18, graph::kLatestOpset,
       ops::bind<ScatterAttrs>(parse_scatter_18, infer_scatter_nd, run_scatter_nd)},
      {"", "ScatterElements", 11, 15,
       ops::bind<ScatterAttrs>(parse_scatter_11, infer_scatter_elements, run_scatter_elements)},
      {"", "ScatterElements", 16, 17,
       ops::bind<ScatterAttrs>(parse_scatter_16, infer_scatter_elements, run_scatter_elements)},
      {"", "ScatterElements", 18, graph::kLatestOpset,
       ops::bind<ScatterAttrs>(parse_scatter_18, infer_scatter_elements, run_scatter_elements)},
      {"", "Scatter", 9, 10,
       ops::bind<ScatterAttrs>(parse_scatter_11, infer_scatter_elements, run_scatter_elements)},
  };
}

}  // namespace nnload::ops
