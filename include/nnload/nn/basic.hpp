// nn.Dropout and nn.Flatten.
#pragma once

#include <cstdint>
#include <string>

#include "nnload/functional.hpp"
#include "nnload/nn/module.hpp"

namespace nnload::nn {

// The identity in eval mode, as in PyTorch, and also in training mode: nnload runs models, it
// does not train them, so nothing is dropped.
class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5, bool inplace = false);
  Tensor forward(const Tensor& x) const { return x; }
  Tensor operator()(const Tensor& x) const { return forward(x); }
  std::string extra_repr() const override;

 private:
  double p_;
  bool inplace_;
};

// Merges dims start_dim..end_dim (a view sharing the input's storage).
class Flatten : public Module {
 public:
  explicit Flatten(std::int64_t start_dim = 1, std::int64_t end_dim = -1)
      : start_dim_(start_dim), end_dim_(end_dim) {}
  Tensor forward(const Tensor& x) const;
  Tensor operator()(const Tensor& x) const { return forward(x); }
  std::string extra_repr() const override;

 private:
  std::int64_t start_dim_, end_dim_;
};

}  // namespace nnload::nn
