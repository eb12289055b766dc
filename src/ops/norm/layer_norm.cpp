// ONNX LayerNormalization (17+): normalises over axes [axis, rank), with optional Scale and B
// broadcast to X, and optional Mean and InvStdDev outputs.
#include <cmath>
#include <optional>

#include "core/dtype_dispatch.hpp"
#include "core/fail.hpp"
#include "linalg/broadcast.hpp"
#include "linalg/parallel.hpp"
#include "linalg/reduce.hpp"
#include "ops/norm/common.hpp"
#include "ops/norm/rows.hpp"

namespace nnload::ops {

namespace {

struct LayerNormAttrs {
  std::int64_t axis = -1;
  double epsilon = 1e-5;
  DType stash = DType::f32;  // dtype of Mean and InvStdDev
  std::size_t outputs = 1;
};

// X viewed as [rows, cols] with cols = the normalised axes.
struct RowGeometry {
  std::int64_t axis = 0, rows = 1, cols = 1;
};

RowGeometry row_geometry(const LayerNormAttrs& a, const Shape& shape) {
  RowGeometry g;
  g.axis = linalg::normalize_axis(a.axis, static_cast<std::int64_t>(shape.size()));
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(shape.size()); ++i) {
    (i < g.axis ? g.rows : g.cols) *= shape[static_cast<std::size_t>(i)];
  }
  return g;
}

// A Scale or B parameter broadcast to X's shape, stored as one row of `cols` values shared by
// every row (the usual case: the parameter spans only the normalised axes), or as a full
// [rows, cols] copy when it also varies over the leading axes.
template <class T>
struct RowParam {
  std::vector<T> values;
  std::int64_t row_stride = 0;
};

template <class T>
RowParam<T> expand_param(const Tensor& p, const Shape& x_shape, const RowGeometry& g) {
  const std::vector<std::int64_t> strides = linalg::broadcast_strides(p.shape(), x_shape);
  RowParam<T> out;
  bool per_row = false;
  for (std::int64_t i = 0; i < g.axis; ++i) per_row |= strides[static_cast<std::size_t>(i)] != 0;
  out.row_stride = per_row ? g.cols : 0;
  const std::int64_t first = per_row ? 0 : g.axis;
  const std::int64_t count = per_row ? g.rows * g.cols : g.cols;
  const std::vector<double> values = norm::to_doubles(p);
  out.values.resize(static_cast<std::size_t>(count));
  for (std::int64_t e = 0; e < count; ++e) {
    std::int64_t rest = e, offset = 0;
    for (std::size_t d = x_shape.size(); d-- > static_cast<std::size_t>(first);) {
      offset += (rest % x_shape[d]) * strides[d];
      rest /= x_shape[d];
    }
    out.values[static_cast<std::size_t>(e)] =
        static_cast<T>(values[static_cast<std::size_t>(offset)]);
  }
  return out;
}

template <class T>
class LayerNormKernel final : public Kernel {
 public:
  // scale and bias are set when known at compile time (a missing B is known: zeros).
  LayerNormKernel(LayerNormAttrs a, RowGeometry g, Shape x_shape, std::optional<RowParam<T>> scale,
                  std::optional<RowParam<T>> bias)
      : a_(a),
        g_(g),
        x_shape_(std::move(x_shape)),
        scale_(std::move(scale)),
        bias_(std::move(bias)) {}

  void run(std::span<const Tensor> inputs, std::span<Tensor> outputs) const override {
    // Parameters that are not constants are expanded on each run (cols values, usually).
    RowParam<T> scale_now, bias_now;
    const RowParam<T>* scale = scale_ ? &*scale_ : nullptr;
    if (scale == nullptr) {
      scale_now = expand_param<T>(inputs[1], x_shape_, g_);
      scale = &scale_now;
    }
    const RowParam<T>* bias = bias_ ? &*bias_ : nullptr;
    if (bias == nullptr) {
      bias_now = expand_param<T>(inputs[2], x_shape_, g_);
      bias = &bias_now;
    }
    const T* x = inputs[0].data<T>();
    T* y = outputs[0].mutable_data<T>();
    void* mean_out = outputs.size() > 1 ? outputs[1].mutable_raw() : nullptr;
    void* inv_out = outputs.size() > 2 ? outputs[2].mutable_raw() : nullptr;
    const std::int64_t cols = g_.cols;
    const std::int64_t grain = std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(1, cols));
    linalg::parallel_for(g_.rows, grain, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t r = begin; r < end; ++r) {
        const linalg::Moments m = linalg::row_moments(x + r * cols, cols);
        const double inv = 1.0 / std::sqrt(m.variance + a_.epsilon);
        normalize_row(x + r * cols, y + r * cols, m.mean, inv,
                      scale->values.data() + r * scale->row_stride,
                      bias->values.data() + r * bias->row_stride);
        store(mean_out, r, m.mean);
        store(inv_out, r, inv);
      }
    });
  }

 private:
  // Standardised in double (the spec's stash precision or better: x - mean in float cancels
  // when a row's deviation is small against its mean), then scaled and shifted in T.
  void normalize_row(const T* x, T* y, double mean, double inv, const T* s, const T* b) const {
    for (std::int64_t i = 0; i < g_.cols; ++i) {
      y[i] = static_cast<T>((static_cast<double>(x[i]) - mean) * inv) * s[i] + b[i];
    }
  }

  void store(void* out, std::int64_t r, double v) const {
    if (out == nullptr) return;
    if (a_.stash == DType::f64) {
      static_cast<double*>(out)[r] = v;
    } else {
      static_cast<float*>(out)[r] = static_cast<float>(v);
    }
  }

  LayerNormAttrs a_;
  RowGeometry g_;
  Shape x_shape_;
  std::optional<RowParam<T>> scale_, bias_;
};

