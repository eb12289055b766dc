// ONNX Cast (opset 1-5 with `to` as a type name or number, 6+ as TensorProto.DataType) and
// CastLike (15+), between all ten dtypes. `saturate` (19+) concerns float8 only: ignored.
#include <array>
#include <cstring>
#include <optional>
#include <utility>

#include "ops/elementwise/elementwise_common.hpp"
#include "ops/elementwise/rows.hpp"
#include "ops/onnx_dtype.hpp"

namespace nnload::ops::elementwise {

namespace {

struct CastAttrs {
  DType to = DType::f32;
};

DType onnx_type(std::int64_t number) {
  if (const std::optional<DType> d = ops::dtype_from_onnx(number)) return *d;
  fail(ErrorCode::unsupported,
       "to={} is not a dtype nnload holds (float, double, float16, bfloat16, int8, int16, "
       "int32, int64, uint8, bool)",
       number);
}

CastAttrs parse_cast(const graph::Node& node) { return {onnx_type(node.attrs.get_int("to"))}; }

// Opset 1 wrote `to` as a name ("FLOAT"); accept a number too, as some exporters did.
CastAttrs parse_cast_v1(const graph::Node& node) {
  if (node.attrs.has("to")) {
    if (const auto* name = std::get_if<std::string>(&node.attrs.all().at("to"))) {
      if (const std::optional<DType> d = ops::dtype_from_onnx_name(*name)) return {*d};
      fail(ErrorCode::unsupported, "to='{}' is not a dtype nnload holds", *name);
    }
  }
  return parse_cast(node);
}

std::vector<TensorType> infer_cast(const CastAttrs& attrs, std::span<const InputInfo> in) {
  check_inputs(in, 1, 1);
  return {{attrs.to, in[0].shape}};
}

std::vector<TensorType> infer_cast_like(const NoAttrs&, std::span<const InputInfo> in) {
  check_inputs(in, 2, 2);
  return {{in[1].dtype, in[0].shape}};
}

// convert_value, except from floats to integers, where a plain cast is undefined out of range:
// NaN gives 0, int32/int64 saturate, and the narrow types wrap from int64 as numpy's and ONNX
// Runtime's casts do on x86 (-1.0 to uint8 is 255).
template <class To, class From>
To cast_value(From v) {
  constexpr bool kFromFloat = std::is_floating_point_v<From> || std::is_same_v<From, Float16> ||
                              std::is_same_v<From, BFloat16>;
  if constexpr (kFromFloat && std::is_integral_v<To> && !std::is_same_v<To, bool>) {
    using Wide = std::conditional_t<std::is_same_v<From, double>, double, float>;
    const Wide w = convert_value<Wide>(v);
    if constexpr (sizeof(To) >= 4) {
      return saturate_cast<To>(w);
    } else {
      return static_cast<To>(saturate_cast<std::int64_t>(w));
    }
  } else {
    return convert_value<To>(v);
  }
}

void cast(const Tensor& in, Tensor& out) {
  if (in.dtype() == out.dtype()) {
    if (in.raw() != out.raw() && in.nbytes() > 0)
      std::memcpy(out.mutable_raw(), in.raw(), in.nbytes());
    return;
  }
  visit_dtype(in.dtype(), [&](auto from_tag) {
    using From = typename decltype(from_tag)::type;
    visit_dtype(out.dtype(), [&](auto to_tag) {
      using To = typename decltype(to_tag)::type;
      linalg::map_unary(in.data<From>(), out.mutable_data<To>(), in.numel(),
                        [](From v) { return cast_value<To>(v); });
    });
  });
}

void run_cast(const CastAttrs&, std::span<const Tensor> in, std::span<Tensor> out) {
  cast(in[0], out[0]);
}

void run_cast_like(const NoAttrs&, std::span<const Tensor> in, std::span<Tensor> out) {
  cast(in[0], out[0]);
}

}  // namespace

OpTable cast_rows() {
  return {
      {"", "Cast", 1, 5, ops::bind<CastAttrs>(parse_cast_v1, infer_cast, run_cast)},
      {"", "Cast", 6, graph::kLatestOpset, ops::bind<CastAttrs>(parse_cast, infer_cast, run_cast)},
      {"", "CastLike", 15, graph::kLatestOpset,
       ops::bind<NoAttrs>(parse_no_attrs, infer_cast_like, run_cast_like)},
  };
}

}  // namespace nnload::ops::elementwise
