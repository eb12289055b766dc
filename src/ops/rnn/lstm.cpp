// ONNX LSTM: opset 1..13 (1..6 also had output_sequence, a hint only) and 14+ with `layout`;
// nnload LSTM 1 adds the Keras step mask (recurrent.hpp).
#include "ops/rnn/families.hpp"
#include "ops/rnn/recurrent_kernel.hpp"

namespace nnload::ops::rnn {

namespace {

// Gates in ONNX order i, o, f, c; peepholes P in order i, o, f.
template <class T>
class LstmCell {
 public:
  static constexpr int kGates = 4;

  LstmCell(const RecurrentAttrs& a, const Geometry& g, std::span<const InputInfo> inputs)
      : batch_(g.batch), hidden_(g.hidden), input_forget_(a.input_forget) {
    math_.n = g.hidden;
    if (a.clip) math_.clip = static_cast<T>(*a.clip);
    const T* r = inputs[kR].has_value() ? inputs[kR].value->template data<T>() : nullptr;
    for (std::int64_t d = 0; d < g.directions; ++d) {
      activations_.push_back({a.activation(kLstmSpec, d, 0), a.activation(kLstmSpec, d, 1),
                              a.activation(kLstmSpec, d, 2)});
      recurrent_.emplace_back(g.batch, g.hidden, 4 * g.hidden, false,
                              r != nullptr ? r + d * 4 * g.hidden * g.hidden : nullptr);
    }
  }

  void projection_bias(const T* b, T* out) const {
    for (std::int64_t j = 0; j < 4 * hidden_; ++j) out[j] = b[j] + b[4 * hidden_ + j];
  }

  std::int64_t work_size() const { return batch_ * 4 * hidden_; }

  void step(std::int64_t d, const Step<T>& s) const {
    recurrent_[static_cast<std::size_t>(d)].run(s.h, s.r, nullptr, s.work);
    for_active_rows(s, 4 * hidden_, [&](std::int64_t row) { update_row(d, s, row); });
  }

 private:
  // it = f(x + Ht-1 Ri + Pi Ct-1), ft = f(... + Pf Ct-1) (1 - it when input_forget),
  // ct = g(...), Ct = ft Ct-1 + it ct, ot = f(... + Po Ct), Ht = ot h(Ct). The pre-activations
  // are clipped; Ct itself is not, as in ONNX Runtime.
  void update_row(std::int64_t d, const Step<T>& s, std::int64_t row) const {
    const std::int64_t n = hidden_;
    const auto& [f, g, h] = activations_[static_cast<std::size_t>(d)];
    const T* x = s.x[row];
    T* gi = s.work + row * 4 * n;
    T* go = gi + n;
    T* gf = gi + 2 * n;
    T* gc = gi + 3 * n;
    T* c = s.c + row * n;
    T* ht = s.h + row * n;
    const T* p = s.p;
    math_.add_peephole(gi, x, p, c);
    math_.activate(f, gi);
    if (input_forget_) {
      for (std::int64_t j = 0; j < n; ++j) gf[j] = T(1) - gi[j];
    } else {
      math_.add_peephole(gf, x + 2 * n, p != nullptr ? p + 2 * n : nullptr, c);
      math_.activate(f, gf);
    }
    math_.add(gc, x + 3 * n);
    math_.activate(g, gc);
    for (std::int64_t j = 0; j < n; ++j) c[j] = gf[j] * c[j] + gi[j] * gc[j];
    math_.add_peephole(go, x + n, p != nullptr ? p + n : nullptr, c);
    math_.activate(f, go);
    std::copy(c, c + n, gc);
    math_.activate(h, gc);
    for (std::int64_t j = 0; j < n; ++j) ht[j] = go[j] * gc[j];
  }

  std::int64_t batch_, hidden_;
  bool input_forget_;
  GateMath<T> math_;
  std::vector<std::array<linalg::RecurrentActivation, 3>> activations_;  // f, g, h per direction
  std::vector<linalg::RowProduct<T>> recurrent_;                         // per direction
};

std::unique_ptr<Op> make_lstm(const graph::Node& node, OpsetFeatures features) {
  return make_recurrent_op(kLstmSpec, parse_recurrent(node, kLstmSpec, features),
                           make_recurrent_kernel<LstmCell>);
}

}  // namespace

OpTable lstm_ops() {
  return {
      {"", "LSTM", 1, 13, [](const graph::Node& n) { return make_lstm(n, {}); }},
      {"", "LSTM", 14, graph::kLatestOpset,
       [](const graph::Node& n) { return make_lstm(n, {.layout = true}); }},
      {"nnload", "LSTM", 1, 1,
       [](const graph::Node& n) { return make_lstm(n, {.layout = true, .keras_mask = true}); }},
  };
}

}  // namespace nnload::ops::rnn
