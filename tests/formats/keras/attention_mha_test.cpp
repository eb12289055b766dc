// MultiHeadAttention against a plain-loop reference of Keras' equations: projections, scaled
// scores, masked softmax (-1e9 bias), per-head context, output projection; masks from Keras
// masks, attention_mask and use_causal_mask; inputs passed positionally and by keyword (Keras 3
// and tf.keras configs); attention scores as a second output.
#include <gtest/gtest.h>

#include <cmath>

#include "extra_test_support.hpp"
#include "support/error_capture.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload {
namespace {

namespace k = testing::keras;
using k::Json;

struct MhaWeights {
  int64_t heads, key_dim, value_dim;
  Tensor wq, bq, wk, bk, wv, bv, wo, bo;  // Keras shapes; biases undefined without use_bias
};

MhaWeights make_weights(int64_t c_q, int64_t c_k, int64_t c_v, int64_t heads, int64_t key_dim,
                        int64_t value_dim, int64_t out, bool bias, unsigned seed) {
  MhaWeights w{heads, key_dim, value_dim, {}, {}, {}, {}, {}, {}, {}, {}};
  w.wq = k::random_tensor({c_q, heads, key_dim}, seed + 1, -0.5f, 0.5f);
  w.wk = k::random_tensor({c_k, heads, key_dim}, seed + 2, -0.5f, 0.5f);
  w.wv = k::random_tensor({c_v, heads, value_dim}, seed + 3, -0.5f, 0.5f);
  w.wo = k::random_tensor({heads, value_dim, out}, seed + 4, -0.5f, 0.5f);
  if (bias) {
    w.bq = k::random_tensor({heads, key_dim}, seed + 5);
    w.bk = k::random_tensor({heads, key_dim}, seed + 6);
    w.bv = k::random_tensor({heads, value_dim}, seed + 7);
    w.bo = k::random_tensor({out}, seed + 8);
  }
  return w;
}

std::vector<Tensor> weight_list(const MhaWeights& w) {
  if (!w.bq.defined()) return {w.wq, w.wk, w.wv, w.wo};
  return {w.wq, w.bq, w.wk, w.bk, w.wv, w.bv, w.wo, w.bo};
}

// x [B, L, C] through kernel [C, N, H] (+ bias [N, H]) -> [B, L, N, H] as doubles.
std::vector<double> project(const Tensor& x, const Tensor& w, const Tensor& b) {
  const int64_t B = x.dim(0), L = x.dim(1), C = x.dim(2), N = w.dim(1), H = w.dim(2);
  std::vector<double> y(static_cast<std::size_t>(B * L * N * H));
  const float* xv = x.data<float>();
  const float* wv = w.data<float>();
  for (int64_t i = 0; i < B * L; ++i)
    for (int64_t n = 0; n < N * H; ++n) {
      double s = b.defined() ? b.data<float>()[n] : 0.0;
      for (int64_t c = 0; c < C; ++c) s += double(xv[i * C + c]) * wv[c * N * H + n];
      y[static_cast<std::size_t>(i * N * H + n)] = s;
    }
  return y;
}

// Keras' MultiHeadAttention for 3-D inputs; `mask(b, t, s)` false where attention is masked.
// Returns the output [B, T, O] and the scores [B, N, T, S].
template <class Mask>
std::pair<std::vector<double>, std::vector<double>> reference(const Tensor& q, const Tensor& v,
                                                              const Tensor& key,
                                                              const MhaWeights& w, Mask mask) {
  const int64_t B = q.dim(0), T = q.dim(1), S = v.dim(1), N = w.heads, H = w.key_dim,
                Hv = w.value_dim, O = w.wo.dim(2);
  std::vector<double> Q = project(q, w.wq, w.bq), K = project(key, w.wk, w.bk),
                      V = project(v, w.wv, w.bv);
  const double scale = 1.0 / std::sqrt(double(H));
  std::vector<double> out(static_cast<std::size_t>(B * T * O)),
      probs(static_cast<std::size_t>(B * N * T * S));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t n = 0; n < N; ++n)
      for (int64_t t = 0; t < T; ++t) {
        std::vector<double> s(static_cast<std::size_t>(S));
        double mx = -1e300;
        for (int64_t j = 0; j < S; ++j) {
          double dot = 0;
          for (int64_t h = 0; h < H; ++h)
            dot += Q[static_cast<std::size_t>(((b * T + t) * N + n) * H + h)] * scale *
                   K[static_cast<std::size_t>(((b * S + j) * N + n) * H + h)];
          // Keras adds -1e9 in float32, which swallows the score: a row with no allowed key
          // averages the values uniformly.
          if (!mask(b, t, j)) dot = double(float(dot) + -1e9f);
          s[static_cast<std::size_t>(j)] = dot;
          mx = std::max(mx, dot);
        }
        double sum = 0;
        for (double& e : s) sum += (e = std::exp(e - mx));
        for (int64_t j = 0; j < S; ++j)
          probs[static_cast<std::size_t>(((b * N + n) * T + t) * S + j)] =
              s[static_cast<std::size_t>(j)] / sum;
      }
  for (int64_t b = 0; b < B; ++b)
    for (int64_t t = 0; t < T; ++t)
      for (int64_t o = 0; o < O; ++o) {
        double acc = w.bo.defined() ? w.bo.data<float>()[o] : 0.0;
        for (int64_t n = 0; n < N; ++n)
          for (int64_t h = 0; h < Hv; ++h) {
            double ctx = 0;
            for (int64_t j = 0; j < S; ++j)
              ctx += probs[static_cast<std::size_t>(((b * N + n) * T + t) * S + j)] *
                     V[static_cast<std::size_t>(((b * S + j) * N + n) * Hv + h)];
            acc += ctx * w.wo.data<float>()[(n * Hv + h) * O + o];
          }
        out[static_cast<std::size_t>((b * T + t) * O + o)] = acc;
      }
  return {out, probs};
}

