// nn.LSTM and nn.GRU.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "nnload/nn/module.hpp"

namespace nnload::nn {

// Keyword-style construction: LSTM({.input_size = 8, .hidden_size = 16, .batch_first = true}).
struct RNNOptions {
  std::int64_t input_size = 0;
  std::int64_t hidden_size = 0;
  std::int64_t num_layers = 1;
  bool bias = true;
  bool batch_first = false;
  double dropout = 0.0;  // between layers in training only: nnload does not train
  bool bidirectional = false;
};

struct LSTMOutput {
  Tensor output;  // [L, N, D * hidden] ([N, L, ...] with batch_first; [L, D * hidden] unbatched)
  Tensor h_n;     // [D * num_layers, N, hidden] ([D * num_layers, hidden] unbatched)
  Tensor c_n;
};

struct GRUOutput {
  Tensor output;
  Tensor h_n;
};

namespace detail {

// Layers and directions of PyTorch's RNNs, each run as one ONNX LSTM/GRU op. Parameters per
// layer k and direction: "weight_ih_l{k}" [G * hidden, in], "weight_hh_l{k}" [G * hidden,
// hidden], "bias_ih_l{k}", "bias_hh_l{k}" [G * hidden], with suffix "_reverse" for the
// backward direction (G = 4 gates for LSTM, 3 for GRU).
class RNNBase : public Module {
 public:
  const RNNOptions& options() const { return options_; }
  std::string extra_repr() const override;

 protected:
  RNNBase(RNNOptions options, std::int64_t gates, bool lstm);
  RNNBase(RNNBase&&) = default;

  // x, h0, c0 as PyTorch takes them; returns output, h_n, c_n (c_n undefined for GRU).
  std::vector<Tensor> run(const Tensor& x, const Tensor& h0, const Tensor& c0) const;
  void on_state_changed() override;

 private:
  struct Prepared;
  std::shared_ptr<const Prepared> prepared() const;

  RNNOptions options_;
  std::int64_t gates_;
  bool lstm_;
  std::vector<Tensor*> weights_;  // registration order: 2 or 4 per layer and direction
  // ONNX-layout weights (gates reordered, directions stacked) and one op per layer, built on
  // first use and dropped when the parameters change.
  struct PreparedCache;
  std::shared_ptr<PreparedCache> cache_;
};

}  // namespace detail

// PyTorch's LSTM (gates i, f, g, o) on ONNX's LSTM op (gates i, o, f, c).
class LSTM : public detail::RNNBase {
 public:
  explicit LSTM(RNNOptions options) : RNNBase(options, 4, true) {}
  LSTM(std::int64_t input_size, std::int64_t hidden_size, std::int64_t num_layers = 1,
       bool bias = true, bool batch_first = false, double dropout = 0.0, bool bidirectional = false,
       std::int64_t proj_size = 0);

  // h0, c0: [D * num_layers, N, hidden] (or both undefined for zeros).
  LSTMOutput forward(const Tensor& x, const Tensor& h0 = {}, const Tensor& c0 = {}) const;
  LSTMOutput operator()(const Tensor& x, const Tensor& h0 = {}, const Tensor& c0 = {}) const {
    return forward(x, h0, c0);
  }
};

// PyTorch's GRU (gates r, z, n) on ONNX's GRU op (gates z, r, h; linear_before_reset = 1).
class GRU : public detail::RNNBase {
 public:
  explicit GRU(RNNOptions options) : RNNBase(options, 3, false) {}
  GRU(std::int64_t input_size, std::int64_t hidden_size, std::int64_t num_layers = 1,
      bool bias = true, bool batch_first = false, double dropout = 0.0, bool bidirectional = false)
      : GRU(RNNOptions{input_size, hidden_size, num_layers, bias, batch_first, dropout,
                       bidirectional}) {}

  GRUOutput forward(const Tensor& x, const Tensor& h0 = {}) const;
  GRUOutput operator()(const Tensor& x, const Tensor& h0 = {}) const { return forward(x, h0); }
};

}  // namespace nnload::nn
