// GroupNormalization, UnitNormalization and Dot against loops of Keras' equations, including the
// epsilon rules of each Keras version (visible on near-zero vectors).
#include <gtest/gtest.h>

#include <cmath>

#include "extra_test_support.hpp"
#include "support/error_capture.hpp"

namespace nnload {
namespace {

namespace k = testing::keras;
using k::Json;

Tensor run_one(const std::string& cls, Json config, const std::vector<int64_t>& shape,
               const Tensor& x, std::vector<Tensor> weights = {},
               const std::string& version = "3.5.0") {
  const Json model =
      k::functional({k::input_layer("x", shape), k::layer(cls, "l", config, {k::ref("x")})}, {"x"},
                    {Json{"l", 0, 0}});
  return k::run(model, {{"l", weights}}, {x}, version)[0];
}

// GroupNormalization over a [B, spatial, C] tensor with channels at `axis` (1 or last).
std::vector<double> group_norm(const Tensor& x, int64_t axis, int64_t groups, double eps,
                               const float* gamma, const float* beta) {
  const int64_t B = x.dim(0), C = x.dim(axis), per = x.numel() / B;
  const int64_t inner = axis == 1 ? per / C : 1;  // stride of the channel axis within a sample
  std::vector<double> y(static_cast<std::size_t>(x.numel()));
  auto channel = [&](int64_t i) { return axis == 1 ? i / inner : i % C; };
  for (int64_t b = 0; b < B; ++b)
    for (int64_t g = 0; g < groups; ++g) {
      double sum = 0, sq = 0;
      int64_t n = 0;
      for (int64_t i = 0; i < per; ++i) {
        if (channel(i) / (C / groups) != g) continue;
        sum += x.data<float>()[b * per + i];
        ++n;
      }
      const double mean = sum / double(n);
      for (int64_t i = 0; i < per; ++i) {
        if (channel(i) / (C / groups) != g) continue;
        const double d = x.data<float>()[b * per + i] - mean;
        sq += d * d;
      }
      const double inv = 1.0 / std::sqrt(sq / double(n) + eps);
      for (int64_t i = 0; i < per; ++i) {
        const int64_t c = channel(i);
        if (c / (C / groups) != g) continue;
        double v = (x.data<float>()[b * per + i] - mean) * inv;
        if (gamma) v *= gamma[c];
        if (beta) v += beta[c];
        y[static_cast<std::size_t>(b * per + i)] = v;
      }
    }
  return y;
}

void expect_close(const Tensor& a, const std::vector<double>& e, double tol = 2e-5) {
  ASSERT_EQ(a.numel(), static_cast<int64_t>(e.size()));
  for (int64_t i = 0; i < a.numel(); ++i)
    ASSERT_NEAR(a.data<float>()[i], e[static_cast<std::size_t>(i)],
                tol * (1 + std::abs(e[static_cast<std::size_t>(i)])))
        << "element " << i;
}

TEST(KerasGroupNormalization, ChannelsLastWithScaleAndCenter) {
  const Tensor x = k::random_tensor({2, 3, 4, 6}, 1, -2.0f, 3.0f);
  const Tensor gamma = k::random_tensor({6}, 2), beta = k::random_tensor({6}, 3);
  const Tensor y = run_one("GroupNormalization", {{"groups", 3}, {"axis", -1}, {"epsilon", 1e-3}},
                           {3, 4, 6}, x, {gamma, beta});
  EXPECT_EQ(y.shape(), x.shape());
  expect_close(y, group_norm(x, 3, 3, 1e-3, gamma.data<float>(), beta.data<float>()));
}

TEST(KerasGroupNormalization, ChannelsFirstAxisOneGroupsMinusOneAndNoParameters) {
  const Tensor x = k::random_tensor({2, 4, 5}, 4);
  const Tensor y =
      run_one("GroupNormalization",
              {{"groups", -1}, {"axis", 1}, {"epsilon", 1e-5}, {"scale", false}, {"center", false}},
              {4, 5}, x);
  expect_close(y, group_norm(x, 1, 4, 1e-5, nullptr, nullptr));
  // TensorFlow Addons' registered name, one group (LayerNormalization-like).
  const Tensor gamma = k::random_tensor({5}, 5);
  const Tensor z = run_one("Addons>GroupNormalization",
                           {{"groups", 1}, {"axis", -1}, {"center", false}}, {4, 5}, x, {gamma});
  expect_close(z, group_norm(x, 2, 1, 1e-3, gamma.data<float>(), nullptr));
}

TEST(KerasGroupNormalization, Errors) {
  const Tensor x = k::random_tensor({1, 2, 6}, 6);
  EXPECT_EQ(testing::code_of([&] {
              run_one("GroupNormalization", {{"groups", 4}}, {2, 6}, x, {x, x});
            }),
            ErrorCode::corrupt);  // 4 groups don't divide 6 channels
  EXPECT_EQ(testing::code_of([&] {
              run_one("GroupNormalization", {{"groups", 2}}, {2, 6}, x, {});
            }),
            ErrorCode::corrupt);  // gamma/beta missing
}

std::vector<double> unit_norm(const Tensor& x, int64_t rows, int64_t cols, bool keras36) {
  std::vector<double> y(static_cast<std::size_t>(x.numel()));
  for (int64_t r = 0; r < rows; ++r) {
    double ss = 0;
    for (int64_t c = 0; c < cols; ++c)
      ss += double(x.data<float>()[r * cols + c]) * x.data<float>()[r * cols + c];
    const double inv =
        keras36 ? std::min(1.0 / std::sqrt(ss), 1e12) : 1.0 / std::sqrt(std::max(ss, 1e-12));
    for (int64_t c = 0; c < cols; ++c)
      y[static_cast<std::size_t>(r * cols + c)] = x.data<float>()[r * cols + c] * inv;
  }
  return y;
}

TEST(KerasUnitNormalization, EachKerasVersionsEpsilonRule) {
  std::vector<float> v = k::uniform(12, 7);
  for (int c = 0; c < 4; ++c)
    v[static_cast<std::size_t>(4 + c)] = 1e-8f * static_cast<float>(c + 1);  // tiny row
  for (int c = 0; c < 4; ++c) v[static_cast<std::size_t>(8 + c)] = 0.0f;     // zero row
  const Tensor x = Tensor::from_vector<float>(v, {3, 4});
  for (const char* version : {"2.12.0", "3.3.0", "3.6.0"}) {
    const bool keras36 = std::string(version) == "3.6.0";
    const Tensor y = run_one("UnitNormalization", {{"axis", -1}}, {4}, x, {}, version);
    const auto expected = unit_norm(x, 3, 4, keras36);
    expect_close(y, expected, 1e-5);
    // The tiny row: a unit vector for Keras 3.6+, scaled by 1e6 otherwise.
    double ss = 0;
    for (int c = 0; c < 4; ++c) ss += double(y.data<float>()[4 + c]) * y.data<float>()[4 + c];
    EXPECT_NEAR(ss, keras36 ? 1.0 : 30e-4, keras36 ? 1e-5 : 1e-6) << version;
    for (int c = 0; c < 4; ++c) EXPECT_EQ(y.data<float>()[8 + c], 0.0f);
  }
}

TEST(KerasUnitNormalization, SeveralAxes) {
  const Tensor x = k::random_tensor({2, 3, 4}, 8);
  const Tensor y = run_one("UnitNormalization", {{"axis", {1, 2}}}, {3, 4}, x);
  expect_close(y, unit_norm(x.reshaped({2, 12}), 2, 12, false));
}

// Keras' batch_dot over axes (a0, a1) of x and y.
std::vector<double> batch_dot(const Tensor& x, const Tensor& y, int64_t a0, int64_t a1,
                              Shape& out) {
  const Shape xs = x.shape(), ys = y.shape();
  out = {xs[0]};
  Shape xr, yr;
  for (std::size_t d = 1; d < xs.size(); ++d)
    if (static_cast<int64_t>(d) != a0) xr.push_back(xs[d]);
  for (std::size_t d = 1; d < ys.size(); ++d)
    if (static_cast<int64_t>(d) != a1) yr.push_back(ys[d]);
  out.insert(out.end(), xr.begin(), xr.end());
  out.insert(out.end(), yr.begin(), yr.end());
  if (out.size() == 1) out.push_back(1);
  const int64_t X = shape_size(xr), Y = shape_size(yr), K = xs[static_cast<std::size_t>(a0)];
  std::vector<double> r(static_cast<std::size_t>(xs[0] * X * Y));
  auto index = [](const Shape& s, int64_t b, const Shape& rest_dims, int64_t rest, int64_t axis,
                  int64_t kk) {
    // Position in s of (b, rest unravelled over rest_dims with kk inserted at axis).
    std::vector<int64_t> pos(rest_dims.size());
    for (std::size_t d = rest_dims.size(); d-- > 0;)
      pos[d] = rest % rest_dims[d], rest /= rest_dims[d];
    pos.insert(pos.begin() + (axis - 1), kk);
    int64_t i = b;
    for (std::size_t d = 1; d < s.size(); ++d) i = i * s[d] + pos[d - 1];
    return i;
  };
  for (int64_t b = 0; b < xs[0]; ++b)
    for (int64_t i = 0; i < X; ++i)
      for (int64_t j = 0; j < Y; ++j) {
        double acc = 0;
        for (int64_t kk = 0; kk < K; ++kk)
          acc += double(x.data<float>()[index(xs, b, xr, i, a0, kk)]) *
                 y.data<float>()[index(ys, b, yr, j, a1, kk)];
        r[static_cast<std::size_t>((b * X + i) * Y + j)] = acc;
      }
  return r;
}

Tensor run_dot(Json axes, bool normalize, const Tensor& x, const Tensor& y,
               const std::string& version = "3.5.0") {
  Shape xs(x.shape().begin() + 1, x.shape().end()), ys(y.shape().begin() + 1, y.shape().end());
  const Json model =
      k::functional({k::input_layer("x", xs), k::input_layer("y", ys),
                     k::layer("Dot", "dot", {{"axes", axes}, {"normalize", normalize}},
                              Json::array({Json::array({k::ref("x"), k::ref("y")})}))},
                    {"x", "y"}, {Json{"dot", 0, 0}});
  return k::run(model, {}, {x, y}, version)[0];
}

TEST(KerasDot, AxesCombinations) {
  struct C {
    Shape x, y;
    Json axes;
    int64_t a0, a1;
  };
  const std::vector<C> cases = {
      {{2, 4}, {2, 4}, 1, 1, 1},
      {{2, 4}, {2, 4}, -1, 1, 1},
      {{2, 3, 4}, {2, 5, 4}, 2, 2, 2},
      {{2, 3, 4}, {2, 4, 5}, {2, 1}, 2, 1},
      {{2, 4, 3}, {2, 4, 5}, 1, 1, 1},
      {{2, 2, 3, 4}, {2, 4, 5}, {3, 1}, 3, 1},
      {{2, 4}, {2, 3, 4}, {1, 2}, 1, 2},
      {{2, 3, 4}, {2, 4}, {-1, -1}, 2, 1},
      {{2, 2, 4, 3}, {2, 5, 4}, {2, 2}, 2, 2},
  };
  unsigned seed = 10;
  for (const C& c : cases) {
    const Tensor x = k::random_tensor(c.x, seed++), y = k::random_tensor(c.y, seed++);
    Shape shape;
    const auto expected = batch_dot(x, y, c.a0, c.a1, shape);
    const Tensor out = run_dot(c.axes, false, x, y);
    ASSERT_EQ(out.shape(), shape) << c.axes.dump();
    expect_close(out, expected);
  }
}

TEST(KerasDot, NormalizeIsCosineWithEachVersionsEpsilon) {
  std::vector<float> xv = k::uniform(8, 30), yv = k::uniform(8, 31);
  for (int c = 0; c < 4; ++c) xv[static_cast<std::size_t>(4 + c)] = 1e-9f;  // second row tiny
  const Tensor x = Tensor::from_vector<float>(xv, {2, 4}),
               y = Tensor::from_vector<float>(yv, {2, 4});
  for (const char* version : {"2.11.0", "3.5.0"}) {
    const bool keras3 = version[0] == '3';
    const Tensor out = run_dot(1, true, x, y, version);
    ASSERT_EQ(out.shape(), (Shape{2, 1}));
    for (int64_t r = 0; r < 2; ++r) {
      double xx = 0, yy = 0, xy = 0;
      for (int64_t c = 0; c < 4; ++c) {
        xx += double(xv[static_cast<std::size_t>(r * 4 + c)]) *
              xv[static_cast<std::size_t>(r * 4 + c)];
        yy += double(yv[static_cast<std::size_t>(r * 4 + c)]) *
              yv[static_cast<std::size_t>(r * 4 + c)];
        xy += double(xv[static_cast<std::size_t>(r * 4 + c)]) *
              yv[static_cast<std::size_t>(r * 4 + c)];
      }
      const double nx = keras3 ? std::max(std::sqrt(xx), 1e-7) : std::sqrt(std::max(xx, 1e-12));
      const double ny = keras3 ? std::max(std::sqrt(yy), 1e-7) : std::sqrt(std::max(yy, 1e-12));
      EXPECT_NEAR(out.data<float>()[r], xy / (nx * ny), 1e-5) << version << " row " << r;
    }
  }
}

TEST(KerasDot, Errors) {
  const Tensor x = k::random_tensor({2, 3}, 1);
  EXPECT_EQ(testing::code_of([&] { run_dot(0, false, x, x); }),
            ErrorCode::unsupported);  // batch axis
  EXPECT_EQ(testing::code_of([&] { run_dot({1, 2, 3}, false, x, x); }), ErrorCode::corrupt);
}

}  // namespace
}  // namespace nnload
