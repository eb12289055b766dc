// A direct float64 reference for ONNX RNN, GRU and LSTM (one sequence, one step, one unit at a
// time, straight from the spec's equations), random inputs for it, and a runner that calls
// the registered op with the same case.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "graph/graph.hpp"
#include "ops/run_op.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::testing::rnn_ref {

struct Case {
  std::string op = "LSTM";  // "RNN", "GRU" or "LSTM"
  std::int64_t seq = 4, batch = 2, input = 3, hidden = 5;
  std::string direction = "forward";
  int layout = 0;
  std::vector<std::string> activations;  // the node's attribute; empty: absent
  std::vector<double> alphas, betas;     // activation_alpha / activation_beta
  std::optional<double> clip;
  bool input_forget = false;
  bool linear_before_reset = false;
  bool bias = true, lens = false, initial_h = false, initial_c = false, peepholes = false;
  DType dtype = DType::f32;
  int opset = graph::kLatestOpset;
  // The nnload-domain variant: a Keras step mask (random, masked steps anywhere) and
  // zero_output_for_mask.
  bool keras_mask = false;
  bool zero_output_for_mask = false;
};

inline int gates(const Case& c) { return c.op == "LSTM" ? 4 : c.op == "GRU" ? 3 : 1; }
inline std::int64_t dirs(const Case& c) { return c.direction == "bidirectional" ? 2 : 1; }

// Inputs in ONNX order; undefined tensors for absent optional ones.
struct Data {
  Tensor x, w, r, b, lens, h0, c0, p;
  Tensor mask;  // nnload variant: bool [batch, seq], after LSTM's 8 or GRU/RNN's 6 inputs
  std::vector<Tensor> inputs() const {
    std::vector<Tensor> all{x, w, r, b, lens, h0, c0, p};
    if (mask.defined()) {
      all.resize(is_lstm ? 8 : 6);
      all.push_back(mask);
    }
    while (!all.back().defined()) all.pop_back();
    return all;
  }
  bool is_lstm = false;
};

inline Tensor random_tensor(DType dtype, const Shape& shape, std::mt19937& rng, double scale) {
  std::uniform_real_distribution<double> u(-scale, scale);
  Tensor t = Tensor::empty(dtype, shape);
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    if (dtype == DType::f64) {
      t.mutable_data<double>()[i] = u(rng);
    } else {
      t.mutable_data<float>()[i] = static_cast<float>(u(rng));
    }
  }
  return t;
}

inline Data random_data(const Case& c, std::mt19937& rng) {
  const std::int64_t d = dirs(c), g = gates(c), h = c.hidden;
  Data data;
  data.x = random_tensor(c.dtype,
                         c.layout ? Shape{c.batch, c.seq, c.input} : Shape{c.seq, c.batch, c.input},
                         rng, 1.0);
  data.w = random_tensor(c.dtype, {d, g * h, c.input}, rng, 0.6);
  data.r = random_tensor(c.dtype, {d, g * h, h}, rng, 0.6);
  if (c.bias) data.b = random_tensor(c.dtype, {d, 2 * g * h}, rng, 0.5);
  if (c.lens) {
    std::vector<std::int32_t> lens(static_cast<std::size_t>(c.batch));
    std::uniform_int_distribution<std::int32_t> len(1, static_cast<std::int32_t>(c.seq));
    for (auto& l : lens) l = len(rng);
    if (!lens.empty()) lens[0] = static_cast<std::int32_t>(c.seq);  // mixed: one full
    data.lens = Tensor::from_vector<std::int32_t>(lens, {c.batch});
  }
  const Shape state = c.layout ? Shape{c.batch, d, h} : Shape{d, c.batch, h};
  if (c.initial_h) data.h0 = random_tensor(c.dtype, state, rng, 1.0);
  if (c.initial_c) data.c0 = random_tensor(c.dtype, state, rng, 1.0);
  if (c.peepholes) data.p = random_tensor(c.dtype, {d, 3 * h}, rng, 0.5);
  data.is_lstm = c.op == "LSTM";
  if (c.keras_mask) {
    Tensor m = Tensor::empty(DType::boolean, {c.batch, c.seq});
    std::bernoulli_distribution keep(0.6);
    for (std::int64_t i = 0; i < m.numel(); ++i) m.mutable_data<bool>()[i] = keep(rng);
    data.mask = m;
  }
  return data;
}

struct Activation {
  std::string name;
  double alpha = 0, beta = 0;
};

inline double activate(const Activation& a, double x) {
  const std::string& n = a.name;
  if (n == "Relu") return std::max(0.0, x);
  if (n == "Tanh") return std::tanh(x);
  if (n == "Sigmoid") return 1 / (1 + std::exp(-x));
  if (n == "Affine") return a.alpha * x + a.beta;
  if (n == "LeakyRelu") return x >= 0 ? x : a.alpha * x;
  if (n == "ThresholdedRelu") return x >= a.alpha ? x : 0;
  if (n == "ScaledTanh") return a.alpha * std::tanh(a.beta * x);
  if (n == "HardSigmoid") return std::min(std::max(a.alpha * x + a.beta, 0.0), 1.0);
  if (n == "Elu") return x >= 0 ? x : a.alpha * (std::exp(x) - 1);
  if (n == "Softsign") return x / (1 + std::abs(x));
  if (n == "Softplus") return std::log(1 + std::exp(x));
  ADD_FAILURE() << "unknown activation " << n;
  return 0;
}

