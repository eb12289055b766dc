// TF image op builders: ResizeBilinear against TensorFlow's interpolation written out (lower
// and upper source pixels clamped to the image, lerp = in - floor(in)), for each coordinate
// rule, upscaling and downscaling; ResizeNearestNeighbor through the builder.
#include <gtest/gtest.h>

#include <cmath>

#include "formats/savedmodel/ops/tf_graph.hpp"
#include "ops/shape/op_test_util.hpp"
#include "support/error_capture.hpp"

namespace nnload::formats::savedmodel {
namespace {

using namespace tftest;
namespace nt = nnload::testing;

Tensor resize(const std::string& op, const Tensor& x, std::int32_t h, std::int32_t w, bool align,
              bool half) {
  return run_tf_graph1(
      {placeholder("x", x.dtype()), const_node("size", nt::make<std::int32_t>({h, w}, {2})),
       node("r", op, {"x", "size"},
            {{"T", type_attr(x.dtype())},
             {"align_corners", bool_attr(align)},
             {"half_pixel_centers", bool_attr(half)}})},
      {{"x", x}}, "r");
}

struct Sample {
  std::int64_t lower, upper;
  double lerp;
};

Sample sample(std::int64_t out_index, std::int64_t in, std::int64_t out, bool align, bool half) {
  const double scale = align && out > 1 ? static_cast<double>(in - 1) / static_cast<double>(out - 1)
                                        : static_cast<double>(in) / static_cast<double>(out);
  const double pos = half ? (static_cast<double>(out_index) + 0.5) * scale - 0.5
                          : static_cast<double>(out_index) * scale;
  const double base = std::floor(pos);
  return {std::max<std::int64_t>(static_cast<std::int64_t>(base), 0),
          std::min<std::int64_t>(static_cast<std::int64_t>(std::ceil(pos)), in - 1), pos - base};
}

Tensor bilinear_reference(const Tensor& x, std::int64_t oh, std::int64_t ow, bool align,
                          bool half) {
  const std::int64_t n = x.dim(0), h = x.dim(1), w = x.dim(2), c = x.dim(3);
  auto at = [&](std::int64_t b, std::int64_t y, std::int64_t xx, std::int64_t ch) {
    return x.value_as_double(((b * h + y) * w + xx) * c + ch);
  };
  std::vector<double> out;
  for (std::int64_t b = 0; b < n; ++b)
    for (std::int64_t y = 0; y < oh; ++y) {
      const Sample sy = sample(y, h, oh, align, half);
      for (std::int64_t xx = 0; xx < ow; ++xx) {
        const Sample sx = sample(xx, w, ow, align, half);
        for (std::int64_t ch = 0; ch < c; ++ch) {
          const double top =
              at(b, sy.lower, sx.lower, ch) +
              (at(b, sy.lower, sx.upper, ch) - at(b, sy.lower, sx.lower, ch)) * sx.lerp;
          const double bottom =
              at(b, sy.upper, sx.lower, ch) +
              (at(b, sy.upper, sx.upper, ch) - at(b, sy.upper, sx.lower, ch)) * sx.lerp;
          out.push_back(top + (bottom - top) * sy.lerp);
        }
      }
    }
  return Tensor::from_vector(out, {n, oh, ow, c}).to(DType::f32);
}

TEST(TfImageOps, ResizeBilinearForEachCoordinateRule) {
  const Tensor x = nt::random_floats({2, 4, 5, 3}, 1, -2.f, 2.f);
  const std::vector<std::pair<std::int32_t, std::int32_t>> sizes = {
      {8, 10}, {7, 3}, {2, 2}, {1, 6}, {5, 5}};
  for (const auto& [h, w] : sizes) {
    for (const auto& [align, half] :
         {std::pair{false, false}, std::pair{true, false}, std::pair{false, true}}) {
      SCOPED_TRACE(std::to_string(h) + "x" + std::to_string(w) + (align ? " align_corners" : "") +
                   (half ? " half_pixel_centers" : ""));
      EXPECT_TRUE(same_tensor(resize("ResizeBilinear", x, h, w, align, half),
                              bilinear_reference(x, h, w, align, half), 1e-5, 1e-5));
    }
  }
}

TEST(TfImageOps, ResizeBilinearOfIntegersGivesFloats) {
  const Tensor x = nt::make<std::uint8_t>({0, 100, 200, 250}, {1, 2, 2, 1});
  const Tensor y = resize("ResizeBilinear", x, 3, 3, true, false);
  EXPECT_TRUE(
      same_tensor(y, nt::make<float>({0, 50, 100, 100, 137.5f, 175, 200, 225, 250}, {1, 3, 3, 1})));
}

TEST(TfImageOps, ResizeNearestNeighborKeepsTheDtype) {
  const Tensor x = nt::make<std::int32_t>({1, 2, 3, 4}, {1, 2, 2, 1});
  EXPECT_TRUE(same_tensor(
      resize("ResizeNearestNeighbor", x, 4, 4, false, false),
      nt::make<std::int32_t>({1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4}, {1, 4, 4, 1})));
  // half_pixel_centers: rows floor((y + 0.5) * 2 / 3) = 0, 1, 1; column floor(0.5 * 2) = 1.
  EXPECT_TRUE(same_tensor(resize("ResizeNearestNeighbor", x, 3, 1, false, true),
                          nt::make<std::int32_t>({2, 4, 4}, {1, 3, 1, 1})));
}

TEST(TfImageOps, AlignCornersWithHalfPixelCentersIsRejected) {
  const Tensor x = nt::random_floats({1, 2, 2, 1}, 1);
  for (const std::string op : {"ResizeBilinear", "ResizeNearestNeighbor"}) {
    EXPECT_EQ(nt::code_of([&] { resize(op, x, 3, 3, true, true); }), ErrorCode::corrupt) << op;
  }
}

}  // namespace
}  // namespace nnload::formats::savedmodel
