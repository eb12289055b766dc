#include <gtest/gtest.h>

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
using Ints = std::vector<std::int64_t>;

std::vector<Tensor> split(const std::vector<Tensor>& in, int outputs,
                          const graph::Attributes& a = {}, int opset = graph::kLatestOpset) {
  return ops::run_op("Split", in, a, outputs, "", opset);
}

TEST(Concat, SpecExamples2D) {
  const Tensor a = f32s({1, 2, 3, 4}, {2, 2});
  const Tensor b = f32s({5, 6, 7, 8}, {2, 2});
  EXPECT_TRUE(testing::tensors_close(run1("Concat", {a, b}, attrs({{"axis", std::int64_t{0}}})),
                                     f32s({1, 2, 3, 4, 5, 6, 7, 8}, {4, 2}), 0, 0));
  EXPECT_TRUE(testing::tensors_close(run1("Concat", {a, b}, attrs({{"axis", std::int64_t{1}}})),
                                     f32s({1, 2, 5, 6, 3, 4, 7, 8}, {2, 4}), 0, 0));
  EXPECT_TRUE(testing::tensors_close(run1("Concat", {a, b}, attrs({{"axis", std::int64_t{-1}}})),
                                     f32s({1, 2, 5, 6, 3, 4, 7, 8}, {2, 4}), 0, 0));
  // Opset 1..3: axis defaults to 1.
  EXPECT_TRUE(testing::tensors_close(run1("Concat", {a, b}, {}, 3),
                                     f32s({1, 2, 5, 6, 3, 4, 7, 8}, {2, 4}), 0, 0));
}

TEST(Concat, EveryAxisAndDtypeMatchesReference) {
  for (DType dtype : testing::all_dtypes()) {
    for (std::int64_t axis = 0; axis < 3; ++axis) {
      Shape sa = {2, 3, 4}, sb = sa, sc = sa;
      sb[axis] = 1;
      sc[axis] = 0;  // zero-sized parts take part too
      const Tensor a = random_tensor(dtype, sa, 1), b = random_tensor(dtype, sb, 2),
                   c = random_tensor(dtype, sc, 3);
      const Tensor y = run1("Concat", {a, c, b}, attrs({{"axis", axis}}));
      Shape out = sa;
      out[axis] += 1;
      // Reference: pick the part by the axis coordinate.
      Tensor expected = Tensor::empty(dtype, out);
      const Tensor from_a = reference_move(a, out, [&](const Ints& o) {
        return o[axis] < sa[axis] ? std::optional<Ints>(o) : std::nullopt;
      });
      const Tensor from_b = reference_move(b, out, [&](const Ints& o) -> std::optional<Ints> {
        if (o[axis] < sa[axis]) return std::nullopt;
        Ints s = o;
        s[axis] -= sa[axis];
        return s;
      });
      const std::size_t elem = dtype_size(dtype);
      for (std::int64_t i = 0; i < expected.numel(); ++i) {
        const bool in_a = testing::unravel(i, out)[axis] < sa[axis];
        std::memcpy(static_cast<char*>(expected.mutable_raw()) + i * elem,
                    static_cast<const char*>((in_a ? from_a : from_b).raw()) + i * elem, elem);
      }
      ASSERT_TRUE(bytes_equal(y, expected)) << dtype_name(dtype) << " axis " << axis;
    }
  }
}

TEST(Concat, RejectsMismatchedInputs) {
  const Tensor a = random_tensor(DType::f32, {2, 3});
  EXPECT_THROW(
      run1("Concat", {a, random_tensor(DType::f32, {2, 4})}, attrs({{"axis", std::int64_t{0}}})),
      Error);
  EXPECT_THROW(
      run1("Concat", {a, random_tensor(DType::f32, {2, 3, 1})}, attrs({{"axis", std::int64_t{0}}})),
      Error);
  EXPECT_THROW(
      run1("Concat", {a, random_tensor(DType::i32, {2, 3})}, attrs({{"axis", std::int64_t{0}}})),
      Error);
  EXPECT_THROW(run1("Concat", {a, a}, attrs({{"axis", std::int64_t{2}}})), Error);
  EXPECT_THROW(run1("Concat", {a, a}, attrs({{"axis", std::int64_t{-1}}}), 10),
               Error);  // negative before 11
  EXPECT_THROW(run1("Concat", {Tensor::scalar(1.0f), Tensor::scalar(2.0f)},
                    attrs({{"axis", std::int64_t{0}}})),
               Error);
}

