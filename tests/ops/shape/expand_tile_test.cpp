#include <gtest/gtest.h>

#include "ops/shape/op_test_util.hpp"

namespace nnload {
namespace {

using testing::bytes_equal;
using testing::f32s;
using testing::i64s;
using testing::random_tensor;
using testing::reference_move;
using testing::run1;
using Ints = std::vector<std::int64_t>;

TEST(Expand, SpecExamples) {
  const Tensor x = f32s({1, 2, 3}, {3, 1});
  EXPECT_TRUE(testing::tensors_close(run1("Expand", {x, i64s({3, 4})}),
                                     f32s({1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3}, {3, 4}), 0, 0));
  const Tensor y = run1("Expand", {x, i64s({2, 1, 6})});
  ASSERT_EQ(y.shape(), (Shape{2, 3, 6}));
  for (std::int64_t i = 0; i < y.numel(); ++i)
    EXPECT_EQ(y.data<float>()[i], static_cast<float>((i / 6) % 3 + 1));
  // The shape may be smaller than the input's: broadcasting goes both ways.
  EXPECT_EQ(run1("Expand", {random_tensor(DType::f32, {2, 3}), i64s({1})}).shape(), (Shape{2, 3}));
}

TEST(Expand, RandomBroadcastsOfEveryDtype) {
  for (DType dtype : testing::all_dtypes()) {
    const Tensor x = random_tensor(dtype, {3, 1, 4, 1}, 6);
    const Shape out = {2, 3, 5, 4, 7};
    const Tensor y = run1("Expand", {x, i64s({2, 1, 5, 4, 7})});
    const Tensor expected = reference_move(x, out, [](const Ints& o) {
      return std::optional<Ints>({o[1], 0, o[3], 0});
    });
    EXPECT_TRUE(bytes_equal(y, expected)) << dtype_name(dtype);
  }
  EXPECT_EQ(run1("Expand", {random_tensor(DType::f32, {1, 3}), i64s({0, 3})}).shape(),
            (Shape{0, 3}));
}

TEST(Expand, RejectsIncompatibleShapes) {
  EXPECT_THROW(run1("Expand", {random_tensor(DType::f32, {3}), i64s({4})}), Error);
  EXPECT_THROW(run1("Expand", {random_tensor(DType::f32, {3}), i64s({-1, 3})}), Error);
  EXPECT_THROW(run1("Expand", {random_tensor(DType::f32, {3}), f32s({3}, {1})}), Error);
}

TEST(Tile, SpecExample) {
  const Tensor x = f32s({0, 1, 2, 3}, {2, 2});
  EXPECT_TRUE(testing::tensors_close(run1("Tile", {x, i64s({2, 2})}),
                                     f32s({0, 1, 0, 1, 2, 3, 2, 3, 0, 1, 0, 1, 2, 3, 2, 3}, {4, 4}),
                                     0, 0));
}

TEST(Tile, RandomRepeatsOfEveryDtype) {
  for (DType dtype : testing::all_dtypes()) {
    const Tensor x = random_tensor(dtype, {2, 3, 4}, 12);
    const Ints repeats = {3, 1, 5};
    const Tensor y = run1("Tile", {x, i64s(repeats)});
    const Tensor expected = reference_move(x, {6, 3, 20}, [](const Ints& o) {
      return std::optional<Ints>({o[0] % 2, o[1] % 3, o[2] % 4});
    });
    EXPECT_TRUE(bytes_equal(y, expected)) << dtype_name(dtype);
  }
  EXPECT_EQ(run1("Tile", {random_tensor(DType::f32, {2, 3}), i64s({0, 2})}).shape(), (Shape{0, 6}));
  EXPECT_EQ(run1("Tile", {Tensor::empty(DType::f32, {0, 3}), i64s({4, 2})}).shape(), (Shape{0, 6}));
}

// Found by fuzz_onnx: the kernel built an index map per output dimension, 2^50 entries here.
TEST(Tile, EmptyOutputWithAHugeDimension) {
  const Tensor x = Tensor::empty(DType::f32, {0, 2});
  EXPECT_EQ(run1("Tile", {x, i64s({3, std::int64_t{1} << 50})}).shape(),
            (Shape{0, std::int64_t{2} << 50}));
}

TEST(Tile, RejectsBadRepeats) {
  const Tensor x = random_tensor(DType::f32, {2, 3});
  EXPECT_THROW(run1("Tile", {x, i64s({2})}), Error);
  EXPECT_THROW(run1("Tile", {x, i64s({2, -1})}), Error);
  EXPECT_THROW(run1("Tile", {x, i64s({std::int64_t{1} << 62, 4})}), Error);
}

}  // namespace
}  // namespace nnload
