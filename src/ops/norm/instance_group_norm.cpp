// ONNX InstanceNormalization (1+) and GroupNormalization (18-20 per-group scale and bias, 21+
// per-channel). InstanceNormalization is GroupNormalization with one group per channel.
#include <cmath>
#include <optional>

#include "core/dtype_dispatch.hpp"
#include "core/fail.hpp"
#include "linalg/parallel.hpp"
#include "linalg/reduce.hpp"
#include "ops/norm/common.hpp"
#include "ops/norm/rows.hpp"

namespace nnload::ops {

namespace {

struct GroupNormAttrs {
  const char* name = "GroupNormalization";
  std::int64_t num_groups = 0;  // 0: one group per channel (InstanceNormalization)
  bool per_channel_params = true;
  double epsilon = 1e-5;
};

// X [N, C, spatial...] seen as N * groups rows of (C / groups) channel blocks of `spatial`.
struct GroupGeometry {
  std::int64_t n = 1, channels = 1, groups = 1, spatial = 1;
};

struct Params {
  std::vector<double> scale, bias;
};

template <class T>
class GroupNormKernel final : public Kernel {
 public:
  GroupNormKernel(GroupNormAttrs a, GroupGeometry g, std::optional<Params> params)
      : a_(a), g_(g), params_(std::move(params)) {}

  void run(std::span<const Tensor> inputs, std::span<Tensor> outputs) const override {
    Params now;
    if (!params_) now = {norm::to_doubles(inputs[1]), norm::to_doubles(inputs[2])};
    const Params& p = params_ ? *params_ : now;
    const T* x = inputs[0].data<T>();
    T* y = outputs[0].mutable_data<T>();
    const std::int64_t per_group = g_.channels / g_.groups;
    const std::int64_t len = per_group * g_.spatial;
    const std::int64_t spatial = g_.spatial;
    linalg::parallel_for(
        g_.n * g_.groups, std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(1, len)),
        [&](std::int64_t begin, std::int64_t end) {
          for (std::int64_t r = begin; r < end; ++r) {
            const std::int64_t group = r % g_.groups;
            const T* xr = x + r * len;
            T* yr = y + r * len;
            const linalg::Moments m = linalg::row_moments(xr, len);
            const double inv = 1.0 / std::sqrt(m.variance + a_.epsilon);
            for (std::int64_t j = 0; j < per_group; ++j) {
              const std::size_t k =
                  static_cast<std::size_t>(a_.per_channel_params ? group * per_group + j : group);
              // x - mean in double: folding the mean into a float shift cancels badly when
              // the group's deviation is small against its mean.
              const double scale = p.scale[k] * inv;
              const double mean = m.mean;
              const T b = static_cast<T>(p.bias[k]);
              const T* xs = xr + j * spatial;
              T* ys = yr + j * spatial;
              for (std::int64_t i = 0; i < spatial; ++i) {
                ys[i] = static_cast<T>((static_cast<double>(xs[i]) - mean) * scale) + b;
              }
            }
          }
        });
  }

 private:
  GroupNormAttrs a_;
  GroupGeometry g_;
  std::optional<Params> params_;
};

class GroupNormOp final : public Op {
 public:
  explicit GroupNormOp(GroupNormAttrs a) : a_(a) {}

  std::vector<TensorType> infer(std::span<const InputInfo> inputs) const override {
    const GroupGeometry g = geometry(inputs);
    const std::int64_t count = a_.per_channel_params ? g.channels : g.groups;
    norm::require_vector(a_.name, "scale", norm::required_input(inputs, 1, a_.name, "scale"),
                         count);
    norm::require_vector(a_.name, "bias", norm::required_input(inputs, 2, a_.name, "bias"), count);
    return {{inputs[0].dtype, inputs[0].shape}};
  }

  std::unique_ptr<Kernel> make_kernel(std::span<const InputInfo> inputs,
                                      std::span<const TensorType>) const override {
    const GroupGeometry g = geometry(inputs);
    std::optional<Params> params;
    if (inputs[1].has_value() && inputs[2].has_value()) {
      params = Params{norm::to_doubles(*inputs[1].value), norm::to_doubles(*inputs[2].value)};
    }
    return visit_dtype(inputs[0].dtype, [&](auto tag) -> std::unique_ptr<Kernel> {
      using T = typename decltype(tag)::type;
      if constexpr (std::is_floating_point_v<T>) {
        return std::make_unique<GroupNormKernel<T>>(a_, g, std::move(params));
      } else {
        fail(ErrorCode::internal, "{} kernel for {}", a_.name, dtype_name(inputs[0].dtype));
      }
    });
  }

 private:
  GroupGeometry geometry(std::span<const InputInfo> inputs) const {
    const InputInfo& x = norm::required_input(inputs, 0, a_.name, "X");
    norm::require_float(a_.name, "X", x.dtype);
    if (x.shape.size() < 2) {
      fail(ErrorCode::shape, "{}: X has rank {}, expected at least 2 [N, C, ...]", a_.name,
           x.shape.size());
    }
    GroupGeometry g;
    g.n = x.shape[0];
    g.channels = x.shape[1];
    for (std::size_t i = 2; i < x.shape.size(); ++i) g.spatial *= x.shape[i];
    g.groups = a_.num_groups == 0 ? g.channels : a_.num_groups;
    if (a_.num_groups != 0 && g.channels % g.groups != 0) {
      fail(ErrorCode::shape, "{}: {} channels do not divide into num_groups {}", a_.name,
           g.channels, g.groups);
    }
    if (g.groups == 0) g.groups = 1;  // zero channels: nothing to compute
    return g;
  }

  GroupNormAttrs a_;
};

OpDef group_norm_row(int since, int until, bool per_channel) {
  return {"", "GroupNormalization", since, until, [per_channel](const graph::Node& node) {
            GroupNormAttrs a;
            a.num_groups = node.attrs.get_int("num_groups");
            if (a.num_groups <= 0) {
              fail(ErrorCode::invalid_argument,
                   "GroupNormalization: num_groups is {}, expected > 0", a.num_groups);
            }
            a.per_channel_params = per_channel;
            a.epsilon = node.attrs.float_or("epsilon", 1e-5);
            return std::make_unique<GroupNormOp>(a);
          }};
}

}  // namespace

void add_instance_group_norm_rows(OpTable& table) {
  table.push_back(
      {"", "InstanceNormalization", 1, graph::kLatestOpset, [](const graph::Node& node) {
         GroupNormAttrs a;
         a.name = "InstanceNormalization";
         a.epsilon = node.attrs.float_or("epsilon", 1e-5);
         return std::make_unique<GroupNormOp>(a);
       }});
  table.push_back(group_norm_row(18, 20, false));
  table.push_back(group_norm_row(21, graph::kLatestOpset, true));
}

}  // namespace nnload::ops
