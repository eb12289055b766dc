#include "linalg/strided_copy.hpp"

#include <gtest/gtest.h>

#include <numeric>
#include <random>

#include "ops/shape/op_test_util.hpp"

namespace nnload {
namespace {

using testing::bytes_equal;
using testing::random_tensor;
using testing::reference_move;

const DType kSizes[] = {DType::u8, DType::f16, DType::f32, DType::i64};

TEST(StridedCopy, ReversedAndStepViewsMatchAPlainLoop) {
  for (DType dtype : kSizes) {
    const Tensor in = random_tensor(dtype, {5, 6, 7}, 3);
    // out[i][j][k] = in[4 - i][2 * j][k]: negative and stepped strides.
    const Shape out_shape = {5, 3, 7};
    const std::vector<std::int64_t> strides = {-42, 14, 1};
    const auto elem = static_cast<std::int64_t>(dtype_size(dtype));
    const auto* start = static_cast<const unsigned char*>(in.raw()) + 4 * 42 * elem;
    Tensor out = Tensor::empty(dtype, out_shape);
    linalg::strided_copy(start, strides, out_shape, out.mutable_raw(), dtype_size(dtype));
    const Tensor expected = reference_move(in, out_shape, [](const std::vector<std::int64_t>& o) {
      return std::optional<std::vector<std::int64_t>>({4 - o[0], 2 * o[1], o[2]});
    });
    EXPECT_TRUE(bytes_equal(out, expected)) << dtype_name(dtype);
  }
}

TEST(StridedCopy, ZeroStridesBroadcast) {
  const Tensor in = testing::f32s({1, 2, 3}, {3});
  Tensor out = Tensor::empty(DType::f32, {2, 3});
  const std::vector<std::int64_t> strides = {0, 1};
  linalg::strided_copy(in.raw(), strides, out.shape(), out.mutable_raw(), 4);
  EXPECT_TRUE(testing::tensors_close(out, testing::f32s({1, 2, 3, 1, 2, 3}, {2, 3}), 0, 0));
}

TEST(StridedCopy, ZeroSizedShapeWritesNothing) {
  const std::vector<std::int64_t> strides = {1, 1};
  linalg::strided_copy(nullptr, strides, {0, 3}, nullptr, 4);
}

// Every permutation of a rank-4 tensor, every element size, against the index definition.
TEST(Transpose, AllRank4PermutationsMatchTheDefinition) {
  for (DType dtype : kSizes) {
    const Shape in_shape = {2, 3, 4, 5};
    const Tensor in = random_tensor(dtype, in_shape, 7);
    std::vector<std::int64_t> perm = {0, 1, 2, 3};
    do {
      Shape out_shape(4);
      for (int i = 0; i < 4; ++i) out_shape[i] = in_shape[perm[i]];
      Tensor out = Tensor::empty(dtype, out_shape);
      linalg::transpose(in.raw(), in_shape, perm, out.mutable_raw(), dtype_size(dtype));
      const Tensor expected =
          reference_move(in, out_shape, [&](const std::vector<std::int64_t>& o) {
            std::vector<std::int64_t> src(4);
            for (int i = 0; i < 4; ++i) src[perm[i]] = o[i];
            return std::optional<std::vector<std::int64_t>>(src);
          });
      ASSERT_TRUE(bytes_equal(out, expected))
          << dtype_name(dtype) << " perm " << perm[0] << perm[1] << perm[2] << perm[3];
    } while (std::next_permutation(perm.begin(), perm.end()));
  }
}

// Large enough for the tiled path and for several threads: NCHW -> NHWC and back, and a plain
// 2-D transpose with sizes that are not multiples of the tile.
TEST(Transpose, LargeTiledTransposesRoundTrip) {
  const Shape nchw = {2, 37, 45, 33};
  const Tensor x = random_tensor(DType::f32, nchw, 11);
  const std::vector<std::int64_t> to_nhwc = {0, 2, 3, 1};
  const std::vector<std::int64_t> to_nchw = {0, 3, 1, 2};
  Tensor nhwc = Tensor::empty(DType::f32, {2, 45, 33, 37});
  linalg::transpose(x.raw(), nchw, to_nhwc, nhwc.mutable_raw(), 4);
  const Tensor expected = reference_move(x, nhwc.shape(), [](const std::vector<std::int64_t>& o) {
    return std::optional<std::vector<std::int64_t>>({o[0], o[3], o[1], o[2]});
  });
  EXPECT_TRUE(bytes_equal(nhwc, expected));
  Tensor back = Tensor::empty(DType::f32, nchw);
  linalg::transpose(nhwc.raw(), nhwc.shape(), to_nchw, back.mutable_raw(), 4);
  EXPECT_TRUE(bytes_equal(back, x));

  const Tensor m = random_tensor(DType::f64, {301, 257}, 5);
  const std::vector<std::int64_t> swap = {1, 0};
  Tensor mt = Tensor::empty(DType::f64, {257, 301});
  linalg::transpose(m.raw(), m.shape(), swap, mt.mutable_raw(), 8);
  const Tensor mt_expected = reference_move(m, mt.shape(), [](const std::vector<std::int64_t>& o) {
    return std::optional<std::vector<std::int64_t>>({o[1], o[0]});
  });
  EXPECT_TRUE(bytes_equal(mt, mt_expected));
}

// Register blocks for every element size, with power-of-two strides and ragged edges.
TEST(Transpose, BlockedPathForEveryElementSize) {
  for (DType dtype : kSizes) {
    for (const Shape& shape : {Shape{3, 40, 24}, Shape{2, 64, 128}, Shape{1, 13, 1024}}) {
      const Tensor x = random_tensor(dtype, shape, 23);
      const std::vector<std::int64_t> perm = {0, 2, 1};
      Tensor y = Tensor::empty(dtype, {shape[0], shape[2], shape[1]});
      linalg::transpose(x.raw(), shape, perm, y.mutable_raw(), dtype_size(dtype));
      const Tensor expected = reference_move(x, y.shape(), [](const std::vector<std::int64_t>& o) {
        return std::optional<std::vector<std::int64_t>>({o[0], o[2], o[1]});
      });
      ASSERT_TRUE(bytes_equal(y, expected)) << dtype_name(dtype) << " " << shape_to_list(shape);
    }
  }
}

TEST(GatherAxes, MapsWithFillMatchTheDefinition) {
  for (DType dtype : kSizes) {
    const Tensor in = random_tensor(dtype, {3, 4, 5}, 13);
    const std::vector<std::vector<std::int64_t>> maps = {
        {2, -1, 0, 0, 1},             // repeats and a fill row
        {3, 3, 2},                    // repeated rows (copied from the row before)
        {0, 1, 2, 3, 4, -1, 4, 0, 1}  // a long run, a fill, single elements
    };
    const Tensor fill = random_tensor(dtype, {}, 99);
    Tensor out = Tensor::empty(dtype, {5, 3, 9});
    linalg::gather_axes(in.raw(), in.shape(), maps, out.mutable_raw(), dtype_size(dtype),
                        fill.raw());
    const Tensor expected = reference_move(
        in, out.shape(),
        [&](const std::vector<std::int64_t>& o) -> std::optional<std::vector<std::int64_t>> {
          std::vector<std::int64_t> src(3);
          for (int k = 0; k < 3; ++k) {
            src[k] = maps[k][static_cast<std::size_t>(o[k])];
            if (src[k] < 0) return std::nullopt;
          }
          return src;
        },
        &fill);
    EXPECT_TRUE(bytes_equal(out, expected)) << dtype_name(dtype);
  }
}

TEST(GatherAxes, LongRunsUseSegmentCopies) {
  const Tensor in = random_tensor(DType::i32, {4, 64}, 2);
  std::vector<std::int64_t> inner(200);
  for (std::size_t j = 0; j < inner.size(); ++j) inner[j] = static_cast<std::int64_t>(j % 64);
  const std::vector<std::vector<std::int64_t>> maps = {{3, 2, 1, 0}, inner};
  Tensor out = Tensor::empty(DType::i32, {4, 200});
  linalg::gather_axes(in.raw(), in.shape(), maps, out.mutable_raw(), 4, nullptr);
  const Tensor expected = reference_move(in, out.shape(), [](const std::vector<std::int64_t>& o) {
    return std::optional<std::vector<std::int64_t>>({3 - o[0], o[1] % 64});
  });
  EXPECT_TRUE(bytes_equal(out, expected));
}

}  // namespace
}  // namespace nnload
