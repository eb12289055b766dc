#include <gtest/gtest.h>

#include <cmath>

#include "ops/shape/op_test_util.hpp"
#include "support/error_capture.hpp"

namespace nnload {
namespace {

using testing::attrs;

Tensor resize(const Tensor& x, std::int64_t h, std::int64_t w, bool align, bool half) {
  return ops::run_op("TfResizeNearestNeighbor",
                     {x, Tensor::from_vector<std::int32_t>(
                             {static_cast<std::int32_t>(h), static_cast<std::int32_t>(w)}, {2})},
                     attrs({{"align_corners", std::int64_t{align}},
                            {"half_pixel_centers", std::int64_t{half}}}),
                     1, "nnload", 1)
      .at(0);
}

// An image [1, n, 1, 1] holding 0..n-1: resizing it along the height reads back the source
// row of each output row.
std::vector<std::int64_t> rows_read(std::int64_t in, std::int64_t out, bool align, bool half) {
  std::vector<std::int64_t> rows(static_cast<std::size_t>(in));
  for (std::int64_t i = 0; i < in; ++i) rows[static_cast<std::size_t>(i)] = i;
  const Tensor y = resize(Tensor::from_vector(rows, {1, in, 1, 1}), out, 1, align, half);
  return {y.data<std::int64_t>(), y.data<std::int64_t>() + y.numel()};
}

using Rows = std::vector<std::int64_t>;

TEST(TfResizeNearestNeighbor, SmallCasesWorkedOutByHand) {
  EXPECT_EQ(rows_read(2, 4, false, false), (Rows{0, 0, 1, 1}));  // floor(y * 0.5)
  EXPECT_EQ(rows_read(2, 3, true, false), (Rows{0, 1, 1}));      // roundf(y * 0.5): 0.5 -> 1
  EXPECT_EQ(rows_read(2, 3, false, true), (Rows{0, 1, 1}));      // floor((y + 0.5) * 2/3)
  EXPECT_EQ(rows_read(3, 2, false, true), (Rows{0, 2}));         // floor((y + 0.5) * 1.5)
  EXPECT_EQ(rows_read(3, 2, false, false), (Rows{0, 1}));        // floor(y * 1.5)
  EXPECT_EQ(rows_read(5, 1, true, false), (Rows{0}));            // align_corners, one pixel
  EXPECT_EQ(rows_read(4, 3, true, false), (Rows{0, 2, 3}));      // roundf(y * 1.5): 1.5 -> 2
}

// Sizes where TensorFlow's float32 arithmetic picks another pixel than exact (or double)
// arithmetic would: (20 + 0.5) * float(2 / 41) is just below 1, 82 * float(3 / 123) just
// below 2, 13 * float(53 / 26) just below 26.5.
TEST(TfResizeNearestNeighbor, RepeatsTensorFlowsFloat32Rounding) {
  EXPECT_EQ(rows_read(2, 41, false, true)[20], 0);
  EXPECT_EQ(rows_read(3, 123, false, false)[82], 1);
  EXPECT_EQ(rows_read(54, 27, true, false)[13], 26);
}

TEST(TfResizeNearestNeighbor, MovesWholePixelsOfEveryDtype) {
  for (DType dtype : testing::all_dtypes()) {
    SCOPED_TRACE(dtype_name(dtype));
    const Tensor x = testing::random_tensor(dtype, {2, 3, 2, 5}, 4);
    const Tensor y = resize(x, 5, 4, false, true);
    ASSERT_EQ(y.shape(), (Shape{2, 5, 4, 5}));
    const std::size_t e = dtype_size(dtype);
    for (std::int64_t n = 0; n < 2; ++n) {
      for (std::int64_t oy = 0; oy < 5; ++oy) {
        for (std::int64_t ox = 0; ox < 4; ++ox) {
          const auto iy = static_cast<std::int64_t>(std::floor((oy + 0.5f) * (3.0f / 5.0f)));
          const auto ix = static_cast<std::int64_t>(std::floor((ox + 0.5f) * (2.0f / 4.0f)));
          const auto* src = static_cast<const char*>(x.raw()) +
                            ((n * 3 + iy) * 2 + ix) * 5 * static_cast<std::int64_t>(e);
          const auto* dst = static_cast<const char*>(y.raw()) +
                            ((n * 5 + oy) * 4 + ox) * 5 * static_cast<std::int64_t>(e);
          EXPECT_EQ(std::memcmp(src, dst, 5 * e), 0) << n << " " << oy << " " << ox;
        }
      }
    }
  }
}

TEST(TfResizeNearestNeighbor, RejectsWhatTensorFlowRejects) {
  const Tensor x = testing::random_floats({1, 2, 2, 1}, 1);
  EXPECT_EQ(testing::code_of([&] { resize(x, 0, 3, false, false); }), ErrorCode::invalid_argument);
  EXPECT_EQ(testing::code_of([&] { resize(x, 2, 2, true, true); }), ErrorCode::invalid_argument);
  EXPECT_EQ(testing::code_of([&] {
              resize(testing::random_floats({2, 2, 1}, 1), 2, 2, false, false);
            }),
            ErrorCode::shape);
  EXPECT_EQ(testing::code_of([&] {
              resize(Tensor::empty(DType::f32, {1, 0, 2, 1}), 2, 2, false, false);
            }),
            ErrorCode::shape);
  EXPECT_EQ(resize(Tensor::empty(DType::f32, {0, 2, 2, 1}), 3, 3, false, false).shape(),
            (Shape{0, 3, 3, 1}));
}

}  // namespace
}  // namespace nnload
