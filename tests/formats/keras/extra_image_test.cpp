// Resizing and CenterCrop against loops of TensorFlow's resize kernels (half-pixel centres):
// bilinear (clamped taps), nearest (floor((i + 0.5) * in / out)), bicubic (Keys a = -0.5, taps
// outside the image dropped and the rest renormalised), area (TensorFlow's resize_area), with
// crop_to_aspect_ratio and Keras 3's pad_to_aspect_ratio, both data formats.
#include <gtest/gtest.h>

#include <cmath>

#include "extra_test_support.hpp"
#include "support/error_capture.hpp"

namespace nnload {
namespace {

namespace k = testing::keras;
using k::Json;

// 1-D interpolation weights: out[o] = sum_i w[o][i] in[i].
using Weights1D = std::vector<std::vector<double>>;

Weights1D weights(const std::string& mode, int64_t in, int64_t out) {
  Weights1D w(static_cast<std::size_t>(out),
              std::vector<double>(static_cast<std::size_t>(in), 0.0));
  const double scale = double(in) / double(out);
  for (int64_t o = 0; o < out; ++o) {
    auto& row = w[static_cast<std::size_t>(o)];
    const double src = (o + 0.5) * scale - 0.5;
    if (mode == "bilinear") {
      const double f = std::floor(src);
      const int64_t lo = std::max<int64_t>(static_cast<int64_t>(f), 0);
      const int64_t hi = std::min<int64_t>(static_cast<int64_t>(std::ceil(src)), in - 1);
      row[static_cast<std::size_t>(lo)] += 1 - (src - f);
      row[static_cast<std::size_t>(hi)] += src - f;
    } else if (mode == "nearest") {
      row[static_cast<std::size_t>(
          std::min<int64_t>(static_cast<int64_t>(std::floor((o + 0.5) * scale)), in - 1))] = 1;
    } else if (mode == "bicubic") {
      auto cubic = [](double x) {
        const double a = -0.5;
        x = std::abs(x);
        if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
        if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
        return 0.0;
      };
      const int64_t i0 = static_cast<int64_t>(std::floor(src));
      const double t = src - double(i0);
      double total = 0;
      for (int64_t m = -1; m <= 2; ++m) {
        const int64_t i = i0 + m;
        if (i < 0 || i >= in) continue;
        const double wt = cubic(t - double(m));
        row[static_cast<std::size_t>(i)] += wt;
        total += wt;
      }
      for (double& v : row) v /= total;
    } else if (mode == "area") {
      const double start = o * scale, end = (o + 1) * scale;
      for (int64_t i = static_cast<int64_t>(std::floor(start));
           i < static_cast<int64_t>(std::ceil(end)); ++i)
        row[static_cast<std::size_t>(std::min(i, in - 1))] +=
            (std::min(double(i + 1), end) - std::max(double(i), start)) / scale;
    }
  }
  return w;
}

// Separable resize of a channels-last [1, H, W, C] image.
std::vector<double> resize(const std::vector<double>& x, int64_t H, int64_t W, int64_t C, int64_t h,
                           int64_t w, const std::string& mode) {
  const Weights1D wy = weights(mode, H, h), wx = weights(mode, W, w);
  std::vector<double> y(static_cast<std::size_t>(h * w * C), 0.0);
  for (int64_t a = 0; a < h; ++a)
    for (int64_t b = 0; b < w; ++b)
      for (int64_t c = 0; c < C; ++c) {
        double acc = 0;
        for (int64_t i = 0; i < H; ++i)
          for (int64_t j = 0; j < W; ++j)
            acc += wy[static_cast<std::size_t>(a)][static_cast<std::size_t>(i)] *
                   wx[static_cast<std::size_t>(b)][static_cast<std::size_t>(j)] *
                   x[static_cast<std::size_t>((i * W + j) * C + c)];
        y[static_cast<std::size_t>((a * w + b) * C + c)] = acc;
      }
  return y;
}

std::vector<double> as_double(const Tensor& t) {
  return std::vector<double>(t.data<float>(), t.data<float>() + t.numel());
}

Tensor run_one(const std::string& cls, Json config, const Tensor& x) {
  const Json model =
      k::functional({k::input_layer("x", Shape(x.shape().begin() + 1, x.shape().end())),
                     k::layer(cls, "r", config, {k::ref("x")})},
                    {"x"}, {Json{"r", 0, 0}});
  return k::run(model, {}, {x})[0];
}

void expect_close(const Tensor& a, const std::vector<double>& e, const Shape& shape,
                  const std::string& what) {
  ASSERT_EQ(a.shape(), shape) << what;
  for (int64_t i = 0; i < a.numel(); ++i)
    ASSERT_NEAR(a.data<float>()[i], e[static_cast<std::size_t>(i)], 2e-5)
        << what << " element " << i;
}

TEST(KerasResizing, EveryInterpolationUpAndDown) {
  const Tensor x = k::random_tensor({1, 6, 5, 2}, 1);
  for (const char* mode : {"bilinear", "nearest", "bicubic", "area"})
    for (auto [h, w] : std::vector<std::pair<int64_t, int64_t>>{{9, 7}, {4, 3}, {12, 5}, {3, 10}}) {
      const Tensor y =
          run_one("Resizing", {{"height", h}, {"width", w}, {"interpolation", mode}}, x);
      expect_close(y, resize(as_double(x), 6, 5, 2, h, w, mode), {1, h, w, 2},
                   fmt::format("{} {}x{}", mode, h, w));
    }
}

TEST(KerasResizing, ChannelsFirst) {
  const Tensor x_cl = k::random_tensor({1, 4, 6, 3}, 2);
  Tensor x_cf = Tensor::empty(DType::f32, {1, 3, 4, 6});
  for (int64_t c = 0; c < 3; ++c)
    for (int64_t p = 0; p < 24; ++p)
      x_cf.mutable_data<float>()[c * 24 + p] = x_cl.data<float>()[p * 3 + c];
  for (const char* mode : {"bilinear", "area"}) {
    const Tensor y = run_one(
        "Resizing",
        {{"height", 5}, {"width", 3}, {"interpolation", mode}, {"data_format", "channels_first"}},
        x_cf);
    const auto e = resize(as_double(x_cl), 4, 6, 3, 5, 3, mode);
    ASSERT_EQ(y.shape(), (Shape{1, 3, 5, 3}));
    for (int64_t c = 0; c < 3; ++c)
      for (int64_t p = 0; p < 15; ++p)
        ASSERT_NEAR(y.data<float>()[c * 15 + p], e[static_cast<std::size_t>(p * 3 + c)], 2e-5)
            << mode;
  }
}

// Crops a channels-last image.
std::vector<double> crop(const std::vector<double>& x, int64_t W, int64_t C, int64_t top,
                         int64_t left, int64_t h, int64_t w) {
  std::vector<double> y;
  for (int64_t a = 0; a < h; ++a)
    for (int64_t b = 0; b < w; ++b)
      for (int64_t c = 0; c < C; ++c)
        y.push_back(x[static_cast<std::size_t>(((top + a) * W + left + b) * C + c)]);
  return y;
}

TEST(KerasResizing, CropAndPadToAspectRatio) {
  const Tensor x = k::random_tensor({1, 6, 10, 1}, 3);
  // Target 4x4 (square): crop the centred 6x6 box, then resize.
  Tensor y = run_one("Resizing", {{"height", 4}, {"width", 4}, {"crop_to_aspect_ratio", true}}, x);
  expect_close(y, resize(crop(as_double(x), 10, 1, 0, 2, 6, 6), 6, 6, 1, 4, 4, "bilinear"),
               {1, 4, 4, 1}, "crop");
  // pad_to_aspect_ratio: 10x10 with two rows of fill above and below, then resize.
  y = run_one("Resizing",
              {{"height", 5}, {"width", 5}, {"pad_to_aspect_ratio", true}, {"fill_value", 0.5}}, x);
  std::vector<double> padded(100, 0.5);
  for (int64_t i = 0; i < 60; ++i) padded[static_cast<std::size_t>(20 + i)] = x.data<float>()[i];
  expect_close(y, resize(padded, 10, 10, 1, 5, 5, "bilinear"), {1, 5, 5, 1}, "pad");
}

TEST(KerasCenterCrop, CropsOrSmartResizes) {
  const Tensor x = k::random_tensor({1, 7, 6, 2}, 4);
  Tensor y = run_one("CenterCrop", {{"height", 4}, {"width", 3}}, x);
  expect_close(y, crop(as_double(x), 6, 2, 1, 1, 4, 3), {1, 4, 3, 2}, "crop");
  // Wider than the image: smart_resize (crop 7x6 to the 8:3... aspect box, then bilinear).
  y = run_one("CenterCrop", {{"height", 3}, {"width", 8}}, x);
  // crop_h = int(6 * 3 / 8) = 2, crop_w = min(6, int(7 * 8 / 3)) = 6, top = int(5 / 2) = 2.
  expect_close(y, resize(crop(as_double(x), 6, 2, 2, 0, 2, 6), 2, 6, 2, 3, 8, "bilinear"),
               {1, 3, 8, 2}, "smart");
}

TEST(KerasResizing, UnsupportedInterpolation) {
  const Tensor x = k::random_tensor({1, 4, 4, 1}, 5);
  EXPECT_EQ(testing::code_of([&] {
              run_one("Resizing", {{"height", 2}, {"width", 2}, {"interpolation", "lanczos3"}}, x);
            }),
            ErrorCode::unsupported);
}

}  // namespace
}  // namespace nnload
