// Activation functions on the registry's activation ops.
#include "core/fail.hpp"
#include "nn/functional_common.hpp"

namespace nnload {

using nn::detail::attrs;
using nn::detail::unary;

Tensor relu(const Tensor& x) { return unary("Relu", x); }

Tensor leaky_relu(const Tensor& x, double negative_slope) {
  return unary("LeakyRelu", x, attrs({{"alpha", negative_slope}}));
}

Tensor elu(const Tensor& x, double alpha) { return unary("Elu", x, attrs({{"alpha", alpha}})); }

Tensor sigmoid(const Tensor& x) { return unary("Sigmoid", x); }

Tensor tanh(const Tensor& x) { return unary("Tanh", x); }

Tensor gelu(const Tensor& x, const std::string& approximate) {
  if (approximate != "none" && approximate != "tanh") {
    fail(ErrorCode::invalid_argument, "gelu: approximate '{}' is not 'none' or 'tanh'",
         approximate);
  }
  return unary("Gelu", x, attrs({{"approximate", approximate}}));
}

// x * sigmoid(x): nnload's Swish op with alpha 1.
Tensor silu(const Tensor& x) { return unary("Swish", x, attrs({{"alpha", 1.0}}), 1, "nnload"); }

// PyTorch's x * relu6(x + 3) / 6 is ONNX's HardSwish.
Tensor hardswish(const Tensor& x) { return unary("HardSwish", x); }

// PyTorch's relu6(x + 3) / 6: HardSigmoid with alpha 1/6 and beta 1/2.
Tensor hardsigmoid(const Tensor& x) {
  return unary("HardSigmoid", x, attrs({{"alpha", 1.0 / 6.0}, {"beta", 0.5}}));
}

Tensor softmax(const Tensor& x, std::int64_t dim) {
  nn::detail::check_defined(x, "softmax");
  const std::int64_t axis = nn::detail::wrap_dim(dim, std::max<std::int64_t>(x.rank(), 1));
  return unary("Softmax", x, attrs({{"axis", axis}}));
}

Tensor log_softmax(const Tensor& x, std::int64_t dim) {
  nn::detail::check_defined(x, "log_softmax");
  const std::int64_t axis = nn::detail::wrap_dim(dim, std::max<std::int64_t>(x.rank(), 1));
  return unary("LogSoftmax", x, attrs({{"axis", axis}}));
}

}  // namespace nnload
