// ONNX Conv and ConvTranspose (opset 1..21), also registered as nnload.Conv/ConvTranspose;
// both domains read the nnload extensions (channels_last, fused activation).
#include "ops/conv/conv.hpp"

#include "core/fail.hpp"
#include "linalg/activation.hpp"
#include "ops/conv/conv_dnnl.hpp"
#include "ops/conv/conv_loops.hpp"

namespace nnload::ops {

namespace {

template <class T>
class LoopConvKernel final : public Kernel {
 public:
  LoopConvKernel(const ConvGeometry& g, const ConvAttrs& attrs, bool transposed)
      : geometry_(g, attrs.channels_last), transposed_(transposed), after_(attrs.activation) {}

  void run(std::span<const Tensor> inputs, std::span<Tensor> outputs) const override {
    Tensor& y = outputs[0];
    if (y.numel() == 0) return;
    const T* b = inputs.size() > 2 && inputs[2].defined() ? inputs[2].data<T>() : nullptr;
    const T* x = inputs[0].data<T>();
    const T* w = inputs[1].data<T>();
    if (transposed_) {
      conv_transpose_loop(geometry_, x, w, b, y.mutable_data<T>());
    } else {
      conv_loop(geometry_, x, w, b, y.mutable_data<T>());
    }
    if constexpr (std::is_same_v<T, float>) {
      linalg::apply_activation(after_,
                               {y.mutable_data<float>(), static_cast<std::size_t>(y.numel())});
    }
  }

 private:
  ConvLoopGeometry geometry_;
  bool transposed_;
  linalg::Activation after_;
};

class ConvOp final : public Op {
 public:
  ConvOp(ConvAttrs attrs, bool transposed) : attrs_(std::move(attrs)), transposed_(transposed) {}

  std::vector<TensorType> infer(std::span<const InputInfo> inputs) const override {
    return {{inputs.empty() ? DType::f32 : inputs[0].dtype, geometry(inputs).y_shape}};
  }

  std::unique_ptr<Kernel> make_kernel(std::span<const InputInfo> inputs,
                                      std::span<const TensorType>) const override {
    const ConvGeometry g = geometry(inputs);
    const InputInfo no_bias{DType::f32, {}, nullptr, false};
    const InputInfo& bias = inputs.size() > 2 ? inputs[2] : no_bias;
    if (inputs[0].dtype == DType::f64) {
      return std::make_unique<LoopConvKernel<double>>(g, attrs_, transposed_);
    }
    // oneDNN does not take empty tensors; the loop handles them (an empty X still gets the
    // bias where the padding covers the whole window).
    if (shape_size(g.y_shape) == 0 || shape_size(inputs[0].shape) == 0 ||
        shape_size(inputs[1].shape) == 0) {
      return std::make_unique<LoopConvKernel<float>>(g, attrs_, transposed_);
    }
    return make_dnnl_conv_kernel(attrs_, g, inputs[1], bias, transposed_);
  }

 private:
  ConvGeometry geometry(std::span<const InputInfo> inputs) const {
    if (inputs.size() < 2 || inputs.size() > 3) {
      fail(ErrorCode::invalid_argument, "expected inputs X, W and optional B, got {} inputs",
           inputs.size());
    }
    const DType dtype = inputs[0].dtype;
    if (dtype != DType::f32 && dtype != DType::f64) {
      fail(ErrorCode::unsupported, "X has dtype {}, supported: float32, float64",
           dtype_name(dtype));
    }
    const bool has_bias = inputs.size() > 2 && inputs[2].present;
    for (std::size_t i = 1; i < (has_bias ? 3u : 2u); ++i) {
      if (inputs[i].dtype != dtype) {
        fail(ErrorCode::shape, "{} has dtype {}, X has {}", i == 1 ? "W" : "B",
             dtype_name(inputs[i].dtype), dtype_name(dtype));
      }
    }
    if (dtype == DType::f64 && attrs_.activation.kind != linalg::ActivationKind::none) {
      fail(ErrorCode::unsupported, "a fused activation needs float32, X is float64");
    }
    return conv_geometry(attrs_, inputs[0].shape, inputs[1].shape,
                         has_bias ? &inputs[2].shape : nullptr, transposed_);
  }

  ConvAttrs attrs_;
  bool transposed_;
};

}  // namespace

std::unique_ptr<Op> make_conv(const graph::Node& node) {
  return std::make_unique<ConvOp>(parse_conv_attrs(node), false);
}

std::unique_ptr<Op> make_conv_transpose(const graph::Node& node) {
  return std::make_unique<ConvOp>(parse_conv_attrs(node), true);
}

}  // namespace nnload::ops