// The case's activations, alpha/beta taken in order by the functions that use them, the
// others at their ONNX operator defaults.
inline std::vector<Activation> resolve_activations(const Case& c) {
  std::vector<std::string> names = c.activations;
  if (names.empty()) {
    const std::vector<std::string> per =
        c.op == "LSTM"  ? std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"}
        : c.op == "GRU" ? std::vector<std::string>{"Sigmoid", "Tanh"}
                        : std::vector<std::string>{"Tanh"};
    for (std::int64_t d = 0; d < dirs(c); ++d) names.insert(names.end(), per.begin(), per.end());
  }
  if (c.op == "RNN" && dirs(c) == 1 && names.size() == 2) names.resize(1);
  std::size_t ai = 0, bi = 0;
  std::vector<Activation> out;
  for (const std::string& n : names) {
    Activation a{n};
    const bool alpha = n == "Affine" || n == "LeakyRelu" || n == "ThresholdedRelu" ||
                       n == "ScaledTanh" || n == "HardSigmoid" || n == "Elu";
    const bool beta = n == "Affine" || n == "ScaledTanh" || n == "HardSigmoid";
    a.alpha = n == "LeakyRelu" ? 0.01 : n == "HardSigmoid" ? 0.2 : 1.0;
    a.beta = n == "HardSigmoid" ? 0.5 : n == "ScaledTanh" ? 1.0 : 0.0;
    if (alpha && ai < c.alphas.size()) a.alpha = c.alphas[ai++];
    if (beta && bi < c.betas.size()) a.beta = c.betas[bi++];
    out.push_back(a);
  }
  return out;
}

struct Result {
  Tensor y, y_h, y_c;  // float64, in the case's layout
};

inline Result reference(const Case& c, const Data& data) {
  const std::int64_t nd = dirs(c), g = gates(c), H = c.hidden, S = c.seq, N = c.batch;
  const std::vector<Activation> acts = resolve_activations(c);
  const std::size_t per = acts.size() / static_cast<std::size_t>(nd);
  auto at = [](const Tensor& t, std::int64_t i) { return t.value_as_double(i); };
  auto x_at = [&](std::int64_t t, std::int64_t b, std::int64_t k) {
    return at(data.x, (c.layout ? b * S + t : t * N + b) * c.input + k);
  };
  auto state_index = [&](std::int64_t d, std::int64_t b, std::int64_t j) {
    return (c.layout ? b * nd + d : d * N + b) * H + j;
  };
  auto y_index = [&](std::int64_t t, std::int64_t d, std::int64_t b, std::int64_t j) {
    return (c.layout ? (b * S + t) * nd + d : (t * nd + d) * N + b) * H + j;
  };
  Result out;
  out.y = Tensor::zeros(DType::f64, c.layout ? Shape{N, S, nd, H} : Shape{S, nd, N, H});
  out.y_h = Tensor::zeros(DType::f64, c.layout ? Shape{N, nd, H} : Shape{nd, N, H});
  out.y_c = Tensor::zeros(DType::f64, out.y_h.shape());
  double* y = out.y.mutable_data<double>();
  auto clip = [&](double v) { return c.clip ? std::min(std::max(v, -*c.clip), *c.clip) : v; };
  for (std::int64_t d = 0; d < nd; ++d) {
    const bool reversed = c.direction == "reverse" || d == 1;
    const Activation* f = &acts[static_cast<std::size_t>(d) * per];
    for (std::int64_t b = 0; b < N; ++b) {
      const std::int64_t len = data.lens.defined() ? data.lens.data<std::int32_t>()[b] : S;
      std::vector<double> h(static_cast<std::size_t>(H)), cell(static_cast<std::size_t>(H));
      for (std::int64_t j = 0; j < H; ++j) {
        if (data.h0.defined()) h[j] = at(data.h0, state_index(d, b, j));
        if (data.c0.defined()) cell[j] = at(data.c0, state_index(d, b, j));
      }
      for (std::int64_t s = 0; s < len; ++s) {
        const std::int64_t t = reversed ? len - 1 - s : s;
        if (data.mask.defined() && !data.mask.data<bool>()[b * S + t]) {
          // Keras' masked step: the state carries over; the output is it, or zeros.
          for (std::int64_t j = 0; j < H; ++j)
            y[y_index(t, d, b, j)] = c.zero_output_for_mask ? 0.0 : h[j];
          continue;
        }
        // xw[q] = X W^T + Wb and hr[q] = Ht-1 R^T + Rb for every gate row q.
        std::vector<double> xw(static_cast<std::size_t>(g * H)), hr(xw.size());
        for (std::int64_t q = 0; q < g * H; ++q) {
          double sx = data.b.defined() ? at(data.b, d * 2 * g * H + q) : 0;
          double sh = data.b.defined() ? at(data.b, d * 2 * g * H + g * H + q) : 0;
          for (std::int64_t k = 0; k < c.input; ++k)
            sx += x_at(t, b, k) * at(data.w, (d * g * H + q) * c.input + k);
          for (std::int64_t k = 0; k < H; ++k) sh += h[k] * at(data.r, (d * g * H + q) * H + k);
          xw[q] = sx;
          hr[q] = sh;
        }
        std::vector<double> next(static_cast<std::size_t>(H));
        for (std::int64_t j = 0; j < H; ++j) {
          if (c.op == "RNN") {
            next[j] = activate(f[0], clip(xw[j] + hr[j]));
          } else if (c.op == "GRU") {
            const double z = activate(f[0], clip(xw[j] + hr[j]));
            double candidate;
            if (c.linear_before_reset) {
              const double r = activate(f[0], clip(xw[H + j] + hr[H + j]));
              candidate = xw[2 * H + j] + r * hr[2 * H + j];
            } else {
              // (rt (.) Ht-1) Rh^T + Rbh, r for every unit k of the product
              double sum = data.b.defined() ? at(data.b, d * 6 * H + 5 * H + j) : 0;
              for (std::int64_t k = 0; k < H; ++k) {
                const double rk = activate(f[0], clip(xw[H + k] + hr[H + k]));
                sum += rk * h[k] * at(data.r, (d * 3 * H + 2 * H + j) * H + k);
              }
              candidate = xw[2 * H + j] + sum;
            }
            const double hh = activate(f[1], clip(candidate));
            next[j] = (1 - z) * hh + z * h[j];
          } else {
            auto peep = [&](int gate, double cv) {
              return data.p.defined() ? at(data.p, d * 3 * H + gate * H + j) * cv : 0.0;
            };
            const double i = activate(f[0], clip(xw[j] + hr[j] + peep(0, cell[j])));
            const double fg =
                c.input_forget
                    ? 1 - i
                    : activate(f[0], clip(xw[2 * H + j] + hr[2 * H + j] + peep(2, cell[j])));
            const double cc = activate(f[1], clip(xw[3 * H + j] + hr[3 * H + j]));
            cell[j] = fg * cell[j] + i * cc;
            const double o = activate(f[0], clip(xw[H + j] + hr[H + j] + peep(1, cell[j])));
            next[j] = o * activate(f[2], cell[j]);
          }
        }
        h = next;
        for (std::int64_t j = 0; j < H; ++j) y[y_index(t, d, b, j)] = h[j];
      }
      for (std::int64_t j = 0; j < H; ++j) {
        out.y_h.mutable_data<double>()[state_index(d, b, j)] = h[j];
        out.y_c.mutable_data<double>()[state_index(d, b, j)] = cell[j];
      }
    }
  }
  return out;
}

