// ONNX Dropout (1..5, 6 is_test; 7..9 mask of the input's dtype; 10..11 bool mask; 12+ ratio and
// training_mode inputs): inference only, so output = input (aliased) and the mask is all true.
#include "core/dtype_dispatch.hpp"
#include "core/fail.hpp"
#include "ops/bind.hpp"
#include "ops/shape/families.hpp"
#include "ops/shape/op_inputs.hpp"

namespace nnload::ops {

namespace {

constexpr const char* kTrainingError =
    "Dropout in training mode is not supported: nnload runs inference only";

struct DropoutAttrs {
  bool mask_is_bool = true;  // opset 10+; before, the mask has the input's dtype
  bool mode_inputs = false;  // opset 12+: inputs ratio and training_mode
  std::size_t outputs = 1;
};

DropoutAttrs parse_common(const graph::Node& n, bool mask_is_bool, bool mode_inputs) {
  if (n.outputs.empty() || n.outputs.size() > 2) {
    fail(ErrorCode::invalid_argument, "Dropout has outputs output and optional mask, got {}",
         n.outputs.size());
  }
  return {mask_is_bool, mode_inputs, n.outputs.size()};
}

// Opsets 1..6: is_test = 0 (the default) asks for training-mode dropout.
DropoutAttrs parse_is_test(const graph::Node& n) {
  if (n.attrs.int_or("is_test", 0) == 0) {
    fail(ErrorCode::unsupported, "{} (attribute is_test is 0)", kTrainingError);
  }
  return parse_common(n, false, false);
}
DropoutAttrs parse_7(const graph::Node& n) { return parse_common(n, false, false); }
DropoutAttrs parse_10(const graph::Node& n) { return parse_common(n, true, false); }
DropoutAttrs parse_12(const graph::Node& n) { return parse_common(n, true, true); }

bool training_mode_value(const Tensor& t) {
  if (t.dtype() != DType::boolean || t.numel() != 1) {
    fail(ErrorCode::shape,
         "Dropout: training_mode has dtype {} and shape {}, expected a bool scalar",
         dtype_name(t.dtype()), shape_to_list(t.shape()));
  }
  return t.data<bool>()[0];
}

std::vector<TensorType> infer_dropout(const DropoutAttrs& a, std::span<const InputInfo> in) {
  check_input_count(in, 1, a.mode_inputs ? 3 : 1, "Dropout");
  if (has_input(in, 1)) {
    if (!is_floating(in[1].dtype) || shape_size(in[1].shape) != 1) {
      fail(ErrorCode::shape, "Dropout: ratio has dtype {} and shape {}, expected a float scalar",
           dtype_name(in[1].dtype), shape_to_list(in[1].shape));
    }
  }
  if (has_input(in, 2)) {
    if (in[2].dtype != DType::boolean || shape_size(in[2].shape) != 1) {
      fail(ErrorCode::shape,
           "Dropout: training_mode has dtype {} and shape {}, expected a bool scalar",
           dtype_name(in[2].dtype), shape_to_list(in[2].shape));
    }
    if (in[2].has_value() && training_mode_value(*in[2].value)) {
      fail(ErrorCode::unsupported, "{} (training_mode is true)", kTrainingError);
    }
  }
  std::vector<TensorType> out = {{in[0].dtype, in[0].shape}};
  if (a.outputs > 1) out.push_back({a.mask_is_bool ? DType::boolean : in[0].dtype, in[0].shape});
  return out;
}

void run_dropout(const DropoutAttrs&, std::span<const Tensor> in, std::span<Tensor> out) {
  // training_mode known only now: the same refusal as at planning time.
  if (has_input(in, 2) && training_mode_value(in[2])) {
    fail(ErrorCode::unsupported, "{} (training_mode is true)", kTrainingError);
  }
  copy_unless_aliased(in[0], out[0]);
  if (out.size() > 1 && out[1].defined()) {
    visit_dtype(out[1].dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      const T one = convert_value<T>(1.0f);
      T* mask = out[1].mutable_data<T>();
      std::fill(mask, mask + out[1].numel(), one);
    });
  }
}

}  // namespace

OpTable dropout_ops() {
  return {
      {"", "Dropout", 1, 6, bind_alias<DropoutAttrs>(parse_is_test, infer_dropout, run_dropout, 0)},
      {"", "Dropout", 7, 9, bind_alias<DropoutAttrs>(parse_7, infer_dropout, run_dropout, 0)},
      {"", "Dropout", 10, 11, bind_alias<DropoutAttrs>(parse_10, infer_dropout, run_dropout, 0)},
      {"", "Dropout", 12, graph::kLatestOpset,
       bind_alias<DropoutAttrs>(parse_12, infer_dropout, run_dropout, 0)},
  };
}

}  // namespace nnload::ops
