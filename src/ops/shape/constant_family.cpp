// ONNX Shape (1..14, 15+ start/end), Size (1+), ConstantOfShape (9+), Constant (1+: value,
// value_float(s), value_int(s)), Range (11+).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <optional>
#include <type_traits>

#include "core/dtype_dispatch.hpp"
#include "core/fail.hpp"
#include "ops/bind.hpp"
#include "ops/shape/families.hpp"
#include "ops/shape/op_inputs.hpp"

namespace nnload::ops {

namespace {

// Shape: opset 15 added start/end, which slice the dimension list with clamping.
struct ShapeAttrs {
  std::int64_t start = 0;
  std::optional<std::int64_t> end;
};

ShapeAttrs parse_shape_1(const graph::Node&) { return {}; }
ShapeAttrs parse_shape_15(const graph::Node& n) {
  ShapeAttrs a{n.attrs.int_or("start", 0), std::nullopt};
  if (n.attrs.has("end")) a.end = n.attrs.get_int("end");
  return a;
}

std::pair<std::int64_t, std::int64_t> shape_range(const ShapeAttrs& a, std::int64_t rank) {
  auto clamp = [&](std::int64_t v) {
    return std::clamp<std::int64_t>(v < 0 ? v + rank : v, 0, rank);
  };
  const std::int64_t start = clamp(a.start);
  const std::int64_t end = clamp(a.end.value_or(rank));
  return {start, std::max(start, end)};
}

std::vector<TensorType> infer_shape(const ShapeAttrs& a, std::span<const InputInfo> in) {
  check_input_count(in, 1, 1, "Shape");
  const auto [start, end] = shape_range(a, static_cast<std::int64_t>(in[0].shape.size()));
  return {{DType::i64, {end - start}}};
}

void run_shape(const ShapeAttrs& a, std::span<const Tensor> in, std::span<Tensor> out) {
  const auto [start, end] = shape_range(a, in[0].rank());
  std::int64_t* o = out[0].mutable_data<std::int64_t>();
  for (std::int64_t i = start; i < end; ++i)
    o[i - start] = in[0].shape()[static_cast<std::size_t>(i)];
}

std::vector<TensorType> infer_size(const NoAttrs&, std::span<const InputInfo> in) {
  check_input_count(in, 1, 1, "Size");
  return {{DType::i64, {}}};
}

void run_size(const NoAttrs&, std::span<const Tensor> in, std::span<Tensor> out) {
  out[0].mutable_data<std::int64_t>()[0] = in[0].numel();
}

// Fills `count` elements of `elem_size` bytes with the element at `value`.
void fill_elements(void* dst, std::int64_t count, const void* value, std::size_t elem_size) {
  auto fill = [&](auto tag) {
    using E = decltype(tag);
    E v;
    std::memcpy(&v, value, sizeof(E));
    std::fill(static_cast<E*>(dst), static_cast<E*>(dst) + count, v);
  };
  switch (elem_size) {
    case 1:
      return fill(std::uint8_t{});
    case 2:
      return fill(std::uint16_t{});
    case 4:
      return fill(std::uint32_t{});
    case 8:
      return fill(std::uint64_t{});
  }
  fail(ErrorCode::internal, "fill_elements: elements of {} bytes", elem_size);
}

struct ConstantOfShapeAttrs {
  Tensor value;
};

ConstantOfShapeAttrs parse_constant_of_shape(const graph::Node& n) {
  if (!n.attrs.has("value")) return {Tensor::scalar(0.0f)};
  const Tensor& v = n.attrs.get_tensor("value");
  if (v.numel() != 1) {
    fail(ErrorCode::invalid_argument, "ConstantOfShape: 'value' has shape {}, expected one element",
         shape_to_list(v.shape()));
  }
  return {v.clone()};
}

std::vector<TensorType> infer_constant_of_shape(const ConstantOfShapeAttrs& a,
                                                std::span<const InputInfo> in) {
  check_input_count(in, 1, 1, "ConstantOfShape");
  const Tensor& shape = constant_input(in, 0, "ConstantOfShape", "input");
  if (shape.rank() != 1) {
    fail(ErrorCode::shape, "ConstantOfShape: input has shape {}, expected 1-D",
         shape_to_list(shape.shape()));
  }
  const std::vector<std::int64_t> dims = int_values(shape, "ConstantOfShape", "input");
  for (std::int64_t d : dims) {
    if (d < 0)
      fail(ErrorCode::shape, "ConstantOfShape: shape [{}] has a negative dimension",
           fmt::join(dims, ", "));
  }
  return {{a.value.dtype(), Shape(dims.begin(), dims.end())}};
}

void run_constant_of_shape(const ConstantOfShapeAttrs& a, std::span<const Tensor>,
                           std::span<Tensor> out) {
  fill_elements(out[0].mutable_raw(), out[0].numel(), a.value.raw(), dtype_size(a.value.dtype()));
}

struct ConstantAttrs {
  Tensor value;
};

ConstantAttrs parse_constant(const graph::Node& n) {
  const char* const unsupported[] = {"sparse_value", "value_string", "value_strings"};
  for (const char* name : unsupported) {
    if (n.attrs.has(name))
      fail(ErrorCode::unsupported, "Constant: attribute '{}' is not supported", name);
  }
  int given = 0;
  Tensor value;
  if (n.attrs.has("value")) {
    value = n.attrs.get_tensor("value").clone();
    ++given;
  }
  if (n.attrs.has("value_float")) {
    value = Tensor::scalar(static_cast<float>(n.attrs.get_float("value_float")));
    ++given;
  }
  if (n.attrs.has("value_floats")) {
    const std::vector<double> v = n.attrs.get_floats("value_floats");
    value = Tensor::from_vector(std::vector<float>(v.begin(), v.end()),
                                {static_cast<std::int64_t>(v.size())});
    ++given;
  }
  if (n.attrs.has("value_int")) {
    value = Tensor::scalar(n.attrs.get_int("value_int"));
    ++given;
  }
  if (n.attrs.has("value_ints")) {
    const std::vector<std::int64_t> v = n.attrs.get_ints("value_ints");
    value = Tensor::from_vector(v, {static_cast<std::int64_t>(v.size())});
    ++given;
  }
  if (given != 1) {
    fail(ErrorCode::invalid_argument,
         "Constant: {} value attributes, expected exactly one of value, value_float(s), "
         "value_int(s)",
         given);
  }
  return {value};
}

std::vector<TensorType> infer_constant(const ConstantAttrs& a, std::span<const InputInfo> in) {
  check_input_count(in, 0, 0, "Constant");
  return {{a.value.dtype(), a.value.shape()}};
}

void run_constant(const ConstantAttrs& a, std::span<const Tensor>, std::span<Tensor> out) {
  if (a.value.nbytes() != 0) std::memcpy(out[0].mutable_raw(), a.value.raw(), a.value.nbytes());
}

// Range: n = max(ceil((limit - start) / delta), 0), element i = start + i * delta.
template <class T>
std::int64_t range_count(T start, T limit, T delta) {
  if constexpr (std::is_floating_point_v<T>) {
    const double n =
        std::ceil(static_cast<double>(static_cast<T>(limit - start)) / static_cast<double>(delta));
    if (!std::isfinite(n))
      fail(ErrorCode::invalid_argument, "Range: start {}, limit {}, delta {} give no finite count",
           start, limit, delta);
    return n > 0 ? static_cast<std::int64_t>(n) : 0;
  } else {
    const __int128 diff = static_cast<__int128>(limit) - start;
    const __int128 step = delta;
    __int128 n = 0;
    if (step > 0 && diff > 0) n = (diff + step - 1) / step;
    if (step < 0 && diff < 0) n = (diff + step + 1) / step;
    return static_cast<std::int64_t>(n);
  }
}

template <class Fn>
void visit_range_dtype(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::f32:
      return fn(TypeTag<float>{});
    case DType::f64:
      return fn(TypeTag<double>{});
    case DType::i16:
      return fn(TypeTag<std::int16_t>{});
    case DType::i32:
      return fn(TypeTag<std::int32_t>{});
    case DType::i64:
      return fn(TypeTag<std::int64_t>{});
    default:
      fail(ErrorCode::unsupported,
           "Range: dtype {} is not supported (float, double, int16, int32, int64)",
           dtype_name(dtype));
  }
}

std::vector<TensorType> infer_range(const NoAttrs&, std::span<const InputInfo> in) {
  check_input_count(in, 3, 3, "Range");
  const char* names[] = {"start", "limit", "delta"};
  for (std::size_t i = 0; i < 3; ++i) {
    if (in[i].dtype != in[0].dtype) {
      fail(ErrorCode::shape, "Range: '{}' has dtype {}, 'start' has {}", names[i],
           dtype_name(in[i].dtype), dtype_name(in[0].dtype));
    }
    if (shape_size(in[i].shape) != 1) {
      fail(ErrorCode::shape, "Range: '{}' has shape {}, expected a scalar", names[i],
           shape_to_list(in[i].shape));
    }
  }
  std::int64_t n = 0;
  visit_range_dtype(in[0].dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T start = constant_input(in, 0, "Range", "start").data<T>()[0];
    const T limit = constant_input(in, 1, "Range", "limit").data<T>()[0];
    const T delta = constant_input(in, 2, "Range", "delta").data<T>()[0];
    if (delta == T{0}) fail(ErrorCode::invalid_argument, "Range: delta is 0");
    n = range_count(start, limit, delta);
  });
  return {{in[0].dtype, {n}}};
}