inline graph::Attributes attributes(const Case& c) {
  graph::Attributes a;
  a.set("hidden_size", c.hidden);
  a.set("direction", c.direction);
  if (c.layout != 0) a.set("layout", std::int64_t{c.layout});
  if (!c.activations.empty()) a.set("activations", c.activations);
  if (!c.alphas.empty()) a.set("activation_alpha", c.alphas);
  if (!c.betas.empty()) a.set("activation_beta", c.betas);
  if (c.clip) a.set("clip", *c.clip);
  if (c.input_forget) a.set("input_forget", std::int64_t{1});
  if (c.linear_before_reset) a.set("linear_before_reset", std::int64_t{1});
  if (c.zero_output_for_mask) a.set("zero_output_for_mask", std::int64_t{1});
  return a;
}

// Runs the op with outputs `wanted` (false: omitted, graph::kNoValue) and returns them all.
inline std::vector<Tensor> run(const Case& c, const Data& data, std::vector<bool> wanted = {}) {
  if (wanted.empty()) wanted.assign(c.op == "LSTM" ? 3 : 2, true);
  graph::Node node;
  node.name = "rnn";
  node.op = c.op;
  node.attrs = attributes(c);
  const std::vector<Tensor> inputs = data.inputs();
  node.inputs.assign(inputs.size(), 0);
  for (bool w : wanted) node.outputs.push_back(w ? 0 : graph::kNoValue);
  if (c.keras_mask) {
    node.domain = "nnload";
    return ops::run_op(node, inputs, 1);
  }
  return ops::run_op(node, inputs, c.opset);
}

// Compares every wanted output with the reference.
inline void expect_matches_reference(const Case& c, const Data& data,
                                     const std::vector<Tensor>& out, double atol, double rtol,
                                     std::vector<bool> wanted = {}) {
  if (wanted.empty()) wanted.assign(out.size(), true);
  const Result ref = reference(c, data);
  const Tensor* expected[] = {&ref.y, &ref.y_h, &ref.y_c};
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (!wanted[i]) continue;
    EXPECT_EQ(out[i].dtype(), c.dtype) << "output " << i;
    EXPECT_TRUE(tensors_close(out[i], *expected[i], atol, rtol)) << "output " << i;
  }
}

}  // namespace nnload::testing::rnn_ref