void expect_close(const Tensor& actual, const std::vector<double>& expected, const Shape& shape,
                  double tol = 2e-5) {
  ASSERT_EQ(actual.shape(), shape);
  ASSERT_EQ(actual.numel(), static_cast<int64_t>(expected.size()));
  for (int64_t i = 0; i < actual.numel(); ++i)
    ASSERT_NEAR(actual.data<float>()[i], expected[static_cast<std::size_t>(i)],
                tol * (1 + std::abs(expected[static_cast<std::size_t>(i)])))
        << "element " << i;
}

Json mha_config(int64_t heads, int64_t key_dim, Json extra = Json::object()) {
  Json c = {{"num_heads", heads},       {"key_dim", key_dim}, {"value_dim", nullptr},
            {"dropout", 0.0},           {"use_bias", true},   {"output_shape", nullptr},
            {"attention_axes", nullptr}};
  for (auto& [key, value] : extra.items()) c[key] = value;
  return c;
}

TEST(KerasMultiHeadAttention, SelfAttentionMatchesReference) {
  const Tensor x = k::random_tensor({2, 5, 6}, 10);
  const MhaWeights w = make_weights(6, 6, 6, 3, 4, 4, 6, true, 20);
  const Json model = k::functional(
      {k::input_layer("x", {5, 6}),
       k::layer("MultiHeadAttention", "mha", mha_config(3, 4), {k::ref("x"), k::ref("x")})},
      {"x"}, {Json{"mha", 0, 0}});
  const auto out = k::run(model, {{"mha", weight_list(w)}}, {x});
  const auto expected = reference(x, x, x, w, [](int64_t, int64_t, int64_t) { return true; });
  expect_close(out[0], expected.first, {2, 5, 6});
}

TEST(KerasMultiHeadAttention, CrossAttentionWithKeyValueDimsOutputShapeNoBias) {
  const Tensor q = k::random_tensor({2, 3, 5}, 1), v = k::random_tensor({2, 7, 4}, 2),
               key = k::random_tensor({2, 7, 6}, 3);
  const MhaWeights w = make_weights(5, 6, 4, 2, 3, 5, 8, false, 30);
  const Json model = k::functional(
      {k::input_layer("q", {3, 5}), k::input_layer("v", {7, 4}), k::input_layer("k", {7, 6}),
       k::layer("MultiHeadAttention", "mha",
                mha_config(2, 3, {{"value_dim", 5}, {"use_bias", false}, {"output_shape", {8}}}),
                {k::ref("q"), k::ref("v"), k::ref("k")})},
      {"q", "v", "k"}, {Json{"mha", 0, 0}});
  const auto out = k::run(model, {{"mha", weight_list(w)}}, {q, v, key});
  const auto expected = reference(q, v, key, w, [](int64_t, int64_t, int64_t) { return true; });
  expect_close(out[0], expected.first, {2, 3, 8});
}

