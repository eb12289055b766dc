// ONNX MaxPool, AveragePool and LpPool (opset 1..21; ceil_mode, dilations and storage_order
// are read when present), also as nnload.MaxPool/AveragePool with channels_last.
#include "ops/pool/pool.hpp"

#include "core/fail.hpp"
#include "linalg/dnnl_engine.hpp"
#include "ops/pool/pool_loops.hpp"

namespace nnload::ops {

namespace {

namespace du = linalg::dnnl_util;
using dnnl::memory;

struct PoolAttrs {
  PoolKind kind = PoolKind::max;
  linalg::WindowSpec window;
  bool count_include_pad = false;
  bool column_major_indices = false;
  double p = 2;
  bool channels_last = false;
  bool want_indices = false;
};

PoolAttrs parse_pool(const graph::Node& node, PoolKind kind) {
  const graph::Attributes& a = node.attrs;
  PoolAttrs attrs;
  attrs.kind = kind;
  if (!a.has("kernel_shape")) fail(ErrorCode::invalid_argument, "kernel_shape is required");
  attrs.window.kernel = a.get_ints("kernel_shape");
  attrs.window.strides = a.ints_or("strides", {});
  attrs.window.dilations = a.ints_or("dilations", {});
  attrs.window.pads = a.ints_or("pads", {});
  const std::string auto_pad = a.string_or("auto_pad", "NOTSET");
  const auto mode = linalg::auto_pad_from_name(auto_pad);
  if (!mode) fail(ErrorCode::invalid_argument, "auto_pad '{}' is not a known mode", auto_pad);
  attrs.window.auto_pad = *mode;
  attrs.window.ceil_mode = a.int_or("ceil_mode", 0) != 0;
  attrs.count_include_pad = a.int_or("count_include_pad", 0) != 0;
  const std::int64_t storage_order = a.int_or("storage_order", 0);
  if (storage_order != 0 && storage_order != 1) {
    fail(ErrorCode::invalid_argument, "storage_order is {}, expected 0 or 1", storage_order);
  }
  attrs.column_major_indices = storage_order == 1;
  attrs.p = a.float_or("p", 2.0);
  if (!(attrs.p > 0)) fail(ErrorCode::invalid_argument, "p is {}, expected > 0", attrs.p);
  attrs.channels_last = a.int_or("channels_last", 0) != 0;
  attrs.want_indices = node.outputs.size() > 1 && node.outputs[1] != graph::kNoValue;
  if (attrs.want_indices && kind != PoolKind::max) {
    fail(ErrorCode::invalid_argument, "only MaxPool has a second output");
  }
  return attrs;
}

struct PoolShapes {
  SpatialShape x;
  linalg::SpatialGeometry window;
  Shape y_shape;
};

class DnnlPoolKernel final : public Kernel {
 public:
  DnnlPoolKernel(const PoolAttrs& a, const PoolShapes& s, DType dtype) {
    const memory::data_type type = dtype == DType::f32  ? memory::data_type::f32
                                   : dtype == DType::i8 ? memory::data_type::s8
                                                        : memory::data_type::u8;
    auto desc = [&](const SpatialShape& shape) {
      memory::dims dims{shape.batch, shape.channels};
      dims.insert(dims.end(), shape.spatial.begin(), shape.spatial.end());
      const auto strides = logical_strides(shape, a.channels_last);
      return memory::desc(dims, type, memory::dims(strides.begin(), strides.end()));
    };
    x_ = desc(s.x);
    y_ = desc({s.x.batch, s.x.channels, s.window.output});
    const std::size_t k = s.x.spatial.size();
    memory::dims strides, kernel, dilation, left, right;
    for (std::size_t i = 0; i < k; ++i) {
      strides.push_back(a.window.strides.empty() ? 1 : a.window.strides[i]);
      kernel.push_back(a.window.kernel[i]);
      dilation.push_back((a.window.dilations.empty() ? 1 : a.window.dilations[i]) - 1);
      left.push_back(s.window.pad_begin[i]);
      right.push_back(s.window.pad_end[i] + s.window.extra_end[i]);
    }
    const dnnl::algorithm algorithm = a.kind == PoolKind::max ? dnnl::algorithm::pooling_max
                                      : a.count_include_pad
                                          ? dnnl::algorithm::pooling_avg_include_padding
                                          : dnnl::algorithm::pooling_avg_exclude_padding;
    const dnnl::pooling_v2_forward::desc d(dnnl::prop_kind::forward_inference, algorithm, x_, y_,
                                           strides, kernel, dilation, left, right);
    const dnnl::pooling_v2_forward::primitive_desc pd(d, du::make_attr(), du::cpu_engine());
    scratchpad_ = pd.scratchpad_desc();
    primitive_ = dnnl::pooling_v2_forward(pd);
  }

  void run(std::span<const Tensor> inputs, std::span<Tensor> outputs) const override {
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, du::wrap(x_, inputs[0].raw())},
                                         {DNNL_ARG_DST, du::wrap(y_, outputs[0].mutable_raw())}};
    du::execute(primitive_, scratchpad_, args);
  }

 private:
  dnnl::primitive primitive_;
  memory::desc x_, y_, scratchpad_;
};

