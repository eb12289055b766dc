// Keras' recurrent layers written out in float64 plain loops (the cells' equations from Keras'
// source, the time loop of keras.backend.rnn with masks as Keras 3's numpy backend runs it),
// and a runner that builds a Keras model config with in-memory weights through nnload's Keras
// reader and predicts.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "formats/keras/config.hpp"
#include "formats/keras/model_builder.hpp"
#include "graph/executor.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::testing::keras_rnn {

using Json = nlohmann::json;
using formats::keras::LayerWeight;
using formats::keras::LayerWeights;

using Fn = std::function<double(double)>;

inline double sigmoid(double x) { return 1 / (1 + std::exp(-x)); }
// Keras 1/2: clip(0.2 x + 0.5, 0, 1); Keras 3: relu6(x + 3) / 6.
inline double hard_sigmoid2(double x) { return std::min(std::max(0.2 * x + 0.5, 0.0), 1.0); }
inline double hard_sigmoid3(double x) { return std::min(std::max(x + 3, 0.0), 6.0) / 6; }
inline double tanh_(double x) { return std::tanh(x); }
inline double relu(double x) { return std::max(x, 0.0); }

enum class Kind { simple, gru, lstm };
inline int gates(Kind k) { return k == Kind::lstm ? 4 : k == Kind::gru ? 3 : 1; }

// A cell in Keras' own layout: kernel [in, G*U], recurrent [U, G*U] (gate blocks side by side,
// LSTM i f c o, GRU z r h), bias [G*U] or, with reset_after, [2, G*U] (input, recurrent).
struct Cell {
  Kind kind = Kind::lstm;
  std::int64_t in = 0, units = 0;
  std::vector<double> kernel, recurrent, bias;
  bool reset_after = false;
  Fn act = tanh_, rec_act = sigmoid;
};

inline std::vector<double> random_values(std::size_t n, std::mt19937& rng, double scale) {
  std::uniform_real_distribution<double> u(-scale, scale);
  std::vector<double> v(n);
  for (double& x : v) x = u(rng);
  return v;
}

inline Cell random_cell(Kind kind, std::int64_t in, std::int64_t units, bool bias, bool reset_after,
                        std::mt19937& rng) {
  Cell c;
  c.kind = kind;
  c.in = in;
  c.units = units;
  c.reset_after = reset_after && kind == Kind::gru;  // only GRU keeps two biases
  const auto g = static_cast<std::size_t>(gates(kind) * units);
  c.kernel = random_values(static_cast<std::size_t>(in) * g, rng, 0.7);
  c.recurrent = random_values(static_cast<std::size_t>(units) * g, rng, 0.7);
  if (bias) c.bias = random_values(c.reset_after ? 2 * g : g, rng, 0.5);
  return c;
}

// One step: states {h} or {h, c} -> new states (the output is the new h).
inline std::vector<std::vector<double>> step(const Cell& c, const double* x,
                                             const std::vector<std::vector<double>>& states) {
  const std::int64_t U = c.units, G = gates(c.kind) * U;
  const std::vector<double>& h = states[0];
  auto input_part = [&](std::int64_t q) {
    double s = c.bias.empty() ? 0 : c.bias[static_cast<std::size_t>(q)];
    for (std::int64_t k = 0; k < c.in; ++k)
      s += x[k] * c.kernel[static_cast<std::size_t>(k * G + q)];
    return s;
  };
  auto recurrent_part = [&](std::int64_t q, const std::vector<double>& v) {
    double s = 0;
    for (std::int64_t k = 0; k < U; ++k)
      s += v[static_cast<std::size_t>(k)] * c.recurrent[static_cast<std::size_t>(k * G + q)];
    return s;
  };
  std::vector<double> nh(static_cast<std::size_t>(U));
  if (c.kind == Kind::simple) {
    for (std::int64_t j = 0; j < U; ++j) nh[j] = c.act(input_part(j) + recurrent_part(j, h));
    return {nh};
  }
  if (c.kind == Kind::lstm) {
    std::vector<double> nc(static_cast<std::size_t>(U));
    for (std::int64_t j = 0; j < U; ++j) {
      auto z = [&](int gate) { return input_part(gate * U + j) + recurrent_part(gate * U + j, h); };
      const double i = c.rec_act(z(0)), f = c.rec_act(z(1)), g = c.act(z(2)), o = c.rec_act(z(3));
      nc[j] = f * states[1][j] + i * g;
      nh[j] = o * c.act(nc[j]);
    }
    return {nh, nc};
  }
  // GRU
  std::vector<double> z(static_cast<std::size_t>(U)), r(z.size());
  auto recurrent_bias = [&](std::int64_t q) {
    return c.reset_after && !c.bias.empty() ? c.bias[static_cast<std::size_t>(G + q)] : 0.0;
  };
  for (std::int64_t j = 0; j < U; ++j) {
    z[j] = c.rec_act(input_part(j) + recurrent_part(j, h) + recurrent_bias(j));
    r[j] = c.rec_act(input_part(U + j) + recurrent_part(U + j, h) + recurrent_bias(U + j));
  }
  std::vector<double> rh(static_cast<std::size_t>(U));
  for (std::int64_t j = 0; j < U; ++j) rh[j] = r[j] * h[j];
  for (std::int64_t j = 0; j < U; ++j) {
    const double inner = c.reset_after
                             ? r[j] * (recurrent_part(2 * U + j, h) + recurrent_bias(2 * U + j))
                             : recurrent_part(2 * U + j, rh);
    const double hh = c.act(input_part(2 * U + j) + inner);
    nh[j] = z[j] * h[j] + (1 - z[j]) * hh;
  }
  return {nh};
}