TEST(Split, SpecExamples1D) {
  const Tensor x = f32s({1, 2, 3, 4, 5, 6}, {6});
  auto parts = split({x}, 3);
  ASSERT_EQ(parts.size(), 3u);
  EXPECT_TRUE(testing::tensors_close(parts[0], f32s({1, 2}, {2}), 0, 0));
  EXPECT_TRUE(testing::tensors_close(parts[1], f32s({3, 4}, {2}), 0, 0));
  EXPECT_TRUE(testing::tensors_close(parts[2], f32s({5, 6}, {2}), 0, 0));
  parts = split({x, i64s({2, 4})}, 2);
  EXPECT_TRUE(testing::tensors_close(parts[0], f32s({1, 2}, {2}), 0, 0));
  EXPECT_TRUE(testing::tensors_close(parts[1], f32s({3, 4, 5, 6}, {4}), 0, 0));
  // Opset 2..12: split attribute.
  parts = split({x}, 2, attrs({{"split", Ints{2, 4}}}), 11);
  EXPECT_TRUE(testing::tensors_close(parts[1], f32s({3, 4, 5, 6}, {4}), 0, 0));
}

TEST(Split, SpecExamples2D) {
  const Tensor x = f32s({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {2, 6});
  auto parts = split({x}, 2, attrs({{"axis", std::int64_t{1}}}));
  EXPECT_TRUE(testing::tensors_close(parts[0], f32s({1, 2, 3, 7, 8, 9}, {2, 3}), 0, 0));
  EXPECT_TRUE(testing::tensors_close(parts[1], f32s({4, 5, 6, 10, 11, 12}, {2, 3}), 0, 0));
  parts = split({x, i64s({2, 4})}, 2, attrs({{"axis", std::int64_t{-1}}}));
  EXPECT_TRUE(testing::tensors_close(parts[0], f32s({1, 2, 7, 8}, {2, 2}), 0, 0));
  EXPECT_TRUE(testing::tensors_close(parts[1], f32s({3, 4, 5, 6, 9, 10, 11, 12}, {2, 4}), 0, 0));
}

TEST(Split, UnevenNumOutputsFromOpset18) {
  const Tensor x = f32s({1, 2, 3, 4, 5, 6, 7}, {7});
  auto parts = split({x}, 4, attrs({{"num_outputs", std::int64_t{4}}}));
  ASSERT_EQ(parts.size(), 4u);
  EXPECT_TRUE(testing::tensors_close(parts[2], f32s({5, 6}, {2}), 0, 0));
  EXPECT_TRUE(testing::tensors_close(parts[3], f32s({7}, {1}), 0, 0));
  const Tensor m = f32s({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, {2, 8});
  parts = split({m}, 3, attrs({{"axis", std::int64_t{1}}, {"num_outputs", std::int64_t{3}}}));
  EXPECT_TRUE(testing::tensors_close(parts[0], f32s({1, 2, 3, 9, 10, 11}, {2, 3}), 0, 0));
  EXPECT_TRUE(testing::tensors_close(parts[2], f32s({7, 8, 15, 16}, {2, 2}), 0, 0));
  EXPECT_THROW(split({x}, 3, attrs({{"num_outputs", std::int64_t{4}}})), Error);  // mismatch
  EXPECT_THROW(split({x}, 4), Error);  // uneven without num_outputs
}

TEST(Split, ZeroSizedSplitsAndRoundTripForEveryDtype) {
  auto parts = split({Tensor::empty(DType::f32, {0}), i64s({0, 0, 0})}, 3);
  for (const Tensor& p : parts) EXPECT_EQ(p.shape(), (Shape{0}));
  for (DType dtype : testing::all_dtypes()) {
    const Tensor x = random_tensor(dtype, {3, 7, 2}, 31);
    parts = split({x, i64s({3, 0, 4})}, 3, attrs({{"axis", std::int64_t{1}}}));
    EXPECT_EQ(parts[1].shape(), (Shape{3, 0, 2}));
    const Tensor back = run1("Concat", parts, attrs({{"axis", std::int64_t{1}}}));
    EXPECT_TRUE(bytes_equal(back, x)) << dtype_name(dtype);
    const Tensor expected = reference_move(x, {3, 4, 2}, [](const Ints& o) {
      return std::optional<Ints>({o[0], o[1] + 3, o[2]});
    });
    EXPECT_TRUE(bytes_equal(parts[2], expected)) << dtype_name(dtype);
  }
}

TEST(Split, RejectsBadSplits) {
  const Tensor x = random_tensor(DType::f32, {6});
  EXPECT_THROW(split({x, i64s({2, 3})}, 2), Error);     // sums to 5
  EXPECT_THROW(split({x, i64s({2, 2, 2})}, 2), Error);  // 3 sizes for 2 outputs
  EXPECT_THROW(split({x, i64s({7, -1})}, 2), Error);
  EXPECT_THROW(split({x}, 2, attrs({{"axis", std::int64_t{1}}})), Error);
}

}  // namespace
}  // namespace nnload
