#include "linalg/elementwise.hpp"

#include <gtest/gtest.h>

#include "linalg/broadcast.hpp"
#include "ops/elementwise/op_test_util.hpp"

namespace nnload::linalg {
namespace {

using testing::random_tensor;
using Kind = BroadcastPlan::Kind;

TEST(ElementwisePlan, SameShapeIsContiguous) {
  const BroadcastPlan p = plan_broadcast({2, 3}, {2, 3}, {2, 3});
  EXPECT_EQ(p.kind, Kind::same);
  EXPECT_EQ(p.size, 6);
}

TEST(ElementwisePlan, LeadingOnesStillCountAsSameShape) {
  EXPECT_EQ(plan_broadcast({1, 2, 3}, {2, 3}, {1, 2, 3}).kind, Kind::same);
}

TEST(ElementwisePlan, ScalarSides) {
  EXPECT_EQ(plan_broadcast({}, {2, 3}, {2, 3}).kind, Kind::a_scalar);
  EXPECT_EQ(plan_broadcast({2, 3}, {1}, {2, 3}).kind, Kind::b_scalar);
  EXPECT_EQ(plan_broadcast({2, 3}, {1, 1}, {2, 3}).kind, Kind::b_scalar);
}

TEST(ElementwisePlan, RowBroadcastKeepsTwoDims) {
  const BroadcastPlan p = plan_broadcast({4, 5, 6}, {6}, {4, 5, 6});
  EXPECT_EQ(p.kind, Kind::general);
  EXPECT_EQ(p.dims, (std::vector<std::int64_t>{20, 6}));
  EXPECT_EQ(p.a_strides, (std::vector<std::int64_t>{6, 1}));
  EXPECT_EQ(p.b_strides, (std::vector<std::int64_t>{0, 1}));
}

TEST(ElementwisePlan, ChannelBroadcastReadsOneValuePerRow) {
  // [N, C, H, W] + [C, 1, 1]: the inner H*W run reads b with stride 0.
  const BroadcastPlan p = plan_broadcast({2, 3, 4, 5}, {3, 1, 1}, {2, 3, 4, 5});
  EXPECT_EQ(p.kind, Kind::general);
  EXPECT_EQ(p.dims, (std::vector<std::int64_t>{2, 3, 20}));
  EXPECT_EQ(p.a_strides, (std::vector<std::int64_t>{60, 20, 1}));
  EXPECT_EQ(p.b_strides, (std::vector<std::int64_t>{0, 1, 0}));
}

TEST(ElementwisePlan, RejectsShapesThatDoNotBroadcast) {
  EXPECT_THROW(plan_broadcast({2, 3}, {4}, {2, 3}), Error);
  EXPECT_THROW(plan_broadcast({2, 3}, {2, 3, 1}, {2, 3}), Error);
}

// broadcast_binary against a naive per-element reference on many shape pairs, including ones
// large enough to run in parallel.
TEST(ElementwiseBroadcast, MatchesReferenceOnShapePairs) {
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{2, 3, 4}, {3, 1}},
      {{1}, {2, 3}},
      {{2, 1, 4}, {3, 1}},
      {{2, 3}, {2, 3}},
      {{}, {5}},
      {{5}, {}},
      {{4, 1, 5}, {1, 3, 1}},
      {{0, 3}, {3}},
      {{3, 0}, {1}},
      {{2, 3, 4, 5}, {3, 1, 1}},
      {{6, 1}, {1, 7}},
      {{1, 1, 1}, {2, 1, 3}},
      {{64, 33, 129}, {33, 1}},
      {{300, 257}, {257}},
      {{7, 9000}, {7, 1}},
      {{1, 70000}, {70000}},
      {{50000, 3}, {50000, 1}},
      {{3, 1, 2}, {3, 4, 1}},
  };
  unsigned seed = 1;
  for (const auto& [as, bs] : cases) {
    SCOPED_TRACE(shape_to_list(as) + " and " + shape_to_list(bs));
    const Tensor a = random_tensor<float>(as, -2, 2, seed++);
    const Tensor b = random_tensor<float>(bs, -2, 2, seed++);
    const Shape out_shape = broadcast_shapes(as, bs);
    const auto f = [](float x, float y) { return x * 3 - y; };
    Tensor out = Tensor::empty(DType::f32, out_shape);
    broadcast_binary(a.data<float>(), as, b.data<float>(), bs, out.mutable_data<float>(), out_shape,
                     f);
    // Not bit-exact: the compiler may fuse x * 3 - y into an FMA in one loop and not the other.
    EXPECT_TRUE(testing::tensors_close(
        out, testing::reference_binary<float, float, float>(a, b, out_shape, f), 1e-6, 1e-6));
  }
}

