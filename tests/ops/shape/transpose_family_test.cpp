#include <gtest/gtest.h>

#include "ops/shape/op_test_util.hpp"

namespace nnload {
namespace {

using testing::attrs;
using testing::bytes_equal;
using testing::random_tensor;
using testing::reference_move;
using testing::run1;
using Ints = std::vector<std::int64_t>;

TEST(Transpose, SmallLiteral) {
  const Tensor x = testing::f32s({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_TRUE(testing::tensors_close(run1("Transpose", {x}),
                                     testing::f32s({1, 4, 2, 5, 3, 6}, {3, 2}), 0, 0));
  EXPECT_TRUE(bytes_equal(run1("Transpose", {x}, attrs({{"perm", Ints{0, 1}}})), x));
}

TEST(Transpose, DefaultReversesAxes) {
  const Tensor x = random_tensor(DType::f64, {2, 3, 4}, 3);
  const Tensor y = run1("Transpose", {x});
  const Tensor expected = reference_move(x, {4, 3, 2}, [](const Ints& o) {
    return std::optional<Ints>({o[2], o[1], o[0]});
  });
  EXPECT_TRUE(bytes_equal(y, expected));
}

TEST(Transpose, EveryDtypeAndCommonLayoutPerms) {
  const std::int64_t perms[][4] = {
      {0, 2, 3, 1}, {0, 3, 1, 2}, {1, 0, 2, 3}, {3, 2, 1, 0}, {0, 1, 2, 3}};
  for (DType dtype : testing::all_dtypes()) {
    const Tensor x = random_tensor(dtype, {2, 5, 6, 7}, 17);
    for (const auto& p : perms) {
      const Ints perm(p, p + 4);
      const Tensor y = run1("Transpose", {x}, attrs({{"perm", perm}}));
      Shape out(4);
      for (int i = 0; i < 4; ++i) out[i] = x.shape()[perm[i]];
      const Tensor expected = reference_move(x, out, [&](const Ints& o) {
        Ints src(4);
        for (int i = 0; i < 4; ++i) src[perm[i]] = o[i];
        return std::optional<Ints>(src);
      });
      ASSERT_TRUE(bytes_equal(y, expected)) << dtype_name(dtype);
    }
  }
}

TEST(Transpose, NoOpPermOverUnitAxesAndZeroSized) {
  const Tensor x = random_tensor(DType::u8, {1, 4, 1, 3}, 2);
  EXPECT_TRUE(bytes_equal(run1("Transpose", {x}, attrs({{"perm", Ints{2, 1, 0, 3}}})),
                          x.reshaped({1, 4, 1, 3})));
  const Tensor empty = Tensor::empty(DType::f32, {0, 3});
  EXPECT_EQ(run1("Transpose", {empty}).shape(), (Shape{3, 0}));
}

TEST(Transpose, RejectsBadPerms) {
  const Tensor x = random_tensor(DType::f32, {2, 3, 4});
  EXPECT_THROW(run1("Transpose", {x}, attrs({{"perm", Ints{0, 1}}})), Error);
  EXPECT_THROW(run1("Transpose", {x}, attrs({{"perm", Ints{0, 1, 1}}})), Error);
  EXPECT_THROW(run1("Transpose", {x}, attrs({{"perm", Ints{0, 1, 3}}})), Error);
  EXPECT_THROW(run1("Transpose", {x}, attrs({{"perm", Ints{0, -1, 2}}})), Error);
}

// The ONNX DepthToSpace examples (x: 1x8x2x3, blocksize 2).
Tensor depth_to_space_input() {
  return testing::f32s({0,  1,  2,  3,  4,  5,  9,  10, 11, 12, 13, 14, 18, 19, 20, 21,
                        22, 23, 27, 28, 29, 30, 31, 32, 36, 37, 38, 39, 40, 41, 45, 46,
                        47, 48, 49, 50, 54, 55, 56, 57, 58, 59, 63, 64, 65, 66, 67, 68},
                       {1, 8, 2, 3});
}

TEST(DepthToSpace, DcrSpecExample) {
  const Tensor expected =
      testing::f32s({0,  18, 1,  19, 2,  20, 36, 54, 37, 55, 38, 56, 3,  21, 4,  22,
                     5,  23, 39, 57, 40, 58, 41, 59, 9,  27, 10, 28, 11, 29, 45, 63,
                     46, 64, 47, 65, 12, 30, 13, 31, 14, 32, 48, 66, 49, 67, 50, 68},
                    {1, 2, 4, 6});
  const auto a = attrs({{"blocksize", std::int64_t{2}}, {"mode", std::string("DCR")}});
  EXPECT_TRUE(
      testing::tensors_close(run1("DepthToSpace", {depth_to_space_input()}, a), expected, 0, 0));
  // Opset 1..10 has no mode and is always DCR.
  EXPECT_TRUE(testing::tensors_close(
      run1("DepthToSpace", {depth_to_space_input()}, attrs({{"blocksize", std::int64_t{2}}}), 10),
      expected, 0, 0));
}

TEST(DepthToSpace, CrdSpecExample) {
  const Tensor expected =
      testing::f32s({0,  9,  1,  10, 2,  11, 18, 27, 19, 28, 20, 29, 3,  12, 4,  13,
                     5,  14, 21, 30, 22, 31, 23, 32, 36, 45, 37, 46, 38, 47, 54, 63,
                     55, 64, 56, 65, 39, 48, 40, 49, 41, 50, 57, 66, 58, 67, 59, 68},
                    {1, 2, 4, 6});
  const auto a = attrs({{"blocksize", std::int64_t{2}}, {"mode", std::string("CRD")}});
  EXPECT_TRUE(
      testing::tensors_close(run1("DepthToSpace", {depth_to_space_input()}, a), expected, 0, 0));
}

TEST(SpaceToDepth, SpecExampleAndRoundTrip) {
  const Tensor x = testing::f32s(
      {0, 6, 1, 7, 2, 8, 12, 18, 13, 19, 14, 20, 3, 9, 4, 10, 5, 11, 15, 21, 16, 22, 17, 23},
      {1, 1, 4, 6});
  std::vector<float> iota(24);
  for (int i = 0; i < 24; ++i) iota[i] = static_cast<float>(i);
  const auto a = attrs({{"blocksize", std::int64_t{2}}});
  EXPECT_TRUE(testing::tensors_close(run1("SpaceToDepth", {x}, a),
                                     testing::f32s(iota, {1, 4, 2, 3}), 0, 0));
  // SpaceToDepth undoes DCR DepthToSpace, for any dtype.
  for (DType dtype : {DType::i64, DType::f16, DType::boolean}) {
    const Tensor d = random_tensor(dtype, {2, 12, 3, 2}, 21);
    const Tensor s = run1("DepthToSpace", {d}, attrs({{"blocksize", std::int64_t{2}}}));
    EXPECT_TRUE(bytes_equal(run1("SpaceToDepth", {s}, a), d)) << dtype_name(dtype);
  }
}

TEST(DepthToSpace, RejectsBadShapes) {
  const auto a = attrs({{"blocksize", std::int64_t{2}}});
  EXPECT_THROW(run1("DepthToSpace", {random_tensor(DType::f32, {1, 6, 2, 2})}, a), Error);
  EXPECT_THROW(run1("DepthToSpace", {random_tensor(DType::f32, {8, 2, 2})}, a), Error);
  EXPECT_THROW(run1("SpaceToDepth", {random_tensor(DType::f32, {1, 1, 3, 4})}, a), Error);
  EXPECT_THROW(run1("DepthToSpace", {random_tensor(DType::f32, {1, 4, 2, 2})},
                    attrs({{"blocksize", std::int64_t{2}}, {"mode", std::string("XYZ")}})),
               Error);
  EXPECT_THROW(run1("SpaceToDepth", {random_tensor(DType::f32, {1, 1, 2, 2})},
                    attrs({{"blocksize", std::int64_t{0}}})),
               Error);
}

}  // namespace
}  // namespace nnload
