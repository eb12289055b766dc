#include "ops/conv/conv_dnnl.hpp"

#include <numeric>
#include <span>
#include <string>

#include "core/fail.hpp"
#include "linalg/dnnl_engine.hpp"
#include "ops/constant_copy_budget.hpp"

namespace nnload::ops {

namespace {

namespace du = linalg::dnnl_util;
using dnnl::algorithm;
using dnnl::memory;
using dnnl::prop_kind;

memory::dims to_dims(const std::vector<std::int64_t>& v) {
  return memory::dims(v.begin(), v.end());
}

memory::desc any_desc(const memory::dims& dims) {
  return memory::desc(dims, memory::data_type::f32, memory::format_tag::any);
}

memory::desc activation_desc(const SpatialShape& s, bool channels_last) {
  memory::dims dims{s.batch, s.channels};
  dims.insert(dims.end(), s.spatial.begin(), s.spatial.end());
  return du::strided_desc(dims, to_dims(logical_strides(s, channels_last)));
}

// oneDNN's logical weight dims are (groups,) out, in, spatial; ONNX stores Conv weights as
// [M, C/group, k...] and ConvTranspose weights as [C, M/group, k...].
memory::dims weight_dims(const ConvGeometry& g) {
  memory::dims dims;
  if (g.group > 1) dims.push_back(g.group);
  dims.push_back(g.out_per_group());
  dims.push_back(g.in_per_group());
  dims.insert(dims.end(), g.kernel.begin(), g.kernel.end());
  return dims;
}

memory::desc weight_user_desc(const ConvGeometry& g, bool transposed) {
  const std::int64_t taps =
      std::accumulate(g.kernel.begin(), g.kernel.end(), std::int64_t{1}, std::multiplies<>());
  const std::int64_t in = g.in_per_group(), out = g.out_per_group();
  memory::dims strides;
  if (g.group > 1) strides.push_back(in * out * taps);
  if (transposed) {
    strides.insert(strides.end(), {taps, out * taps});
  } else {
    strides.insert(strides.end(), {in * taps, taps});
  }
  std::int64_t running = 1;
  memory::dims kernel_strides(g.kernel.size());
  for (std::size_t i = g.kernel.size(); i-- > 0;) {
    kernel_strides[i] = running;
    running *= g.kernel[i];
  }
  strides.insert(strides.end(), kernel_strides.begin(), kernel_strides.end());
  return du::strided_desc(weight_dims(g), strides);
}

struct Choice {
  dnnl::primitive primitive;
  memory::desc src, weights, dst, scratchpad;
  std::string impl;
};

Choice create(const ConvGeometry& g, bool transposed, const memory::desc& src,
              const memory::desc& dst, const memory::desc& bias, const dnnl::primitive_attr& attr) {
  memory::dims dilation;
  for (std::int64_t d : g.dilations) dilation.push_back(d - 1);  // oneDNN counts the gaps
  const memory::dims strides = to_dims(g.strides);
  const memory::dims left = to_dims(g.window.pad_begin);
  const memory::dims right = to_dims(g.window.pad_end);
  const memory::desc weights = any_desc(weight_dims(g));
  const dnnl::engine& engine = du::cpu_engine();
  if (transposed) {
    const dnnl::deconvolution_forward::desc d(prop_kind::forward_inference,
                                              algorithm::deconvolution_direct, src, weights, bias,
                                              dst, strides, dilation, left, right);
    const dnnl::deconvolution_forward::primitive_desc pd(d, attr, engine);
    return {dnnl::deconvolution_forward(pd),
            pd.src_desc(),
            pd.weights_desc(),
            pd.dst_desc(),
            pd.scratchpad_desc(),
            pd.impl_info_str()};
  }
  const dnnl::convolution_forward::desc d(prop_kind::forward_inference,
                                          algorithm::convolution_direct, src, weights, bias, dst,
                                          strides, dilation, left, right);
  const dnnl::convolution_forward::primitive_desc pd(d, attr, engine);
  return {dnnl::convolution_forward(pd), pd.src_desc(),     pd.weights_desc(), pd.dst_desc(),
          pd.scratchpad_desc(),          pd.impl_info_str()};
}

// On plain NCHW tensors oneDNN falls back to im2col + gemm. Reordering to its channel-blocked
// layout and back pays off for spatial kernels over enough channels and for depthwise convs;
// it does not for 1x1 convs and few-channel stems (measured on this machine, one thread:
// 3x3 64->64 at 56x56 1.47 -> 1.02 ms, depthwise 3x3 32ch at 112x112 1.09 -> 0.27 ms, but
// 1x1 64->64 0.105 -> 0.21 ms and a 3-channel stem 0.29 -> 0.41 ms).
bool prefer_blocked(const ConvGeometry& g) {
  const std::int64_t taps =
      std::accumulate(g.kernel.begin(), g.kernel.end(), std::int64_t{1}, std::multiplies<>());
  const bool depthwise = g.group > 1 && g.in_per_group() == 1 && g.out_per_group() == 1;
  return depthwise || (taps > 1 && g.in_per_group() >= 16);
}

bool is_reference(const std::string& impl) { return impl.rfind("ref", 0) == 0; }

class DnnlConvKernel final : public Kernel {
 public:
  DnnlConvKernel(const ConvAttrs& attrs, const ConvGeometry& g, const InputInfo& weights,
                 const InputInfo& bias, bool transposed)
      : has_bias_(bias.present) {
    dnnl::primitive_attr attr = du::make_attr();
    dnnl::post_ops post_ops;
    if (du::append_activation(post_ops, attrs.activation)) {
      attr.set_post_ops(post_ops);
    } else {
      after_ = attrs.activation;
    }
    x_user_ = activation_desc(g.x, attrs.channels_last);
    y_user_ = activation_desc(g.y, attrs.channels_last);
    if (has_bias_) b_desc_ = du::plain_desc({g.y.channels});
    Choice choice = create(g, transposed, x_user_, y_user_, b_desc_, attr);
    if ((!attrs.channels_last && prefer_blocked(g)) || is_reference(choice.impl)) {
      Choice blocked =
          create(g, transposed, any_desc(x_user_.dims()), any_desc(y_user_.dims()), b_desc_, attr);
      if (!is_reference(blocked.impl)) choice = std::move(blocked);
    }
    if (after_.kind == linalg::ActivationKind::none &&
        attrs.activation.kind != linalg::ActivationKind::none &&
        choice.impl.find("gemm") != std::string::npos) {
      // oneDNN's gemm-based convolution applies eltwise post-ops slowly (MobileNetV2's 1x1
      // convolutions with a fused ReLU6: 24->144 at 56x56 4.6 ms with the post-op vs 0.4 ms
      // without, one thread); our own vectorised pass after it is much cheaper.
      const dnnl::primitive_attr plain = du::make_attr();
      Choice without = create(g, transposed, choice.src, choice.dst, b_desc_, plain);
      if (!is_reference(without.impl)) {
        choice = std::move(without);
        after_ = attrs.activation;
      }
    }
    primitive_ = choice.primitive;
    scratchpad_ = choice.scratchpad;
    x_prim_ = choice.src;
    y_prim_ = choice.dst;
    if (x_prim_ != x_user_) x_reorder_ = du::Reorder(x_user_, x_prim_);
    if (y_prim_ != y_user_) y_reorder_ = du::Reorder(y_prim_, y_user_);
    w_user_ = weight_user_desc(g, transposed);
    w_prim_ = choice.weights;
    // Weights the primitive reads in ONNX's layout are used in place (no copy of a mapped
    // file); others are packed now when constant (and the plan's constant-copy budget allows),
    // or reordered on each run.
    if (w_prim_ != w_user_) {
      if (weights.has_value() && take_constant_copy_budget(w_prim_.get_size())) {
        w_packed_ = du::PackedMemory(w_user_, weights.value->raw(), w_prim_);
      } else {
        w_reorder_ = du::Reorder(w_user_, w_prim_);
      }
    }
  }

