// What ONNX's RNN, GRU and LSTM share: their attributes, the shape rule of their inputs and
// outputs, and the op class that hands the kernel to each op's cell (recurrent_kernel.hpp).
// The nnload-domain variants (rows "nnload" RNN/GRU/LSTM, version 1) add Keras' step mask: an
// optional bool input `mask` [batch_size, seq_length] after the ONNX inputs, and the attribute
// zero_output_for_mask. A row whose mask is false at step t keeps its state (h and c) unchanged,
// and its output at t is that state, or zeros with zero_output_for_mask = 1.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "linalg/recurrent_activation.hpp"
#include "ops/op.hpp"

namespace nnload::ops::rnn {

// Input positions, as ONNX numbers them (initial_c and P are LSTM's only).
enum Input { kX = 0, kW, kR, kB, kSequenceLens, kInitialH, kInitialC, kP };

enum class Direction { forward, reverse, bidirectional };

// What distinguishes the three ops to the shared code.
struct RecurrentSpec {
  std::string_view op;                // "LSTM"
  int gates = 1;                      // rows of W per hidden unit: 1, 3 (zrh), 4 (iofc)
  int activations_per_direction = 1;  // f; f, g; f, g, h
  std::array<std::string_view, 3> default_activations;
  int max_inputs = 6;
  int max_outputs = 2;
};

extern const RecurrentSpec kRnnSpec, kGruSpec, kLstmSpec;

// Which attributes an opset row defines beyond the common ones.
struct OpsetFeatures {
  bool layout = false;               // opset 14+
  bool linear_before_reset = false;  // GRU opset 3+
  bool keras_mask = false;           // nnload rows: the `mask` input, zero_output_for_mask
};

struct RecurrentAttrs {
  Direction direction = Direction::forward;
  std::int64_t hidden_size = 0;  // 0 when the node does not say: R's shape decides
  // activations_per_direction per direction, forward first, alpha/beta resolved.
  std::vector<linalg::RecurrentActivation> activations;
  std::optional<double> clip;
  bool batch_first = false;  // layout 1
  bool input_forget = false;
  bool linear_before_reset = false;
  int num_outputs = 0;
  std::array<bool, 3> want{};  // Y, Y_h, Y_c: present in the node and not omitted
  int mask_input = -1;         // index of the `mask` input (nnload rows), -1 without one
  bool zero_output_for_mask = false;

  std::int64_t directions() const { return direction == Direction::bidirectional ? 2 : 1; }
  // Direction d runs from the last step to the first.
  bool reversed(std::int64_t d) const { return direction == Direction::reverse || d == 1; }
  const linalg::RecurrentActivation& activation(const RecurrentSpec& spec, std::int64_t d,
                                                int i) const {
    return activations[static_cast<std::size_t>(d * spec.activations_per_direction + i)];
  }
};

RecurrentAttrs parse_recurrent(const graph::Node& node, const RecurrentSpec& spec,
                               OpsetFeatures features);

// The sizes of one call, from checked input shapes.
struct Geometry {
  DType dtype = DType::f32;
  std::int64_t seq = 0, batch = 0, input = 0, hidden = 0, directions = 1;
  bool batch_first = false;
};

// Checks every input's presence, dtype and shape (and sequence_lens' values when known).
Geometry check_inputs(const RecurrentSpec& spec, const RecurrentAttrs& attrs,
                      std::span<const InputInfo> inputs);

// Whether optional input i is there.
inline bool has_input(std::span<const InputInfo> inputs, int i) {
  return static_cast<std::size_t>(i) < inputs.size() && inputs[static_cast<std::size_t>(i)].present;
}
inline bool has_input(std::span<const Tensor> inputs, int i) {
  return static_cast<std::size_t>(i) < inputs.size() &&
         inputs[static_cast<std::size_t>(i)].defined();
}

// Each sequence's length from sequence_lens (int32, or int64), or seq for all when absent.
// Throws Error(invalid_argument) for a length outside 1..seq.
std::vector<std::int64_t> sequence_lengths(const Tensor* lens, std::int64_t batch,
                                           std::int64_t seq);

// Builds the kernel for checked inputs; each op provides one.
using KernelMaker = std::unique_ptr<Kernel> (*)(const RecurrentAttrs& attrs, const Geometry& g,
                                                std::span<const InputInfo> inputs);

std::unique_ptr<Op> make_recurrent_op(const RecurrentSpec& spec, RecurrentAttrs attrs,
                                      KernelMaker make_kernel);

}  // namespace nnload::ops::rnn
