// nn.Dropout, nn.Flatten and the activation modules' reprs.
#include "nnload/nn/basic.hpp"

#include "core/fail.hpp"
#include "nn/repr.hpp"
#include "nnload/nn/activation.hpp"

namespace nnload::nn {

Dropout::Dropout(double p, bool inplace) : p_(p), inplace_(inplace) {
  if (p < 0 || p > 1) {
    fail(ErrorCode::invalid_argument, "dropout probability has to be between 0 and 1, but got {}",
         p);
  }
}

std::string Dropout::extra_repr() const {
  return fmt::format("p={}, inplace={}", detail::py_float(p_), detail::py_bool(inplace_));
}

Tensor Flatten::forward(const Tensor& x) const {
  try {
    return flatten(x, start_dim_, end_dim_);
  } catch (const Error& e) {
    rethrow_with_context(e, describe());
  }
}

std::string Flatten::extra_repr() const {
  return fmt::format("start_dim={}, end_dim={}", start_dim_, end_dim_);
}

std::string LeakyReLU::extra_repr() const {
  return "negative_slope=" + detail::py_float(negative_slope_);
}

std::string ELU::extra_repr() const { return "alpha=" + detail::py_float(alpha_); }

GELU::GELU(std::string approximate) : approximate_(std::move(approximate)) {
  if (approximate_ != "none" && approximate_ != "tanh") {
    fail(ErrorCode::invalid_argument, "GELU: approximate '{}' is not 'none' or 'tanh'",
         approximate_);
  }
}

std::string GELU::extra_repr() const { return "approximate='" + approximate_ + "'"; }

std::string Softmax::extra_repr() const { return fmt::format("dim={}", dim_); }

std::string LogSoftmax::extra_repr() const { return fmt::format("dim={}", dim_); }

}  // namespace nnload::nn