template <class T>
class LoopPoolKernel final : public Kernel {
 public:
  LoopPoolKernel(const PoolAttrs& a, const PoolShapes& s) : kind_(a.kind) {
    g_.x = volume_of(s.x, a.channels_last);
    g_.y = volume_of({s.x.batch, s.x.channels, s.window.output}, a.channels_last);
    g_.kernel = pad3(a.window.kernel, 1);
    const std::size_t k = s.x.spatial.size();
    g_.stride =
        pad3(a.window.strides.empty() ? std::vector<std::int64_t>(k, 1) : a.window.strides, 1);
    g_.dilation =
        pad3(a.window.dilations.empty() ? std::vector<std::int64_t>(k, 1) : a.window.dilations, 1);
    g_.pad_begin = pad3(s.window.pad_begin, 0);
    g_.pad_end = pad3(s.window.pad_end, 0);
    g_.count_include_pad = a.count_include_pad;
    g_.column_major_indices = a.column_major_indices;
    g_.p = a.p;
  }

  void run(std::span<const Tensor> inputs, std::span<Tensor> outputs) const override {
    if (outputs[0].numel() == 0) return;
    std::int64_t* indices = outputs.size() > 1 && outputs[1].defined()
                                ? outputs[1].mutable_data<std::int64_t>()
                                : nullptr;
    pool_loop(g_, kind_, inputs[0].data<T>(), outputs[0].mutable_data<T>(), indices);
  }

 private:
  PoolKind kind_;
  PoolLoopGeometry g_;
};

class PoolOp final : public Op {
 public:
  explicit PoolOp(PoolAttrs attrs) : attrs_(std::move(attrs)) {}

  std::vector<TensorType> infer(std::span<const InputInfo> inputs) const override {
    const PoolShapes s = shapes(inputs);
    std::vector<TensorType> out{{inputs[0].dtype, s.y_shape}};
    if (attrs_.want_indices) out.push_back({DType::i64, s.y_shape});
    return out;
  }

  std::unique_ptr<Kernel> make_kernel(std::span<const InputInfo> inputs,
                                      std::span<const TensorType>) const override {
    const PoolShapes s = shapes(inputs);
    const DType dtype = inputs[0].dtype;
    if (use_dnnl(s, dtype)) {
      try {
        return std::make_unique<DnnlPoolKernel>(attrs_, s, dtype);
      } catch (const dnnl::error&) {
        // Shapes oneDNN rejects fall through to the loops.
      }
    }
    switch (dtype) {
      case DType::f64:
        return std::make_unique<LoopPoolKernel<double>>(attrs_, s);
      case DType::i8:
        return std::make_unique<LoopPoolKernel<std::int8_t>>(attrs_, s);
      case DType::u8:
        return std::make_unique<LoopPoolKernel<std::uint8_t>>(attrs_, s);
      default:
        return std::make_unique<LoopPoolKernel<float>>(attrs_, s);
    }
  }

 private:
  // oneDNN divides an average by the whole kernel when count_include_pad is set, also over the
  // part of a ceil_mode window past the end padding; ONNX (like PyTorch) does not count that.
  bool use_dnnl(const PoolShapes& s, DType dtype) const {
    if (attrs_.kind == PoolKind::lp || attrs_.want_indices) return false;
    if (shape_size(s.y_shape) == 0) return false;
    if (dtype != DType::f32 &&
        !(attrs_.kind == PoolKind::max && (dtype == DType::i8 || dtype == DType::u8))) {
      return false;
    }
    if (attrs_.kind == PoolKind::average && attrs_.count_include_pad) {
      for (std::int64_t extra : s.window.extra_end) {
        if (extra > 0) return false;
      }
    }
    return true;
  }

  PoolShapes shapes(std::span<const InputInfo> inputs) const {
    if (inputs.size() != 1)
      fail(ErrorCode::invalid_argument, "expected 1 input, got {}", inputs.size());
    const DType dtype = inputs[0].dtype;
    const bool integer_ok = attrs_.kind == PoolKind::max;
    if (dtype != DType::f32 && dtype != DType::f64 &&
        !(integer_ok && (dtype == DType::i8 || dtype == DType::u8))) {
      fail(ErrorCode::unsupported, "X has dtype {}, supported: float32, float64{}",
           dtype_name(dtype), integer_ok ? ", int8, uint8" : "");
    }
    if (attrs_.want_indices && attrs_.channels_last) {
      fail(ErrorCode::unsupported, "Indices output with channels_last");
    }
    PoolShapes s;
    s.x = split_spatial(inputs[0].shape, attrs_.channels_last, "X");
    s.window = linalg::sliding_window(s.x.spatial, attrs_.window);
    s.y_shape = join_spatial(s.x.batch, s.x.channels, s.window.output, attrs_.channels_last);
    return s;
  }

  PoolAttrs attrs_;
};

}  // namespace

std::unique_ptr<Op> make_max_pool(const graph::Node& node) {
  return std::make_unique<PoolOp>(parse_pool(node, PoolKind::max));
}

std::unique_ptr<Op> make_average_pool(const graph::Node& node) {
  return std::make_unique<PoolOp>(parse_pool(node, PoolKind::average));
}

std::unique_ptr<Op> make_lp_pool(const graph::Node& node) {
  return std::make_unique<PoolOp>(parse_pool(node, PoolKind::lp));
}

}  // namespace nnload::ops
