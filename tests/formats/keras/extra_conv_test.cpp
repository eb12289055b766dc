// Transposed convolutions (Conv1D/2D/3DTranspose) against TensorFlow's definition, the input
// gradient of a forward convolution: output length from Keras' deconv_output_length, each input
// pixel i spread over o = i * stride + k * dilation - pad_before, where pad_before is the forward
// convolution's SAME padding (odd pixel at the end). Every padding / stride / kernel /
// output_padding combination, both data formats, dilation; and the 3-D layers whose builders
// live in conv.cpp, pooling.cpp and reshaping.cpp (Conv3D, pooling, UpSampling3D, ZeroPadding3D,
// Cropping3D) against loops.
#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <optional>

#include "extra_test_support.hpp"
#include "support/error_capture.hpp"

namespace nnload {
namespace {

namespace k = testing::keras;
using k::Json;

int64_t deconv_length(int64_t in, int64_t kernel, bool same, std::optional<int64_t> out_pad,
                      int64_t stride, int64_t dilation) {
  const int64_t kd = kernel + (kernel - 1) * (dilation - 1);
  if (!out_pad) return same ? in * stride : in * stride + std::max(kd - stride, int64_t{0});
  const int64_t pad = same ? kd / 2 : 0;
  return (in - 1) * stride + kd - 2 * pad + *out_pad;
}

// N-d transposed convolution, channels-last, Keras kernel [k..., out, in].
std::vector<double> reference(const Tensor& x, const Tensor& w, const Tensor* bias,
                              const std::vector<int64_t>& strides,
                              const std::vector<int64_t>& dilations, bool same,
                              const std::vector<std::optional<int64_t>>& out_pad, Shape& y_shape) {
  const std::size_t n = strides.size();
  const int64_t B = x.dim(0), C = x.dim(-1), F = w.dim(-2);
  std::vector<int64_t> in(n), ks(n), out(n), pb(n);
  for (std::size_t d = 0; d < n; ++d) {
    in[d] = x.dim(static_cast<int64_t>(d) + 1);
    ks[d] = w.dim(static_cast<int64_t>(d));
    const int64_t kd = (ks[d] - 1) * dilations[d] + 1;
    out[d] = deconv_length(in[d], ks[d], same, out_pad[d], strides[d], dilations[d]);
    pb[d] = same ? std::max((in[d] - 1) * strides[d] + kd - out[d], int64_t{0}) / 2 : 0;
  }
  y_shape = {B};
  y_shape.insert(y_shape.end(), out.begin(), out.end());
  y_shape.push_back(F);
  std::vector<double> y(static_cast<std::size_t>(shape_size(y_shape)), 0.0);
  const int64_t in_count = shape_size(Shape(in.begin(), in.end()));
  const int64_t k_count = shape_size(Shape(ks.begin(), ks.end()));
  for (int64_t b = 0; b < B; ++b)
    for (int64_t ii = 0; ii < in_count; ++ii)
      for (int64_t kk = 0; kk < k_count; ++kk) {
        // Positions: unravel ii over in, kk over ks.
        int64_t o_flat = 0, rem_i = ii, rem_k = kk;
        bool inside = true;
        std::vector<int64_t> ip(n), kp(n);
        for (std::size_t d = n; d-- > 0;) {
          ip[d] = rem_i % in[d], rem_i /= in[d];
          kp[d] = rem_k % ks[d], rem_k /= ks[d];
        }
        for (std::size_t d = 0; d < n; ++d) {
          const int64_t o = ip[d] * strides[d] + kp[d] * dilations[d] - pb[d];
          inside = inside && o >= 0 && o < out[d];
          o_flat = o_flat * out[d] + o;
        }
        if (!inside) continue;
        for (int64_t f = 0; f < F; ++f)
          for (int64_t c = 0; c < C; ++c)
            y[static_cast<std::size_t>(
                (b * shape_size(Shape(out.begin(), out.end())) + o_flat) * F + f)] +=
                double(x.data<float>()[(b * in_count + ii) * C + c]) *
                w.data<float>()[(kk * F + f) * C + c];
      }
  if (bias) {
    for (std::size_t i = 0; i < y.size(); ++i)
      y[i] += bias->data<float>()[i % static_cast<std::size_t>(F)];
  }
  return y;
}

void expect_close(const Tensor& actual, const std::vector<double>& expected, const Shape& shape,
                  const std::string& what) {
  ASSERT_EQ(actual.shape(), shape) << what;
  for (int64_t i = 0; i < actual.numel(); ++i)
    ASSERT_NEAR(actual.data<float>()[i], expected[static_cast<std::size_t>(i)], 1e-4)
        << what << " element " << i;
}

Json conv_config(const std::vector<int64_t>& kernel, const std::vector<int64_t>& strides,
                 const std::vector<int64_t>& dilation, bool same,
                 const std::vector<std::optional<int64_t>>& out_pad, bool bias, int64_t filters) {
  Json op = nullptr;
  if (out_pad[0]) {
    op = Json::array();
    for (const auto& p : out_pad) op.push_back(*p);
  }
  return {{"filters", filters},
          {"kernel_size", kernel},
          {"strides", strides},
          {"padding", same ? "same" : "valid"},
          {"output_padding", op},
          {"dilation_rate", dilation},
          {"use_bias", bias},
          {"activation", "linear"},
          {"data_format", "channels_last"}};
}

TEST(KerasConvTranspose, EveryPaddingStrideKernelAndOutputPadding1D) {
  int cases = 0;
  for (bool same : {false, true})
    for (int64_t stride : {1, 2, 3})
      for (int64_t kernel : {1, 2, 3, 4, 5})
        for (int64_t dilation : {1, 2}) {
          if (dilation > 1 && stride > 1) continue;  // TensorFlow rejects the combination
          std::vector<std::optional<int64_t>> pads = {std::nullopt};
          for (int64_t p = 0; p < stride; ++p) pads.push_back(p);
          for (const auto& op : pads) {
            const Tensor x = k::random_tensor({2, 4, 3}, 100 + cases);
            const Tensor w = k::random_tensor({kernel, 2, 3}, 200 + cases);
            const Tensor b = k::random_tensor({2}, 300 + cases);
            const Json model = k::functional(
                {k::input_layer("x", {4, 3}),
                 k::layer("Conv1DTranspose", "ct",
                          conv_config({kernel}, {stride}, {dilation}, same, {op}, true, 2),
                          {k::ref("x")})},
                {"x"}, {Json{"ct", 0, 0}});
            Shape shape;
            const auto expected = reference(x, w, &b, {stride}, {dilation}, same, {op}, shape);
            const std::string what = fmt::format("same={} stride={} kernel={} dilation={} op={}",
                                                 same, stride, kernel, dilation, op ? *op : -1);
            const auto out = k::run(model, {{"ct", {w, b}}}, {x});
            expect_close(out[0], expected, shape, what);
            ++cases;
          }
        }
  EXPECT_EQ(cases, 2 * (5 * 2 * 2 + 5 * 3 + 5 * 4));
}

TEST(KerasConvTranspose, Conv2DTransposeMixedAxesNoBias) {
  const Tensor x = k::random_tensor({1, 3, 4, 2}, 1);
  const Tensor w = k::random_tensor({3, 2, 5, 2}, 2);
  for (bool same : {false, true}) {
    const std::vector<std::optional<int64_t>> op = {1, 0};
    const Json model = k::functional(
        {k::input_layer("x", {3, 4, 2}),
         k::layer("Conv2DTranspose", "ct", conv_config({3, 2}, {2, 3}, {1, 1}, same, op, false, 5),
                  {k::ref("x")})},
        {"x"}, {Json{"ct", 0, 0}});
    Shape shape;
    const auto expected = reference(x, w, nullptr, {2, 3}, {1, 1}, same, op, shape);
    expect_close(k::run(model, {{"ct", {w}}}, {x})[0], expected, shape, "2d");
  }
}

TEST(KerasConvTranspose, Conv2DTransposeChannelsFirstWithActivation) {
  const Tensor x_cl = k::random_tensor({1, 3, 3, 2}, 3);
  const Tensor w = k::random_tensor({2, 2, 3, 2}, 4);
  const Tensor b = k::random_tensor({3}, 5);
  // The same data channels-first.
  Tensor x_cf = Tensor::empty(DType::f32, {1, 2, 3, 3});
  for (int64_t c = 0; c < 2; ++c)
    for (int64_t p = 0; p < 9; ++p)
      x_cf.mutable_data<float>()[c * 9 + p] = x_cl.data<float>()[p * 2 + c];
  Json config = conv_config({2, 2}, {2, 2}, {1, 1}, true, {std::nullopt, std::nullopt}, true, 3);
  config["data_format"] = "channels_first";
  config["activation"] = "relu";
  const Json model = k::functional(
      {k::input_layer("x", {2, 3, 3}), k::layer("Conv2DTranspose", "ct", config, {k::ref("x")})},
      {"x"}, {Json{"ct", 0, 0}});
  Shape shape;
  const auto expected =
      reference(x_cl, w, &b, {2, 2}, {1, 1}, true, {std::nullopt, std::nullopt}, shape);
  const Tensor y = k::run(model, {{"ct", {w, b}}}, {x_cf})[0];
  ASSERT_EQ(y.shape(), (Shape{1, 3, 6, 6}));
  for (int64_t f = 0; f < 3; ++f)
    for (int64_t p = 0; p < 36; ++p)
      ASSERT_NEAR(y.data<float>()[f * 36 + p],
                  std::max(0.0, expected[static_cast<std::size_t>(p * 3 + f)]), 1e-4);
}

TEST(KerasConvTranspose, Conv3DTranspose) {
  const Tensor x = k::random_tensor({1, 2, 3, 2, 2}, 6);
  const Tensor w = k::random_tensor({2, 3, 2, 3, 2}, 7);
  const Tensor b = k::random_tensor({3}, 8);
  for (bool same : {false, true}) {
    const std::vector<std::optional<int64_t>> op = {std::nullopt, std::nullopt, std::nullopt};
    const Json model = k::functional(
        {k::input_layer("x", {2, 3, 2, 2}),
         k::layer("Conv3DTranspose", "ct",
                  conv_config({2, 3, 2}, {2, 1, 2}, {1, 1, 1}, same, op, true, 3), {k::ref("x")})},
        {"x"}, {Json{"ct", 0, 0}});
    Shape shape;
    const auto expected = reference(x, w, &b, {2, 1, 2}, {1, 1, 1}, same, op, shape);
    expect_close(k::run(model, {{"ct", {w, b}}}, {x})[0], expected, shape, "3d");
  }
}

TEST(KerasConvTranspose, Errors) {
  k::LayerRun r;
  r.class_name = "Conv2DTranspose";
  r.inputs = {k::random_tensor({1, 3, 3, 2}, 1)};
  r.config = conv_config({2, 2}, {1, 1}, {1, 1}, false, {std::nullopt, std::nullopt}, true, 3);
  r.weights = {k::random_tensor({2, 2, 3, 2}, 2)};  // bias missing
  EXPECT_EQ(testing::code_of([&] { k::run_layer(r); }), ErrorCode::corrupt);
  r.weights.push_back(k::random_tensor({3}, 3));
  r.config["padding"] = "causal";
  EXPECT_EQ(testing::code_of([&] { k::run_layer(r); }), ErrorCode::unsupported);
}

// --- 3-D layers built by conv.cpp / pooling.cpp / reshaping.cpp

TEST(Keras3DLayers, Conv3DValidAndSameWithStrides) {
  const Tensor x = k::random_tensor({1, 4, 5, 3, 2}, 9);
  const Tensor w = k::random_tensor({3, 2, 2, 2, 4}, 10);  // [kd, kh, kw, in, out]
  const Tensor b = k::random_tensor({4}, 11);
  for (bool same : {false, true}) {
    const std::vector<int64_t> s = {2, 1, 2};
    Json config = {{"filters", 4},     {"kernel_size", {3, 2, 2}},
                   {"strides", s},     {"padding", same ? "same" : "valid"},
                   {"use_bias", true}, {"activation", "linear"}};
    const Json model = k::functional(
        {k::input_layer("x", {4, 5, 3, 2}), k::layer("Conv3D", "c", config, {k::ref("x")})}, {"x"},
        {Json{"c", 0, 0}});
    const Tensor y = k::run(model, {{"c", {w, b}}}, {x})[0];
    const int64_t in[3] = {4, 5, 3}, ks[3] = {3, 2, 2};
    int64_t out[3], pb[3];
    for (int d = 0; d < 3; ++d) {
      out[d] = same ? (in[d] + s[static_cast<std::size_t>(d)] - 1) / s[static_cast<std::size_t>(d)]
                    : (in[d] - ks[d]) / s[static_cast<std::size_t>(d)] + 1;
      pb[d] = same ? std::max((out[d] - 1) * s[static_cast<std::size_t>(d)] + ks[d] - in[d],
                              int64_t{0}) /
                         2
                   : 0;
    }
    ASSERT_EQ(y.shape(), (Shape{1, out[0], out[1], out[2], 4}));
    for (int64_t o0 = 0; o0 < out[0]; ++o0)
      for (int64_t o1 = 0; o1 < out[1]; ++o1)
        for (int64_t o2 = 0; o2 < out[2]; ++o2)
          for (int64_t f = 0; f < 4; ++f) {
            double acc = b.data<float>()[f];
            for (int64_t k0 = 0; k0 < 3; ++k0)
              for (int64_t k1 = 0; k1 < 2; ++k1)
                for (int64_t k2 = 0; k2 < 2; ++k2) {
                  const int64_t i0 = o0 * s[0] + k0 - pb[0], i1 = o1 * s[1] + k1 - pb[1],
                                i2 = o2 * s[2] + k2 - pb[2];
                  if (i0 < 0 || i0 >= 4 || i1 < 0 || i1 >= 5 || i2 < 0 || i2 >= 3) continue;
                  for (int64_t c = 0; c < 2; ++c)
                    acc += double(x.data<float>()[((i0 * 5 + i1) * 3 + i2) * 2 + c]) *
                           w.data<float>()[(((k0 * 2 + k1) * 2 + k2) * 2 + c) * 4 + f];
                }
            ASSERT_NEAR(y.data<float>()[((o0 * out[1] + o1) * out[2] + o2) * 4 + f], acc, 1e-4);
          }
  }
}

TEST(Keras3DLayers, MaxAndAveragePooling3D) {
  const Tensor x = k::random_tensor({1, 4, 4, 3, 2}, 12);
  for (const char* cls : {"MaxPooling3D", "AveragePooling3D"}) {
    for (bool same : {false, true}) {
      Json config = {
          {"pool_size", {2, 2, 2}}, {"strides", {2, 2, 2}}, {"padding", same ? "same" : "valid"}};
      const Json model = k::functional(
          {k::input_layer("x", {4, 4, 3, 2}), k::layer(cls, "p", config, {k::ref("x")})}, {"x"},
          {Json{"p", 0, 0}});
      const Tensor y = k::run(model, {}, {x})[0];
      const int64_t od = 2, oh = 2, ow = same ? 2 : 1;
      ASSERT_EQ(y.shape(), (Shape{1, od, oh, ow, 2})) << cls;
      const bool is_max = std::string(cls) == "MaxPooling3D";
      for (int64_t a = 0; a < od; ++a)
        for (int64_t b = 0; b < oh; ++b)
          for (int64_t c = 0; c < ow; ++c)
            for (int64_t ch = 0; ch < 2; ++ch) {
              double acc = is_max ? -1e9 : 0;
              int count = 0;
              for (int64_t i = 0; i < 2; ++i)
                for (int64_t j = 0; j < 2; ++j)
                  for (int64_t l = 0; l < 2; ++l) {
                    const int64_t z = c * 2 + l;
                    if (z >= 3) continue;  // SAME: the padded pixel is not counted
                    const double v =
                        x.data<float>()[(((a * 2 + i) * 4 + b * 2 + j) * 3 + z) * 2 + ch];
                    acc = is_max ? std::max(acc, v) : acc + v;
                    ++count;
                  }
              if (!is_max) acc /= count;
              ASSERT_NEAR(y.data<float>()[(((a * oh + b) * ow + c) * 2) + ch], acc, 1e-5) << cls;
            }
    }
  }
}

TEST(Keras3DLayers, GlobalPooling3DBothFormatsAndKeepdims) {
  const Tensor x = k::random_tensor({2, 3, 2, 4, 3}, 19);  // [B, D, H, W, C] or [B, C, D, H, W]
  for (const char* cls :
       {"GlobalAveragePooling3D", "GlobalMaxPooling3D", "GlobalAvgPool3D", "GlobalMaxPool3D"}) {
    const bool is_max = std::string(cls).find("Max") != std::string::npos;
    for (bool first : {false, true}) {
      for (bool keepdims : {false, true}) {
        const Json config = {{"data_format", first ? "channels_first" : "channels_last"},
                             {"keepdims", keepdims}};
        const Json model = k::functional(
            {k::input_layer("x", {3, 2, 4, 3}), k::layer(cls, "g", config, {k::ref("x")})}, {"x"},
            {Json{"g", 0, 0}});
        const Tensor y = k::run(model, {}, {x})[0];
        const int64_t channels = 3;  // dim 1 (channels_first) and dim 4 (channels_last)
        const Shape expected_shape = !keepdims ? Shape{2, channels}
                                     : first   ? Shape{2, channels, 1, 1, 1}
                                               : Shape{2, 1, 1, 1, channels};
        ASSERT_EQ(y.shape(), expected_shape) << cls;
        for (int64_t b = 0; b < 2; ++b)
          for (int64_t c = 0; c < channels; ++c) {
            double acc = is_max ? -1e9 : 0;
            for (int64_t i = 0; i < 24; ++i) {
              // channels_last: [b, i / 3 ... , c]; channels_first: [b, c, i (flattened D*H*W)].
              const float v = first ? x.data<float>()[(b * 3 + c) * 24 + i]
                                    : x.data<float>()[(b * 24 + i) * 3 + c];
              acc = is_max ? std::max(acc, double(v)) : acc + v;
            }
            if (!is_max) acc /= 24;
            ASSERT_NEAR(y.data<float>()[b * channels + c], acc, 1e-5) << cls;
          }
      }
    }
  }
}

TEST(Keras3DLayers, MaxPool3DAndAvgPool3DAliases) {
  const Tensor x = k::random_tensor({1, 2, 2, 2, 1}, 20);
  for (const char* cls : {"MaxPool3D", "AvgPool3D"}) {
    const Json model = k::functional(
        {k::input_layer("x", {2, 2, 2, 1}),
         k::layer(cls, "p", {{"pool_size", {2, 2, 2}}, {"padding", "valid"}}, {k::ref("x")})},
        {"x"}, {Json{"p", 0, 0}});
    const Tensor y = k::run(model, {}, {x})[0];
    ASSERT_EQ(y.shape(), (Shape{1, 1, 1, 1, 1}));
    const float* v = x.data<float>();
    const double expected = std::string(cls) == "MaxPool3D" ? *std::max_element(v, v + 8)
                                                            : std::accumulate(v, v + 8, 0.0) / 8;
    EXPECT_NEAR(y.data<float>()[0], expected, 1e-6) << cls;
  }
}

TEST(Keras3DLayers, UpSamplingZeroPaddingCropping3D) {
  const Tensor x = k::random_tensor({1, 2, 3, 2, 2}, 13);
  auto run1 = [&](const std::string& cls, Json config) {
    const Json model = k::functional(
        {k::input_layer("x", {2, 3, 2, 2}), k::layer(cls, "l", config, {k::ref("x")})}, {"x"},
        {Json{"l", 0, 0}});
    return k::run(model, {}, {x})[0];
  };
  auto xv = [&](int64_t a, int64_t b, int64_t c, int64_t ch) {
    return x.data<float>()[((a * 3 + b) * 2 + c) * 2 + ch];
  };
  const Tensor up = run1("UpSampling3D", {{"size", {2, 1, 3}}});
  ASSERT_EQ(up.shape(), (Shape{1, 4, 3, 6, 2}));
  for (int64_t a = 0; a < 4; ++a)
    for (int64_t b = 0; b < 3; ++b)
      for (int64_t c = 0; c < 6; ++c)
        for (int64_t ch = 0; ch < 2; ++ch)
          ASSERT_EQ(up.data<float>()[((a * 3 + b) * 6 + c) * 2 + ch], xv(a / 2, b, c / 3, ch));

  const Tensor pad = run1("ZeroPadding3D", {{"padding", {{1, 0}, {0, 2}, {1, 1}}}});
  ASSERT_EQ(pad.shape(), (Shape{1, 3, 5, 4, 2}));
  for (int64_t a = 0; a < 3; ++a)
    for (int64_t b = 0; b < 5; ++b)
      for (int64_t c = 0; c < 4; ++c)
        for (int64_t ch = 0; ch < 2; ++ch) {
          const bool inside = a >= 1 && b < 3 && c >= 1 && c < 3;
          ASSERT_EQ(pad.data<float>()[((a * 5 + b) * 4 + c) * 2 + ch],
                    inside ? xv(a - 1, b, c - 1, ch) : 0.0f);
        }

  const Tensor crop = run1("Cropping3D", {{"cropping", {{1, 0}, {1, 1}, {0, 1}}}});
  ASSERT_EQ(crop.shape(), (Shape{1, 1, 1, 1, 2}));
  for (int64_t ch = 0; ch < 2; ++ch) ASSERT_EQ(crop.data<float>()[ch], xv(1, 1, 0, ch));
}

}  // namespace
}  // namespace nnload