TEST(KerasMultiHeadAttention, ValueAndKeyByKeywordKeras3) {
  const Tensor q = k::random_tensor({1, 4, 6}, 4), v = k::random_tensor({1, 3, 6}, 5),
               key = k::random_tensor({1, 3, 6}, 6);
  const MhaWeights w = make_weights(6, 6, 6, 2, 3, 3, 6, true, 40);
  const Json model = k::functional(
      {k::input_layer("q", {4, 6}), k::input_layer("v", {3, 6}), k::input_layer("k", {3, 6}),
       k::layer("MultiHeadAttention", "mha", mha_config(2, 3), {k::ref("q")},
                {{"value", k::ref("v")}, {"key", k::ref("k")}})},
      {"q", "v", "k"}, {Json{"mha", 0, 0}});
  const auto out = k::run(model, {{"mha", weight_list(w)}}, {q, v, key});
  const auto expected = reference(q, v, key, w, [](int64_t, int64_t, int64_t) { return true; });
  expect_close(out[0], expected.first, {1, 4, 6});
}

TEST(KerasMultiHeadAttention, TfKerasValueKwargAndAttentionMaskInput) {
  // tf.keras 2.x writes the value and attention_mask as [layer, node, tensor] keyword values.
  const Tensor q = k::random_tensor({2, 4, 6}, 7), v = k::random_tensor({2, 5, 6}, 8);
  std::vector<float> m(2 * 4 * 5);
  for (std::size_t i = 0; i < m.size(); ++i) m[i] = (i * 7 % 3) ? 1.0f : 0.0f;
  for (int t = 0; t < 8; ++t) m[static_cast<std::size_t>(t * 5)] = 1.0f;  // no fully masked row
  const Tensor mask = Tensor::from_vector<float>(m, {2, 4, 5});
  const MhaWeights w = make_weights(6, 6, 6, 2, 3, 3, 6, true, 50);
  Json model = k::functional(
      {k::input_layer("q", {4, 6}), k::input_layer("v", {5, 6}), k::input_layer("m", {4, 5})},
      {"q", "v", "m"}, {Json{"mha", 0, 0}});
  model["config"]["layers"].push_back(
      {{"class_name", "MultiHeadAttention"},
       {"config", mha_config(2, 3, {{"name", "mha"}})},
       {"name", "mha"},
       {"inbound_nodes",
        {{{"q", 0, 0, {{"value", {"v", 0, 0}}, {"attention_mask", {"m", 0, 0}}}}}}}});
  for (const char* version : {"2.9.0", "2.15.0"}) {
    const auto out = k::run(model, {{"mha", weight_list(w)}}, {q, v, mask}, version);
    const auto expected = reference(q, v, v, w, [&](int64_t b, int64_t t, int64_t s) {
      return m[static_cast<std::size_t>((b * 4 + t) * 5 + s)] != 0.0f;
    });
    expect_close(out[0], expected.first, {2, 4, 6});
  }
}

TEST(KerasMultiHeadAttention, CausalMaskAndScoresOutput) {
  const Tensor x = k::random_tensor({2, 5, 4}, 9);
  const MhaWeights w = make_weights(4, 4, 4, 2, 2, 2, 4, true, 60);
  const Json model = k::functional(
      {k::input_layer("x", {5, 4}),
       k::layer("MultiHeadAttention", "mha", mha_config(2, 2), {k::ref("x"), k::ref("x")},
                {{"use_causal_mask", true}, {"return_attention_scores", true}})},
      {"x"}, {Json{"mha", 0, 0}, Json{"mha", 0, 1}});
  const auto out = k::run(model, {{"mha", weight_list(w)}}, {x});
  const auto expected = reference(x, x, x, w, [](int64_t, int64_t t, int64_t s) { return s <= t; });
  ASSERT_EQ(out.size(), 2u);
  expect_close(out[0], expected.first, {2, 5, 4});
  expect_close(out[1], expected.second, {2, 2, 5, 5});
  EXPECT_EQ(out[1].data<float>()[1], 0.0f);  // position 0 sees only itself
}

