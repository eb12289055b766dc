#include <gtest/gtest.h>

#include <map>

#include "io/npz.hpp"
#include "ops/rnn/rnn_reference.hpp"
#include "ops/rnn/rnn_test_support.hpp"
#include "ops/run_op.hpp"
#include "support/fixtures.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload {
namespace {

using testing::make;
using testing::tensors_close;
namespace ref = testing::rnn_ref;
using testing::rnn::filled;
using testing::rnn::hidden;

// ONNX backend test test_lstm_defaults: outputs ['', 'Y_h'] (Y omitted).
TEST(LstmOnnx, Defaults) {
  graph::Node node{"lstm", "LSTM", "", {0, 0, 0}, {graph::kNoValue, 0}, hidden(3)};
  const Tensor x = make<float>({1, 2, 3, 4, 5, 6}, {1, 3, 2});
  const auto out =
      ops::run_op(node, std::vector<Tensor>{x, filled(0.1f, {1, 12, 2}), filled(0.1f, {1, 12, 3})});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(
      tensors_close(out[1],
                    make<float>({0.095241189f, 0.095241189f, 0.095241189f, 0.25606444f, 0.25606444f,
                                 0.25606444f, 0.40323773f, 0.40323773f, 0.40323773f},
                                {1, 3, 3}),
                    1e-6, 1e-5));
}

// test_lstm_with_initial_bias: Wb = 0.1, Rb = 0.
TEST(LstmOnnx, WithInitialBias) {
  std::vector<float> b(32, 0.0f);
  std::fill(b.begin(), b.begin() + 16, 0.1f);
  const auto out =
      ops::run_op("LSTM",
                  {make<float>({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 3, 3}), filled(0.1f, {1, 16, 3}),
                   filled(0.1f, {1, 16, 4}), make<float>(b, {1, 32})},
                  hidden(4), 2);
  const std::vector<float> rows = {0.25606444f, 0.53672779f, 0.66721326f};
  std::vector<float> expected;
  for (float v : rows) expected.insert(expected.end(), 4, v);
  EXPECT_TRUE(tensors_close(out[1], make<float>(expected, {1, 3, 4}), 1e-6, 1e-5));
}

// test_lstm_with_peepholes: all eight inputs, sequence_lens = seq_length.
TEST(LstmOnnx, WithPeepholes) {
  const auto out =
      ops::run_op("LSTM",
                  {make<float>({1, 2, 3, 4, 5, 6, 7, 8}, {1, 2, 4}), filled(0.1f, {1, 12, 4}),
                   filled(0.1f, {1, 12, 3}), filled(0.0f, {1, 24}), make<std::int32_t>({1, 1}, {2}),
                   filled(0.0f, {1, 2, 3}), filled(0.0f, {1, 2, 3}), filled(0.1f, {1, 9})},
                  hidden(3), 2);
  EXPECT_TRUE(tensors_close(
      out[1],
      make<float>({0.37506908f, 0.37506908f, 0.37506908f, 0.68013096f, 0.68013096f, 0.68013096f},
                  {1, 2, 3}),
      1e-6, 1e-5));
}

// test_lstm_batchwise: layout 1, X [batch 3, seq 1, 2].
TEST(LstmOnnx, Batchwise) {
  graph::Attributes a = hidden(7);
  a.set("layout", std::int64_t{1});
  const auto out = ops::run_op("LSTM",
                               {make<float>({1, 2, 3, 4, 5, 6}, {3, 1, 2}),
                                filled(0.3f, {1, 28, 2}), filled(0.3f, {1, 28, 7})},
                               a, 2);
  std::vector<float> expected;
  for (float v : {0.33369261f, 0.62239319f, 0.71857893f}) expected.insert(expected.end(), 7, v);
  EXPECT_TRUE(tensors_close(out[0], make<float>(expected, {3, 1, 1, 7}), 1e-6, 1e-5));
  EXPECT_TRUE(tensors_close(out[1], make<float>(expected, {3, 1, 7}), 1e-6, 1e-5));
}

// Every direction x layout x sequence_lens x initial state, with batch, hidden size,
// peepholes, clip and input_forget varying from case to case.
TEST(Lstm, MatchesReferenceAcrossConfigurations) {
  std::mt19937 rng(1);
  int index = 0;
  for (const char* direction : {"forward", "reverse", "bidirectional"}) {
    for (int layout : {0, 1}) {
      for (bool lens : {false, true}) {
        for (bool initial : {false, true}) {
          ref::Case c;
          c.direction = direction;
          c.layout = layout;
          c.lens = lens;
          c.initial_h = initial;
          c.initial_c = initial && index % 4 != 1;
          c.batch = std::vector<std::int64_t>{1, 3, 2, 5}[index % 4];
          c.hidden = std::vector<std::int64_t>{1, 5, 8, 17, 3}[index % 5];
          c.seq = 1 + index % 6;
          c.input = 1 + index % 3;
          c.bias = index % 7 != 3;
          c.peepholes = index % 3 == 0;
          if (index % 5 == 2) c.clip = 0.7;
          c.input_forget = index % 6 == 4;
          SCOPED_TRACE(::testing::Message()
                       << "case " << index << " " << direction << " layout " << layout << " lens "
                       << lens << " initial " << initial << " batch " << c.batch << " hidden "
                       << c.hidden << " seq " << c.seq);
          const ref::Data data = ref::random_data(c, rng);
          ref::expect_matches_reference(c, data, ref::run(c, data), 2e-5, 1e-4);
          ++index;
        }
      }
    }
  }
}

TEST(Lstm, EveryActivationAsEachFunction) {
  std::mt19937 rng(2);
  const std::vector<std::string> names = {
      "Relu",       "Tanh",        "Sigmoid", "Affine",   "LeakyRelu", "ThresholdedRelu",
      "ScaledTanh", "HardSigmoid", "Elu",     "Softsign", "Softplus"};
  for (std::size_t k = 0; k < names.size(); ++k) {
    for (int position = 0; position < 3; ++position) {
      ref::Case c;
      c.direction = "bidirectional";
      c.lens = true;
      c.initial_h = c.initial_c = true;
      c.activations = {"Sigmoid", "Tanh", "Tanh", "Sigmoid", "Tanh", "Tanh"};
      c.activations[static_cast<std::size_t>(position)] = names[k];
      c.activations[static_cast<std::size_t>(3 + (position + 1) % 3)] = names[k];
      c.alphas = {0.3, 0.7};
      c.betas = {0.4, -0.2};
      SCOPED_TRACE(names[k] + " at " + std::to_string(position));
      const ref::Data data = ref::random_data(c, rng);
      ref::expect_matches_reference(c, data, ref::run(c, data), 2e-5, 1e-4);
    }
  }
}

// Alpha/beta values go, in order, to the functions that take them; the rest use defaults.
TEST(Lstm, ActivationAlphaBetaConsumedInOrder) {
  std::mt19937 rng(3);
  ref::Case c;
  c.activations = {"LeakyRelu", "Affine", "HardSigmoid"};
  c.alphas = {0.2, 0.9};  // LeakyRelu 0.2, Affine 0.9, HardSigmoid default 0.2
  c.betas = {0.1};        // Affine 0.1, HardSigmoid default 0.5
  const ref::Data data = ref::random_data(c, rng);
  const auto out = ref::run(c, data);
  ref::expect_matches_reference(c, data, out, 2e-5, 1e-4);
  // Swapping the two alphas changes the result: each went to its own function.
  ref::Case other = c;
  other.alphas = {0.9, 0.2};
  EXPECT_FALSE(tensors_close(ref::run(other, data)[0], out[0], 1e-4, 1e-4));
}

TEST(Lstm, ClipBoundsEveryPreActivation) {
  std::mt19937 rng(4);
  ref::Case c;
  c.clip = 0.25;
  c.peepholes = true;
  c.initial_c = true;
  const ref::Data data = ref::random_data(c, rng);
  const auto clipped = ref::run(c, data);
  ref::expect_matches_reference(c, data, clipped, 2e-5, 1e-4);
  ref::Case unclipped = c;
  unclipped.clip.reset();
  EXPECT_FALSE(tensors_close(ref::run(unclipped, data)[0], clipped[0], 1e-4, 1e-4));
}

// input_forget couples the gates as ONNX Runtime does: ft = 1 - it.
TEST(Lstm, InputForgetCouplesGates) {
  std::mt19937 rng(5);
  ref::Case c;
  c.input_forget = true;
  c.peepholes = true;
  c.initial_c = true;
  const ref::Data data = ref::random_data(c, rng);
  const auto coupled = ref::run(c, data);
  ref::expect_matches_reference(c, data, coupled, 2e-5, 1e-4);
  ref::Case free = c;
  free.input_forget = false;
  EXPECT_FALSE(tensors_close(ref::run(free, data)[2], coupled[2], 1e-4, 1e-4));
}

TEST(Lstm, OptionalOutputsOmitted) {
  std::mt19937 rng(6);
  ref::Case c;
  c.direction = "bidirectional";
  c.lens = true;
  const ref::Data data = ref::random_data(c, rng);
  for (const std::vector<bool>& wanted : std::vector<std::vector<bool>>{
           {true}, {false, true}, {false, false, true}, {true, false, true}, {false, true, true}}) {
    const auto out = ref::run(c, data, wanted);
    ASSERT_EQ(out.size(), wanted.size());
    ref::expect_matches_reference(c, data, out, 2e-5, 1e-4, wanted);
  }
}

TEST(Lstm, Float64) {
  std::mt19937 rng(7);
  ref::Case c;
  c.dtype = DType::f64;
  c.direction = "bidirectional";
  c.layout = 1;
  c.lens = c.initial_h = c.initial_c = c.peepholes = true;
  c.clip = 0.9;
  const ref::Data data = ref::random_data(c, rng);
  ref::expect_matches_reference(c, data, ref::run(c, data), 1e-12, 1e-10);
}

// Opsets 1..13 have no layout: the attribute is not read there.
TEST(Lstm, OpsetRowsBeforeLayout) {
  std::mt19937 rng(8);
  ref::Case c;
  c.layout = 1;
  c.batch = 2;
  c.seq = 3;
  const ref::Data data = ref::random_data(c, rng);
  ref::Case seq_first = c;
  seq_first.layout = 0;
  seq_first.seq = 2;  // X [2, 3, input] read as [seq 2, batch 3]
  seq_first.batch = 3;
  for (int opset : {1, 7, 13}) {
    ref::Case old = c;
    old.opset = opset;
    const auto out = ref::run(old, data);
    EXPECT_EQ(out[0].shape(), (Shape{2, 1, 3, 5})) << "opset " << opset;
    ref::expect_matches_reference(seq_first, data, out, 2e-5, 1e-4);
  }
}

// torch.nn.LSTM (1.13), bidirectional, with packed sequences of lengths 6, 3, 5 and initial
// states, its weights reordered i f g o -> i o f c (tests/fixtures/rnn/make_torch_reference.py).
TEST(Lstm, MatchesTorch) {
  const auto npz = io::load_npz(testing::project_fixture("rnn/torch_lstm.npz"));
  std::map<std::string, Tensor> t;
  for (const auto& e : npz) t[e.name] = e.tensor;
  graph::Attributes a = hidden(5);
  a.set("direction", std::string("bidirectional"));
  const auto out = ops::run_op(
      "LSTM", {t["X"], t["W"], t["R"], t["B"], t["sequence_lens"], t["initial_h"], t["initial_c"]},
      a, 3);
  EXPECT_TRUE(tensors_close(out[0], t["Y"], 1e-5, 1e-4));
  EXPECT_TRUE(tensors_close(out[1], t["Y_h"], 1e-5, 1e-4));
  EXPECT_TRUE(tensors_close(out[2], t["Y_c"], 1e-5, 1e-4));
}

}  // namespace
}  // namespace nnload