void run_range(const NoAttrs&, std::span<const Tensor> in, std::span<Tensor> out) {
  visit_range_dtype(in[0].dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T start = in[0].data<T>()[0];
    const T delta = in[2].data<T>()[0];
    T* o = out[0].mutable_data<T>();
    for (std::int64_t i = 0; i < out[0].numel(); ++i)
      o[i] = static_cast<T>(start + static_cast<T>(i) * delta);
  });
}

}  // namespace

OpTable constant_family_ops() {
  return {
      {"", "Shape", 1, 14,
       ops::bind_shape_reader<ShapeAttrs>(parse_shape_1, infer_shape, run_shape)},
      {"", "Shape", 15, graph::kLatestOpset,
       ops::bind_shape_reader<ShapeAttrs>(parse_shape_15, infer_shape, run_shape)},
      {"", "Size", 1, graph::kLatestOpset,
       ops::bind_shape_reader<NoAttrs>(parse_no_attrs, infer_size, run_size)},
      {"", "ConstantOfShape", 9, graph::kLatestOpset,
       ops::bind<ConstantOfShapeAttrs>(parse_constant_of_shape, infer_constant_of_shape,
                                       run_constant_of_shape)},
      {"", "Constant", 1, graph::kLatestOpset,
       ops::bind<ConstantAttrs>(parse_constant, infer_constant, run_constant)},
      {"", "Range", 11, graph::kLatestOpset,
       ops::bind<NoAttrs>(parse_no_attrs, infer_range, run_range)},
  };
}

}  // namespace nnload::ops