TEST(KerasMultiHeadAttention, QueryValueAndKeyKerasMasksAreMerged) {
  const Tensor q = k::random_tensor({2, 4, 6}, 11), v = k::random_tensor({2, 5, 6}, 12),
               key = k::random_tensor({2, 5, 6}, 13);
  const std::vector<uint8_t> qm = {1, 1, 0, 1, 1, 0, 1, 1}, vm = {1, 0, 1, 1, 0, 0, 1, 1, 1, 1},
                             km = {1, 1, 1, 0, 1, 1, 1, 1, 1, 0};
  auto to_bool = [](const std::vector<uint8_t>& v, Shape s) {
    Tensor t = Tensor::empty(DType::boolean, s);
    std::copy(v.begin(), v.end(), static_cast<uint8_t*>(t.mutable_raw()));
    return t;
  };
  const MhaWeights w = make_weights(6, 6, 6, 2, 3, 3, 6, true, 70);
  k::LayerRun r;
  r.class_name = "MultiHeadAttention";
  r.config = mha_config(2, 3);
  r.weights = weight_list(w);
  r.inputs = {q, v, key};
  r.masks = {to_bool(qm, {2, 4}), to_bool(vm, {2, 5}), to_bool(km, {2, 5})};
  const auto out = k::run_layer(r);
  const auto expected = reference(q, v, key, w, [&](int64_t b, int64_t t, int64_t s) {
    return qm[static_cast<std::size_t>(b * 4 + t)] && vm[static_cast<std::size_t>(b * 5 + s)] &&
           km[static_cast<std::size_t>(b * 5 + s)];
  });
  expect_close(out[0], expected.first, {2, 4, 6});

  // tf.keras before 2.10 ignored Keras masks.
  r.version = "2.8.0";
  const auto old = k::run_layer(r);
  const auto unmasked = reference(q, v, key, w, [](int64_t, int64_t, int64_t) { return true; });
  expect_close(old[0], unmasked.first, {2, 4, 6});
}

TEST(KerasMultiHeadAttention, TwoAttentionAxesOnRank4Inputs) {
  // [B, X, Y, C] attending over X and Y jointly: the same as flattening X*Y into one sequence.
  const Tensor x = k::random_tensor({1, 2, 3, 4}, 14);
  const MhaWeights w = make_weights(4, 4, 4, 2, 2, 2, 4, true, 80);
  const Json model = k::functional(
      {k::input_layer("x", {2, 3, 4}),
       k::layer("MultiHeadAttention", "mha", mha_config(2, 2, {{"attention_axes", {1, 2}}}),
                {k::ref("x"), k::ref("x")}, {{"return_attention_scores", true}})},
      {"x"}, {Json{"mha", 0, 0}, Json{"mha", 0, 1}});
  const auto out = k::run(model, {{"mha", weight_list(w)}}, {x});
  const Tensor flat = x.reshaped({1, 6, 4});
  const auto expected =
      reference(flat, flat, flat, w, [](int64_t, int64_t, int64_t) { return true; });
  expect_close(out[0], expected.first, {1, 2, 3, 4});
  expect_close(out[1], expected.second, {1, 2, 2, 3, 2, 3});
}

