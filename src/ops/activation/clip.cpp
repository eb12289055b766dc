// ONNX Clip: opset 1-10 with `min`/`max` attributes (defaulting to float's lowest and max),
// 11+ with optional scalar `min`/`max` inputs (absent: no bound) and integer types from 12.
#include <limits>

#include "ops/activation/activation_common.hpp"

namespace nnload::ops::activation {

namespace {

struct ClipAttrs {
  float min = std::numeric_limits<float>::lowest();
  float max = std::numeric_limits<float>::max();
};

ClipAttrs parse_clip_attrs(const graph::Node& node) {
  return {static_cast<float>(node.attrs.float_or("min", std::numeric_limits<float>::lowest())),
          static_cast<float>(node.attrs.float_or("max", std::numeric_limits<float>::max()))};
}

template <class T>
void clip(const Tensor& x, Tensor& y, T lo, T hi) {
  if constexpr (std::is_same_v<T, float>) {
    linalg::apply_activation({linalg::ActivationKind::clip, lo, hi}, x.data<float>(),
                             y.mutable_data<float>(), x.numel());
  } else {
    linalg::map_unary(x.data<T>(), y.mutable_data<T>(), x.numel(), linalg::act::Clip<T>{lo, hi});
  }
}

void run_clip_attrs(const ClipAttrs& attrs, std::span<const Tensor> in, std::span<Tensor> out) {
  elementwise::visit_masked<kFloatTypes>(in[0].dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    clip<T>(in[0], out[0], static_cast<T>(attrs.min), static_cast<T>(attrs.max));
  });
}

std::vector<TensorType> infer_clip_inputs(const NoAttrs&, std::span<const InputInfo> in) {
  elementwise::check_inputs(in, 1, 3);
  elementwise::check_dtype(in[0].dtype, elementwise::kNumericTypes, "input 0");
  for (std::size_t i = 1; i < in.size(); ++i) {
    if (!in[i].present) continue;
    const char* what = i == 1 ? "min" : "max";
    elementwise::check_same_dtype(in[0].dtype, "input", in[i].dtype, what);
    if (shape_size(in[i].shape) != 1) {
      fail(ErrorCode::shape, "{} has shape {}, expected a scalar", what,
           shape_to_list(in[i].shape));
    }
  }
  return {{in[0].dtype, in[0].shape}};
}

void run_clip_inputs(const NoAttrs&, std::span<const Tensor> in, std::span<Tensor> out) {
  elementwise::visit_masked<elementwise::kNumericTypes>(in[0].dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using Limits = std::numeric_limits<T>;
    T lo = Limits::has_infinity ? -Limits::infinity() : Limits::lowest();
    T hi = Limits::has_infinity ? Limits::infinity() : Limits::max();
    if (in.size() > 1 && in[1].defined()) lo = in[1].data<T>()[0];
    if (in.size() > 2 && in[2].defined()) hi = in[2].data<T>()[0];
    clip<T>(in[0], out[0], lo, hi);
  });
}

}  // namespace

OpTable clip_rows() {
  return {
      {"", "Clip", 1, 10,
       ops::bind<ClipAttrs>(parse_clip_attrs, infer_float_unary<ClipAttrs>, run_clip_attrs)},
      {"", "Clip", 11, graph::kLatestOpset,
       ops::bind<NoAttrs>(parse_no_attrs, infer_clip_inputs, run_clip_inputs)},
  };
}

}  // namespace nnload::ops::activation
