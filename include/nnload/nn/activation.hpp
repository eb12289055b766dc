// Activation modules: nn.ReLU, LeakyReLU, ELU, Sigmoid, Tanh, GELU, SiLU, Hardswish,
// Hardsigmoid, Softmax, LogSoftmax. They have no parameters; each calls the function of the
// same name in nnload/functional.hpp.
#pragma once

#include <cstdint>
#include <string>

#include "nnload/functional.hpp"
#include "nnload/nn/module.hpp"

namespace nnload::nn {

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& x) const { return relu(x); }
  Tensor operator()(const Tensor& x) const { return forward(x); }
};

class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(double negative_slope = 0.01) : negative_slope_(negative_slope) {}
  Tensor forward(const Tensor& x) const { return leaky_relu(x, negative_slope_); }
  Tensor operator()(const Tensor& x) const { return forward(x); }
  std::string extra_repr() const override;

 private:
  double negative_slope_;
};

class ELU : public Module {
 public:
  explicit ELU(double alpha = 1.0) : alpha_(alpha) {}
  Tensor forward(const Tensor& x) const { return elu(x, alpha_); }
  Tensor operator()(const Tensor& x) const { return forward(x); }
  std::string extra_repr() const override;

 private:
  double alpha_;
};

class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) const { return sigmoid(x); }
  Tensor operator()(const Tensor& x) const { return forward(x); }
};

class Tanh : public Module {
 public:
  Tensor forward(const Tensor& x) const { return nnload::tanh(x); }
  Tensor operator()(const Tensor& x) const { return forward(x); }
};

// approximate: "none" (erf) or "tanh".
class GELU : public Module {
 public:
  explicit GELU(std::string approximate = "none");
  Tensor forward(const Tensor& x) const { return gelu(x, approximate_); }
  Tensor operator()(const Tensor& x) const { return forward(x); }
  std::string extra_repr() const override;

 private:
  std::string approximate_;
};

class SiLU : public Module {
 public:
  Tensor forward(const Tensor& x) const { return silu(x); }
  Tensor operator()(const Tensor& x) const { return forward(x); }
};

class Hardswish : public Module {
 public:
  Tensor forward(const Tensor& x) const { return hardswish(x); }
  Tensor operator()(const Tensor& x) const { return forward(x); }
};

class Hardsigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) const { return hardsigmoid(x); }
  Tensor operator()(const Tensor& x) const { return forward(x); }
};

// PyTorch's implicit dim (dim=None) is deprecated there; here the dim is required.
class Softmax : public Module {
 public:
  explicit Softmax(std::int64_t dim) : dim_(dim) {}
  Tensor forward(const Tensor& x) const { return softmax(x, dim_); }
  Tensor operator()(const Tensor& x) const { return forward(x); }
  std::string extra_repr() const override;

 private:
  std::int64_t dim_;
};

class LogSoftmax : public Module {
 public:
  explicit LogSoftmax(std::int64_t dim) : dim_(dim) {}
  Tensor forward(const Tensor& x) const { return log_softmax(x, dim_); }
  Tensor operator()(const Tensor& x) const { return forward(x); }
  std::string extra_repr() const override;

 private:
  std::int64_t dim_;
};

}  // namespace nnload::nn
