// Attention (Luong: dot and concat scores, use_scale) and AdditiveAttention (Bahdanau) against
// plain loops of Keras' equations, with value masks, query masks, causal masks (the tf.keras
// `causal` config and the use_causal_mask call argument) and returned attention scores.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "extra_test_support.hpp"
#include "support/error_capture.hpp"

namespace nnload {
namespace {

namespace k = testing::keras;
using k::Json;

enum class Score { dot, concat, additive };

struct Case {
  Score score = Score::dot;
  float scale = 0;               // dot/concat scale weight (0: none)
  float concat_weight = 1;       // concat_score_weight
  std::vector<float> add_scale;  // additive scale [dim] (empty: none)
  std::vector<uint8_t> q_mask, v_mask;
  bool causal = false;
};

// Returns the outputs [B, Tq, dim] and the weights [B, Tq, Tv].
std::pair<std::vector<double>, std::vector<double>> reference(const Tensor& q, const Tensor& v,
                                                              const Tensor& key, const Case& c) {
  const int64_t B = q.dim(0), Tq = q.dim(1), D = q.dim(2), Tv = v.dim(1), Dv = v.dim(2);
  const float *qv = q.data<float>(), *vv = v.data<float>(), *kv = key.data<float>();
  std::vector<double> out(static_cast<std::size_t>(B * Tq * Dv)),
      weights(static_cast<std::size_t>(B * Tq * Tv));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t i = 0; i < Tq; ++i) {
      std::vector<double> s(static_cast<std::size_t>(Tv));
      for (int64_t j = 0; j < Tv; ++j) {
        double acc = 0;
        for (int64_t d = 0; d < D; ++d) {
          const double qd = qv[(b * Tq + i) * D + d], kd = kv[(b * Tv + j) * D + d];
          if (c.score == Score::dot) acc += qd * kd;
          if (c.score == Score::concat)
            acc += std::tanh((c.scale != 0 ? c.scale : 1.0) * (qd + kd));
          if (c.score == Score::additive)
            acc += (c.add_scale.empty() ? 1.0 : c.add_scale[static_cast<std::size_t>(d)]) *
                   std::tanh(qd + kd);
        }
        if (c.score == Score::dot && c.scale != 0) acc *= c.scale;
        if (c.score == Score::concat) acc *= c.concat_weight;
        bool keep = c.v_mask.empty() || c.v_mask[static_cast<std::size_t>(b * Tv + j)];
        if (c.causal) keep = keep && j <= i;
        // Keras subtracts 1e9 in float32, which swallows the score (a fully masked row is uniform).
        s[static_cast<std::size_t>(j)] = keep ? acc : double(float(acc) - 1e9f);
      }
      const double mx = *std::max_element(s.begin(), s.end());
      double sum = 0;
      for (double& e : s) sum += (e = std::exp(e - mx));
      for (int64_t j = 0; j < Tv; ++j)
        weights[static_cast<std::size_t>((b * Tq + i) * Tv + j)] =
            s[static_cast<std::size_t>(j)] / sum;
      const bool q_keep = c.q_mask.empty() || c.q_mask[static_cast<std::size_t>(b * Tq + i)];
      for (int64_t d = 0; d < Dv; ++d) {
        double acc = 0;
        for (int64_t j = 0; j < Tv; ++j)
          acc +=
              weights[static_cast<std::size_t>((b * Tq + i) * Tv + j)] * vv[(b * Tv + j) * Dv + d];
        out[static_cast<std::size_t>((b * Tq + i) * Dv + d)] = q_keep ? acc : 0.0;
      }
    }
  return {out, weights};
}

void expect_close(const Tensor& actual, const std::vector<double>& expected, const Shape& shape) {
  ASSERT_EQ(actual.shape(), shape);
  for (int64_t i = 0; i < actual.numel(); ++i)
    ASSERT_NEAR(actual.data<float>()[i], expected[static_cast<std::size_t>(i)],
                2e-5 * (1 + std::abs(expected[static_cast<std::size_t>(i)])))
        << "element " << i;
}

Tensor bools(const std::vector<uint8_t>& v, Shape s) {
  Tensor t = Tensor::empty(DType::boolean, std::move(s));
  std::copy(v.begin(), v.end(), static_cast<uint8_t*>(t.mutable_raw()));
  return t;
}

const Tensor kQuery = k::random_tensor({2, 3, 4}, 1, -1.5f, 1.5f);
const Tensor kValue = k::random_tensor({2, 5, 4}, 2, -1.5f, 1.5f);
const Tensor kKey = k::random_tensor({2, 5, 4}, 3, -1.5f, 1.5f);

// A functional model calling `class_name` on [q, v, k] (Keras 3 list argument).
std::vector<Tensor> run_model(const std::string& class_name, Json config,
                              std::vector<Tensor> weights, Json kwargs = Json::object(),
                              bool with_key = true, const std::string& version = "3.5.0") {
  Json args = Json::array({k::ref("q"), k::ref("v")});
  if (with_key) args.push_back(k::ref("k"));
  std::vector<Json> outputs = {Json{"att", 0, 0}};
  if (kwargs.value("return_attention_scores", false)) outputs.push_back(Json{"att", 0, 1});
  const Json model = k::functional(
      {k::input_layer("q", {3, 4}), k::input_layer("v", {5, 4}), k::input_layer("k", {5, 4}),
       k::layer(class_name, "att", config, Json::array({args}), kwargs)},
      {"q", "v", "k"}, outputs);
  return k::run(model, {{"att", weights}}, {kQuery, kValue, kKey}, version);
}

TEST(KerasAttention, DotScoresWithoutAndWithScale) {
  Case c;
  auto out = run_model("Attention", {{"use_scale", false}, {"score_mode", "dot"}}, {});
  expect_close(out[0], reference(kQuery, kValue, kKey, c).first, {2, 3, 4});
  c.scale = 0.7f;
  out = run_model("Attention", {{"use_scale", true}}, {Tensor::scalar<float>(0.7f)});
  expect_close(out[0], reference(kQuery, kValue, kKey, c).first, {2, 3, 4});
}

TEST(KerasAttention, ConcatScoresWithScaleAndScoresOutput) {
  Case c;
  c.score = Score::concat;
  c.scale = 1.3f;
  c.concat_weight = 0.6f;
  const auto out = run_model("Attention", {{"use_scale", true}, {"score_mode", "concat"}},
                             {Tensor::scalar<float>(1.3f), Tensor::scalar<float>(0.6f)},
                             {{"return_attention_scores", true}});
  const auto expected = reference(kQuery, kValue, kKey, c);
  ASSERT_EQ(out.size(), 2u);
  expect_close(out[0], expected.first, {2, 3, 4});
  expect_close(out[1], expected.second, {2, 3, 5});
}

TEST(KerasAttention, ValueIsTheKeyWhenNoKeyIsGiven) {
  Case c;
  const auto out = run_model("Attention", Json::object(), {}, Json::object(), false);
  expect_close(out[0], reference(kQuery, kValue, kValue, c).first, {2, 3, 4});
}

TEST(KerasAttention, CausalFromConfigAndFromCall) {
  Case c;
  c.causal = true;
  const auto expected = reference(kQuery, kValue, kKey, c).first;
  expect_close(run_model("Attention", {{"causal", true}}, {}, Json::object(), true, "2.6.0")[0],
               expected, {2, 3, 4});
  expect_close(run_model("Attention", Json::object(), {}, {{"use_causal_mask", true}})[0], expected,
               {2, 3, 4});
}

TEST(KerasAttention, QueryAndValueMasksWithCausal) {
  Case c;
  c.q_mask = {1, 0, 1, 1, 1, 0};
  c.v_mask = {1, 1, 0, 1, 0, 0, 1, 1, 1, 1};
  for (bool causal : {false, true}) {
    c.causal = causal;
    k::LayerRun r;
    r.class_name = "Attention";
    r.inputs = {kQuery, kValue, kKey};
    r.masks = {bools(c.q_mask, {2, 3}), bools(c.v_mask, {2, 5}), Tensor()};
    r.kwargs = {{"use_causal_mask", causal}};
    const auto out = k::run_layer(r);
    expect_close(out[0], reference(kQuery, kValue, kKey, c).first, {2, 3, 4});
  }
}

TEST(KerasAttention, ExplicitMaskListOverridesInputMasks) {
  Case c;
  c.v_mask = {0, 1, 1, 1, 1, 1, 1, 0, 1, 1};
  k::LayerRun r;
  r.class_name = "Attention";
  r.inputs = {kQuery, kValue};
  r.kwargs = {{"mask", {nullptr, k::ref("vm")}}};
  r.kwarg_tensors = {{"mask", bools(c.v_mask, {2, 5})}};
  const auto out = k::run_layer(r);
  expect_close(out[0], reference(kQuery, kValue, kValue, c).first, {2, 3, 4});
}

TEST(KerasAdditiveAttention, WithAndWithoutScale) {
  Case c;
  c.score = Score::additive;
  auto out = run_model("AdditiveAttention", {{"use_scale", false}}, {});
  expect_close(out[0], reference(kQuery, kValue, kKey, c).first, {2, 3, 4});
  c.add_scale = {0.5f, -1.0f, 2.0f, 0.25f};
  out = run_model("AdditiveAttention", {{"use_scale", true}},
                  {Tensor::from_vector<float>(c.add_scale, {4})});
  expect_close(out[0], reference(kQuery, kValue, kKey, c).first, {2, 3, 4});
}

TEST(KerasAdditiveAttention, MasksAndScores) {
  Case c;
  c.score = Score::additive;
  c.add_scale = {1.0f, 0.5f, -0.5f, 2.0f};
  c.q_mask = {1, 1, 0, 0, 1, 1};
  c.v_mask = {1, 0, 1, 0, 1, 1, 1, 1, 0, 0};
  k::LayerRun r;
  r.class_name = "AdditiveAttention";
  r.weights = {Tensor::from_vector<float>(c.add_scale, {4})};
  r.inputs = {kQuery, kValue, kKey};
  r.masks = {bools(c.q_mask, {2, 3}), bools(c.v_mask, {2, 5}), Tensor()};
  r.kwargs = {{"return_attention_scores", true}};
  const auto out = k::run_layer(r);
  const auto expected = reference(kQuery, kValue, kKey, c);
  expect_close(out[0], expected.first, {2, 3, 4});
  expect_close(out[1], expected.second, {2, 3, 5});
}

TEST(KerasAttention, Errors) {
  k::LayerRun r;
  r.class_name = "Attention";
  r.inputs = {kQuery};
  EXPECT_EQ(testing::code_of([&] { k::run_layer(r); }), ErrorCode::corrupt);  // one input
  r.inputs = {kQuery, kValue};
  r.config = {{"use_scale", true}};
  EXPECT_EQ(testing::code_of([&] { k::run_layer(r); }), ErrorCode::corrupt);  // no scale weight
  r.config = {{"score_mode", "general"}};
  EXPECT_EQ(testing::code_of([&] { k::run_layer(r); }), ErrorCode::unsupported);
}

}  // namespace
}  // namespace nnload
