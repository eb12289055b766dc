// TF convolution and pool builders against direct loops with TensorFlow's padding rules (SAME:
// output ceil(in / stride), pad_before = total / 2; AvgPool averages the pixels inside the
// image), in both layouts. Conv2DBackpropInput is checked as the adjoint of Conv2D:
// <conv(x), dy> = <x, backprop(dy)>, with input_sizes computed from tf.shape as Keras does.
#include <gtest/gtest.h>

#include <cmath>

#include "formats/savedmodel/ops/tf_graph.hpp"
#include "ops/shape/op_test_util.hpp"
#include "support/error_capture.hpp"

namespace nnload::formats::savedmodel {
namespace {

using namespace tftest;
namespace nt = nnload::testing;
using Ints = std::vector<std::int64_t>;

// One spatial axis of a window op: TensorFlow's output size and leading pad.
struct Axis {
  std::int64_t out, pad;
};
Axis window_axis(std::int64_t in, std::int64_t k, std::int64_t s, std::int64_t d,
                 const std::string& padding, std::int64_t before = 0, std::int64_t after = 0) {
  const std::int64_t span = (k - 1) * d + 1;
  if (padding == "VALID") return {(in - span) / s + 1, 0};
  if (padding == "EXPLICIT") return {(in + before + after - span) / s + 1, before};
  const std::int64_t out = (in + s - 1) / s;
  return {out, std::max<std::int64_t>(0, (out - 1) * s + span - in) / 2};
}

struct ConvCase {
  Shape x;       // NHWC
  Shape filter;  // HWIO
  Ints strides, dilations;
  std::string padding;
  Ints explicit_pads;  // top, bottom, left, right
};

// NHWC convolution with HWIO filter and groups = C / filter_in.
Tensor conv_reference(const Tensor& x, const Tensor& f, const ConvCase& c) {
  const std::int64_t n = x.dim(0), h = x.dim(1), w = x.dim(2), ch = x.dim(3);
  const std::int64_t kh = f.dim(0), kw = f.dim(1), fin = f.dim(2), co = f.dim(3);
  const std::int64_t groups = ch / fin, per_group = co / groups;
  const Ints pads = c.explicit_pads.empty() ? Ints{0, 0, 0, 0} : c.explicit_pads;
  const Axis ay = window_axis(h, kh, c.strides[0], c.dilations[0], c.padding, pads[0], pads[1]);
  const Axis ax = window_axis(w, kw, c.strides[1], c.dilations[1], c.padding, pads[2], pads[3]);
  std::vector<double> out;
  for (std::int64_t b = 0; b < n; ++b)
    for (std::int64_t oy = 0; oy < ay.out; ++oy)
      for (std::int64_t ox = 0; ox < ax.out; ++ox)
        for (std::int64_t o = 0; o < co; ++o) {
          double s = 0;
          const std::int64_t g = o / per_group;
          for (std::int64_t i = 0; i < kh; ++i)
            for (std::int64_t j = 0; j < kw; ++j) {
              const std::int64_t iy = oy * c.strides[0] - ay.pad + i * c.dilations[0];
              const std::int64_t ix = ox * c.strides[1] - ax.pad + j * c.dilations[1];
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              for (std::int64_t ci = 0; ci < fin; ++ci)
                s += x.value_as_double(((b * h + iy) * w + ix) * ch + g * fin + ci) *
                     f.value_as_double(((i * kw + j) * fin + ci) * co + o);
            }
          out.push_back(s);
        }
  return Tensor::from_vector(out, {n, ay.out, ax.out, co}).to(DType::f32);
}

Tensor nchw(const Tensor& t) {
  return nt::run1("Transpose", {t}, nt::attrs({{"perm", Ints{0, 3, 1, 2}}}));
}
Tensor nhwc(const Tensor& t) {
  return nt::run1("Transpose", {t}, nt::attrs({{"perm", Ints{0, 2, 3, 1}}}));
}

// Per-axis attribute in data_format order.
Ints in_layout(const Ints& spatial, bool channels_last, std::int64_t neutral = 1) {
  return channels_last ? Ints{neutral, spatial[0], spatial[1], neutral}
                       : Ints{neutral, neutral, spatial[0], spatial[1]};
}

Attrs conv_attrs(const ConvCase& c, bool channels_last) {
  Attrs a = {{"T", type_attr(DType::f32)},
             {"strides", ints_attr(in_layout(c.strides, channels_last))},
             {"dilations", ints_attr(in_layout(c.dilations, channels_last))},
             {"padding", string_attr(c.padding)},
             {"data_format", string_attr(channels_last ? "NHWC" : "NCHW")}};
  if (!c.explicit_pads.empty()) {
    const Ints& p = c.explicit_pads;
    a["explicit_paddings"] = ints_attr(channels_last ? Ints{0, 0, p[0], p[1], p[2], p[3], 0, 0}
                                                     : Ints{0, 0, 0, 0, p[0], p[1], p[2], p[3]});
  }
  return a;
}

TEST(TfConvOps, Conv2DInBothLayoutsForEveryPadding) {
  const std::vector<ConvCase> cases = {
      {{2, 5, 6, 3}, {3, 3, 3, 4}, {1, 1}, {1, 1}, "SAME", {}},
      {{1, 7, 8, 2}, {3, 2, 2, 5}, {2, 3}, {1, 1}, "SAME", {}},
      {{1, 6, 6, 2}, {4, 4, 2, 3}, {2, 2}, {1, 1}, "SAME", {}},  // even kernel: pads 1 and 2
      {{2, 7, 7, 3}, {3, 3, 3, 2}, {2, 2}, {1, 1}, "VALID", {}},
      {{1, 9, 8, 2}, {3, 2, 2, 3}, {1, 1}, {2, 3}, "VALID", {}},  // dilated
      {{1, 9, 8, 2}, {3, 3, 2, 3}, {1, 1}, {2, 2}, "SAME", {}},
      {{1, 5, 6, 3}, {3, 3, 3, 2}, {2, 1}, {1, 1}, "EXPLICIT", {2, 0, 1, 3}},
      {{1, 5, 5, 4}, {3, 3, 2, 6}, {1, 1}, {1, 1}, "SAME", {}},  // 2 groups
  };
  for (const ConvCase& c : cases) {
    for (const bool channels_last : {true, false}) {
      SCOPED_TRACE(c.padding + (channels_last ? " NHWC " : " NCHW ") + shape_to_list(c.filter));
      const Tensor x = nt::random_floats(c.x, 1);
      const Tensor f = nt::random_floats(c.filter, 2);
      const Tensor input = channels_last ? x : nchw(x);
      // The input's shape is declared, as a Keras signature declares it (groups need it).
      const Tensor y =
          run_tf_graph1({placeholder("x", DType::f32, input.shape()), const_node("f", f),
                         node("conv", "Conv2D", {"x", "f"}, conv_attrs(c, channels_last))},
                        {{"x", input}}, "conv");
      EXPECT_TRUE(same_tensor(channels_last ? y : nhwc(y), conv_reference(x, f, c), 1e-4, 1e-4));
    }
  }
}

TEST(TfConvOps, Conv2DOfAnInputOfUnknownShape) {
  const ConvCase c{{2, 5, 6, 3}, {3, 3, 3, 4}, {2, 2}, {1, 1}, "SAME", {}};
  const Tensor x = nt::random_floats(c.x, 3), f = nt::random_floats(c.filter, 4);
  const Tensor y = run_tf_graph1({placeholder("x", DType::f32), const_node("f", f),
                                  node("conv", "Conv2D", {"x", "f"}, conv_attrs(c, true))},
                                 {{"x", x}}, "conv");
  EXPECT_TRUE(same_tensor(y, conv_reference(x, f, c), 1e-4, 1e-4));
}

TEST(TfConvOps, DepthwiseConv2dNative) {
  for (const std::string padding : {"SAME", "VALID"}) {
    for (const bool channels_last : {true, false}) {
      SCOPED_TRACE(padding + (channels_last ? " NHWC" : " NCHW"));
      const Tensor x = nt::random_floats({2, 6, 5, 3}, 5);
      const Tensor f = nt::random_floats({3, 2, 3, 2}, 6);  // [kh, kw, in, multiplier]
      const ConvCase c{x.shape(), {}, {2, 1}, {1, 1}, padding, {}};
      const Tensor input = channels_last ? x : nchw(x);
      const Tensor y = run_tf_graph1(
          {placeholder("x", DType::f32), const_node("f", f),
           node("dw", "DepthwiseConv2dNative", {"x", "f"}, conv_attrs(c, channels_last))},
          {{"x", input}}, "dw");
      // Output channel ci * multiplier + m.
      const Axis ay = window_axis(6, 3, 2, 1, padding), ax = window_axis(5, 2, 1, 1, padding);
      std::vector<double> expected;
      for (std::int64_t b = 0; b < 2; ++b)
        for (std::int64_t oy = 0; oy < ay.out; ++oy)
          for (std::int64_t ox = 0; ox < ax.out; ++ox)
            for (std::int64_t ci = 0; ci < 3; ++ci)
              for (std::int64_t m = 0; m < 2; ++m) {
                double s = 0;
                for (std::int64_t i = 0; i < 3; ++i)
                  for (std::int64_t j = 0; j < 2; ++j) {
                    const std::int64_t iy = oy * 2 - ay.pad + i, ix = ox - ax.pad + j;
                    if (iy < 0 || iy >= 6 || ix < 0 || ix >= 5) continue;
                    s += x.value_as_double(((b * 6 + iy) * 5 + ix) * 3 + ci) *
                         f.value_as_double(((i * 2 + j) * 3 + ci) * 2 + m);
                  }
                expected.push_back(s);
              }
      EXPECT_TRUE(same_tensor(channels_last ? y : nhwc(y),
                              Tensor::from_vector(expected, {2, ay.out, ax.out, 6}).to(DType::f32),
                              1e-4, 1e-4));
    }
  }
}

TEST(TfConvOps, Conv3DMatchesConv2DOnADepthOfOne) {
  const Tensor x = nt::random_floats({1, 1, 5, 5, 2}, 7);  // NDHWC
  const Tensor f = nt::random_floats({1, 3, 3, 2, 3}, 8);  // DHWIO
  const Tensor y = run_tf_graph1({placeholder("x", DType::f32), const_node("f", f),
                                  node("conv", "Conv3D", {"x", "f"},
                                       {{"T", type_attr(DType::f32)},
                                        {"strides", ints_attr({1, 1, 2, 2, 1})},
                                        {"padding", string_attr("SAME")}})},
                                 {{"x", x}}, "conv");
  const ConvCase c{{1, 5, 5, 2}, {3, 3, 2, 3}, {2, 2}, {1, 1}, "SAME", {}};
  const Tensor expected = conv_reference(x.reshaped({1, 5, 5, 2}), f.reshaped({3, 3, 2, 3}), c);
  EXPECT_TRUE(same_tensor(y, expected.reshaped({1, 1, 3, 3, 3}), 1e-4, 1e-4));
}

// Keras's Conv2DTranspose: input_sizes = stack([shape(x)[0], H, W, C]) computed in the graph.
Tensor backprop(const Tensor& dy, const Tensor& f, const ConvCase& c, std::int64_t H,
                std::int64_t W) {
  const auto C = static_cast<std::int32_t>(f.dim(2));
  return run_tf_graph1(
      {placeholder("dy", DType::f32), const_node("f", f),
       node("shape", "Shape", {"dy"}, {{"out_type", type_attr(DType::i32)}}),
       const_node("b0", nt::make<std::int32_t>({0}, {1})),
       const_node("b1", nt::make<std::int32_t>({1}, {1})),
       node("batch", "StridedSlice", {"shape", "b0", "b1", "b1"},
            {{"T", type_attr(DType::i32)},
             {"Index", type_attr(DType::i32)},
             {"shrink_axis_mask", int_attr(1)}}),
       const_node("h", Tensor::scalar<std::int32_t>(static_cast<std::int32_t>(H))),
       const_node("w", Tensor::scalar<std::int32_t>(static_cast<std::int32_t>(W))),
       const_node("c", Tensor::scalar<std::int32_t>(C)),
       node("sizes", "Pack", {"batch", "h", "w", "c"},
            {{"N", int_attr(4)}, {"T", type_attr(DType::i32)}}),
       node("convT", "Conv2DBackpropInput", {"sizes", "f", "dy"}, conv_attrs(c, true))},
      {{"dy", dy}}, "convT");
}

double dot(const Tensor& a, const Tensor& b) {
  double s = 0;
  for (std::int64_t i = 0; i < a.numel(); ++i) s += a.value_as_double(i) * b.value_as_double(i);
  return s;
}

TEST(TfConvOps, Conv2DBackpropInputIsTheAdjointOfConv2D) {
  const std::vector<ConvCase> cases = {
      {{2, 6, 7, 3}, {3, 3, 3, 4}, {2, 2}, {1, 1}, "SAME", {}},
      {{1, 8, 7, 2}, {3, 2, 2, 3}, {2, 3}, {1, 1}, "VALID", {}},
      {{1, 9, 9, 2}, {3, 3, 2, 2}, {1, 1}, {2, 2}, "SAME", {}},
      {{1, 5, 6, 3}, {3, 3, 3, 2}, {2, 2}, {1, 1}, "EXPLICIT", {2, 0, 1, 3}},
  };
  for (const ConvCase& c : cases) {
    SCOPED_TRACE(c.padding + " " + shape_to_list(c.x));
    const Tensor x = nt::random_floats(c.x, 9);
    const Tensor f = nt::random_floats(c.filter, 10);
    const Tensor y = conv_reference(x, f, c);
    const Tensor dy = nt::random_floats(y.shape(), 11);
    const Tensor dx = backprop(dy, f, c, c.x[1], c.x[2]);
    ASSERT_EQ(dx.shape(), x.shape());
    EXPECT_NEAR(dot(y, dy), dot(x, dx), 1e-3 * std::abs(dot(y, dy)) + 1e-3);
  }
}

struct PoolCase {
  Ints ksize, strides;
  std::string padding;
};

Tensor pool_reference(const Tensor& x, const PoolCase& p, bool max) {
  const std::int64_t n = x.dim(0), h = x.dim(1), w = x.dim(2), ch = x.dim(3);
  const Axis ay = window_axis(h, p.ksize[0], p.strides[0], 1, p.padding);
  const Axis ax = window_axis(w, p.ksize[1], p.strides[1], 1, p.padding);
  std::vector<double> out;
  for (std::int64_t b = 0; b < n; ++b)
    for (std::int64_t oy = 0; oy < ay.out; ++oy)
      for (std::int64_t ox = 0; ox < ax.out; ++ox)
        for (std::int64_t c = 0; c < ch; ++c) {
          double best = -INFINITY, sum = 0;
          int count = 0;
          for (std::int64_t i = 0; i < p.ksize[0]; ++i)
            for (std::int64_t j = 0; j < p.ksize[1]; ++j) {
              const std::int64_t iy = oy * p.strides[0] - ay.pad + i,
                                 ix = ox * p.strides[1] - ax.pad + j;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              const double v = x.value_as_double(((b * h + iy) * w + ix) * ch + c);
              best = std::max(best, v);
              sum += v;
              ++count;
            }
          out.push_back(max ? best : sum / count);
        }
  return Tensor::from_vector(out, {n, ay.out, ax.out, ch}).to(DType::f32);
}

TEST(TfConvOps, MaxPoolAndAvgPoolInBothLayouts) {
  const std::vector<PoolCase> cases = {{{2, 2}, {2, 2}, "VALID"},
                                       {{3, 3}, {2, 2}, "SAME"},
                                       {{3, 2}, {1, 2}, "SAME"},
                                       {{2, 3}, {3, 1}, "VALID"}};
  const Tensor x = nt::random_floats({2, 7, 6, 3}, 12);
  for (const PoolCase& p : cases) {
    for (const bool channels_last : {true, false}) {
      for (const std::string op : {"MaxPool", "AvgPool"}) {
        SCOPED_TRACE(op + " " + p.padding + (channels_last ? " NHWC" : " NCHW") + " k" +
                     std::to_string(p.ksize[0]));
        const Attrs a = {{"T", type_attr(DType::f32)},
                         {"ksize", ints_attr(in_layout(p.ksize, channels_last))},
                         {"strides", ints_attr(in_layout(p.strides, channels_last))},
                         {"padding", string_attr(p.padding)},
                         {"data_format", string_attr(channels_last ? "NHWC" : "NCHW")}};
        const Tensor input = channels_last ? x : nchw(x);
        const Tensor y = run_tf_graph1({placeholder("x", DType::f32), node("pool", op, {"x"}, a)},
                                       {{"x", input}}, "pool");
        EXPECT_TRUE(same_tensor(channels_last ? y : nhwc(y), pool_reference(x, p, op == "MaxPool"),
                                1e-5, 1e-5));
      }
    }
  }
}

TEST(TfConvOps, MaxPoolV2AndExplicitPadding) {
  const Tensor x = nt::random_floats({1, 5, 5, 2}, 13);
  const Tensor v2 = run_tf_graph1(
      {placeholder("x", DType::f32), const_node("k", nt::make<std::int32_t>({1, 3, 3, 1}, {4})),
       const_node("s", nt::make<std::int32_t>({1, 2, 2, 1}, {4})),
       node("pool", "MaxPoolV2", {"x", "k", "s"},
            {{"T", type_attr(DType::f32)}, {"padding", string_attr("SAME")}})},
      {{"x", x}}, "pool");
  EXPECT_TRUE(same_tensor(v2, pool_reference(x, {{3, 3}, {2, 2}, "SAME"}, true)));
  // EXPLICIT [1, 1] on both spatial axes with a 3x3 window equals SAME at stride 1.
  const Tensor explicit_pool =
      run_tf_graph1({placeholder("x", DType::f32),
                     node("pool", "MaxPool", {"x"},
                          {{"T", type_attr(DType::f32)},
                           {"ksize", ints_attr({1, 3, 3, 1})},
                           {"strides", ints_attr({1, 1, 1, 1})},
                           {"padding", string_attr("EXPLICIT")},
                           {"explicit_paddings", ints_attr({0, 0, 1, 1, 1, 1, 0, 0})}})},
                    {{"x", x}}, "pool");
  EXPECT_TRUE(same_tensor(explicit_pool, pool_reference(x, {{3, 3}, {1, 1}, "SAME"}, true)));
}

TEST(TfConvOps, UnsupportedConfigurationsAreErrorsNamingTheNode) {
  auto build = [](const std::string& op, Attrs a) {
    a["T"] = type_attr(DType::f32);
    build_tf_graph(
        {placeholder("x", DType::f32), const_node("f", nt::random_floats({1, 1, 2, 2}, 1)),
         node("layer/op", op, {"x", "f"}, a)},
        {"layer/op"});
  };
  const std::string strided_batch = nt::message_of([&] {
    build("Conv2D", {{"strides", ints_attr({2, 1, 1, 1})}, {"padding", string_attr("SAME")}});
  });
  EXPECT_NE(strided_batch.find("layer/op"), std::string::npos) << strided_batch;
  EXPECT_EQ(
      nt::code_of([&] {
        build("Conv2D", {{"strides", ints_attr({1, 1, 1, 1})}, {"padding", string_attr("FULL")}});
      }),
      ErrorCode::unsupported);
  EXPECT_EQ(nt::code_of([&] {
              build("Conv2D", {{"strides", ints_attr({1, 1, 1, 1})},
                               {"padding", string_attr("SAME")},
                               {"data_format", string_attr("NCHW_VECT_C")}});
            }),
            ErrorCode::unsupported);
  EXPECT_EQ(
      nt::code_of([&] {
        build("Conv2D", {{"strides", ints_attr({1, 1, 1})}, {"padding", string_attr("SAME")}});
      }),
      ErrorCode::corrupt);
  EXPECT_EQ(nt::code_of([] {
              build_tf_graph(
                  {placeholder("x", DType::f32), placeholder("f", DType::f32),
                   node("dw", "DepthwiseConv2dNative", {"x", "f"},
                        {{"strides", ints_attr({1, 1, 1, 1})}, {"padding", string_attr("SAME")}})},
                  {"dw"});
            }),
            ErrorCode::unsupported);  // the filter's shape is unknown
}

}  // namespace
}  // namespace nnload::formats::savedmodel
