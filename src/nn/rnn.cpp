// nn.LSTM and nn.GRU on ONNX's LSTM and GRU ops, one op per layer (both directions in one op).
// PyTorch stacks gates as i, f, g, o (LSTM) and r, z, n (GRU); ONNX as i, o, f, c and z, r, h,
// so the weights are re-ordered once, on first use after they change.
#include "nnload/nn/rnn.hpp"

#include <mutex>

#include "core/fail.hpp"
#include "nn/functional_common.hpp"
#include "nn/repr.hpp"
#include "ops/run_op.hpp"

namespace nnload::nn {

namespace detail {

struct RNNBase::Prepared {
  // Per layer: W [D, G * H, in], R [D, G * H, H], B [D, 2 * G * H] (undefined without bias).
  std::vector<Tensor> w, r, b;
  std::vector<std::shared_ptr<CachedOp>> ops;
};

struct RNNBase::PreparedCache {
  std::mutex mutex;
  std::shared_ptr<const Prepared> value;
};

namespace {

// PyTorch's gate blocks in ONNX's order: LSTM i f g o -> i o f g; GRU r z n -> z r n.
Tensor reorder_gates(const Tensor& t, bool lstm) {
  const std::int64_t gates = lstm ? 4 : 3;
  const std::vector<Tensor> blocks = ops::run_op("Split", {t}, attrs({{"axis", std::int64_t{0}}}),
                                                 static_cast<int>(gates), "", 13);
  if (lstm) return cat({blocks[0], blocks[3], blocks[1], blocks[2]}, 0);
  return cat({blocks[1], blocks[0], blocks[2]}, 0);
}

}  // namespace

RNNBase::RNNBase(RNNOptions options, std::int64_t gates, bool lstm)
    : options_(options), gates_(gates), lstm_(lstm), cache_(std::make_shared<PreparedCache>()) {
  const RNNOptions& o = options_;
  const char* what = lstm ? "LSTM" : "GRU";
  if (o.input_size <= 0 || o.hidden_size <= 0) {
    fail(ErrorCode::invalid_argument, "{}: input_size {} and hidden_size {} must be positive", what,
         o.input_size, o.hidden_size);
  }
  if (o.num_layers <= 0) {
    fail(ErrorCode::invalid_argument, "{}: num_layers must be greater than or equal to 1", what);
  }
  if (o.dropout < 0 || o.dropout > 1) {
    fail(ErrorCode::invalid_argument,
         "{}: dropout should be a number in range [0, 1] representing the probability of an "
         "element being zeroed",
         what);
  }
  const std::int64_t dirs = o.bidirectional ? 2 : 1, h = o.hidden_size;
  for (std::int64_t layer = 0; layer < o.num_layers; ++layer) {
    const std::int64_t in = layer == 0 ? o.input_size : h * dirs;
    for (std::int64_t d = 0; d < dirs; ++d) {
      const std::string suffix = fmt::format("_l{}{}", layer, d == 1 ? "_reverse" : "");
      weights_.push_back(
          &register_parameter("weight_ih" + suffix, Tensor::zeros(DType::f32, {gates * h, in})));
      weights_.push_back(
          &register_parameter("weight_hh" + suffix, Tensor::zeros(DType::f32, {gates * h, h})));
      if (o.bias) {
        weights_.push_back(
            &register_parameter("bias_ih" + suffix, Tensor::zeros(DType::f32, {gates * h})));
        weights_.push_back(
            &register_parameter("bias_hh" + suffix, Tensor::zeros(DType::f32, {gates * h})));
      }
    }
  }
}

void RNNBase::on_state_changed() {
  std::lock_guard<std::mutex> lock(cache_->mutex);
  cache_->value.reset();
}

std::shared_ptr<const RNNBase::Prepared> RNNBase::prepared() const {
  std::lock_guard<std::mutex> lock(cache_->mutex);
  if (cache_->value) return cache_->value;
  const RNNOptions& o = options_;
  const std::int64_t dirs = o.bidirectional ? 2 : 1;
  const std::size_t per_direction = o.bias ? 4 : 2;
  auto p = std::make_shared<Prepared>();
  graph::Attributes a =
      attrs({{"hidden_size", o.hidden_size},
             {"direction", std::string(dirs == 2 ? "bidirectional" : "forward")}});
  if (!lstm_) a.set("linear_before_reset", std::int64_t{1});
  for (std::int64_t layer = 0; layer < o.num_layers; ++layer) {
    std::vector<Tensor> w, r, b;
    for (std::int64_t d = 0; d < dirs; ++d) {
      const std::size_t base = static_cast<std::size_t>(layer * dirs + d) * per_direction;
      w.push_back(unsqueeze(reorder_gates(*weights_[base], lstm_), 0));
      r.push_back(unsqueeze(reorder_gates(*weights_[base + 1], lstm_), 0));
      if (o.bias) {
        b.push_back(unsqueeze(cat({reorder_gates(*weights_[base + 2], lstm_),
                                   reorder_gates(*weights_[base + 3], lstm_)},
                                  0),
                              0));
      }
    }
    p->w.push_back(cat(w, 0));
    p->r.push_back(cat(r, 0));
    p->b.push_back(o.bias ? cat(b, 0) : Tensor());
    p->ops.push_back(make_op(lstm_ ? "LSTM" : "GRU", a, lstm_ ? 7 : 6, lstm_ ? 3 : 2));
  }
  cache_->value = p;
  return p;
}

std::vector<Tensor> RNNBase::run(const Tensor& x, const Tensor& h0, const Tensor& c0) const {
  const RNNOptions& o = options_;
  const std::int64_t dirs = o.bidirectional ? 2 : 1, h = o.hidden_size;
  check_defined(x, lstm_ ? "LSTM" : "GRU");
  if (x.rank() != 2 && x.rank() != 3) {
    fail(ErrorCode::shape, "Expected input to be 2D or 3D, got {}D instead", x.rank());
  }
  const bool unbatched = x.rank() == 2;
  if (x.dim(-1) != o.input_size) {
    fail(ErrorCode::shape, "input.size(-1) must be equal to input_size. Expected {}, got {}",
         o.input_size, x.dim(-1));
  }
  // ONNX's layout: X [seq, batch, in], states [D * layers, batch, hidden].
  Tensor seq = unbatched ? unsqueeze(x, 1) : o.batch_first ? transpose(x, 0, 1) : x;
  const std::int64_t batch = seq.dim(1);
  const Shape state_shape{dirs * o.num_layers, batch, h};
  auto state = [&](const Tensor& s, const char* name) -> Tensor {
    if (!s.defined()) return s;
    const Tensor batched = unbatched ? unsqueeze(s, 1) : s;
    if (batched.shape() != state_shape) {
      fail(ErrorCode::shape, "Expected {} size {}, got {}", name,
           shape_to_list(unbatched ? Shape{dirs * o.num_layers, h} : state_shape),
           shape_to_list(s.shape()));
    }
    return batched;
  };
  const Tensor h_init = state(h0, "hidden");
  const Tensor c_init = lstm_ ? state(c0, "cell") : Tensor();
  if (lstm_ && h_init.defined() != c_init.defined()) {
    fail(ErrorCode::invalid_argument, "LSTM: give both h0 and c0, or neither");
  }
  // Each layer's slice of the initial states: Split along the first axis.
  auto per_layer = [&](const Tensor& s) {
    if (!s.defined()) return std::vector<Tensor>(static_cast<std::size_t>(o.num_layers));
    if (o.num_layers == 1) return std::vector<Tensor>{s};
    const Tensor inputs[1] = {s};
    return shared_op("Split", attrs({{"axis", std::int64_t{0}}}), 1, 13, "",
                     static_cast<int>(o.num_layers))
        .run(inputs);
  };
  const std::vector<Tensor> h_layers = per_layer(h_init), c_layers = per_layer(c_init);

  const std::shared_ptr<const Prepared> p = prepared();
  std::vector<Tensor> h_n, c_n;
  for (std::int64_t layer = 0; layer < o.num_layers; ++layer) {
    const auto l = static_cast<std::size_t>(layer);
    std::vector<Tensor> inputs{seq, p->w[l], p->r[l], p->b[l], Tensor(), h_layers[l]};
    if (lstm_) inputs.push_back(c_layers[l]);
    const std::vector<Tensor> out = p->ops[l]->run(inputs, 0b1110);
    // Y [seq, D, batch, hidden] -> [seq, batch, D * hidden], the next layer's input.
    seq = reshape(permute(out[0], {0, 2, 1, 3}), {seq.dim(0), batch, dirs * h});
    h_n.push_back(out[1]);
    if (lstm_) c_n.push_back(out[2]);
  }
  Tensor output = unbatched ? squeeze(seq, 1) : o.batch_first ? transpose(seq, 0, 1) : seq;
  Tensor h_last = cat(h_n, 0);
  Tensor c_last = lstm_ ? cat(c_n, 0) : Tensor();
  if (unbatched) {
    h_last = squeeze(h_last, 1);
    if (lstm_) c_last = squeeze(c_last, 1);
  }
  return {output, h_last, c_last};
}

std::string RNNBase::extra_repr() const {
  const RNNOptions& o = options_;
  std::string s = fmt::format("{}, {}", o.input_size, o.hidden_size);
  if (o.num_layers != 1) s += fmt::format(", num_layers={}", o.num_layers);
  if (!o.bias) s += ", bias=False";
  if (o.batch_first) s += ", batch_first=True";
  if (o.dropout != 0) s += ", dropout=" + py_float(o.dropout);
  if (o.bidirectional) s += ", bidirectional=True";
  return s;
}

}  // namespace detail

LSTM::LSTM(std::int64_t input_size, std::int64_t hidden_size, std::int64_t num_layers, bool bias,
           bool batch_first, double dropout, bool bidirectional, std::int64_t proj_size)
    : LSTM(RNNOptions{input_size, hidden_size, num_layers, bias, batch_first, dropout,
                      bidirectional}) {
  if (proj_size != 0) {
    fail(ErrorCode::unsupported,
         "LSTM: proj_size={} (LSTMs with projections are not "
         "implemented)",
         proj_size);
  }
}

LSTMOutput LSTM::forward(const Tensor& x, const Tensor& h0, const Tensor& c0) const {
  try {
    std::vector<Tensor> out = run(x, h0, c0);
    return {std::move(out[0]), std::move(out[1]), std::move(out[2])};
  } catch (const Error& e) {
    rethrow_with_context(e, describe());
  }
}

GRUOutput GRU::forward(const Tensor& x, const Tensor& h0) const {
  try {
    std::vector<Tensor> out = run(x, h0, {});
    return {std::move(out[0]), std::move(out[1])};
  } catch (const Error& e) {
    rethrow_with_context(e, describe());
  }
}

}  // namespace nnload::nn