struct Options {
  bool return_sequences = false;
  bool go_backwards = false;
  bool zero_output_for_mask = false;
};

struct Result {
  std::vector<double> output;  // [B, T, U] (processing order) or [B, U]
  Shape shape;
  std::vector<std::vector<double>> states;  // each [B, U]
};

// keras.backend.rnn: x [B, T, in]; mask [B, T] (empty: none); initial: per state [B, U] (empty:
// zeros). A masked step keeps the states and outputs the previous h (or zeros).
inline Result run_layer(const Cell& c, const Options& o, const std::vector<double>& x,
                        std::int64_t B, std::int64_t T, const std::vector<char>& mask = {},
                        const std::vector<std::vector<double>>& initial = {}) {
  const std::int64_t U = c.units;
  const std::size_t n_states = c.kind == Kind::lstm ? 2 : 1;
  Result res;
  res.shape = o.return_sequences ? Shape{B, T, U} : Shape{B, U};
  res.states.assign(n_states, std::vector<double>(static_cast<std::size_t>(B * U)));
  for (std::int64_t b = 0; b < B; ++b) {
    std::vector<std::vector<double>> s(n_states, std::vector<double>(static_cast<std::size_t>(U)));
    for (std::size_t k = 0; k < n_states && !initial.empty(); ++k)
      for (std::int64_t j = 0; j < U; ++j)
        s[k][j] = initial[k][static_cast<std::size_t>(b * U + j)];
    std::vector<std::vector<double>> outputs;
    for (std::int64_t p = 0; p < T; ++p) {
      const std::int64_t t = o.go_backwards ? T - 1 - p : p;
      const bool live = mask.empty() || mask[static_cast<std::size_t>(b * T + t)];
      if (!live) {
        outputs.push_back(o.zero_output_for_mask ? std::vector<double>(static_cast<std::size_t>(U))
                                                 : s[0]);
        continue;
      }
      s = step(c, x.data() + (b * T + t) * c.in, s);
      outputs.push_back(s[0]);
    }
    if (o.return_sequences) {
      for (const auto& v : outputs) res.output.insert(res.output.end(), v.begin(), v.end());
    } else {
      res.output.insert(res.output.end(), outputs.back().begin(), outputs.back().end());
    }
    for (std::size_t k = 0; k < n_states; ++k)
      std::copy(s[k].begin(), s[k].end(), res.states[k].begin() + b * U);
  }
  return res;
}

inline Tensor to_tensor(const std::vector<double>& v, Shape shape) {
  std::vector<float> f(v.begin(), v.end());
  return Tensor::from_vector<float>(f, std::move(shape));
}

inline Tensor tensor_of(const std::vector<double>& v, Shape shape) {
  return to_tensor(v, std::move(shape));
}