  void run(std::span<const Tensor> inputs, std::span<Tensor> outputs) const override {
    Tensor& y = outputs[0];
    std::unordered_map<int, memory> args;
    std::shared_ptr<std::byte> x_buffer, y_buffer, w_buffer;
    if (x_reorder_.defined()) {
      x_buffer = du::allocate(x_prim_.get_size());
      x_reorder_.run(inputs[0].raw(), x_buffer.get());
      args[DNNL_ARG_SRC] = du::wrap(x_prim_, x_buffer.get());
    } else {
      args[DNNL_ARG_SRC] = du::wrap(x_user_, inputs[0].raw());
    }
    if (w_packed_.defined()) {
      args[DNNL_ARG_WEIGHTS] = w_packed_.wrap();
    } else if (w_reorder_.defined()) {
      w_buffer = du::allocate(w_prim_.get_size());
      w_reorder_.run(inputs[1].raw(), w_buffer.get());
      args[DNNL_ARG_WEIGHTS] = du::wrap(w_prim_, w_buffer.get());
    } else {
      args[DNNL_ARG_WEIGHTS] = du::wrap(w_user_, inputs[1].raw());
    }
    if (has_bias_) args[DNNL_ARG_BIAS] = du::wrap(b_desc_, inputs[2].raw());
    if (y_reorder_.defined()) {
      y_buffer = du::allocate(y_prim_.get_size());
      args[DNNL_ARG_DST] = du::wrap(y_prim_, y_buffer.get());
    } else {
      args[DNNL_ARG_DST] = du::wrap(y_user_, y.mutable_raw());
    }
    du::execute(primitive_, scratchpad_, args);
    if (y_reorder_.defined()) y_reorder_.run(y_buffer.get(), y.mutable_raw());
    if (after_.kind != linalg::ActivationKind::none) {
      linalg::apply_activation(after_,
                               {y.mutable_data<float>(), static_cast<std::size_t>(y.numel())});
    }
  }

 private:
  dnnl::primitive primitive_;
  memory::desc scratchpad_, x_user_, x_prim_, y_user_, y_prim_, w_user_, w_prim_, b_desc_;
  du::Reorder x_reorder_, y_reorder_, w_reorder_;
  du::PackedMemory w_packed_;
  bool has_bias_ = false;
  linalg::Activation after_;
};

}  // namespace

std::unique_ptr<Kernel> make_dnnl_conv_kernel(const ConvAttrs& attrs, const ConvGeometry& geometry,
                                              const InputInfo& weights, const InputInfo& bias,
                                              bool transposed) {
  try {
    return std::make_unique<DnnlConvKernel>(attrs, geometry, weights, bias, transposed);
  } catch (const dnnl::error& e) {
    fail(ErrorCode::unsupported, "oneDNN has no {} for these shapes: {}",
         transposed ? "deconvolution" : "convolution", e.what());
  }
}

}  // namespace nnload::ops
