// nnload.TfConv2DBackpropInput against the gradient written as a scatter: every out_backprop
// pixel adds its filter-weighted values into the input pixels its forward window covered,
// with the forward convolution's padding (TensorFlow's SAME: pad_before = total / 2).
#include <gtest/gtest.h>

#include <algorithm>

#include "ops/shape/op_test_util.hpp"
#include "support/error_capture.hpp"

namespace nnload {
namespace {

using testing::attrs;
using Ints = std::vector<std::int64_t>;

struct Geometry {
  Ints input_size;  // H, W of the forward input (this op's output)
  Ints kernel, strides, dilations;
  std::string padding;
  Ints pads;  // EXPLICIT: top, left, bottom, right (ONNX order: begins, ends)
};

std::int64_t forward_size(const Geometry& g, std::size_t i) {
  const std::int64_t span = (g.kernel[i] - 1) * g.dilations[i] + 1, s = g.strides[i];
  const std::int64_t in = g.input_size[i];
  if (g.padding == "SAME") return (in + s - 1) / s;
  if (g.padding == "VALID") return (in - span) / s + 1;
  return (in + g.pads[i] + g.pads[2 + i] - span) / s + 1;
}

std::int64_t pad_before(const Geometry& g, std::size_t i) {
  const std::int64_t span = (g.kernel[i] - 1) * g.dilations[i] + 1;
  if (g.padding == "SAME")
    return std::max<std::int64_t>(
               0, (forward_size(g, i) - 1) * g.strides[i] + span - g.input_size[i]) /
           2;
  if (g.padding == "VALID") return 0;
  return g.pads[i];
}

// dy NHWC [n, oh, ow, co], filter HWIO [kh, kw, ci, co] -> dx NHWC [n, H, W, ci].
Tensor reference(const Geometry& g, const Tensor& dy, const Tensor& filter) {
  const std::int64_t n = dy.dim(0), oh = dy.dim(1), ow = dy.dim(2), co = dy.dim(3);
  const std::int64_t kh = filter.dim(0), kw = filter.dim(1), ci = filter.dim(2);
  const std::int64_t H = g.input_size[0], W = g.input_size[1];
  Tensor dx = Tensor::zeros(DType::f32, {n, H, W, ci});
  float* out = dx.mutable_data<float>();
  const float* d = dy.data<float>();
  const float* f = filter.data<float>();
  for (std::int64_t b = 0; b < n; ++b)
    for (std::int64_t y = 0; y < oh; ++y)
      for (std::int64_t x = 0; x < ow; ++x)
        for (std::int64_t i = 0; i < kh; ++i)
          for (std::int64_t j = 0; j < kw; ++j) {
            const std::int64_t iy = y * g.strides[0] - pad_before(g, 0) + i * g.dilations[0];
            const std::int64_t ix = x * g.strides[1] - pad_before(g, 1) + j * g.dilations[1];
            if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
            for (std::int64_t c = 0; c < ci; ++c)
              for (std::int64_t o = 0; o < co; ++o)
                out[((b * H + iy) * W + ix) * ci + c] +=
                    d[((b * oh + y) * ow + x) * co + o] * f[((i * kw + j) * ci + c) * co + o];
          }
  return dx;
}

Tensor run(const Geometry& g, const Tensor& dy, const Tensor& filter, bool channels_last = true) {
  // ConvTranspose weight [C_in = co, C_out = ci, kh, kw].
  const Tensor w = testing::run1("Transpose", {filter}, attrs({{"perm", Ints{3, 2, 0, 1}}}));
  const std::int64_t n = dy.dim(0), ci = filter.dim(2);
  const Ints sizes = channels_last ? Ints{n, g.input_size[0], g.input_size[1], ci}
                                   : Ints{n, ci, g.input_size[0], g.input_size[1]};
  graph::Attributes a = attrs({{"strides", g.strides},
                               {"dilations", g.dilations},
                               {"padding", g.padding},
                               {"channels_last", std::int64_t{channels_last}}});
  if (g.padding == "EXPLICIT") a.set("pads", g.pads);
  const Tensor input =
      channels_last ? dy : testing::run1("Transpose", {dy}, attrs({{"perm", Ints{0, 3, 1, 2}}}));
  const Tensor y =
      ops::run_op("TfConv2DBackpropInput",
                  {input, w, Tensor::from_vector(sizes, {4}).to(DType::i32)}, a, 1, "nnload", 1)
          .at(0);
  return channels_last ? y : testing::run1("Transpose", {y}, attrs({{"perm", Ints{0, 2, 3, 1}}}));
}

TEST(TfConv2DBackpropInput, MatchesTheGradientScatterForEveryPadding) {
  const std::vector<Geometry> cases = {
      {{5, 5}, {3, 3}, {1, 1}, {1, 1}, "SAME", {}},
      {{6, 7}, {3, 2}, {2, 2}, {1, 1}, "SAME", {}},  // pad_before 0 or 1, an unread last row
      {{8, 8}, {4, 4}, {2, 2}, {1, 1}, "SAME", {}},
      {{8, 7}, {3, 3}, {2, 3}, {1, 1}, "VALID", {}},  // trailing pixels unread by the forward
      {{9, 9}, {3, 2}, {2, 1}, {2, 3}, "VALID", {}},  // dilated
      {{6, 5}, {2, 3}, {1, 2}, {2, 1}, "SAME", {}},
      {{5, 6}, {3, 3}, {2, 2}, {1, 1}, "EXPLICIT", {2, 0, 1, 3}},
      {{1, 1}, {1, 1}, {3, 3}, {1, 1}, "SAME", {}},
  };
  for (const Geometry& g : cases) {
    SCOPED_TRACE(g.padding + " input " + std::to_string(g.input_size[0]) + "x" +
                 std::to_string(g.input_size[1]));
    const Tensor dy = testing::random_floats({2, forward_size(g, 0), forward_size(g, 1), 3}, 5);
    const Tensor filter = testing::random_floats({g.kernel[0], g.kernel[1], 4, 3}, 6);
    const Tensor expected = reference(g, dy, filter);
    EXPECT_TRUE(testing::tensors_close(run(g, dy, filter), expected, 1e-4, 1e-4));
    EXPECT_TRUE(testing::tensors_close(run(g, dy, filter, false), expected, 1e-4, 1e-4));
  }
}

TEST(TfConv2DBackpropInput, RejectsOutBackpropOfTheWrongSize) {
  const Geometry g{{5, 5}, {3, 3}, {2, 2}, {1, 1}, "SAME", {}};
  const Tensor filter = testing::random_floats({3, 3, 4, 3}, 6);
  EXPECT_EQ(testing::code_of([&] {
              run(g, testing::random_floats({1, 2, 3, 3}, 1), filter);
            }),
            ErrorCode::shape);
  EXPECT_EQ(testing::code_of([&] {
              run(g, testing::random_floats({1, 3, 3, 2}, 1), filter);
            }),
            ErrorCode::shape);  // out_backprop has 2 channels, the filter 3
  const Tensor w = testing::run1("Transpose", {filter}, attrs({{"perm", Ints{3, 2, 0, 1}}}));
  EXPECT_EQ(testing::code_of([&] {
              ops::run_op("TfConv2DBackpropInput",
                          {testing::random_floats({1, 3, 3, 3}, 1), w,
                           testing::make<std::int32_t>({1, 5, 5, 7}, {4})},
                          attrs({{"strides", Ints{2, 2}},
                                 {"padding", std::string("SAME")},
                                 {"channels_last", std::int64_t{1}}}),
                          1, "nnload", 1);
            }),
            ErrorCode::shape);  // 7 channels asked, the filter makes 4
  EXPECT_EQ(testing::code_of([&] {
              ops::run_op("TfConv2DBackpropInput", {},
                          attrs({{"strides", Ints{2, 2}}, {"padding", std::string("FULL")}}), 1,
                          "nnload", 1);
            }),
            ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace nnload
