// The activation functions ONNX's recurrent ops (RNN, GRU, LSTM) accept in `activations`, with
// their alpha/beta, applied in place to one gate's values in a vectorised loop.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace nnload::linalg {

enum class RecurrentActivationKind {
  relu,              // max(0, x)
  tanh,              // tanh(x)
  sigmoid,           // 1 / (1 + e^-x)
  affine,            // alpha x + beta
  leaky_relu,        // x >= 0 ? x : alpha x
  thresholded_relu,  // x >= alpha ? x : 0
  scaled_tanh,       // alpha tanh(beta x)
  hard_sigmoid,      // min(max(alpha x + beta, 0), 1)
  elu,               // x >= 0 ? x : alpha (e^x - 1)
  softsign,          // x / (1 + |x|)
  softplus,          // log(1 + e^x)
};

struct RecurrentActivation {
  RecurrentActivationKind kind = RecurrentActivationKind::tanh;
  double alpha = 0;  // double so that float64 kernels see the attribute's exact value
  double beta = 0;
};

// The kind named `name` ("Tanh", "LeakyRelu"...), compared case-insensitively as ONNX Runtime
// does; nullopt when it is not one of the eleven.
std::optional<RecurrentActivationKind> recurrent_activation_from_name(std::string_view name);
std::string_view recurrent_activation_name(RecurrentActivationKind kind);

// Which of alpha and beta a kind reads. Only those consume values from the node's
// activation_alpha / activation_beta lists.
bool uses_alpha(RecurrentActivationKind kind);
bool uses_beta(RecurrentActivationKind kind);
// The defaults of the corresponding ONNX operators (LeakyRelu 0.01, HardSigmoid 0.2 and 0.5,
// Elu 1, ThresholdedRelu 1, Affine 1 and 0, ScaledTanh 1 and 1).
float default_alpha(RecurrentActivationKind kind);
float default_beta(RecurrentActivationKind kind);

// x[i] = f(x[i]) for i < n, serially (callers run it per gate row, often inside a parallel loop).
void apply_recurrent_activation(const RecurrentActivation& f, float* x, std::int64_t n);
void apply_recurrent_activation(const RecurrentActivation& f, double* x, std::int64_t n);

}  // namespace nnload::linalg
