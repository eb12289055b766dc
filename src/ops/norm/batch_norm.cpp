// ONNX BatchNormalization, inference mode (1-8 with `spatial`, 9-13, 14+ with training_mode),
// and the internal nnload Normalize (1): y = x * scale[c] + shift[c] along attribute `axis`.
#include <cmath>

#include "core/dtype_dispatch.hpp"
#include "core/fail.hpp"
#include "linalg/broadcast.hpp"
#include "linalg/parallel.hpp"
#include "ops/norm/common.hpp"
#include "ops/norm/rows.hpp"

namespace nnload::ops {

namespace {

constexpr std::int64_t kGrain = 16384;

// x viewed as [outer, channels, inner]; one scale and shift per channel.
struct ChannelGeometry {
  std::int64_t outer = 1, channels = 1, inner = 1;
};

template <class T>
void apply_channel_affine(const T* x, T* y, const ChannelGeometry& g, const T* scale,
                          const T* shift) {
  const std::int64_t c_count = g.channels;
  if (g.inner == 1) {
    // Channels-last: every row is one scale/shift vector, which vectorises.
    linalg::parallel_for(g.outer,
                         std::max<std::int64_t>(1, kGrain / std::max<std::int64_t>(1, c_count)),
                         [&](std::int64_t begin, std::int64_t end) {
                           for (std::int64_t r = begin; r < end; ++r) {
                             const T* xr = x + r * c_count;
                             T* yr = y + r * c_count;
                             for (std::int64_t c = 0; c < c_count; ++c) {
                               yr[c] = xr[c] * scale[c] + shift[c];
                             }
                           }
                         });
    return;
  }
  const std::int64_t inner = g.inner;
  linalg::parallel_for(g.outer * c_count, std::max<std::int64_t>(1, kGrain / inner),
                       [&](std::int64_t begin, std::int64_t end) {
                         for (std::int64_t r = begin; r < end; ++r) {
                           const T s = scale[r % c_count];
                           const T b = shift[r % c_count];
                           const T* xr = x + r * inner;
                           T* yr = y + r * inner;
                           for (std::int64_t i = 0; i < inner; ++i) yr[i] = xr[i] * s + b;
                         }
                       });
}

enum class Params { batch_norm, folded };

// Per-channel scale and shift from the parameter inputs (everything after X): BatchNorm's
// scale / sqrt(var + eps) and B - mean * that, or Normalize's values as they are.
template <class T>
void fold(Params kind, std::span<const Tensor> params, double epsilon, std::vector<T>& scale,
          std::vector<T>& shift) {
  const std::vector<double> a = norm::to_doubles(params[0]);
  const std::vector<double> b = norm::to_doubles(params[1]);
  scale.resize(a.size());
  shift.resize(a.size());
  if (kind == Params::folded) {
    for (std::size_t c = 0; c < a.size(); ++c) {
      scale[c] = static_cast<T>(a[c]);
      shift[c] = static_cast<T>(b[c]);
    }
    return;
  }
  const std::vector<double> mean = norm::to_doubles(params[2]);
  const std::vector<double> var = norm::to_doubles(params[3]);
  for (std::size_t c = 0; c < a.size(); ++c) {
    const double s = a[c] / std::sqrt(var[c] + epsilon);
    scale[c] = static_cast<T>(s);
    shift[c] = static_cast<T>(b[c] - mean[c] * s);
  }
}

template <class T>
class ChannelAffineKernel final : public Kernel {
 public:
  // Empty scale/shift: the parameters are inputs that change per run; fold them each run.
  ChannelAffineKernel(ChannelGeometry g, Params kind, double epsilon, std::vector<T> scale,
                      std::vector<T> shift)
      : g_(g), kind_(kind), epsilon_(epsilon), scale_(std::move(scale)), shift_(std::move(shift)) {}

  void run(std::span<const Tensor> inputs, std::span<Tensor> outputs) const override {
    const T* x = inputs[0].data<T>();
    T* y = outputs[0].mutable_data<T>();
    if (!scale_.empty() || g_.channels == 0) {
      apply_channel_affine(x, y, g_, scale_.data(), shift_.data());
      return;
    }
    std::vector<T> scale, shift;
    fold(kind_, inputs.subspan(1), epsilon_, scale, shift);
    apply_channel_affine(x, y, g_, scale.data(), shift.data());
  }

 private:
  ChannelGeometry g_;
  Params kind_;
  double epsilon_;
  std::vector<T> scale_, shift_;
};

std::unique_ptr<Kernel> make_affine_kernel(std::span<const InputInfo> inputs, ChannelGeometry g,
                                           Params kind, double epsilon) {
  // Constant parameters (weights) are folded once here, not on every run.
  std::vector<Tensor> params;
  for (std::size_t i = 1; i < inputs.size(); ++i) {
    if (!inputs[i].has_value()) {
      params.clear();
      break;
    }
    params.push_back(*inputs[i].value);
  }
  return visit_dtype(inputs[0].dtype, [&](auto tag) -> std::unique_ptr<Kernel> {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_floating_point_v<T>) {
      std::vector<T> scale, shift;
      if (!params.empty()) fold(kind, params, epsilon, scale, shift);
      return std::make_unique<ChannelAffineKernel<T>>(g, kind, epsilon, std::move(scale),
                                                      std::move(shift));
    } else {
      fail(ErrorCode::internal, "channel affine kernel for dtype {}", dtype_name(inputs[0].dtype));
    }
  });
}

// ---- BatchNormalization ----------------------------------------------------------------------

struct BatchNormAttrs {
  double epsilon = 1e-5;
  bool spatial = true;  // opset < 9: false means one parameter per (channel, position)
};

class BatchNormOp final : public Op {
 public:
  explicit BatchNormOp(BatchNormAttrs a) : a_(a) {}