inline Tensor mask_tensor(const std::vector<char>& m, std::int64_t B, std::int64_t T) {
  Tensor t = Tensor::empty(DType::boolean, {B, T});
  for (std::int64_t i = 0; i < B * T; ++i)
    t.mutable_data<bool>()[i] = m[static_cast<std::size_t>(i)] != 0;
  return t;
}

// Masks with masked steps at the start, in the middle and at the end, and a full row.
inline std::vector<char> scattered_mask(std::int64_t B, std::int64_t T) {
  std::vector<char> m(static_cast<std::size_t>(B * T), 1);
  for (std::int64_t b = 0; b < B; ++b) {
    for (std::int64_t t = 0; t < T; ++t) {
      const auto i = static_cast<std::size_t>(b * T + t);
      if (b % 4 == 0) m[i] = (t % 3) != 1;  // every third step, from step 1
      if (b % 4 == 1) m[i] = t >= 2;        // left padding
      if (b % 4 == 2) m[i] = t < T - 2;     // right padding
    }
  }
  return m;
}

// Keras weights [kernel, recurrent_kernel, (bias)] named as Keras 3 names them.
inline std::vector<LayerWeight> keras_weights(const Cell& c, const std::string& prefix) {
  const std::int64_t G = gates(c.kind) * c.units;
  std::vector<LayerWeight> w = {
      {prefix + "/kernel", to_tensor(c.kernel, {c.in, G})},
      {prefix + "/recurrent_kernel", to_tensor(c.recurrent, {c.units, G})}};
  if (!c.bias.empty()) {
    w.push_back({prefix + "/bias", to_tensor(c.bias, c.reset_after ? Shape{2, G} : Shape{G})});
  }
  return w;
}

// {"class_name": ..., "config": {...}} of an InputLayer.
inline Json input_layer(const std::string& name, std::vector<std::int64_t> shape, int major = 3) {
  Json batch = Json::array({nullptr});
  for (auto d : shape) batch.push_back(d);
  Json cfg = {{"name", name}, {"dtype", "float32"}};
  cfg[major >= 3 ? "batch_shape" : "batch_input_shape"] = batch;
  return {{"class_name", "InputLayer"},
          {"name", name},
          {"config", cfg},
          {"inbound_nodes", Json::array()}};
}

inline Json sequential(const std::vector<Json>& layers) {
  return {{"class_name", "Sequential"}, {"config", {{"name", "sequential"}, {"layers", layers}}}};
}

// A Keras 2 style inbound node: [[name, 0, index, {}], ...].
inline Json keras2_node(const std::vector<std::pair<std::string, int>>& refs) {
  Json node = Json::array();
  for (const auto& [name, index] : refs)
    node.push_back(Json::array({name, 0, index, Json::object()}));
  return Json::array({node});
}

inline Json keras3_tensor(const std::string& layer, int index = 0) {
  return {{"class_name", "__keras_tensor__"},
          {"config",
           {{"shape", Json::array()},
            {"dtype", "float32"},
            {"keras_history", Json::array({layer, 0, index})}}}};
}

inline Json functional(const std::vector<Json>& layers,
                       const std::vector<std::pair<std::string, int>>& inputs,
                       const std::vector<std::pair<std::string, int>>& outputs) {
  Json in = Json::array(), out = Json::array();
  for (const auto& [n, i] : inputs) in.push_back(Json::array({n, 0, i}));
  for (const auto& [n, i] : outputs) out.push_back(Json::array({n, 0, i}));
  return {{"class_name", "Functional"},
          {"config",
           {{"name", "model"}, {"layers", layers}, {"input_layers", in}, {"output_layers", out}}}};
}

// Builds the model through nnload's Keras reader (the given Keras major version) and runs it.
inline std::vector<Tensor> predict(const Json& model, const LayerWeights& weights, int major,
                                   const std::vector<Tensor>& inputs) {
  auto graph = std::make_shared<graph::Graph>();
  formats::keras::KerasVersion version;
  version.major = major;
  version.minor = major == 2 ? 4 : 0;
  formats::keras::build_model(*graph, formats::keras::parse_model_config(model), weights, version);
  const graph::Executor executor(graph);
  return executor.run(inputs);
}

inline ::testing::AssertionResult close(const Tensor& actual, const std::vector<double>& expected,
                                        const Shape& shape, double tol = 2e-5) {
  return tensors_close(actual, to_tensor(expected, shape), tol, tol);
}

}  // namespace nnload::testing::keras_rnn