TEST(KerasMultiHeadAttention, TwoAttentionAxesWithAttentionMask) {
  // attention_mask [B, X, Y, X', Y'] (expanded before the query axes as Keras does): the
  // flattened sequence's [B, X*Y, X'*Y'] mask.
  const Tensor x = k::random_tensor({2, 2, 3, 4}, 17);
  const MhaWeights w = make_weights(4, 4, 4, 2, 2, 2, 4, true, 85);
  std::vector<float> m(2 * 6 * 6);
  for (std::size_t i = 0; i < m.size(); ++i) m[i] = (i * 5 % 4) ? 1.0f : 0.0f;
  for (int64_t b = 0; b < 2; ++b)  // a fully masked query row
    for (int64_t s = 0; s < 6; ++s) m[static_cast<std::size_t>((b * 6 + 4) * 6 + s)] = 0.0f;
  const Tensor full = Tensor::from_vector<float>(m, {2, 2, 3, 2, 3});
  const Json model = k::functional(
      {k::input_layer("x", {2, 3, 4}), k::input_layer("m", {2, 3, 2, 3}),
       k::layer("MultiHeadAttention", "mha", mha_config(2, 2, {{"attention_axes", {1, 2}}}),
                {k::ref("x"), k::ref("x")}, {{"attention_mask", k::ref("m")}})},
      {"x", "m"}, {Json{"mha", 0, 0}});
  const auto out = k::run(model, {{"mha", weight_list(w)}}, {x, full});
  const Tensor flat = x.reshaped({2, 6, 4});
  const auto expected = reference(flat, flat, flat, w, [&](int64_t b, int64_t t, int64_t s) {
    return m[static_cast<std::size_t>((b * 6 + t) * 6 + s)] != 0.0f;
  });
  expect_close(out[0], expected.first, {2, 2, 3, 4});

  // A rank-4 mask [X, Y, X', Y']: Keras' expansions put it after batch and heads, so every
  // batch entry shares it.
  std::vector<float> m2(6 * 6);
  for (std::size_t i = 0; i < m2.size(); ++i) m2[i] = (i * 7 % 3) ? 1.0f : 0.0f;
  Json model2 = model;
  model2["config"]["layers"][1] = k::input_layer("m", {3, 2, 3});
  const auto out2 =
      k::run(model2, {{"mha", weight_list(w)}}, {x, Tensor::from_vector<float>(m2, {2, 3, 2, 3})});
  const auto expected2 = reference(flat, flat, flat, w, [&](int64_t, int64_t t, int64_t s) {
    return m2[static_cast<std::size_t>(t * 6 + s)] != 0.0f;
  });
  expect_close(out2[0], expected2.first, {2, 2, 3, 4});
}

TEST(KerasMultiHeadAttention, AttentionOverTheSecondAxisOfRank4Inputs) {
  // attention_axes=[2]: each row x[:, i] attends within itself.
  const Tensor x = k::random_tensor({1, 2, 3, 4}, 15);
  const MhaWeights w = make_weights(4, 4, 4, 2, 2, 2, 4, true, 90);
  const Json model = k::functional(
      {k::input_layer("x", {2, 3, 4}),
       k::layer("MultiHeadAttention", "mha", mha_config(2, 2, {{"attention_axes", {2}}}),
                {k::ref("x"), k::ref("x")})},
      {"x"}, {Json{"mha", 0, 0}});
  const auto out = k::run(model, {{"mha", weight_list(w)}}, {x});
  for (int64_t row = 0; row < 2; ++row) {
    std::vector<float> r(x.data<float>() + row * 12, x.data<float>() + row * 12 + 12);
    const Tensor xr = Tensor::from_vector<float>(r, {1, 3, 4});
    const auto expected = reference(xr, xr, xr, w, [](int64_t, int64_t, int64_t) { return true; });
    for (std::size_t i = 0; i < 12; ++i)
      EXPECT_NEAR(out[0].data<float>()[row * 12 + static_cast<int64_t>(i)], expected.first[i],
                  2e-5);
  }
}

TEST(KerasMultiHeadAttention, RejectsWrongWeightsAndUnsupportedOptions) {
  const Tensor x = k::random_tensor({1, 3, 4}, 16);
  MhaWeights w = make_weights(4, 4, 4, 2, 2, 2, 4, true, 95);
  k::LayerRun r;
  r.class_name = "MultiHeadAttention";
  r.config = mha_config(2, 2);
  r.inputs = {x, x};
  r.weights = {w.wq, w.bq, w.wk};
  EXPECT_EQ(testing::code_of([&] { k::run_layer(r); }), ErrorCode::corrupt);
  r.weights = weight_list(w);
  r.weights[0] = k::random_tensor({4, 3, 2}, 1);  // 3 heads, config says 2
  EXPECT_EQ(testing::code_of([&] { k::run_layer(r); }), ErrorCode::corrupt);
  r.weights = weight_list(w);
  r.config["use_gate"] = true;
  EXPECT_EQ(testing::code_of([&] { k::run_layer(r); }), ErrorCode::unsupported);
  // Keras' causal mask is built for one sequence axis.
  const Tensor x4 = k::random_tensor({1, 2, 3, 4}, 18);
  r.config = mha_config(2, 2, {{"attention_axes", {1, 2}}});
  r.inputs = {x4, x4};
  r.kwargs = {{"use_causal_mask", true}};
  EXPECT_EQ(testing::code_of([&] { k::run_layer(r); }), ErrorCode::unsupported);
  r.kwargs = {{"use_causal_mask", false}};
  EXPECT_NO_THROW(k::run_layer(r));
}

}  // namespace
}  // namespace nnload