  std::vector<TensorType> infer(std::span<const InputInfo> inputs) const override {
    const ChannelGeometry g = geometry(inputs);
    const char* names[] = {"X", "scale", "B", "input_mean", "input_var"};
    for (std::size_t i = 1; i < 5; ++i) {
      norm::require_vector("BatchNormalization", names[i],
                           norm::required_input(inputs, i, "BatchNormalization", names[i]),
                           g.channels, !a_.spatial);
    }
    return {{inputs[0].dtype, inputs[0].shape}};
  }

  std::unique_ptr<Kernel> make_kernel(std::span<const InputInfo> inputs,
                                      std::span<const TensorType>) const override {
    return make_affine_kernel(inputs.first(5), geometry(inputs), Params::batch_norm, a_.epsilon);
  }

 private:
  ChannelGeometry geometry(std::span<const InputInfo> inputs) const {
    const InputInfo& x = norm::required_input(inputs, 0, "BatchNormalization", "X");
    norm::require_float("BatchNormalization", "X", x.dtype);
    if (x.shape.size() < 2) {
      fail(ErrorCode::shape, "BatchNormalization: X has rank {}, expected at least 2 [N, C, ...]",
           x.shape.size());
    }
    ChannelGeometry g;
    g.outer = x.shape[0];
    g.channels = x.shape[1];
    for (std::size_t i = 2; i < x.shape.size(); ++i) g.inner *= x.shape[i];
    if (!a_.spatial) {
      g.channels *= g.inner;
      g.inner = 1;
    }
    return g;
  }

  BatchNormAttrs a_;
};

// Extra outputs (running or saved mean and variance) exist only in training mode.
void reject_training_outputs(const graph::Node& node) {
  if (node.outputs.size() > 1) {
    fail(ErrorCode::unsupported,
         "BatchNormalization with {} outputs is training mode; nnload runs inference only "
         "(export the model in eval mode)",
         node.outputs.size());
  }
}

OpDef batch_norm_row(int since, int until) {
  return {"", "BatchNormalization", since, until, [since](const graph::Node& node) {
            BatchNormAttrs a;
            a.epsilon = node.attrs.float_or("epsilon", 1e-5);
            if (since < 9) a.spatial = node.attrs.int_or("spatial", 1) != 0;
            if (since >= 14 && node.attrs.int_or("training_mode", 0) != 0) {
              fail(ErrorCode::unsupported,
                   "BatchNormalization with training_mode=1 is not supported; nnload runs "
                   "inference only (export the model in eval mode)");
            }
            reject_training_outputs(node);
            return std::make_unique<BatchNormOp>(a);
          }};
}

// ---- nnload Normalize ------------------------------------------------------------------------

struct NormalizeAttrs {
  std::int64_t axis = -1;
};

class NormalizeOp final : public Op {
 public:
  explicit NormalizeOp(NormalizeAttrs a) : a_(a) {}

  std::vector<TensorType> infer(std::span<const InputInfo> inputs) const override {
    const ChannelGeometry g = geometry(inputs);
    norm::require_vector("Normalize", "scale",
                         norm::required_input(inputs, 1, "Normalize", "scale"), g.channels, true);
    norm::require_vector("Normalize", "shift",
                         norm::required_input(inputs, 2, "Normalize", "shift"), g.channels, true);
    return {{inputs[0].dtype, inputs[0].shape}};
  }

  std::unique_ptr<Kernel> make_kernel(std::span<const InputInfo> inputs,
                                      std::span<const TensorType>) const override {
    return make_affine_kernel(inputs.first(3), geometry(inputs), Params::folded, 0.0);
  }

 private:
  ChannelGeometry geometry(std::span<const InputInfo> inputs) const {
    const InputInfo& x = norm::required_input(inputs, 0, "Normalize", "X");
    norm::require_float("Normalize", "X", x.dtype);
    const auto rank = static_cast<std::int64_t>(x.shape.size());
    if (rank == 0) fail(ErrorCode::shape, "Normalize: X is a scalar, expected a channel axis");
    const std::int64_t axis = linalg::normalize_axis(a_.axis, rank);
    ChannelGeometry g;
    for (std::int64_t i = 0; i < rank; ++i) {
      const std::int64_t d = x.shape[static_cast<std::size_t>(i)];
      (i < axis ? g.outer : i == axis ? g.channels : g.inner) *= d;
    }
    return g;
  }

  NormalizeAttrs a_;
};

}  // namespace

void add_batch_norm_rows(OpTable& table) {
  table.push_back(batch_norm_row(1, 8));
  table.push_back(batch_norm_row(9, 13));
  table.push_back(batch_norm_row(14, graph::kLatestOpset));
  table.push_back({"nnload", "Normalize", 1, 1, [](const graph::Node& node) {
                     return std::make_unique<NormalizeOp>(
                         NormalizeAttrs{node.attrs.int_or("axis", -1)});
                   }});
}

}  // namespace nnload::ops
