// nn.BatchNorm1d/2d on ONNX BatchNormalization (eval) or the batch's statistics (training),
// nn.LayerNorm on LayerNormalization (opset 17), nn.GroupNorm on GroupNormalization (opset 21,
// per-channel scale and bias like PyTorch).
#include "nnload/nn/norm.hpp"

#include <algorithm>

#include "core/fail.hpp"
#include "nn/functional_common.hpp"
#include "nn/repr.hpp"

namespace nnload::nn {

namespace detail {

BatchNormBase::BatchNormBase(std::int64_t num_features, double eps, double momentum, bool affine,
                             bool track_running_stats, std::vector<std::int64_t> ranks)
    : num_features_(num_features),
      eps_(eps),
      momentum_(momentum),
      affine_(affine),
      track_running_stats_(track_running_stats),
      ranks_(std::move(ranks)) {
  if (num_features <= 0) {
    fail(ErrorCode::invalid_argument, "BatchNorm: num_features {} must be positive", num_features);
  }
  const Shape c{num_features};
  if (affine) {
    weight_ = &register_parameter("weight",
                                  Tensor::from_vector(std::vector<float>(num_features, 1.0f), c));
    bias_ = &register_parameter("bias", Tensor::zeros(DType::f32, c));
  }
  if (track_running_stats) {
    running_mean_ = &register_buffer("running_mean", Tensor::zeros(DType::f32, c));
    running_var_ = &register_buffer("running_var",
                                    Tensor::from_vector(std::vector<float>(num_features, 1.0f), c));
    register_buffer("num_batches_tracked", Tensor::scalar<std::int64_t>(0));
  }
  ones_ = Tensor::from_vector(std::vector<float>(num_features, 1.0f), c);
  zeros_ = Tensor::zeros(DType::f32, c);
  batch_norm_ = make_op("BatchNormalization", attrs({{"epsilon", eps}}), 5);
  track_cache(batch_norm_);
}

Tensor BatchNormBase::forward(const Tensor& x) const {
  try {
    check_defined(x, "BatchNorm");
    if (std::find(ranks_.begin(), ranks_.end(), x.rank()) == ranks_.end()) {
      fail(ErrorCode::shape, "expected {} input (got {}D input)",
           ranks_.size() == 2 ? "2D or 3D" : "4D", x.rank());
    }
    if (x.dim(1) != num_features_) {
      fail(ErrorCode::shape, "input has shape {}: {} channels (dim 1), expected {}",
           shape_to_list(x.shape()), x.dim(1), num_features_);
    }
    if (is_training() || !track_running_stats_) return batch_statistics(x);
    const Tensor inputs[5] = {x, affine_ ? *weight_ : ones_, affine_ ? *bias_ : zeros_,
                              *running_mean_, *running_var_};
    return batch_norm_->run1(inputs, 0b11110);
  } catch (const Error& e) {
    rethrow_with_context(e, describe());
  }
}

// Training-mode normalisation: each channel by the batch's mean and biased variance.
Tensor BatchNormBase::batch_statistics(const Tensor& x) const {
  std::vector<std::int64_t> axes{0};
  for (std::int64_t i = 2; i < x.rank(); ++i) axes.push_back(i);
  if (x.numel() / num_features_ <= 1) {
    fail(ErrorCode::shape,
         "Expected more than 1 value per channel when training, got input "
         "size {}",
         shape_to_list(x.shape()));
  }
  const Tensor centered = x - mean(x, axes, true);
  const Tensor var = mean(centered * centered, axes, true);
  Tensor y = centered / sqrt(var + eps_);
  if (affine_) {
    Shape per_channel(static_cast<std::size_t>(x.rank()), 1);
    per_channel[1] = num_features_;
    y = y * weight_->reshaped(per_channel) + bias_->reshaped(per_channel);
  }
  return y;
}

std::string BatchNormBase::extra_repr() const {
  return fmt::format("{}, eps={}, momentum={}, affine={}, track_running_stats={}", num_features_,
                     py_float(eps_), py_float(momentum_), py_bool(affine_),
                     py_bool(track_running_stats_));
}

}  // namespace detail

LayerNorm::LayerNorm(Shape normalized_shape, double eps, bool elementwise_affine)
    : normalized_shape_(std::move(normalized_shape)),
      eps_(eps),
      elementwise_affine_(elementwise_affine) {
  if (normalized_shape_.empty()) {
    fail(ErrorCode::invalid_argument, "LayerNorm: normalized_shape is empty");
  }
  const std::int64_t count = shape_size(normalized_shape_);
  ones_ = Tensor::from_vector(std::vector<float>(static_cast<std::size_t>(count), 1.0f),
                              normalized_shape_);
  if (elementwise_affine) {
    weight_ = &register_parameter("weight", ones_.clone());
    bias_ = &register_parameter("bias", Tensor::zeros(DType::f32, normalized_shape_));
  }
  const auto axis = -static_cast<std::int64_t>(normalized_shape_.size());
  layer_norm_ =
      detail::make_op("LayerNormalization", detail::attrs({{"axis", axis}, {"epsilon", eps}}),
                      elementwise_affine ? 3 : 2, 1, 17);
  track_cache(layer_norm_);
}

Tensor LayerNorm::forward(const Tensor& x) const {
  try {
    detail::check_defined(x, "LayerNorm");
    const auto n = static_cast<std::int64_t>(normalized_shape_.size());
    const bool fits = x.rank() >= n && std::equal(normalized_shape_.begin(),
                                                  normalized_shape_.end(), x.shape().end() - n);
    if (!fits) {
      fail(ErrorCode::shape,
           "Given normalized_shape={}, expected input with shape [*, {}], but got input of size{}",
           shape_to_list(normalized_shape_), fmt::join(normalized_shape_, ", "),
           shape_to_list(x.shape()));
    }
    if (elementwise_affine_) {
      const Tensor inputs[3] = {x, *weight_, *bias_};
      return layer_norm_->run1(inputs, 0b110);
    }
    const Tensor inputs[2] = {x, ones_};
    return layer_norm_->run1(inputs, 0b10);
  } catch (const Error& e) {
    rethrow_with_context(e, describe());
  }
}

std::string LayerNorm::extra_repr() const {
  return fmt::format("{}, eps={}, elementwise_affine={}", detail::py_tuple(normalized_shape_),
                     detail::py_float(eps_), detail::py_bool(elementwise_affine_));
}

GroupNorm::GroupNorm(std::int64_t num_groups, std::int64_t num_channels, double eps, bool affine)
    : num_groups_(num_groups), num_channels_(num_channels), eps_(eps), affine_(affine) {
  if (num_groups <= 0 || num_channels <= 0 || num_channels % num_groups != 0) {
    fail(ErrorCode::invalid_argument,
         "GroupNorm: num_channels ({}) must be divisible by num_groups ({})", num_channels,
         num_groups);
  }
  const Shape c{num_channels};
  ones_ = Tensor::from_vector(std::vector<float>(static_cast<std::size_t>(num_channels), 1.0f), c);
  zeros_ = Tensor::zeros(DType::f32, c);
  if (affine) {
    weight_ = &register_parameter("weight", ones_.clone());
    bias_ = &register_parameter("bias", zeros_.clone());
  }
  group_norm_ =
      detail::make_op("GroupNormalization",
                      detail::attrs({{"num_groups", num_groups}, {"epsilon", eps}}), 3, 1, 21);
  track_cache(group_norm_);
}

Tensor GroupNorm::forward(const Tensor& x) const {
  try {
    detail::check_defined(x, "GroupNorm");
    if (x.rank() < 2 || x.dim(1) != num_channels_) {
      fail(ErrorCode::shape, "input has shape {}, expected [N, {}, *]", shape_to_list(x.shape()),
           num_channels_);
    }
    const Tensor inputs[3] = {x, affine_ ? *weight_ : ones_, affine_ ? *bias_ : zeros_};
    return group_norm_->run1(inputs, 0b110);
  } catch (const Error& e) {
    rethrow_with_context(e, describe());
  }
}

std::string GroupNorm::extra_repr() const {
  return fmt::format("{}, {}, eps={}, affine={}", num_groups_, num_channels_,
                     detail::py_float(eps_), detail::py_bool(affine_));
}

}  // namespace nnload::nn
