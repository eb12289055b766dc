// The nnload-domain RNN/GRU/LSTM (Keras' step mask, zero_output_for_mask) against the float64
// reference with masked steps anywhere in the sequence, and their error cases.
#include <gtest/gtest.h>

#include "core/fail.hpp"
#include "ops/rnn/rnn_reference.hpp"
#include "ops/run_op.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload {
namespace {

using testing::make;
using testing::tensors_close;
namespace ref = testing::rnn_ref;

ref::Case masked(const std::string& op, const std::string& direction, bool zero) {
  ref::Case c;
  c.op = op;
  c.seq = 7;
  c.batch = 4;
  c.input = 3;
  c.hidden = 5;
  c.direction = direction;
  c.layout = 1;
  c.keras_mask = true;
  c.zero_output_for_mask = zero;
  return c;
}

class KerasMaskedRecurrent
    : public ::testing::TestWithParam<std::tuple<std::string, std::string, bool>> {};

TEST_P(KerasMaskedRecurrent, MatchesReferenceWithMaskedStepsAnywhere) {
  const auto& [op, direction, zero] = GetParam();
  for (unsigned seed = 1; seed <= 3; ++seed) {
    ref::Case c = masked(op, direction, zero);
    c.initial_h = seed == 2;
    c.initial_c = seed == 2 && op == "LSTM";
    c.linear_before_reset = op == "GRU" && seed != 3;
    std::mt19937 rng(seed);
    const ref::Data data = ref::random_data(c, rng);
    ref::expect_matches_reference(c, data, ref::run(c, data), 1e-5, 1e-4);
  }
}

INSTANTIATE_TEST_SUITE_P(
    AllOps, KerasMaskedRecurrent,
    ::testing::Combine(::testing::Values("RNN", "GRU", "LSTM"),
                       ::testing::Values("forward", "reverse", "bidirectional"), ::testing::Bool()),
    [](const auto& info) {
      return std::get<0>(info.param) + "_" + std::get<1>(info.param) +
             (std::get<2>(info.param) ? "_zero_output" : "_carry_output");
    });

// One unit, identity weights: h = tanh(x + h); a masked middle step repeats the state.
TEST(KerasMaskedRecurrent, LiteralMaskedMiddleStep) {
  const Tensor x = make<float>({0.5f, 1.0f, -0.25f}, {1, 3, 1});
  const Tensor w = make<float>({1.0f}, {1, 1, 1});
  const Tensor r = make<float>({1.0f}, {1, 1, 1});
  Tensor mask = Tensor::empty(DType::boolean, {1, 3});
  mask.mutable_data<bool>()[0] = true;
  mask.mutable_data<bool>()[1] = false;
  mask.mutable_data<bool>()[2] = true;
  graph::Attributes a;
  a.set("layout", std::int64_t{1});
  const std::vector<Tensor> inputs = {x, w, r, Tensor(), Tensor(), Tensor(), mask};
  const auto out = ops::run_op("RNN", inputs, a, 2, "nnload", 1);
  const float h0 = std::tanh(0.5f);
  const float h2 = std::tanh(-0.25f + h0);
  EXPECT_TRUE(tensors_close(out[0], make<float>({h0, h0, h2}, {1, 3, 1, 1}), 1e-6, 1e-6));
  EXPECT_TRUE(tensors_close(out[1], make<float>({h2}, {1, 1, 1}), 1e-6, 1e-6));
  a.set("zero_output_for_mask", std::int64_t{1});
  const auto zeroed = ops::run_op("RNN", inputs, a, 2, "nnload", 1);
  EXPECT_TRUE(tensors_close(zeroed[0], make<float>({h0, 0.0f, h2}, {1, 3, 1, 1}), 1e-6, 1e-6));
}

TEST(KerasMaskedRecurrent, AllMaskedKeepsInitialState) {
  ref::Case c = masked("LSTM", "forward", false);
  c.initial_h = c.initial_c = true;
  std::mt19937 rng(9);
  ref::Data data = ref::random_data(c, rng);
  for (std::int64_t i = 0; i < data.mask.numel(); ++i) data.mask.mutable_data<bool>()[i] = false;
  const auto out = ref::run(c, data);
  EXPECT_TRUE(tensors_close(out[1], data.h0, 0, 0));
  EXPECT_TRUE(tensors_close(out[2], data.c0, 0, 0));
}

TEST(KerasMaskedRecurrent, Float64) {
  ref::Case c = masked("GRU", "bidirectional", true);
  c.dtype = DType::f64;
  std::mt19937 rng(4);
  const ref::Data data = ref::random_data(c, rng);
  ref::expect_matches_reference(c, data, ref::run(c, data), 1e-12, 1e-12);
}

TEST(KerasMaskedRecurrent, RejectsBadMasks) {
  ref::Case c = masked("GRU", "forward", false);
  std::mt19937 rng(2);
  ref::Data data = ref::random_data(c, rng);
  data.mask = Tensor::zeros(DType::f32, {c.batch, c.seq});
  EXPECT_THROW(ref::run(c, data), Error);
  data.mask = Tensor::zeros(DType::boolean, {c.batch, c.seq + 1});
  EXPECT_THROW(ref::run(c, data), Error);
}

TEST(KerasMaskedRecurrent, OnnxRowsTakeNoMask) {
  ref::Case c = masked("RNN", "forward", false);
  std::mt19937 rng(3);
  const ref::Data data = ref::random_data(c, rng);
  graph::Attributes a;
  a.set("layout", std::int64_t{1});
  EXPECT_THROW(ops::run_op("RNN", data.inputs(), a, 2), Error);  // the ONNX row: 6 inputs at most
}

// --- nnload.ConvLSTM

struct ConvLstmCase {
  std::int64_t batch = 2, seq = 4, filters = 3, height = 5, width = 4, k = 3;
  bool reverse = false, zero_output = false, mask = false, states = false;
};

double sigmoid(double v) { return 1 / (1 + std::exp(-v)); }

// Keras' ConvLSTM step in float64 with plain loops: Z = conv_same(h, R) + X_t.
std::vector<Tensor> conv_lstm_reference(const ConvLstmCase& c, const Tensor& x, const Tensor& r,
                                        const Tensor& h0, const Tensor& c0, const Tensor& mask) {
  const std::int64_t F = c.filters, H = c.height, W = c.width, S = H * W, k = c.k;
  const std::int64_t pad = (k - 1) / 2;
  Tensor y = Tensor::zeros(DType::f64, {c.batch, c.seq, F, H, W});
  Tensor yh = Tensor::zeros(DType::f64, {c.batch, F, H, W});
  Tensor yc = Tensor::zeros(DType::f64, {c.batch, F, H, W});
  for (std::int64_t b = 0; b < c.batch; ++b) {
    std::vector<double> h(static_cast<std::size_t>(F * S)), cell(h.size());
    for (std::int64_t i = 0; i < F * S; ++i) {
      if (h0.defined()) h[i] = h0.value_as_double(b * F * S + i);
      if (c0.defined()) cell[i] = c0.value_as_double(b * F * S + i);
    }
    for (std::int64_t s = 0; s < c.seq; ++s) {
      const std::int64_t t = c.reverse ? c.seq - 1 - s : s;
      double* out = y.mutable_data<double>() + (b * c.seq + t) * F * S;
      if (mask.defined() && !mask.data<bool>()[b * c.seq + t]) {
        for (std::int64_t i = 0; i < F * S; ++i) out[i] = c.zero_output ? 0 : h[i];
        continue;
      }
      std::vector<double> z(static_cast<std::size_t>(4 * F * S));
      for (std::int64_t o = 0; o < 4 * F; ++o) {
        for (std::int64_t py = 0; py < H; ++py) {
          for (std::int64_t px = 0; px < W; ++px) {
            double sum = x.value_as_double(((b * c.seq + t) * 4 * F + o) * S + py * W + px);
            for (std::int64_t i = 0; i < F; ++i) {
              for (std::int64_t ky = 0; ky < k; ++ky) {
                for (std::int64_t kx = 0; kx < k; ++kx) {
                  const std::int64_t sy = py + ky - pad, sx = px + kx - pad;
                  if (sy < 0 || sy >= H || sx < 0 || sx >= W) continue;
                  sum +=
                      h[i * S + sy * W + sx] * r.value_as_double(((o * F + i) * k + ky) * k + kx);
                }
              }
            }
            z[o * S + py * W + px] = sum;
          }
        }
      }
      for (std::int64_t i = 0; i < F * S; ++i) {
        const double ig = sigmoid(z[i]), fg = sigmoid(z[F * S + i]);
        const double g = std::tanh(z[2 * F * S + i]), og = sigmoid(z[3 * F * S + i]);
        cell[i] = fg * cell[i] + ig * g;
        h[i] = og * std::tanh(cell[i]);
        out[i] = h[i];
      }
    }
    for (std::int64_t i = 0; i < F * S; ++i) {
      yh.mutable_data<double>()[b * F * S + i] = h[i];
      yc.mutable_data<double>()[b * F * S + i] = cell[i];
    }
  }
  return {y, yh, yc};
}

std::vector<Tensor> run_conv_lstm(const ConvLstmCase& c, std::vector<Tensor>* used = nullptr) {
  std::mt19937 rng(static_cast<unsigned>(c.seq * 7 + c.reverse + 2 * c.mask + 4 * c.states));
  const Tensor x =
      ref::random_tensor(DType::f32, {c.batch, c.seq, 4 * c.filters, c.height, c.width}, rng, 1);
  const Tensor r = ref::random_tensor(DType::f32, {4 * c.filters, c.filters, c.k, c.k}, rng, 0.4);
  Tensor h0, c0, mask;
  if (c.states) {
    h0 = ref::random_tensor(DType::f32, {c.batch, c.filters, c.height, c.width}, rng, 1);
    c0 = ref::random_tensor(DType::f32, {c.batch, c.filters, c.height, c.width}, rng, 1);
  }
  if (c.mask) {
    mask = Tensor::empty(DType::boolean, {c.batch, c.seq});
    std::bernoulli_distribution keep(0.6);
    for (std::int64_t i = 0; i < mask.numel(); ++i) mask.mutable_data<bool>()[i] = keep(rng);
  }
  graph::Attributes a;
  a.set("direction", std::string(c.reverse ? "reverse" : "forward"));
  if (c.zero_output) a.set("zero_output_for_mask", std::int64_t{1});
  std::vector<Tensor> inputs = {x, r, h0, c0, mask};
  while (!inputs.back().defined()) inputs.pop_back();
  if (used) *used = {x, r, h0, c0, mask};
  return ops::run_op("ConvLSTM", inputs, a, 3, "nnload", 1);
}

TEST(ConvLstmOp, MatchesReference) {
  for (const ConvLstmCase& c :
       {ConvLstmCase{}, ConvLstmCase{.reverse = true}, ConvLstmCase{.mask = true},
        ConvLstmCase{.reverse = true, .zero_output = true, .mask = true, .states = true},
        ConvLstmCase{.batch = 1, .seq = 3, .filters = 2, .height = 4, .width = 6, .k = 2}}) {
    std::vector<Tensor> in;
    const auto out = run_conv_lstm(c, &in);
    const auto expected = conv_lstm_reference(c, in[0], in[1], in[2], in[3], in[4]);
    for (int i = 0; i < 3; ++i)
      EXPECT_TRUE(tensors_close(out[i], expected[i], 1e-5, 1e-4)) << "output " << i;
  }
}

TEST(ConvLstmOp, RejectsBadShapes) {
  const Tensor x = Tensor::zeros(DType::f32, {1, 2, 8, 3, 3});
  graph::Attributes none;
  EXPECT_THROW(
      ops::run_op("ConvLSTM", {x, Tensor::zeros(DType::f32, {8, 3, 3, 3})}, none, 3, "nnload", 1),
      Error);  // 4 * 3 != 8
  EXPECT_THROW(
      ops::run_op("ConvLSTM",
                  {Tensor::zeros(DType::f32, {1, 2, 8}), Tensor::zeros(DType::f32, {8, 2, 3, 3})},
                  none, 3, "nnload", 1),
      Error);
  EXPECT_THROW(ops::run_op("ConvLSTM",
                           {x, Tensor::zeros(DType::f32, {8, 2, 3, 3}),
                            Tensor::zeros(DType::f32, {1, 2, 4, 3})},
                           none, 3, "nnload", 1),
               Error);  // initial_h of the wrong shape
  graph::Attributes both;
  both.set("direction", std::string("bidirectional"));
  EXPECT_THROW(
      ops::run_op("ConvLSTM", {x, Tensor::zeros(DType::f32, {8, 2, 3, 3})}, both, 3, "nnload", 1),
      Error);
}

}  // namespace
}  // namespace nnload
