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
using testing::rnn::rows_of;

// ONNX backend test test_gru_defaults: outputs ['', 'Y_h'].
TEST(GruOnnx, Defaults) {
  graph::Node node{"gru", "GRU", "", {0, 0, 0}, {graph::kNoValue, 0}, hidden(5)};
  const auto out =
      ops::run_op(node, std::vector<Tensor>{make<float>({1, 2, 3, 4, 5, 6}, {1, 3, 2}),
                                            filled(0.1f, {1, 15, 2}), filled(0.1f, {1, 15, 5})});
  EXPECT_TRUE(tensors_close(
      out[1], make<float>(rows_of({0.12397026f, 0.20053662f, 0.19991654f}, 5), {1, 3, 5}), 1e-6,
      1e-5));
}

// test_gru_with_initial_bias: Wb = 0.1, Rb = 0.
TEST(GruOnnx, WithInitialBias) {
  std::vector<float> b(18, 0.0f);
  std::fill(b.begin(), b.begin() + 9, 0.1f);
  const auto out =
      ops::run_op("GRU",
                  {make<float>({1, 2, 3, 4, 5, 6, 7, 8, 9}, {1, 3, 3}), filled(0.1f, {1, 9, 3}),
                   filled(0.1f, {1, 9, 3}), make<float>(b, {1, 18})},
                  hidden(3), 2);
  EXPECT_TRUE(tensors_close(
      out[1], make<float>(rows_of({0.20053662f, 0.15482338f, 0.074842766f}, 3), {1, 3, 3}), 1e-6,
      1e-5));
}

// test_gru_batchwise: layout 1.
TEST(GruOnnx, Batchwise) {
  graph::Attributes a = hidden(6);
  a.set("layout", std::int64_t{1});
  const auto out = ops::run_op("GRU",
                               {make<float>({1, 2, 3, 4, 5, 6}, {3, 1, 2}),
                                filled(0.2f, {1, 18, 2}), filled(0.2f, {1, 18, 6})},
                               a, 2);
  const auto expected = rows_of({0.19030012f, 0.17513682f, 0.097330853f}, 6);
  EXPECT_TRUE(tensors_close(out[0], make<float>(expected, {3, 1, 1, 6}), 1e-6, 1e-5));
  EXPECT_TRUE(tensors_close(out[1], make<float>(expected, {3, 1, 6}), 1e-6, 1e-5));
}

TEST(Gru, MatchesReferenceAcrossConfigurations) {
  std::mt19937 rng(11);
  int index = 0;
  for (bool linear_before_reset : {false, true}) {
    for (const char* direction : {"forward", "reverse", "bidirectional"}) {
      for (int layout : {0, 1}) {
        for (bool lens : {false, true}) {
          ref::Case c;
          c.op = "GRU";
          c.linear_before_reset = linear_before_reset;
          c.direction = direction;
          c.layout = layout;
          c.lens = lens;
          c.initial_h = index % 2 == 1;
          c.batch = std::vector<std::int64_t>{1, 3, 2, 5}[index % 4];
          c.hidden = std::vector<std::int64_t>{1, 5, 8, 17, 3}[index % 5];
          c.seq = 1 + index % 6;
          c.input = 1 + index % 3;
          c.bias = index % 7 != 3;
          if (index % 5 == 2) c.clip = 0.6;
          SCOPED_TRACE(::testing::Message()
                       << "case " << index << " lbr " << linear_before_reset << " " << direction
                       << " layout " << layout << " lens " << lens << " batch " << c.batch
                       << " hidden " << c.hidden << " seq " << c.seq);
          const ref::Data data = ref::random_data(c, rng);
          ref::expect_matches_reference(c, data, ref::run(c, data), 2e-5, 1e-4);
          ++index;
        }
      }
    }
  }
}

TEST(Gru, LinearBeforeResetChangesTheResult) {
  std::mt19937 rng(12);
  ref::Case c;
  c.op = "GRU";
  c.initial_h = true;
  const ref::Data data = ref::random_data(c, rng);
  ref::Case lbr = c;
  lbr.linear_before_reset = true;
  EXPECT_FALSE(tensors_close(ref::run(c, data)[0], ref::run(lbr, data)[0], 1e-4, 1e-4));
}

