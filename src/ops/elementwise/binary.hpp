// Binary elementwise ops: attributes (including opset 1-6's `broadcast`/`axis` broadcasting),
// output shapes, and the infer/run templates shared by arithmetic, comparison and logic ops.
#pragma once

#include <limits>

#include "ops/elementwise/elementwise_common.hpp"

namespace nnload::ops::elementwise {

struct BinaryAttrs {
  // Opset 1-6: B broadcasts to A only when `broadcast` is 1, aligned at `axis` (suffix when
  // absent); otherwise the shapes must be equal.
  bool legacy = false;
  bool legacy_broadcast = false;
  std::int64_t legacy_axis = std::numeric_limits<std::int64_t>::min();  // unset
  bool fmod = false;                                                    // Mod
  bool shift_left = true;                                               // BitShift
};

BinaryAttrs parse_binary(const graph::Node& node);
BinaryAttrs parse_binary_legacy(const graph::Node& node);

// The shape B is read at: B's own, or for legacy broadcasting B placed at `axis` within A's
// rank. Throws Error(shape) when the legacy rules reject the pair.
Shape effective_b_shape(const BinaryAttrs& attrs, const Shape& a, const Shape& b);
// Checks two inputs, equal dtypes in `allowed`, and returns the output shape.
Shape infer_binary_shape(const BinaryAttrs& attrs, std::span<const InputInfo> inputs,
                         DTypeMask allowed);

// Throws Error(invalid_argument) when an integer divisor holds a zero (which would otherwise
// kill the process with SIGFPE).
void check_no_zero_divisor(const Tensor& divisor);

template <DTypeMask Mask, bool ToBool>
std::vector<TensorType> infer_binary(const BinaryAttrs& attrs, std::span<const InputInfo> in) {
  Shape shape = infer_binary_shape(attrs, in, Mask);
  return {{ToBool ? DType::boolean : in[0].dtype, std::move(shape)}};
}

// out = Fn<T>{}(a, b) with broadcasting; Fn<T> returns T, or bool when ToBool.
template <DTypeMask Mask, template <class> class Fn, bool ToBool>
void run_binary(const BinaryAttrs& attrs, std::span<const Tensor> in, std::span<Tensor> out) {
  visit_masked<Mask>(in[0].dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using R = std::conditional_t<ToBool, bool, T>;
    linalg::broadcast_binary(in[0].data<T>(), in[0].shape(), in[1].data<T>(),
                             effective_b_shape(attrs, in[0].shape(), in[1].shape()),
                             out[0].mutable_data<R>(), out[0].shape(), Fn<T>{});
  });
}

template <DTypeMask Mask, template <class> class Fn, bool ToBool = false>
OpDef binary_row(std::string_view name, int since, int until = graph::kLatestOpset) {
  return {"", name, since, until,
          ops::bind<BinaryAttrs>(parse_binary, infer_binary<Mask, ToBool>,
                                 run_binary<Mask, Fn, ToBool>)};
}

template <DTypeMask Mask, template <class> class Fn, bool ToBool = false>
OpDef legacy_binary_row(std::string_view name, int since, int until) {
  return {"", name, since, until,
          ops::bind<BinaryAttrs>(parse_binary_legacy, infer_binary<Mask, ToBool>,
                                 run_binary<Mask, Fn, ToBool>)};
}

}  // namespace nnload::ops::elementwise
