// What the Keras recurrent builders share: a cell's config and weights in ONNX layout (every
// Keras version's weight layout: Keras 2/3 kernels, Keras 1's per-gate arrays, CuDNN layers),
// the call's sequence options, and the nnload.RNN/GRU/LSTM node that runs them (Keras' step
// mask included).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "formats/keras/layers/layers.hpp"
#include "linalg/recurrent_activation.hpp"

namespace nnload::formats::keras::rnn {

enum class CellKind { simple, gru, lstm };

// "SimpleRNN"/"SimpleRNNCell" -> simple, ...; nullopt for other classes.
std::optional<CellKind> cell_kind(std::string_view class_name);
int gates(CellKind kind);
std::size_t state_count(CellKind kind);  // 1, or 2 for LSTM (h, c)

// One cell with its weights as ONNX's W [1, G*U, in], R [1, G*U, U], B [1, 2*G*U] (-1: none).
struct Cell {
  CellKind kind = CellKind::lstm;
  std::int64_t units = 0;
  std::vector<linalg::RecurrentActivation> activations;  // ONNX's f (, g, h) for the kind
  bool linear_before_reset = false;                      // GRU reset_after / CuDNNGRU
  int w = -1, r = -1, b = -1;
};

// The ONNX recurrent activation computing Keras activation `a` as the file's Keras version
// defines it; `role` names the config key in errors.
linalg::RecurrentActivation keras_activation(LayerContext& ctx, const Json& a, const char* role);
// The config's activation and recurrent_activation (Keras 1: inner_activation), defaults
// tanh and (hard_sigmoid before Keras 3, sigmoid since).
linalg::RecurrentActivation config_activation(LayerContext& ctx);
linalg::RecurrentActivation config_recurrent_activation(LayerContext& ctx);
// Sets `activations`, `activation_alpha` and `activation_beta` as ONNX's recurrent ops read them.
void set_activations(graph::Attributes& attrs, const std::vector<linalg::RecurrentActivation>& fs);

// [batch, time, rest...] -> [batch * time, rest...], and back after a per-step computation:
// y [batch * time, out...] -> [batch, time, out...] with x's batch and time.
int merge_batch_time(LayerContext& ctx, const std::string& step, int x);
int split_batch_time(LayerContext& ctx, const std::string& step, int y, int x);

// How many of the context's weights, from `first`, the cell of this config uses.
std::size_t cell_weight_count(const LayerContext& ctx, CellKind kind, std::size_t first);

// Reads the cell from `ctx`'s config (units/output_dim, activation, recurrent_activation/
// inner_activation, use_bias, reset_after) and its weights from `first`. `cudnn` selects the
// CuDNNLSTM/CuDNNGRU weight layout.
Cell read_cell(LayerContext& ctx, CellKind kind, std::size_t first, bool cudnn = false);

// The options of a recurrent layer's call, from its config.
struct SequenceOptions {
  bool return_sequences = false;
  bool return_state = false;
  bool go_backwards = false;
  bool zero_output_for_mask = false;
  bool time_major = false;
};
SequenceOptions read_sequence_options(const LayerContext& ctx);

// The layer call's extra inputs: initial states (Keras [batch, units] each, in Keras' order)
// and a Keras 3 mask passed as a call argument (a bool input), else the mask travelling with
// the sequence. Throws when the count of states is neither 0 nor `states` (unless `states` is
// kAnyStateCount).
constexpr std::size_t kAnyStateCount = static_cast<std::size_t>(-1);
struct CallInputs {
  int x = -1;
  std::vector<int> states;
  int mask = -1;  // bool [batch, seq], or -1
};
CallInputs read_call_inputs(LayerContext& ctx, std::size_t states);

// One nnload recurrent node over the sequence x: one direction (forward, or reverse when
// `reverse`) or two (cells[0] forward, cells[1] reverse). initial_h/initial_c hold one Keras
// state per direction, or are empty. Returns the node's Y, Y_h, Y_c (-1 when not asked for):
// Y [batch, seq, dirs, U] (time major: [seq, dirs, batch, U]), Y_h/Y_c [batch, dirs, U]
// (time major: [dirs, batch, U]).
struct RecurrentCall {
  std::vector<const Cell*> cells;
  bool reverse = false;
  bool time_major = false;
  int x = -1;
  int mask = -1;
  std::vector<int> initial_h, initial_c;
  bool zero_output_for_mask = false;
  bool want_y = true;
};
struct RecurrentOutputs {
  int y = -1, y_h = -1, y_c = -1;
};
RecurrentOutputs add_recurrent(LayerContext& ctx, const std::string& step,
                               const RecurrentCall& call);

// Direction d of a node's output: [batch, seq, U] / [batch, U] (time major: seq first).
int direction_of_y(LayerContext& ctx, const std::string& step, int y, std::int64_t d,
                   bool time_major);
int direction_of_state(LayerContext& ctx, const std::string& step, int state, std::int64_t d,
                       bool time_major);

// x reversed along `axis`.
int flip(LayerContext& ctx, const std::string& step, int x, std::int64_t axis);

// The Keras outputs of one (uni-directional) recurrent layer: output (the sequence in the order
// Keras processed it, or the last output), then the states when return_state.
std::vector<int> keras_outputs(LayerContext& ctx, const Cell& cell, const SequenceOptions& opt,
                               const CallInputs& in);

// Rows of the wrapper and ConvLSTM files (recurrent_wrappers.cpp, recurrent_conv.cpp).
LayerRows wrapper_layers();
LayerRows conv_recurrent_layers();

}  // namespace nnload::formats::keras::rnn