TEST(Gru, EveryActivationAsEachFunction) {
  std::mt19937 rng(13);
  for (const char* name : {"Relu", "Tanh", "Sigmoid", "Affine", "LeakyRelu", "ThresholdedRelu",
                           "ScaledTanh", "HardSigmoid", "Elu", "Softsign", "Softplus"}) {
    for (bool lbr : {false, true}) {
      ref::Case c;
      c.op = "GRU";
      c.linear_before_reset = lbr;
      c.direction = "bidirectional";
      c.lens = c.initial_h = true;
      c.activations = {name, "Tanh", "Sigmoid", name};
      c.alphas = {0.4, 0.6};
      c.betas = {0.3, 0.1};
      c.clip = 3.0;
      SCOPED_TRACE(std::string(name) + (lbr ? " lbr" : ""));
      const ref::Data data = ref::random_data(c, rng);
      ref::expect_matches_reference(c, data, ref::run(c, data), 2e-5, 1e-4);
    }
  }
}

TEST(Gru, OptionalOutputsOmitted) {
  std::mt19937 rng(14);
  ref::Case c;
  c.op = "GRU";
  c.lens = true;
  c.batch = 4;
  const ref::Data data = ref::random_data(c, rng);
  for (const std::vector<bool>& wanted :
       std::vector<std::vector<bool>>{{true}, {false, true}, {true, false}}) {
    const auto out = ref::run(c, data, wanted);
    ref::expect_matches_reference(c, data, out, 2e-5, 1e-4, wanted);
  }
}

TEST(Gru, Float64) {
  std::mt19937 rng(15);
  for (bool lbr : {false, true}) {
    ref::Case c;
    c.op = "GRU";
    c.dtype = DType::f64;
    c.linear_before_reset = lbr;
    c.direction = "bidirectional";
    c.lens = c.initial_h = true;
    const ref::Data data = ref::random_data(c, rng);
    ref::expect_matches_reference(c, data, ref::run(c, data), 1e-12, 1e-10);
  }
}

// Opsets 1 and 2 have no linear_before_reset: the attribute is not read there.
TEST(Gru, OpsetRowsBeforeLinearBeforeReset) {
  std::mt19937 rng(16);
  ref::Case c;
  c.op = "GRU";
  c.linear_before_reset = true;
  const ref::Data data = ref::random_data(c, rng);
  ref::Case without = c;
  without.linear_before_reset = false;
  for (int opset : {1, 2}) {
    c.opset = opset;
    ref::expect_matches_reference(without, data, ref::run(c, data), 2e-5, 1e-4);
  }
  c.opset = 3;
  ref::expect_matches_reference(c, data, ref::run(c, data), 2e-5, 1e-4);
}

// torch.nn.GRU (1.13), bidirectional, batch_first: ONNX GRU with linear_before_reset = 1 and
// layout = 1, gates reordered r z n -> z r h (tests/fixtures/rnn/make_torch_reference.py).
TEST(Gru, MatchesTorch) {
  const auto npz = io::load_npz(testing::project_fixture("rnn/torch_gru.npz"));
  std::map<std::string, Tensor> t;
  for (const auto& e : npz) t[e.name] = e.tensor;
  graph::Attributes a = hidden(4);
  a.set("direction", std::string("bidirectional"));
  a.set("layout", std::int64_t{1});
  a.set("linear_before_reset", std::int64_t{1});
  const auto out =
      ops::run_op("GRU", {t["X"], t["W"], t["R"], t["B"], Tensor(), t["initial_h"]}, a, 2);
  EXPECT_TRUE(tensors_close(out[0], t["Y"], 1e-5, 1e-4));
  EXPECT_TRUE(tensors_close(out[1], t["Y_h"], 1e-5, 1e-4));
}

}  // namespace
}  // namespace nnload
