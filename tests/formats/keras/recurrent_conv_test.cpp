// Keras ConvLSTM2D / ConvLSTM1D built by nnload's Keras reader against Keras' ConvLSTM cell in
// float64: input convolution with the layer's strides and padding (TensorFlow's "same"),
// recurrent convolution at stride 1 with "same" padding, both data formats, return_sequences,
// go_backwards, return_state, masks.
#include <gtest/gtest.h>

#include "core/fail.hpp"
#include "formats/keras/recurrent_reference.hpp"

namespace nnload {
namespace {

using namespace testing::keras_rnn;

// x [H, W, C] channels-last, kernel [k, k, C, O] -> [OH, OW, O] with TensorFlow's padding.
std::vector<double> conv2d(const double* x, std::int64_t H, std::int64_t W, std::int64_t C,
                           const std::vector<double>& kernel, std::int64_t k, std::int64_t O,
                           std::int64_t stride, bool same, std::int64_t& oh, std::int64_t& ow) {
  oh = same ? (H + stride - 1) / stride : (H - k) / stride + 1;
  ow = same ? (W + stride - 1) / stride : (W - k) / stride + 1;
  const std::int64_t pad_y = same ? std::max<std::int64_t>((oh - 1) * stride + k - H, 0) / 2 : 0;
  const std::int64_t pad_x = same ? std::max<std::int64_t>((ow - 1) * stride + k - W, 0) / 2 : 0;
  std::vector<double> y(static_cast<std::size_t>(oh * ow * O));
  for (std::int64_t py = 0; py < oh; ++py)
    for (std::int64_t px = 0; px < ow; ++px)
      for (std::int64_t o = 0; o < O; ++o) {
        double s = 0;
        for (std::int64_t ky = 0; ky < k; ++ky)
          for (std::int64_t kx = 0; kx < k; ++kx) {
            const std::int64_t sy = py * stride + ky - pad_y, sx = px * stride + kx - pad_x;
            if (sy < 0 || sy >= H || sx < 0 || sx >= W) continue;
            for (std::int64_t c = 0; c < C; ++c)
              s += x[(sy * W + sx) * C + c] *
                   kernel[static_cast<std::size_t>(((ky * k + kx) * C + c) * O + o)];
          }
        y[static_cast<std::size_t>((py * ow + px) * O + o)] = s;
      }
  return y;
}

struct Case {
  std::int64_t batch = 2, time = 4, height = 6, width = 5, channels = 2, filters = 3, k = 3;
  std::int64_t stride = 1;
  bool same = true, return_sequences = true, go_backwards = false, mask = false;
};

// Keras' ConvLSTM2D, channels-last in and out: output [B, T, OH, OW, F] (processing order) or
// [B, OH, OW, F], then h and c.
std::vector<std::vector<double>> reference(const Case& c, const std::vector<double>& x,
                                           const std::vector<double>& kernel,
                                           const std::vector<double>& recurrent,
                                           const std::vector<double>& bias,
                                           const std::vector<char>& mask, std::int64_t& oh,
                                           std::int64_t& ow) {
  const std::int64_t F = c.filters, G = 4 * F;
  std::int64_t h_, w_;
  conv2d(x.data(), c.height, c.width, c.channels, kernel, c.k, G, c.stride, c.same, oh, ow);
  const std::int64_t S = oh * ow;
  std::vector<double> out, hs, cs;
  for (std::int64_t b = 0; b < c.batch; ++b) {
    std::vector<double> h(static_cast<std::size_t>(S * F)), cell(h.size());
    std::vector<std::vector<double>> steps;
    for (std::int64_t p = 0; p < c.time; ++p) {
      const std::int64_t t = c.go_backwards ? c.time - 1 - p : p;
      if (!mask.empty() && !mask[static_cast<std::size_t>(b * c.time + t)]) {
        steps.push_back(h);
        continue;
      }
      const double* xt = x.data() + (b * c.time + t) * c.height * c.width * c.channels;
      const std::vector<double> zx =
          conv2d(xt, c.height, c.width, c.channels, kernel, c.k, G, c.stride, c.same, h_, w_);
      const std::vector<double> zh =
          conv2d(h.data(), oh, ow, F, recurrent, c.k, G, 1, true, h_, w_);
      for (std::int64_t s = 0; s < S; ++s) {
        for (std::int64_t j = 0; j < F; ++j) {
          auto z = [&](int g) {
            const auto q = static_cast<std::size_t>(s * G + g * F + j);
            return zx[q] + zh[q] + bias[static_cast<std::size_t>(g * F + j)];
          };
          const double i = sigmoid(z(0)), f = sigmoid(z(1)), g = std::tanh(z(2)), o = sigmoid(z(3));
          const auto q = static_cast<std::size_t>(s * F + j);
          cell[q] = f * cell[q] + i * g;
          h[q] = o * std::tanh(cell[q]);
        }
      }
      steps.push_back(h);
    }
    if (c.return_sequences) {
      for (const auto& v : steps) out.insert(out.end(), v.begin(), v.end());
    } else {
      out.insert(out.end(), steps.back().begin(), steps.back().end());
    }
    hs.insert(hs.end(), h.begin(), h.end());
    cs.insert(cs.end(), cell.begin(), cell.end());
  }
  return {out, hs, cs};
}

// [B, T?, H, W, C] channels-last -> channels-first [B, T?, C, H, W].
std::vector<double> to_channels_first(const std::vector<double>& v, std::int64_t lead,
                                      std::int64_t S, std::int64_t C) {
  std::vector<double> out(v.size());
  for (std::int64_t l = 0; l < lead; ++l)
    for (std::int64_t s = 0; s < S; ++s)
      for (std::int64_t c = 0; c < C; ++c)
        out[static_cast<std::size_t>((l * C + c) * S + s)] =
            v[static_cast<std::size_t>((l * S + s) * C + c)];
  return out;
}

void check(const Case& c, bool channels_first, bool return_state) {
  std::mt19937 rng(static_cast<unsigned>(c.stride * 10 + c.same + 2 * c.go_backwards + 4 * c.mask));
  const std::int64_t F = c.filters, G = 4 * F;
  std::vector<double> x = random_values(
      static_cast<std::size_t>(c.batch * c.time * c.height * c.width * c.channels), rng, 1);
  const std::vector<double> kernel =
      random_values(static_cast<std::size_t>(c.k * c.k * c.channels * G), rng, 0.4);
  const std::vector<double> recurrent =
      random_values(static_cast<std::size_t>(c.k * c.k * F * G), rng, 0.3);
  const std::vector<double> bias = random_values(static_cast<std::size_t>(G), rng, 0.3);
  std::vector<char> mask;
  if (c.mask) {
    mask = scattered_mask(c.batch, c.time);
    const std::int64_t step = c.height * c.width * c.channels;
    for (std::int64_t i = 0; i < c.batch * c.time; ++i)
      if (!mask[static_cast<std::size_t>(i)]) std::fill_n(x.begin() + i * step, step, 0.0);
  }
  std::int64_t oh = 0, ow = 0;
  const auto ref = reference(c, x, kernel, recurrent, bias, mask, oh, ow);

  LayerWeights w;
  w.at("conv_lstm") = {{"conv_lstm/cell/kernel", to_tensor(kernel, {c.k, c.k, c.channels, G})},
                       {"conv_lstm/cell/recurrent_kernel", to_tensor(recurrent, {c.k, c.k, F, G})},
                       {"conv_lstm/cell/bias", to_tensor(bias, {G})}};
  Json layer = {{"class_name", "ConvLSTM2D"},
                {"name", "conv_lstm"},
                {"config",
                 {{"name", "conv_lstm"},
                  {"filters", F},
                  {"kernel_size", {c.k, c.k}},
                  {"strides", {c.stride, c.stride}},
                  {"padding", c.same ? "same" : "valid"},
                  {"data_format", channels_first ? "channels_first" : "channels_last"},
                  {"activation", "tanh"},
                  {"recurrent_activation", "sigmoid"},
                  {"return_sequences", c.return_sequences},
                  {"return_state", return_state},
                  {"go_backwards", c.go_backwards}}}};
  // A mask given as a call input (a bool tensor), as Keras 3 records explicit masks.
  layer["inbound_nodes"] = c.mask ? keras2_node({{"x", 0}, {"m", 0}}) : keras2_node({{"x", 0}});
  const std::int64_t HW = c.height * c.width;
  std::vector<Json> layers = {
      input_layer("x",
                  channels_first ? std::vector<std::int64_t>{c.time, c.channels, c.height, c.width}
                                 : std::vector<std::int64_t>{c.time, c.height, c.width, c.channels},
                  2)};
  if (c.mask) {
    Json m = input_layer("m", {c.time}, 2);
    m["config"]["dtype"] = "bool";
    layers.push_back(m);
  }
  layers.push_back(layer);
  std::vector<std::pair<std::string, int>> outputs = {{"conv_lstm", 0}};
  if (return_state) outputs.insert(outputs.end(), {{"conv_lstm", 1}, {"conv_lstm", 2}});
  const Tensor input = channels_first
                           ? to_tensor(to_channels_first(x, c.batch * c.time, HW, c.channels),
                                       {c.batch, c.time, c.channels, c.height, c.width})
                           : to_tensor(x, {c.batch, c.time, c.height, c.width, c.channels});
  std::vector<std::pair<std::string, int>> model_inputs = {{"x", 0}};
  std::vector<Tensor> inputs = {input};
  if (c.mask) {
    model_inputs.push_back({"m", 0});
    inputs.push_back(mask_tensor(mask, c.batch, c.time));
  }
  const auto out = predict(functional(layers, model_inputs, outputs), w, 2, inputs);
  const std::int64_t lead = c.return_sequences ? c.batch * c.time : c.batch;
  Shape y_shape = channels_first ? Shape{c.batch, F, oh, ow} : Shape{c.batch, oh, ow, F};
  if (c.return_sequences) y_shape.insert(y_shape.begin() + 1, c.time);
  auto layout = [&](const std::vector<double>& v, std::int64_t rows) {
    return channels_first ? to_channels_first(v, rows, oh * ow, F) : v;
  };
  EXPECT_TRUE(close(out[0], layout(ref[0], lead), y_shape, 1e-4));
  if (return_state) {
    const Shape s = channels_first ? Shape{c.batch, F, oh, ow} : Shape{c.batch, oh, ow, F};
    EXPECT_TRUE(close(out[1], layout(ref[1], c.batch), s, 1e-4));
    EXPECT_TRUE(close(out[2], layout(ref[2], c.batch), s, 1e-4));
  }
}

TEST(KerasConvLstm2D, SamePaddingSequences) { check({}, false, false); }
TEST(KerasConvLstm2D, ValidPaddingStridesLastOutputAndStates) {
  check({.stride = 2, .same = false, .return_sequences = false}, false, true);
}
TEST(KerasConvLstm2D, SameStridesTwo) { check({.stride = 2}, false, true); }
TEST(KerasConvLstm2D, ChannelsFirst) { check({.go_backwards = true}, true, true); }
TEST(KerasConvLstm2D, GoBackwards) { check({.go_backwards = true}, false, false); }
TEST(KerasConvLstm2D, Masked) {
  check({.batch = 4, .go_backwards = true, .mask = true}, false, false);
}

TEST(KerasConvLstm2D, Errors) {
  LayerWeights w;
  w.at("c") = {{"k", Tensor::zeros(DType::f32, {3, 3, 2, 12})},
               {"r", Tensor::zeros(DType::f32, {3, 3, 2, 12})},
               {"b", Tensor::zeros(DType::f32, {12})}};
  const Json layer = {
      {"class_name", "ConvLSTM2D"},
      {"config", {{"name", "c"}, {"filters", 3}, {"kernel_size", {3, 3}}, {"padding", "same"}}}};
  // recurrent kernel [3, 3, 2, 12] does not fit 3 filters
  EXPECT_THROW(predict(sequential({input_layer("x", {2, 5, 5, 2}), layer}), w, 3,
                       {Tensor::zeros(DType::f32, {1, 2, 5, 5, 2})}),
               Error);
}

}  // namespace
}  // namespace nnload
