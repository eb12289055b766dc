#include "ops/activation/activation_common.hpp"

namespace nnload::ops::activation {

std::vector<TensorType> infer_pointwise(const PointwiseAttrs&, std::span<const InputInfo> inputs) {
  elementwise::check_inputs(inputs, 1, 1);
  elementwise::check_dtype(inputs[0].dtype, kFloatTypes, "input 0");
  return {{inputs[0].dtype, inputs[0].shape}};
}

void run_pointwise(const PointwiseAttrs& attrs, std::span<const Tensor> inputs,
                   std::span<Tensor> outputs) {
  const Tensor& x = inputs[0];
  Tensor& y = outputs[0];
  if (x.dtype() == DType::f32) {
    linalg::apply_activation(attrs.activation, x.data<float>(), y.mutable_data<float>(), x.numel());
    return;
  }
  linalg::visit_activation<double>(attrs.activation, [&](auto f) {
    linalg::map_unary(x.data<double>(), y.mutable_data<double>(), x.numel(), f);
  });
}

}  // namespace nnload::ops::activation
