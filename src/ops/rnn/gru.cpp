// ONNX GRU: opset 1..2 (no linear_before_reset), 3..13 (1..6 also had output_sequence, a hint
// only) and 14+ with `layout`; nnload GRU 1 adds the Keras step mask (recurrent.hpp).
#include "ops/rnn/families.hpp"
#include "ops/rnn/recurrent_kernel.hpp"

namespace nnload::ops::rnn {

namespace {

// Gates in ONNX order z, r, h:
//   zt = f(Xt Wz^T + Ht-1 Rz^T + Wbz + Rbz), rt likewise,
//   ht = g(Xt Wh^T + (rt Ht-1) Rh^T + Rbh + Wbh)        linear_before_reset = 0
//   ht = g(Xt Wh^T + rt (Ht-1 Rh^T + Rbh) + Wbh)        linear_before_reset = 1 (PyTorch, Keras
//                                                       reset_after)
//   Ht = (1 - zt) ht + zt Ht-1
// Without linear_before_reset, Rh multiplies rt Ht-1, so each step makes two products: Ht-1 by
// R[zr], then rt Ht-1 by Rh.
template <class T>
class GruCell {
 public:
  static constexpr int kGates = 3;

  GruCell(const RecurrentAttrs& a, const Geometry& g, std::span<const InputInfo> inputs)
      : batch_(g.batch), hidden_(g.hidden), linear_before_reset_(a.linear_before_reset) {
    math_.n = g.hidden;
    if (a.clip) math_.clip = static_cast<T>(*a.clip);
    const T* r = inputs[kR].has_value() ? inputs[kR].value->template data<T>() : nullptr;
    const std::int64_t n = g.hidden;
    for (std::int64_t d = 0; d < g.directions; ++d) {
      activations_.push_back({a.activation(kGruSpec, d, 0), a.activation(kGruSpec, d, 1)});
      const T* rd = r != nullptr ? r + d * 3 * n * n : nullptr;
      if (linear_before_reset_) {
        zrh_.emplace_back(g.batch, n, 3 * n, false, rd);
      } else {
        zrh_.emplace_back(g.batch, n, 2 * n, false, rd);
        hidden_product_.emplace_back(g.batch, n, n, false,
                                     rd != nullptr ? rd + 2 * n * n : nullptr);
      }
    }
  }

  void projection_bias(const T* b, T* out) const {
    const std::int64_t n = hidden_;
    for (std::int64_t j = 0; j < 2 * n; ++j) out[j] = b[j] + b[3 * n + j];
    for (std::int64_t j = 2 * n; j < 3 * n; ++j) {
      out[j] = linear_before_reset_ ? b[j] : b[j] + b[3 * n + j];
    }
  }

  std::int64_t work_size() const { return batch_ * (linear_before_reset_ ? 3 : 4) * hidden_; }

  void step(std::int64_t d, const Step<T>& s) const {
    const auto dd = static_cast<std::size_t>(d);
    const std::int64_t n = hidden_;
    // Not a structured binding: clang 14 can't capture those in the lambdas below.
    const linalg::RecurrentActivation& f = activations_[dd][0];
    const linalg::RecurrentActivation& g = activations_[dd][1];
    if (linear_before_reset_) {
      zrh_[dd].run(s.h, s.r, nullptr, s.work);
      const T* rbh = s.b != nullptr ? s.b + 5 * n : nullptr;
      for_active_rows(s, 3 * n, [&](std::int64_t row) {
        const T* x = s.x[row];
        T* z = s.work + row * 3 * n;
        T* r = z + n;
        T* candidate = z + 2 * n;
        update_gate(f, z, x, r, x + n);
        if (rbh != nullptr) {
          for (std::int64_t j = 0; j < n; ++j) candidate[j] += rbh[j];
        }
        for (std::int64_t j = 0; j < n; ++j) candidate[j] *= r[j];
        finish_row(g, candidate, x + 2 * n, z, s.h + row * n);
      });
      return;
    }
    T* zr = s.work;
    T* reset_h = zr + batch_ * 2 * n;
    T* candidates = reset_h + batch_ * n;
    zrh_[dd].run(s.h, s.r, nullptr, zr);
    for_active_rows(s, 2 * n, [&](std::int64_t row) {
      const T* x = s.x[row];
      T* z = zr + row * 2 * n;
      T* r = z + n;
      update_gate(f, z, x, r, x + n);
      const T* h = s.h + row * n;
      T* out = reset_h + row * n;
      for (std::int64_t j = 0; j < n; ++j) out[j] = r[j] * h[j];
    });
    hidden_product_[dd].run(reset_h, s.r + 2 * n * n, nullptr, candidates);
    for_active_rows(s, n, [&](std::int64_t row) {
      finish_row(g, candidates + row * n, s.x[row] + 2 * n, zr + row * 2 * n, s.h + row * n);
    });
  }

 private:
  // z = f(z + xz), r = f(r + xr), in place.
  void update_gate(const linalg::RecurrentActivation& f, T* z, const T* xz, T* r,
                   const T* xr) const {
    math_.add(z, xz);
    math_.activate(f, z);
    math_.add(r, xr);
    math_.activate(f, r);
  }
  // ht = g(candidate + xh), then Ht = (1 - zt) ht + zt Ht-1 into h.
  void finish_row(const linalg::RecurrentActivation& g, T* candidate, const T* xh, const T* z,
                  T* h) const {
    math_.add(candidate, xh);
    math_.activate(g, candidate);
    for (std::int64_t j = 0; j < hidden_; ++j) {
      h[j] = (T(1) - z[j]) * candidate[j] + z[j] * h[j];
    }
  }

  std::int64_t batch_, hidden_;
  bool linear_before_reset_;
  GateMath<T> math_;
  std::vector<std::array<linalg::RecurrentActivation, 2>> activations_;  // f, g per direction
  std::vector<linalg::RowProduct<T>> zrh_;             // Ht-1 by R[zrh], or by R[zr] only
  std::vector<linalg::RowProduct<T>> hidden_product_;  // (rt Ht-1) by Rh
};

std::unique_ptr<Op> make_gru(const graph::Node& node, OpsetFeatures features) {
  return make_recurrent_op(kGruSpec, parse_recurrent(node, kGruSpec, features),
                           make_recurrent_kernel<GruCell>);
}

}  // namespace

OpTable gru_ops() {
  return {
      {"", "GRU", 1, 2, [](const graph::Node& n) { return make_gru(n, {}); }},
      {"", "GRU", 3, 13,
       [](const graph::Node& n) { return make_gru(n, {.linear_before_reset = true}); }},
      {"", "GRU", 14, graph::kLatestOpset,
       [](const graph::Node& n) {
         return make_gru(n, {.layout = true, .linear_before_reset = true});
       }},
      {"nnload", "GRU", 1, 1,
       [](const graph::Node& n) {
         return make_gru(n, {.layout = true, .linear_before_reset = true, .keras_mask = true});
       }},
  };
}

}  // namespace nnload::ops::rnn
