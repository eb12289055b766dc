#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "ops/shape/op_test_util.hpp"

namespace nnload {
namespace {

using testing::attrs;
using testing::bytes_equal;
using testing::f32s;
using testing::i64s;
using testing::random_tensor;
using testing::reference_move;
using testing::run1;
using testing::tensors_close;
using Ints = std::vector<std::int64_t>;
using Floats = std::vector<float>;

const Tensor kNone;  // an omitted optional input

Tensor x2x2() { return f32s({1, 2, 3, 4}, {1, 1, 2, 2}); }
Tensor x2x4() { return f32s({1, 2, 3, 4, 5, 6, 7, 8}, {1, 1, 2, 4}); }
Tensor x4x4() {
  Floats v(16);
  std::iota(v.begin(), v.end(), 1.0f);
  return f32s(v, {1, 1, 4, 4});
}
graph::Attributes mode(const char* m,
                       std::initializer_list<std::pair<std::string, graph::AttrValue>> more = {}) {
  graph::Attributes a = attrs(more);
  a.set("mode", std::string(m));
  return a;
}

// ---- Literal cases from the ONNX Resize backend tests (opset 13+ input layout) ----

TEST(Resize, SpecNearestCases) {
  EXPECT_TRUE(
      bytes_equal(run1("Resize", {x2x2(), kNone, f32s({1, 1, 2, 3}, {4})}, mode("nearest")),
                  f32s({1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4},
                       {1, 1, 4, 6})));
  EXPECT_TRUE(
      bytes_equal(run1("Resize", {x2x4(), kNone, f32s({1, 1, 0.6f, 0.6f}, {4})}, mode("nearest")),
                  f32s({1, 3}, {1, 1, 1, 2})));
  EXPECT_TRUE(
      bytes_equal(run1("Resize", {x2x4(), kNone, kNone, i64s({1, 1, 1, 3})}, mode("nearest")),
                  f32s({1, 2, 4}, {1, 1, 1, 3})));
  const Tensor up78 = run1("Resize", {x2x2(), kNone, kNone, i64s({1, 1, 7, 8})}, mode("nearest"));
  const Tensor expected78 = reference_move(x2x2(), {1, 1, 7, 8}, [](const Ints& o) {
    return std::optional<Ints>({0, 0, o[2] < 4 ? 0 : 1, o[3] < 4 ? 0 : 1});
  });
  EXPECT_TRUE(bytes_equal(up78, expected78));
}

TEST(Resize, SpecNearestModes) {
  const Tensor floor_ac =
      run1("Resize", {x4x4(), kNone, kNone, i64s({1, 1, 8, 8})},
           mode("nearest", {{"coordinate_transformation_mode", std::string("align_corners")},
                            {"nearest_mode", std::string("floor")}}));
  const Ints floor_map = {0, 0, 0, 1, 1, 2, 2, 3};
  EXPECT_TRUE(bytes_equal(floor_ac, reference_move(x4x4(), {1, 1, 8, 8}, [&](const Ints& o) {
                            return std::optional<Ints>({0, 0, floor_map[o[2]], floor_map[o[3]]});
                          })));
  const Ints ceil_map = {0, 1, 1, 2, 2, 3, 3, 3};
  const Tensor ceil_asym =
      run1("Resize", {x4x4(), kNone, kNone, i64s({1, 1, 8, 8})},
           mode("nearest", {{"coordinate_transformation_mode", std::string("asymmetric")},
                            {"nearest_mode", std::string("round_prefer_ceil")}}));
  EXPECT_TRUE(bytes_equal(ceil_asym, reference_move(x4x4(), {1, 1, 8, 8}, [&](const Ints& o) {
                            return std::optional<Ints>({0, 0, ceil_map[o[2]], ceil_map[o[3]]});
                          })));
  const Tensor ceil_hp = run1("Resize", {x4x4(), kNone, kNone, i64s({1, 1, 8, 8})},
                              mode("nearest", {{"nearest_mode", std::string("ceil")}}));
  EXPECT_TRUE(bytes_equal(ceil_hp, ceil_asym));
}

TEST(Resize, SpecLinearCases) {
  EXPECT_TRUE(
      tensors_close(run1("Resize", {x2x2(), kNone, f32s({1, 1, 2, 2}, {4})}, mode("linear")),
                    f32s({1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3,
                          3.25f, 3.75f, 4},
                         {1, 1, 4, 4}),
                    1e-6));
  EXPECT_TRUE(tensors_close(
      run1("Resize", {x2x2(), kNone, f32s({1, 1, 2, 2}, {4})},
           mode("linear", {{"coordinate_transformation_mode", std::string("align_corners")}})),
      f32s({1, 1.33333333f, 1.66666667f, 2, 1.66666667f, 2, 2.33333333f, 2.66666667f, 2.33333333f,
            2.66666667f, 3, 3.33333333f, 3, 3.33333333f, 3.66666667f, 4},
           {1, 1, 4, 4}),
      1e-6));
  EXPECT_TRUE(
      tensors_close(run1("Resize", {x2x4(), kNone, f32s({1, 1, 0.6f, 0.6f}, {4})}, mode("linear")),
                    f32s({2.6666665f, 4.3333331f}, {1, 1, 1, 2}), 1e-6));
  EXPECT_TRUE(tensors_close(
      run1("Resize", {x2x4(), kNone, f32s({1, 1, 0.6f, 0.6f}, {4})},
           mode("linear", {{"coordinate_transformation_mode", std::string("align_corners")}})),
      f32s({1, 3.142857f}, {1, 1, 1, 2}), 1e-6));
  EXPECT_TRUE(tensors_close(
      run1("Resize", {x4x4(), kNone, kNone, i64s({1, 1, 3, 1})},
           mode("linear", {{"coordinate_transformation_mode", std::string("pytorch_half_pixel")}})),
      f32s({1.6666666f, 7, 12.333333f}, {1, 1, 3, 1}), 1e-5));
}

TEST(Resize, SpecCubicCases) {
  EXPECT_TRUE(
      tensors_close(run1("Resize", {x4x4(), kNone, f32s({1, 1, 0.8f, 0.8f}, {4})}, mode("cubic")),
                    f32s({1.47119141f, 2.78125f, 4.08251953f, 6.71142578f, 8.02148438f, 9.32275391f,
                          11.91650391f, 13.2265625f, 14.52783203f},
                         {1, 1, 3, 3}),
                    1e-5));
  EXPECT_TRUE(tensors_close(
      run1("Resize", {x4x4(), kNone, f32s({1, 1, 0.8f, 0.8f}, {4})},
           mode("cubic", {{"coordinate_transformation_mode", std::string("align_corners")}})),
      f32s({1, 2.39519159f, 3.79038317f, 6.58076634f, 7.97595793f, 9.37114951f, 12.16153268f,
            13.55672427f, 14.95191585f},
           {1, 1, 3, 3}),
      1e-5));
  EXPECT_TRUE(
      tensors_close(run1("Resize", {x4x4(), kNone, kNone, i64s({1, 1, 3, 3})}, mode("cubic")),
                    f32s({1.63078704f, 3.00462963f, 4.37847222f, 7.12615741f, 8.5f, 9.87384259f,
                          12.62152778f, 13.99537037f, 15.36921296f},
                         {1, 1, 3, 3}),
                    1e-5));
  EXPECT_TRUE(tensors_close(
      run1("Resize", {x4x4(), kNone, f32s({1, 1, 0.8f, 0.8f}, {4})},
           mode("cubic", {{"cubic_coeff_a", -0.5}, {"exclude_outside", std::int64_t{1}}})),
      f32s({1.36812675f, 2.6695014f, 4.0133367f, 6.57362535f, 7.875f, 9.2188353f, 11.94896657f,
            13.25034122f, 14.59417652f},
           {1, 1, 3, 3}),
      1e-5));
  // First row of test_resize_upsample_scales_cubic and of ..._cubic_asymmetric.
  const Tensor up = run1("Resize", {x4x4(), kNone, f32s({1, 1, 2, 2}, {4})}, mode("cubic"));
  const Floats row0 = {0.47265625f, 0.76953125f, 1.24609375f, 1.875f,
                       2.28125f,    2.91015625f, 3.38671875f, 3.68359375f};
  for (int j = 0; j < 8; ++j) EXPECT_NEAR(up.data<float>()[j], row0[j], 1e-5) << j;
  const Tensor asym =
      run1("Resize", {x4x4(), kNone, f32s({1, 1, 2, 2}, {4})},
           mode("cubic", {{"coordinate_transformation_mode", std::string("asymmetric")}}));
  const Floats arow0 = {1, 1.40625f, 2, 2.5f, 3, 3.59375f, 4, 4.09375f};
  for (int j = 0; j < 8; ++j) EXPECT_NEAR(asym.data<float>()[j], arow0[j], 1e-5) << j;
}

TEST(Resize, SpecAntialiasCases) {
  EXPECT_TRUE(tensors_close(run1("Resize", {x4x4(), kNone, f32s({1, 1, 0.6f, 0.6f}, {4})},
                                 mode("linear", {{"antialias", std::int64_t{1}}})),
                            f32s({2.875f, 4.5f, 9.375f, 11}, {1, 1, 2, 2}), 1e-5));
  EXPECT_TRUE(tensors_close(run1("Resize", {x4x4(), kNone, kNone, i64s({1, 1, 3, 3})},
                                 mode("linear", {{"antialias", std::int64_t{1}}})),
                            f32s({2.3636363f, 3.590909f, 4.818182f, 7.2727275f, 8.5f, 9.727273f,
                                  12.181818f, 13.409091f, 14.636364f},
                                 {1, 1, 3, 3}),
                            1e-5));
  EXPECT_TRUE(tensors_close(run1("Resize", {x4x4(), kNone, f32s({1, 1, 0.6f, 0.6f}, {4})},
                                 mode("cubic", {{"antialias", std::int64_t{1}}})),
                            f32s({2.5180721f, 4.2858863f, 9.589329f, 11.357142f}, {1, 1, 2, 2}),
                            1e-5));
  EXPECT_TRUE(tensors_close(run1("Resize", {x4x4(), kNone, kNone, i64s({1, 1, 3, 3})},
                                 mode("cubic", {{"antialias", std::int64_t{1}}})),
                            f32s({1.7750092f, 3.1200073f, 4.4650054f, 7.1550016f, 8.5f, 9.844998f,
                                  12.534994f, 13.8799925f, 15.224991f},
                                 {1, 1, 3, 3}),
                            1e-5));
  // Antialias needs opset 18.
  const Tensor plain =
      run1("Resize", {x4x4(), kNone, f32s({1, 1, 0.6f, 0.6f}, {4})}, mode("linear"), 17);
  EXPECT_TRUE(tensors_close(run1("Resize", {x4x4(), kNone, f32s({1, 1, 0.6f, 0.6f}, {4})},
                                 mode("linear", {{"antialias", std::int64_t{1}}}), 17),
                            plain, 0, 0));
}

TEST(Resize, SpecTfCropAndResize) {
  const auto tf =
      mode("linear", {{"coordinate_transformation_mode", std::string("tf_crop_and_resize")}});
  const Tensor expected =
      f32s({7.6000004f, 7.9f, 8.2f, 8.8f, 9.1f, 9.400001f, 10, 10.3f, 10.6f}, {1, 1, 3, 3});
  EXPECT_TRUE(tensors_close(
      run1("Resize",
           {x4x4(), f32s({0, 0, 0.4f, 0.6f, 1, 1, 0.6f, 0.8f}, {8}), kNone, i64s({1, 1, 3, 3})},
           tf),
      expected, 1e-5));
  graph::Attributes extra = tf;
  extra.set("extrapolation_value", 10.0);
  EXPECT_TRUE(tensors_close(
      run1("Resize",
           {x4x4(), f32s({0, 0, 0.4f, 0.6f, 1, 1, 1.2f, 1.7f}, {8}), kNone, i64s({1, 1, 3, 3})},
           extra),
      f32s({7.6000004f, 10, 10, 12.400001f, 10, 10, 10, 10, 10}, {1, 1, 3, 3}), 1e-5));
  // Opset 18 axes, in either order.
  graph::Attributes axes23 = tf;
  axes23.set("axes", Ints{2, 3});
  EXPECT_TRUE(tensors_close(
      run1("Resize", {x4x4(), f32s({0.4f, 0.6f, 0.6f, 0.8f}, {4}), kNone, i64s({3, 3})}, axes23),
      expected, 1e-5));
  graph::Attributes axes32 = tf;
  axes32.set("axes", Ints{3, 2});
  EXPECT_TRUE(tensors_close(
      run1("Resize", {x4x4(), f32s({0.6f, 0.4f, 0.8f, 0.6f}, {4}), kNone, i64s({3, 3})}, axes32),
      expected, 1e-5));
}

TEST(Resize, SpecAxesAndAspectRatioPolicies) {
  const Tensor up = run1("Resize", {x2x2(), kNone, f32s({1, 1, 2, 3}, {4})}, mode("nearest"));
  EXPECT_TRUE(bytes_equal(
      run1("Resize", {x2x2(), kNone, f32s({2, 3}, {2})}, mode("nearest", {{"axes", Ints{2, 3}}})),
      up));
  EXPECT_TRUE(bytes_equal(
      run1("Resize", {x2x2(), kNone, f32s({3, 2}, {2})}, mode("nearest", {{"axes", Ints{3, 2}}})),
      up));
  EXPECT_TRUE(bytes_equal(
      run1("Resize", {x2x2(), kNone, f32s({2, 3}, {2})}, mode("nearest", {{"axes", Ints{-2, -1}}})),
      up));
  // sizes 7x8 -> 7x7 (not_larger) or 8x8 (not_smaller).
  const auto with = [](const char* policy) {
    return mode("nearest",
                {{"axes", Ints{2, 3}}, {"keep_aspect_ratio_policy", std::string(policy)}});
  };
  const Tensor small = run1("Resize", {x2x2(), kNone, kNone, i64s({7, 8})}, with("not_larger"));
  EXPECT_TRUE(bytes_equal(small, reference_move(x2x2(), {1, 1, 7, 7}, [](const Ints& o) {
                            return std::optional<Ints>({0, 0, o[2] < 4 ? 0 : 1, o[3] < 4 ? 0 : 1});
                          })));
  const Tensor big = run1("Resize", {x2x2(), kNone, kNone, i64s({7, 8})}, with("not_smaller"));
  EXPECT_TRUE(bytes_equal(big, reference_move(x2x2(), {1, 1, 8, 8}, [](const Ints& o) {
                            return std::optional<Ints>({0, 0, o[2] < 4 ? 0 : 1, o[3] < 4 ? 0 : 1});
                          })));
  EXPECT_TRUE(bytes_equal(run1("Resize", {x2x4(), kNone, kNone, i64s({1, 3})}, with("not_larger")),
                          f32s({1, 3}, {1, 1, 1, 2})));
}

TEST(Resize, SpecHalfPixelSymmetricFromOpset19) {
  const auto hps =
      mode("linear", {{"coordinate_transformation_mode", std::string("half_pixel_symmetric")}});
  EXPECT_TRUE(tensors_close(
      run1("Resize", {f32s({1, 2, 3, 4}, {1, 1, 1, 4}), kNone, f32s({1, 1, 1, 0.6f}, {4})}, hps),
      f32s({1.6666666f, 3.3333333f}, {1, 1, 1, 2}), 1e-5));
  EXPECT_TRUE(tensors_close(run1("Resize", {x2x2(), kNone, f32s({1, 1, 2.3f, 2.94f}, {4})}, hps),
                            f32s({1,           1.15986395f, 1.5f,        1.84013605f, 2,
                                  1.56521738f, 1.72508133f, 2.06521738f, 2.40535343f, 2.56521738f,
                                  2.43478262f, 2.59464657f, 2.93478262f, 3.27491867f, 3.43478262f,
                                  3,           3.15986395f, 3.5f,        3.84013605f, 4},
                                 {1, 1, 4, 5}),
                            1e-5));
  EXPECT_THROW(run1("Resize", {x2x2(), kNone, f32s({1, 1, 2, 2}, {4})}, hps, 18), Error);
}

// ---- Older opsets: Resize-10 and Upsample sample at x / scale and round down (up when shrinking)
// ----

TEST(Resize, Opset10AndUpsample) {
  const Tensor up =
      f32s({1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4}, {1, 1, 4, 6});
  const Tensor scales = f32s({1, 1, 2, 3}, {4});
  EXPECT_TRUE(bytes_equal(run1("Resize", {x2x2(), scales}, mode("nearest"), 10), up));
  EXPECT_TRUE(
      bytes_equal(run1("Resize", {x2x4(), f32s({1, 1, 0.6f, 0.6f}, {4})}, mode("nearest"), 10),
                  f32s({1, 3}, {1, 1, 1, 2})));
  EXPECT_TRUE(bytes_equal(run1("Upsample", {x2x2(), scales}, mode("nearest"), 9), up));
  EXPECT_TRUE(bytes_equal(
      run1("Upsample", {x2x2()}, mode("nearest", {{"scales", std::vector<double>{1, 1, 2, 3}}}), 7),
      up));
  // Upsample linear (asymmetric): the spec's upsample example.
  EXPECT_TRUE(tensors_close(
      run1("Upsample", {x2x2(), f32s({1, 1, 2, 2}, {4})}, mode("linear"), 9),
      f32s({1, 1.5f, 2, 2, 2, 2.5f, 3, 3, 3, 3.5f, 4, 4, 3, 3.5f, 4, 4}, {1, 1, 4, 4}), 1e-6));
  // Opset 11..12 layout: roi and scales are inputs that may be empty.
  const Tensor empty = Tensor::empty(DType::f32, {0});
  EXPECT_TRUE(bytes_equal(run1("Resize", {x2x2(), empty, scales}, mode("nearest"), 11), up));
  EXPECT_TRUE(bytes_equal(
      run1("Resize", {x2x2(), empty, empty, i64s({1, 1, 4, 6})}, mode("nearest"), 12), up));
  EXPECT_TRUE(tensors_close(
      run1("Resize", {x2x2(), empty, f32s({1, 1, 2, 2}, {4})},
           mode("nearest",
                {{"coordinate_transformation_mode", std::string("tf_half_pixel_for_nn")}}),
           11),
      // (x + 0.5) / 2 = 0.25, 0.75, 1.25, 1.75, rounded half down and clamped: 0, 1, 1, 1.
      reference_move(x2x2(), {1, 1, 4, 4},
                     [](const Ints& o) {
                       return std::optional<Ints>({0, 0, o[2] == 0 ? 0 : 1, o[3] == 0 ? 0 : 1});
                     }),
      0, 0));
  EXPECT_THROW(run1("Upsample", {x2x2(), f32s({1, 1, 0.5f, 1}, {4})}, mode("nearest"), 9), Error);
  EXPECT_THROW(run1("Resize", {x2x2(), scales}, mode("cubic"), 10), Error);
}

// ---- The spec's reference algorithm, literally: per axis, n nearest neighbours of the source
// coordinate in an edge-padded line, weights from the mode's coefficient function; the N-D result
// is the tensor product of the per-axis filters. ----

struct Ref {
  std::string mode = "nearest";
  std::string coord = "half_pixel";
  std::string nearest = "round_prefer_floor";
  double a = -0.75;
  bool exclude = false;
  bool antialias = false;
  double extrapolation = 0;
};

struct RefTaps {
  Ints idx;
  std::vector<double> w;
  bool outside = false;
};

double cubic(double x, double a) {
  x = std::abs(x);
  if (x <= 1) return (a + 2) * x * x * x - (a + 3) * x * x + 1;
  if (x < 2) return a * x * x * x - 5 * a * x * x + 8 * a * x - 4 * a;
  return 0;
}

std::vector<double> coefficients(const Ref& r, double ratio, double scale) {
  if (r.mode == "nearest") {
    if (ratio == 1) return {0, 1};
    if (r.nearest == "round_prefer_floor") return {double(ratio <= 0.5), double(ratio > 0.5)};
    if (r.nearest == "round_prefer_ceil") return {double(ratio < 0.5), double(ratio >= 0.5)};
    if (r.nearest == "floor") return {1, 0};
    return {0, 1};
  }
  if (!r.antialias) {
    if (r.mode == "linear") return {1 - ratio, ratio};
    return {cubic(1 + ratio, r.a), cubic(ratio, r.a), cubic(1 - ratio, r.a), cubic(2 - ratio, r.a)};
  }
  const double s = std::min(scale, 1.0);
  std::vector<double> c;
  if (r.mode == "linear") {
    const int start = static_cast<int>(std::floor(-1 / s) + 1);
    for (int i = start; i < start + 2 - 2 * start; ++i)
      c.push_back(std::clamp(1 - std::abs((i - ratio) * s), 0.0, 1.0));
  } else {
    const int start = static_cast<int>(std::floor(-2 / s) + 1);
    for (int i = start; i < 2 - start; ++i) c.push_back(cubic(s * (i - ratio), r.a));
  }
  const double sum = std::accumulate(c.begin(), c.end(), 0.0);
  for (double& v : c) v /= sum;
  return c;
}

RefTaps ref_taps(const Ref& r, std::int64_t in, std::int64_t out, double scale, double roi0,
                 double roi1, std::int64_t x) {
  const double width = scale * static_cast<double>(in);
  const double n_in = static_cast<double>(in);
  double xo = 0;
  RefTaps t;
  if (r.coord == "align_corners") {
    xo = width == 1 ? 0 : x * (n_in - 1) / (width - 1);
  } else if (r.coord == "asymmetric") {
    xo = x / scale;
  } else if (r.coord == "tf_crop_and_resize") {
    xo = (width == 1 ? (roi1 - roi0) * (n_in - 1) / 2
                     : x * (roi1 - roi0) * (n_in - 1) / (width - 1)) +
         roi0 * (n_in - 1);
    t.outside = xo < 0 || xo > n_in - 1;
  } else if (r.coord == "pytorch_half_pixel") {
    xo = out > 1 ? (x + 0.5) / scale - 0.5 : 0;
  } else if (r.coord == "half_pixel_symmetric") {
    xo = n_in / 2 * (1 - static_cast<double>(out) / width) + (x + 0.5) / scale - 0.5;
  } else {
    xo = (x + 0.5) / scale - 0.5;
  }
  const double ratio = xo == std::floor(xo) ? 1 : xo - std::floor(xo);
  t.w = coefficients(r, ratio, scale);
  const auto n = static_cast<std::int64_t>(t.w.size());
  const std::int64_t pad = (n + 1) / 2;
  Ints all(static_cast<std::size_t>(in + 2 * pad));
  std::iota(all.begin(), all.end(), 0);
  const double xp = xo + static_cast<double>(pad);
  std::stable_sort(all.begin(), all.end(), [&](std::int64_t p, std::int64_t q) {
    return std::abs(xp - static_cast<double>(p)) < std::abs(xp - static_cast<double>(q));
  });
  t.idx.assign(all.begin(), all.begin() + n);
  std::sort(t.idx.begin(), t.idx.end());
  for (auto& i : t.idx) i -= pad;
  if (r.exclude) {
    double sum = 0;
    for (std::size_t k = 0; k < t.idx.size(); ++k) {
      if (t.idx[k] < 0 || t.idx[k] >= in) t.w[k] = 0;
      sum += t.w[k];
    }
    for (double& v : t.w) v /= sum;
  }
  for (auto& i : t.idx) i = std::clamp<std::int64_t>(i, 0, in - 1);
  return t;
}

Tensor reference_resize(const Ref& r, const Tensor& x, const Shape& out,
                        const std::vector<double>& scales, const std::vector<double>& roi = {}) {
  const std::size_t rank = out.size();
  std::vector<std::vector<RefTaps>> taps(rank);
  for (std::size_t d = 0; d < rank; ++d) {
    for (std::int64_t i = 0; i < out[d]; ++i) {
      const double r0 = roi.empty() ? 0 : roi[d];
      const double r1 = roi.empty() ? 1 : roi[d + rank];
      taps[d].push_back(ref_taps(r, x.shape()[d], out[d], scales[d], r0, r1, i));
    }
  }
  Tensor y = Tensor::empty(DType::f32, out);
  for (std::int64_t i = 0; i < y.numel(); ++i) {
    const Ints o = testing::unravel(i, out);
    bool outside = false;
    for (std::size_t d = 0; d < rank; ++d) outside = outside || taps[d][o[d]].outside;
    if (outside) {
      y.mutable_data<float>()[i] = static_cast<float>(r.extrapolation);
      continue;
    }
    // Sum over the tensor product of the per-axis taps.
    double sum = 0;
    Ints k(rank, 0);
    while (true) {
      double w = 1;
      Ints src(rank);
      for (std::size_t d = 0; d < rank; ++d) {
        const RefTaps& t = taps[d][o[d]];
        w *= t.w[k[d]];
        src[d] = t.idx[k[d]];
      }
      sum += w * x.data<float>()[testing::ravel(src, x.shape())];
      std::size_t d = rank;
      while (d-- > 0) {
        if (++k[d] < static_cast<std::int64_t>(taps[d][o[d]].w.size())) break;
        k[d] = 0;
      }
      if (d == static_cast<std::size_t>(-1)) break;
    }
    y.mutable_data<float>()[i] = static_cast<float>(sum);
  }
  return y;
}

struct RandomCase {
  std::vector<float> scales;  // empty: use sizes
  Ints sizes;
};

const RandomCase kRandomCases[] = {
    {{1, 1, 2, 2}, {}}, {{1, 1, 0.6f, 0.8f}, {}}, {{1, 1, 1.7f, 0.45f}, {}}, {{1, 2, 1.5f, 1}, {}},
    {{}, {2, 3, 7, 3}}, {{}, {2, 3, 2, 9}},       {{1, 1, 0.25f, 3}, {}},    {{}, {2, 3, 1, 1}},
};

Shape output_shape(const RandomCase& c, const Shape& in, std::vector<double>& scales) {
  Shape out(in.size());
  scales.assign(in.size(), 1);
  for (std::size_t d = 0; d < in.size(); ++d) {
    if (c.scales.empty()) {
      out[d] = c.sizes[d];
      scales[d] = static_cast<double>(c.sizes[d]) / static_cast<double>(in[d]);
    } else {
      scales[d] = c.scales[d];
      out[d] = static_cast<std::int64_t>(std::floor(in[d] * scales[d]));
    }
  }
  return out;
}

void check_against_reference(const Ref& r, int opset = graph::kLatestOpset) {
  const Tensor x = testing::random_floats({2, 3, 5, 4}, 21);
  for (const RandomCase& c : kRandomCases) {
    std::vector<double> scales;
    const Shape out = output_shape(c, x.shape(), scales);
    graph::Attributes a = mode(r.mode.c_str(), {{"coordinate_transformation_mode", r.coord},
                                                {"nearest_mode", r.nearest},
                                                {"cubic_coeff_a", r.a},
                                                {"exclude_outside", std::int64_t{r.exclude}},
                                                {"antialias", std::int64_t{r.antialias}},
                                                {"extrapolation_value", r.extrapolation}});
    std::vector<double> roi;
    Tensor roi_t;
    if (r.coord == "tf_crop_and_resize") {
      roi = {0, 0.1, -0.2, 0.3, 1, 0.8, 0.9, 1.4};
      roi_t = f32s(Floats(roi.begin(), roi.end()), {8});
      for (std::size_t i = 0; i < roi.size(); ++i) roi[i] = roi_t.data<float>()[i];
    }
    const Tensor y = c.scales.empty() ? run1("Resize", {x, roi_t, kNone, i64s(c.sizes)}, a, opset)
                                      : run1("Resize", {x, roi_t, f32s(c.scales, {4})}, a, opset);
    const Tensor expected = reference_resize(r, x, out, scales, roi);
    ASSERT_TRUE(tensors_close(y, expected, 2e-5, 2e-5))
        << r.mode << " " << r.coord << " " << r.nearest << " antialias " << r.antialias
        << " exclude " << r.exclude << " output " << shape_to_list(out);
  }
}

TEST(Resize, NearestModesMatchTheSpecReference) {
  for (const char* coord : {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
                            "half_pixel_symmetric", "tf_crop_and_resize"}) {
    for (const char* nearest : {"round_prefer_floor", "round_prefer_ceil", "floor", "ceil"}) {
      Ref r;
      r.coord = coord;
      r.nearest = nearest;
      r.extrapolation = -7;
      check_against_reference(r);
    }
  }
}

TEST(Resize, LinearAndCubicMatchTheSpecReference) {
  for (const char* m : {"linear", "cubic"}) {
    for (const char* coord : {"half_pixel", "pytorch_half_pixel", "align_corners", "asymmetric",
                              "half_pixel_symmetric", "tf_crop_and_resize"}) {
      Ref r;
      r.mode = m;
      r.coord = coord;
      r.extrapolation = 0.5;
      check_against_reference(r);
      r.antialias = true;
      check_against_reference(r);
    }
  }
  Ref r;
  r.mode = "cubic";
  r.a = -0.5;
  r.exclude = true;
  check_against_reference(r);
  r.antialias = true;
  check_against_reference(r);
}

// ---- Layout independence and Keras' UpSampling2D ----

TEST(Resize, ChannelsLastIsTheTransposedChannelsFirstResult) {
  const Tensor nchw = testing::random_floats({2, 3, 5, 7}, 4);
  const Tensor nhwc = run1("Transpose", {nchw}, attrs({{"perm", Ints{0, 2, 3, 1}}}));
  for (const char* m : {"nearest", "linear", "cubic"}) {
    const Tensor a = run1("Resize", {nchw, kNone, f32s({1, 1, 1.6f, 2}, {4})}, mode(m));
    const Tensor b = run1("Resize", {nhwc, kNone, f32s({1, 1.6f, 2, 1}, {4})}, mode(m));
    EXPECT_TRUE(
        tensors_close(run1("Transpose", {b}, attrs({{"perm", Ints{0, 3, 1, 2}}})), a, 1e-6, 1e-6))
        << m;
  }
}

TEST(Resize, KerasUpSampling2DNearestRepeatsPixelsForEveryDtype) {
  const auto keras = mode("nearest", {{"coordinate_transformation_mode", std::string("asymmetric")},
                                      {"nearest_mode", std::string("floor")}});
  for (DType dtype : testing::all_dtypes()) {
    const Tensor x = random_tensor(dtype, {2, 3, 4, 5}, 3);  // NHWC
    const Tensor y = run1("Resize", {x, kNone, f32s({1, 2, 3, 1}, {4})}, keras);
    const Tensor expected = reference_move(x, {2, 6, 12, 5}, [](const Ints& o) {
      return std::optional<Ints>({o[0], o[1] / 2, o[2] / 3, o[3]});
    });
    ASSERT_TRUE(bytes_equal(y, expected)) << dtype_name(dtype);
  }
}

TEST(Resize, Float64AndZeroSized) {
  const Tensor x = x2x2().to(DType::f64);
  const Tensor y = run1("Resize", {x, kNone, f32s({1, 1, 2, 2}, {4})}, mode("linear"));
  EXPECT_TRUE(tensors_close(y.to(DType::f32),
                            f32s({1, 1.25f, 1.75f, 2, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f,
                                  3.5f, 3, 3.25f, 3.75f, 4},
                                 {1, 1, 4, 4}),
                            1e-12));
  EXPECT_EQ(
      run1("Resize", {Tensor::empty(DType::f32, {0, 3, 2, 2}), kNone, f32s({1, 1, 2, 2}, {4})},
           mode("linear"))
          .shape(),
      (Shape{0, 3, 4, 4}));
  EXPECT_EQ(run1("Resize", {x2x2(), kNone, f32s({1, 1, 0.4f, 1}, {4})}, mode("linear")).shape(),
            (Shape{1, 1, 0, 2}));
}

TEST(Resize, RejectsBadArguments) {
  const Tensor s = f32s({1, 1, 2, 2}, {4});
  EXPECT_THROW(run1("Resize", {x2x2(), kNone, s, i64s({1, 1, 4, 4})}), Error);  // both
  EXPECT_THROW(run1("Resize", {x2x2(), kNone}), Error);                         // neither
  EXPECT_THROW(run1("Resize", {x2x2(), kNone, f32s({2, 2}, {2})}), Error);      // wrong length
  EXPECT_THROW(run1("Resize", {x2x2(), kNone, f32s({1, 1, -2, 2}, {4})}), Error);
  EXPECT_THROW(run1("Resize", {x2x2(), kNone, f32s({1, 1, NAN, 2}, {4})}), Error);
  EXPECT_THROW(run1("Resize", {x2x2(), kNone, kNone, i64s({1, 1, -4, 4})}), Error);
  EXPECT_THROW(run1("Resize", {x2x2(), kNone, s}, mode("bilinear")), Error);
  EXPECT_THROW(run1("Resize", {x2x2(), kNone, s},
                    mode("linear", {{"coordinate_transformation_mode", std::string("nope")}})),
               Error);
  EXPECT_THROW(
      run1("Resize", {x2x2(), kNone, s}, mode("nearest", {{"nearest_mode", std::string("nope")}})),
      Error);
  EXPECT_THROW(
      run1("Resize", {x2x2(), kNone, s},
           mode("linear", {{"coordinate_transformation_mode", std::string("tf_crop_and_resize")}})),
      Error);  // roi missing
  EXPECT_THROW(run1("Resize", {x2x2(), kNone, s},
                    mode("linear", {{"coordinate_transformation_mode",
                                     std::string("tf_half_pixel_for_nn")}})),
               Error);  // removed in 13
  EXPECT_THROW(
      run1("Resize", {x2x2(), kNone, f32s({2, 2}, {2})}, mode("nearest", {{"axes", Ints{2, 2}}})),
      Error);
  try {
    run1("Resize", {Tensor::from_vector<std::int32_t>({1, 2, 3, 4}, {1, 1, 2, 2}), kNone, s},
         mode("linear"));
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unsupported);
  }
  EXPECT_THROW(run1("Resize", {Tensor::empty(DType::f32, {1, 0}), kNone, kNone, i64s({1, 3})}),
               Error);
}

}  // namespace
}  // namespace nnload
