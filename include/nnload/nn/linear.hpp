// nn.Linear and nn.Identity.
#pragma once

#include <cstdint>
#include <memory>

#include "nnload/nn/module.hpp"

namespace nnload::nn {

// y = x W^T + b on the last dimension: x [*, in_features] -> [*, out_features]. Parameters
// "weight" [out_features, in_features] and "bias" [out_features] (absent without bias).
// Parameters start as zeros: load a state_dict.
class Linear : public Module {
 public:
  Linear(std::int64_t in_features, std::int64_t out_features, bool bias = true);
  Linear(Linear&&) = default;

  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }

  const Tensor& weight() const { return *weight_; }
  const Tensor* bias() const { return bias_; }  // nullptr without bias
  std::int64_t in_features() const { return in_features_; }
  std::int64_t out_features() const { return out_features_; }
  std::string extra_repr() const override;

 private:
  std::int64_t in_features_, out_features_;
  Tensor* weight_;
  Tensor* bias_ = nullptr;
  std::shared_ptr<detail::CachedOp> gemm_;
};

// Returns its input.
class Identity : public Module {
 public:
  Tensor forward(const Tensor& x) const { return x; }
  Tensor operator()(const Tensor& x) const { return forward(x); }
};

}  // namespace nnload::nn
