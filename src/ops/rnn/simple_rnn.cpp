// ONNX RNN (the simple recurrent cell): opset 1..13 (1..6 also had output_sequence, a hint
// only) and 14+ with `layout`; nnload RNN 1 adds the Keras step mask (recurrent.hpp).
#include "ops/rnn/families.hpp"
#include "ops/rnn/recurrent_kernel.hpp"

namespace nnload::ops::rnn {

namespace {

// Ht = f(Xt Wi^T + Ht-1 Ri^T + Wbi + Rbi), the pre-activation clipped.
template <class T>
class RnnCell {
 public:
  static constexpr int kGates = 1;

  RnnCell(const RecurrentAttrs& a, const Geometry& g, std::span<const InputInfo> inputs)
      : batch_(g.batch), hidden_(g.hidden) {
    math_.n = g.hidden;
    if (a.clip) math_.clip = static_cast<T>(*a.clip);
    const T* r = inputs[kR].has_value() ? inputs[kR].value->template data<T>() : nullptr;
    for (std::int64_t d = 0; d < g.directions; ++d) {
      activations_.push_back(a.activation(kRnnSpec, d, 0));
      recurrent_.emplace_back(g.batch, g.hidden, g.hidden, false,
                              r != nullptr ? r + d * g.hidden * g.hidden : nullptr);
    }
  }

  void projection_bias(const T* b, T* out) const {
    for (std::int64_t j = 0; j < hidden_; ++j) out[j] = b[j] + b[hidden_ + j];
  }

  std::int64_t work_size() const { return batch_ * hidden_; }

  void step(std::int64_t d, const Step<T>& s) const {
    recurrent_[static_cast<std::size_t>(d)].run(s.h, s.r, nullptr, s.work);
    const linalg::RecurrentActivation& f = activations_[static_cast<std::size_t>(d)];
    for_active_rows(s, hidden_, [&](std::int64_t row) {
      T* g = s.work + row * hidden_;
      math_.add(g, s.x[row]);
      math_.activate(f, g);
      std::copy(g, g + hidden_, s.h + row * hidden_);
    });
  }

 private:
  std::int64_t batch_, hidden_;
  GateMath<T> math_;
  std::vector<linalg::RecurrentActivation> activations_;  // per direction
  std::vector<linalg::RowProduct<T>> recurrent_;          // per direction
};

std::unique_ptr<Op> make_rnn(const graph::Node& node, OpsetFeatures features) {
  return make_recurrent_op(kRnnSpec, parse_recurrent(node, kRnnSpec, features),
                           make_recurrent_kernel<RnnCell>);
}

}  // namespace

OpTable simple_rnn_ops() {
  return {
      {"", "RNN", 1, 13, [](const graph::Node& n) { return make_rnn(n, {}); }},
      {"", "RNN", 14, graph::kLatestOpset,
       [](const graph::Node& n) { return make_rnn(n, {.layout = true}); }},
      {"nnload", "RNN", 1, 1,
       [](const graph::Node& n) { return make_rnn(n, {.layout = true, .keras_mask = true}); }},
  };
}

}  // namespace nnload::ops::rnn
