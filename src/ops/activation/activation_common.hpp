// The activation family's shared parts: ops whose formula is a linalg::Activation (float32 runs
// apply_activation, float64 the same functors), and the per-file registration rows.
#pragma once

#include "linalg/elementwise_activation.hpp"
#include "ops/elementwise/elementwise_common.hpp"

namespace nnload::ops::activation {

using elementwise::DTypeMask;
using elementwise::kFloatTypes;

struct PointwiseAttrs {
  linalg::Activation activation;
};

template <linalg::ActivationKind Kind>
PointwiseAttrs parse_plain(const graph::Node&) {
  return {{Kind, 0, 0}};
}

std::vector<TensorType> infer_pointwise(const PointwiseAttrs& attrs,
                                        std::span<const InputInfo> inputs);
void run_pointwise(const PointwiseAttrs& attrs, std::span<const Tensor> inputs,
                   std::span<Tensor> outputs);

inline OpDef pointwise_row(std::string_view domain, std::string_view name, int since, int until,
                           ParseFn<PointwiseAttrs> parse) {
  return {domain, name, since, until,
          ops::bind<PointwiseAttrs>(parse, infer_pointwise, run_pointwise)};
}

// y = Fn{attrs}(x) for float32 and float64, for formulas with no linalg::Activation kind.
template <class Attrs, template <class> class Fn>
void run_float_unary(const Attrs& attrs, std::span<const Tensor> in, std::span<Tensor> out) {
  elementwise::visit_masked<kFloatTypes>(in[0].dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    linalg::map_unary(in[0].data<T>(), out[0].mutable_data<T>(), in[0].numel(), Fn<T>::from(attrs));
  });
}

template <class Attrs>
std::vector<TensorType> infer_float_unary(const Attrs&, std::span<const InputInfo> inputs) {
  elementwise::check_inputs(inputs, 1, 1);
  elementwise::check_dtype(inputs[0].dtype, kFloatTypes, "input 0");
  return {{inputs[0].dtype, inputs[0].shape}};
}

OpTable relu_family_rows();
OpTable sigmoid_family_rows();
OpTable clip_rows();
OpTable softmax_rows();

}  // namespace nnload::ops::activation