class LayerNormOp final : public Op {
 public:
  explicit LayerNormOp(LayerNormAttrs a) : a_(a) {}

  std::vector<TensorType> infer(std::span<const InputInfo> inputs) const override {
    const InputInfo& x = norm::required_input(inputs, 0, "LayerNormalization", "X");
    norm::require_float("LayerNormalization", "X", x.dtype);
    if (x.shape.empty()) fail(ErrorCode::shape, "LayerNormalization: X is a scalar");
    const RowGeometry g = row_geometry(a_, x.shape);
    check_param(norm::required_input(inputs, 1, "LayerNormalization", "Scale"), x, "Scale");
    if (inputs.size() > 2 && inputs[2].present) check_param(inputs[2], x, "B");
    std::vector<TensorType> out = {{x.dtype, x.shape}};
    Shape stat_shape(x.shape.begin(), x.shape.begin() + g.axis);
    stat_shape.resize(x.shape.size(), 1);
    for (std::size_t i = 1; i < a_.outputs; ++i) out.push_back({a_.stash, stat_shape});
    return out;
  }

  std::unique_ptr<Kernel> make_kernel(std::span<const InputInfo> inputs,
                                      std::span<const TensorType>) const override {
    const Shape& shape = inputs[0].shape;
    const RowGeometry g = row_geometry(a_, shape);
    const bool has_bias = inputs.size() > 2 && inputs[2].present;
    return visit_dtype(inputs[0].dtype, [&](auto tag) -> std::unique_ptr<Kernel> {
      using T = typename decltype(tag)::type;
      if constexpr (std::is_floating_point_v<T>) {
        std::optional<RowParam<T>> scale, bias;
        if (inputs[1].has_value()) scale = expand_param<T>(*inputs[1].value, shape, g);
        if (!has_bias) {
          bias = RowParam<T>{std::vector<T>(static_cast<std::size_t>(g.cols), T{0}), 0};
        } else if (inputs[2].has_value()) {
          bias = expand_param<T>(*inputs[2].value, shape, g);
        }
        return std::make_unique<LayerNormKernel<T>>(a_, g, shape, std::move(scale),
                                                    std::move(bias));
      } else {
        fail(ErrorCode::internal, "LayerNormalization kernel for {}", dtype_name(inputs[0].dtype));
      }
    });
  }

 private:
  static void check_param(const InputInfo& p, const InputInfo& x, const char* what) {
    norm::require_float("LayerNormalization", what, p.dtype);
    // Scale and B broadcast (numpy rules) to X; they may not make the result larger than X.
    if (p.shape.size() > x.shape.size() || linalg::broadcast_shapes(p.shape, x.shape) != x.shape) {
      fail(ErrorCode::shape,
           "LayerNormalization: {} has shape {}, which does not broadcast to X {}", what,
           shape_to_list(p.shape), shape_to_list(x.shape));
    }
  }

  LayerNormAttrs a_;
};

}  // namespace

void add_layer_norm_rows(OpTable& table) {
  table.push_back({"", "LayerNormalization", 17, graph::kLatestOpset, [](const graph::Node& node) {
                     LayerNormAttrs a;
                     a.axis = node.attrs.int_or("axis", -1);
                     a.epsilon = node.attrs.float_or("epsilon", 1e-5);
                     // stash_type is a TensorProto data type: 1 float, 11 double.
                     const std::int64_t stash = node.attrs.int_or("stash_type", 1);
                     if (stash != 1 && stash != 11) {
                       fail(ErrorCode::unsupported,
                            "LayerNormalization: stash_type {} is not supported (1 float or 11 "
                            "double)",
                            stash);
                     }
                     a.stash = stash == 11 ? DType::f64 : DType::f32;
                     a.outputs = node.outputs.size();
                     if (a.outputs < 1 || a.outputs > 3) {
                       fail(ErrorCode::invalid_argument,
                            "LayerNormalization has {} outputs, expected 1 to 3", a.outputs);
                     }
                     return std::make_unique<LayerNormOp>(a);
                   }});
}

}  // namespace nnload::ops
