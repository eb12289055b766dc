// nn.BatchNorm1d, nn.BatchNorm2d, nn.LayerNorm, nn.GroupNorm.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "nnload/nn/module.hpp"

namespace nnload::nn {

namespace detail {

// BatchNorm over the channel axis 1. Parameters "weight", "bias" [C] (affine); buffers
// "running_mean", "running_var" [C] and "num_batches_tracked" (int64 scalar) when
// track_running_stats. In eval mode the running statistics normalise; in training mode, or
// without running statistics, the batch's own (biased variance), as PyTorch computes them.
// nnload does not train: training mode does not update the running statistics, and momentum is
// kept for extra_repr only.
class BatchNormBase : public Module {
 public:
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }
  std::int64_t num_features() const { return num_features_; }
  double eps() const { return eps_; }
  std::string extra_repr() const override;

 protected:
  BatchNormBase(std::int64_t num_features, double eps, double momentum, bool affine,
                bool track_running_stats, std::vector<std::int64_t> ranks);
  BatchNormBase(BatchNormBase&&) = default;

 private:
  Tensor batch_statistics(const Tensor& x) const;

  std::int64_t num_features_;
  double eps_, momentum_;
  bool affine_, track_running_stats_;
  std::vector<std::int64_t> ranks_;  // accepted input ranks
  Tensor* weight_ = nullptr;
  Tensor* bias_ = nullptr;
  Tensor* running_mean_ = nullptr;
  Tensor* running_var_ = nullptr;
  Tensor ones_, zeros_;  // scale and shift without affine
  std::shared_ptr<CachedOp> batch_norm_;
};

}  // namespace detail

// Input [N, C] or [N, C, L].
class BatchNorm1d : public detail::BatchNormBase {
 public:
  explicit BatchNorm1d(std::int64_t num_features, double eps = 1e-5, double momentum = 0.1,
                       bool affine = true, bool track_running_stats = true)
      : BatchNormBase(num_features, eps, momentum, affine, track_running_stats, {2, 3}) {}
};

// Input [N, C, H, W].
class BatchNorm2d : public detail::BatchNormBase {
 public:
  explicit BatchNorm2d(std::int64_t num_features, double eps = 1e-5, double momentum = 0.1,
                       bool affine = true, bool track_running_stats = true)
      : BatchNormBase(num_features, eps, momentum, affine, track_running_stats, {4}) {}
};

// Normalises over the trailing dimensions `normalized_shape`; "weight" (ones) and "bias" (zeros)
// of that shape with elementwise_affine.
class LayerNorm : public Module {
 public:
  explicit LayerNorm(Shape normalized_shape, double eps = 1e-5, bool elementwise_affine = true);
  explicit LayerNorm(std::int64_t normalized_shape, double eps = 1e-5,
                     bool elementwise_affine = true)
      : LayerNorm(Shape{normalized_shape}, eps, elementwise_affine) {}
  LayerNorm(LayerNorm&&) = default;

  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }
  std::string extra_repr() const override;

 private:
  Shape normalized_shape_;
  double eps_;
  bool elementwise_affine_;
  Tensor* weight_ = nullptr;
  Tensor* bias_ = nullptr;
  Tensor ones_;
  std::shared_ptr<detail::CachedOp> layer_norm_;
};

// Normalises each of num_groups channel groups of x [N, C, *]; "weight"/"bias" [C] with affine.
class GroupNorm : public Module {
 public:
  GroupNorm(std::int64_t num_groups, std::int64_t num_channels, double eps = 1e-5,
            bool affine = true);
  GroupNorm(GroupNorm&&) = default;

  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }
  std::string extra_repr() const override;

 private:
  std::int64_t num_groups_, num_channels_;
  double eps_;
  bool affine_;
  Tensor* weight_ = nullptr;
  Tensor* bias_ = nullptr;
  Tensor ones_, zeros_;
  std::shared_ptr<detail::CachedOp> group_norm_;
};

}  // namespace nnload::nn
