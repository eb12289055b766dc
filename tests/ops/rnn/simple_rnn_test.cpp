#include <gtest/gtest.h>

#include "ops/rnn/rnn_reference.hpp"
#include "ops/rnn/rnn_test_support.hpp"
#include "ops/run_op.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload {
namespace {

using testing::make;
using testing::tensors_close;
namespace ref = testing::rnn_ref;
using testing::rnn::filled;
using testing::rnn::hidden;
using testing::rnn::rows_of;

// ONNX backend test test_simple_rnn_defaults: outputs ['', 'Y_h'].
TEST(RnnOnnx, Defaults) {
  graph::Node node{"rnn", "RNN", "", {0, 0, 0}, {graph::kNoValue, 0}, hidden(4)};
  const auto out =
      ops::run_op(node, std::vector<Tensor>{make<float>({1, 2, 3, 4, 5, 6}, {1, 3, 2}),
                                            filled(0.1f, {1, 4, 2}), filled(0.1f, {1, 4, 4})});
  EXPECT_TRUE(tensors_close(
      out[1], make<float>(rows_of({0.29131261f, 0.60436779f, 0.80049902f}, 4), {1, 3, 4}), 1e-6,
      1e-5));
}

// test_simple_rnn_with_initial_bias: Wb = 0.1, Rb = 0.
TEST(RnnOnnx, WithInitialBias) {
  std::vector<float> b(10, 0.0f);
  std::fill(b.begin(), b.begin() + 5, 0.1f);
  const auto out =
      ops::run_op("RNN",
                  {make<float>({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 3, 3}), filled(0.1f, {1, 5, 3}),
                   filled(0.1f, {1, 5, 5}), make<float>(b, {1, 10})},
                  hidden(5), 2);
  EXPECT_TRUE(tensors_close(
      out[1], make<float>(rows_of({0.60436779f, 0.92166853f, 0.98661429f}, 5), {1, 3, 5}), 1e-6,
      1e-5));
}

// test_simple_rnn_batchwise: layout 1.
TEST(RnnOnnx, Batchwise) {
  graph::Attributes a = hidden(4);
  a.set("layout", std::int64_t{1});
  const auto out = ops::run_op("RNN",
                               {make<float>({1, 2, 3, 4, 5, 6}, {3, 1, 2}), filled(0.5f, {1, 4, 2}),
                                filled(0.5f, {1, 4, 4})},
                               a, 2);
  const auto expected = rows_of({0.90514827f, 0.99817789f, 0.99996662f}, 4);
  EXPECT_TRUE(tensors_close(out[0], make<float>(expected, {3, 1, 1, 4}), 1e-6, 1e-5));
  EXPECT_TRUE(tensors_close(out[1], make<float>(expected, {3, 1, 4}), 1e-6, 1e-5));
}

// A literal two-step case with sequence_lens, worked by hand: W = 1, R = 0.5, no bias,
// hidden 1. Batch row 0 runs 2 steps, row 1 one step (then Y is 0, Y_h its step-0 state).
TEST(RnnOnnx, SequenceLensByHand) {
  const Tensor x = make<float>({0.5f, 1.0f, -0.25f, 2.0f}, {2, 2, 1});
  const auto out = ops::run_op("RNN",
                               {x, filled(1.0f, {1, 1, 1}), filled(0.5f, {1, 1, 1}), Tensor(),
                                make<std::int32_t>({2, 1}, {2})},
                               hidden(1), 2);
  const float h00 = std::tanh(0.5f), h01 = std::tanh(1.0f);
  const float h10 = std::tanh(-0.25f + 0.5f * h00);
  EXPECT_TRUE(tensors_close(out[0], make<float>({h00, h01, h10, 0.0f}, {2, 1, 2, 1}), 1e-6, 1e-5));
  EXPECT_TRUE(tensors_close(out[1], make<float>({h10, h01}, {1, 2, 1}), 1e-6, 1e-5));
}

// Reverse with sequence_lens: each sequence starts at its own last step.
TEST(RnnOnnx, ReverseStartsAtEachSequencesEnd) {
  const Tensor x = make<float>({0.5f, 1.0f, -0.25f, 2.0f}, {2, 2, 1});
  graph::Attributes a = hidden(1);
  a.set("direction", std::string("reverse"));
  const auto out = ops::run_op("RNN",
                               {x, filled(1.0f, {1, 1, 1}), filled(0.5f, {1, 1, 1}), Tensor(),
                                make<std::int32_t>({2, 1}, {2})},
                               a, 2);
  const float h01 = std::tanh(-0.25f), h00 = std::tanh(0.5f + 0.5f * h01);
  const float h_row1 = std::tanh(1.0f);  // row 1 has one step: t = 0 only
  EXPECT_TRUE(
      tensors_close(out[0], make<float>({h00, h_row1, h01, 0.0f}, {2, 1, 2, 1}), 1e-6, 1e-5));
  EXPECT_TRUE(tensors_close(out[1], make<float>({h00, h_row1}, {1, 2, 1}), 1e-6, 1e-5));
}

TEST(Rnn, MatchesReferenceAcrossConfigurations) {
  std::mt19937 rng(21);
  int index = 0;
  for (const char* direction : {"forward", "reverse", "bidirectional"}) {
    for (int layout : {0, 1}) {
      for (bool lens : {false, true}) {
        for (bool initial : {false, true}) {
          ref::Case c;
          c.op = "RNN";
          c.direction = direction;
          c.layout = layout;
          c.lens = lens;
          c.initial_h = initial;
          c.batch = std::vector<std::int64_t>{1, 3, 2, 5}[index % 4];
          c.hidden = std::vector<std::int64_t>{1, 5, 8, 17, 3}[index % 5];
          c.seq = 1 + index % 6;
          c.input = 1 + index % 3;
          c.bias = index % 7 != 3;
          if (index % 5 == 2) c.clip = 0.5;
          SCOPED_TRACE(::testing::Message() << "case " << index << " " << direction << " layout "
                                            << layout << " lens " << lens << " batch " << c.batch
                                            << " hidden " << c.hidden << " seq " << c.seq);
          const ref::Data data = ref::random_data(c, rng);
          ref::expect_matches_reference(c, data, ref::run(c, data), 2e-5, 1e-4);
          ++index;
        }
      }
    }
  }
}

TEST(Rnn, EveryActivation) {
  std::mt19937 rng(22);
  for (const char* name : {"Relu", "Tanh", "Sigmoid", "Affine", "LeakyRelu", "ThresholdedRelu",
                           "ScaledTanh", "HardSigmoid", "Elu", "Softsign", "Softplus"}) {
    ref::Case c;
    c.op = "RNN";
    c.direction = "bidirectional";
    c.activations = {"Tanh", name};
    c.alphas = {0.35};
    c.betas = {0.8};
    SCOPED_TRACE(name);
    const ref::Data data = ref::random_data(c, rng);
    ref::expect_matches_reference(c, data, ref::run(c, data), 2e-5, 1e-4);
    // Defaults when no alpha/beta is given.
    c.alphas.clear();
    c.betas.clear();
    ref::expect_matches_reference(c, data, ref::run(c, data), 2e-5, 1e-4);
  }
}

// ONNX's RNN schema lists two default activations; a one-direction node carrying both works
// (ONNX Runtime reads the first).
TEST(Rnn, TwoActivationsOnOneDirection) {
  std::mt19937 rng(23);
  ref::Case c;
  c.op = "RNN";
  c.activations = {"Relu", "Tanh"};
  const ref::Data data = ref::random_data(c, rng);
  const auto out = ref::run(c, data);
  ref::expect_matches_reference(c, data, out, 2e-5, 1e-4);
  ref::Case tanh = c;
  tanh.activations.clear();
  EXPECT_FALSE(tensors_close(ref::run(tanh, data)[0], out[0], 1e-4, 1e-4));
}

TEST(Rnn, Float64) {
  std::mt19937 rng(24);
  ref::Case c;
  c.op = "RNN";
  c.dtype = DType::f64;
  c.direction = "reverse";
  c.layout = 1;
  c.lens = c.initial_h = true;
  const ref::Data data = ref::random_data(c, rng);
  ref::expect_matches_reference(c, data, ref::run(c, data), 1e-12, 1e-10);
}

TEST(Rnn, OpsetRows) {
  std::mt19937 rng(25);
  ref::Case c;
  c.op = "RNN";
  c.direction = "bidirectional";
  const ref::Data data = ref::random_data(c, rng);
  for (int opset : {1, 7, 13, 14, graph::kLatestOpset}) {
    c.opset = opset;
    ref::expect_matches_reference(c, data, ref::run(c, data), 2e-5, 1e-4);
  }
}

}  // namespace
}  // namespace nnload