TEST(ElementwiseBroadcast, MixedInputAndOutputTypes) {
  const Tensor a = testing::make<std::int32_t>({1, 5, 3, 7}, {2, 2});
  const Tensor b = testing::make<double>({2.0, 4.0}, {2});
  Tensor out = Tensor::empty(DType::boolean, {2, 2});
  broadcast_binary(a.data<std::int32_t>(), a.shape(), b.data<double>(), b.shape(),
                   out.mutable_data<bool>(), out.shape(),
                   [](std::int32_t x, double y) { return x > y; });
  EXPECT_TRUE(testing::tensors_close(out, testing::make<bool>({false, true, true, true}, {2, 2})));
}

TEST(ElementwiseBroadcast, OutputMayBeTheFullSizeInput) {
  Tensor a = random_tensor<float>({40, 1000}, -1, 1, 3);
  const Tensor b = random_tensor<float>({1000}, -1, 1, 4);
  const Tensor expected = testing::reference_binary<float, float, float>(
      a, b, a.shape(), [](float x, float y) { return x + y; });
  broadcast_binary(a.data<float>(), a.shape(), b.data<float>(), b.shape(), a.mutable_data<float>(),
                   a.shape(), [](float x, float y) { return x + y; });
  EXPECT_TRUE(testing::tensors_close(a, expected, 0, 0));
}

TEST(ElementwiseVariadic, FoldsThreeBroadcastInputs) {
  const Tensor a = random_tensor<float>({2, 1, 4}, -1, 1, 5);
  const Tensor b = random_tensor<float>({3, 1}, -1, 1, 6);
  const Tensor c = random_tensor<float>({4}, -1, 1, 7);
  const Shape out_shape{2, 3, 4};
  const float* data[] = {a.data<float>(), b.data<float>(), c.data<float>()};
  const Shape shapes[] = {a.shape(), b.shape(), c.shape()};
  Tensor out = Tensor::empty(DType::f32, out_shape);
  broadcast_variadic<float>(data, shapes, out.mutable_data<float>(), out_shape,
                            [](float x, float y) { return x + y; });
  const auto sum = [](float x, float y) { return x + y; };
  const Tensor ab = testing::reference_binary<float, float, float>(a, b, out_shape, sum);
  const Tensor expected = testing::reference_binary<float, float, float>(ab, c, out_shape, sum);
  EXPECT_TRUE(testing::tensors_close(out, expected, 1e-6, 0));
}

TEST(ElementwiseVariadic, OneInputIsCopiedBroadcast) {
  const Tensor a = testing::make<float>({1, 2}, {2, 1});
  const float* data[] = {a.data<float>()};
  const Shape shapes[] = {a.shape()};
  Tensor out = Tensor::empty(DType::f32, {2, 3});
  broadcast_variadic<float>(data, shapes, out.mutable_data<float>(), out.shape(),
                            [](float x, float y) { return x + y; });
  EXPECT_TRUE(testing::tensors_close(out, testing::make<float>({1, 1, 1, 2, 2, 2}, {2, 3})));
}

TEST(ElementwiseMap, LargeUnaryMapCoversEveryElement) {
  const Tensor x = random_tensor<float>({100003}, -5, 5, 8);
  Tensor y = Tensor::empty(DType::f32, x.shape());
  map_unary(x.data<float>(), y.mutable_data<float>(), x.numel(), [](float v) { return v * v; });
  EXPECT_TRUE(testing::tensors_close(
      y, testing::reference_unary<float, float>(x, [](float v) { return v * v; }), 0, 0));
}

}  // namespace
}  // namespace nnload::linalg
