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

Tensor bools(std::vector<bool> v, Shape s) { return Tensor::from_vector<bool>(v, std::move(s)); }

TEST(Where, SpecExamples) {
  const Tensor c = bools({true, false, true, true}, {2, 2});
  EXPECT_TRUE(
      bytes_equal(run1("Where", {c, f32s({1, 2, 3, 4}, {2, 2}), f32s({9, 8, 7, 6}, {2, 2})}),
                  f32s({1, 8, 3, 4}, {2, 2})));
  EXPECT_TRUE(bytes_equal(
      run1("Where", {c, i64s({1, 2, 3, 4}).reshaped({2, 2}), i64s({9, 8, 7, 6}).reshaped({2, 2})}),
      i64s({1, 8, 3, 4}).reshaped({2, 2})));
}

// Three-way broadcasting against a loop, for every dtype.
TEST(Where, BroadcastsAllThreeInputs) {
  for (DType dtype : testing::all_dtypes()) {
    const Tensor c = random_tensor(DType::boolean, {3, 1, 1, 4}, 1);
    const Tensor x = random_tensor(dtype, {2, 1, 1}, 2);
    const Tensor y = random_tensor(dtype, {5, 1}, 3);
    const Tensor out = run1("Where", {c, x, y});
    const Shape shape = {3, 2, 5, 4};
    const Tensor from_x = reference_move(x, shape, [](const Ints& o) {
      return std::optional<Ints>({o[1], 0, 0});
    });
    const Tensor from_y = reference_move(y, shape, [](const Ints& o) {
      return std::optional<Ints>({o[2], 0});
    });
    Tensor expected = Tensor::empty(dtype, shape);
    const std::size_t elem = dtype_size(dtype);
    for (std::int64_t i = 0; i < expected.numel(); ++i) {
      const Ints o = testing::unravel(i, shape);
      const bool take_x = c.data<bool>()[o[0] * 4 + o[3]];
      std::memcpy(static_cast<char*>(expected.mutable_raw()) + i * elem,
                  static_cast<const char*>((take_x ? from_x : from_y).raw()) + i * elem, elem);
    }
    ASSERT_TRUE(bytes_equal(out, expected)) << dtype_name(dtype);
  }
  // Scalars and zero-sized.
  EXPECT_TRUE(
      bytes_equal(run1("Where", {bools({false}, {}), Tensor::scalar(1.0f), f32s({2, 3}, {2})}),
                  f32s({2, 3}, {2})));
  EXPECT_EQ(run1("Where", {bools({}, {0}), Tensor::scalar(1.0f), Tensor::scalar(2.0f)}).shape(),
            (Shape{0}));
}

TEST(Where, RejectsBadInputs) {
  EXPECT_THROW(run1("Where", {f32s({1}, {1}), f32s({1}, {1}), f32s({2}, {1})}),
               Error);  // float condition
  EXPECT_THROW(run1("Where", {bools({true}, {1}), f32s({1}, {1}), i64s({2})}), Error);
  EXPECT_THROW(run1("Where", {bools({true, false}, {2}), f32s({1, 2, 3}, {3}), f32s({2}, {1})}),
               Error);
}

TEST(OneHot, SpecExamples) {
  // without_axis: indices [0, 7, 8], depth 12, values [0, 1] (int32).
  const Tensor values01 = Tensor::from_vector<std::int32_t>({0, 1}, {2});
  const Tensor y = run1("OneHot", {i64s({0, 7, 8}), Tensor::scalar(12.0f), values01});
  ASSERT_EQ(y.shape(), (Shape{3, 12}));
  for (std::int64_t r = 0; r < 3; ++r) {
    for (std::int64_t c = 0; c < 12; ++c) {
      const std::int64_t hot = r == 0 ? 0 : r == 1 ? 7 : 8;
      EXPECT_EQ(y.data<std::int32_t>()[r * 12 + c], c == hot ? 1 : 0);
    }
  }
  // with_axis: indices [[1, 9], [2, 4]] (float), depth [10], axis 1, values [1, 3].
  const Tensor y1 = run1("OneHot", {f32s({1, 9, 2, 4}, {2, 2}), f32s({10}, {1}), f32s({1, 3}, {2})},
                         attrs({{"axis", std::int64_t{1}}}));
  ASSERT_EQ(y1.shape(), (Shape{2, 10, 2}));
  const Tensor expected1 = reference_move(f32s({1, 3}, {2}), {2, 10, 2}, [](const Ints& o) {
    const float ind[2][2] = {{1, 9}, {2, 4}};
    return std::optional<Ints>(Ints{ind[o[0]][o[2]] == static_cast<float>(o[1]) ? 1 : 0});
  });
  EXPECT_TRUE(bytes_equal(y1, expected1));
  // negative_indices (opset 11): [0, -7, -8] with depth 10 -> hot at 0, 3, 2.
  const Tensor y2 = run1("OneHot", {i64s({0, -7, -8}), Tensor::scalar(10.0f), f32s({1, 3}, {2})});
  for (std::int64_t r = 0; r < 3; ++r) {
    for (std::int64_t c = 0; c < 10; ++c) {
      const std::int64_t hot = r == 0 ? 0 : r == 1 ? 3 : 2;
      EXPECT_EQ(y2.data<float>()[r * 10 + c], c == hot ? 3.0f : 1.0f);
    }
  }
  // Before opset 11 negative indices are out of range: all off.
  const Tensor y9 =
      run1("OneHot", {i64s({-1}), Tensor::scalar(std::int64_t{3}), f32s({0, 1}, {2})}, {}, 9);
  EXPECT_TRUE(bytes_equal(y9, f32s({0, 0, 0}, {1, 3})));
}

TEST(OneHot, AxisZeroNegativeAxisAndOutOfRange) {
  const Tensor values = f32s({-1, 5}, {2});
  const Tensor ind = i64s({2, 10, -1, 0}).reshaped({2, 2});
  for (std::int64_t axis : {0, -3, 1, 2, -1}) {
    const Tensor y =
        run1("OneHot", {ind, Tensor::scalar(std::int32_t{3}), values}, attrs({{"axis", axis}}));
    const std::int64_t a = axis < 0 ? axis + 3 : axis;
    Shape out = {2, 2};
    out.insert(out.begin() + a, 3);
    const Tensor expected = reference_move(values, out, [&](const Ints& o) {
      Ints pos = o;
      const std::int64_t d = pos[a];
      pos.erase(pos.begin() + a);
      std::int64_t v = ind.data<std::int64_t>()[pos[0] * 2 + pos[1]];
      if (v < 0) v += 3;
      return std::optional<Ints>(Ints{v == d ? 1 : 0});
    });
    EXPECT_TRUE(bytes_equal(y, expected)) << "axis " << axis;
  }
  EXPECT_THROW(run1("OneHot", {ind, Tensor::scalar(0.0f), values}), Error);
  EXPECT_THROW(run1("OneHot", {ind, Tensor::scalar(3.0f), f32s({1, 2, 3}, {3})}), Error);
  EXPECT_THROW(
      run1("OneHot", {ind, Tensor::scalar(3.0f), values}, attrs({{"axis", std::int64_t{3}}})),
      Error);
}

Tensor trilu_input() {
  return i64s({4, 7, 3, 7, 9, 1, 2, 8, 6, 9, 9, 4, 0, 8, 7, 4, 3, 4, 2, 4}).reshaped({4, 5});
}

TEST(Trilu, SpecExamples) {
  EXPECT_TRUE(bytes_equal(
      run1("Trilu", {trilu_input()}),
      i64s({4, 7, 3, 7, 9, 0, 2, 8, 6, 9, 0, 0, 0, 8, 7, 0, 0, 0, 2, 4}).reshaped({4, 5})));
  EXPECT_TRUE(bytes_equal(
      run1("Trilu", {trilu_input(), Tensor::scalar(std::int64_t{1})}),
      i64s({0, 7, 3, 7, 9, 0, 0, 8, 6, 9, 0, 0, 0, 8, 7, 0, 0, 0, 0, 4}).reshaped({4, 5})));
  const auto lower = attrs({{"upper", std::int64_t{0}}});
  EXPECT_TRUE(bytes_equal(
      run1("Trilu", {trilu_input()}, lower),
      i64s({4, 0, 0, 0, 0, 1, 2, 0, 0, 0, 9, 4, 0, 0, 0, 4, 3, 4, 2, 0}).reshaped({4, 5})));
  EXPECT_TRUE(bytes_equal(
      run1("Trilu", {trilu_input(), Tensor::scalar(std::int64_t{-1})}, lower),
      i64s({0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 9, 4, 0, 0, 0, 4, 3, 4, 0, 0}).reshaped({4, 5})));
  // k far outside the matrix: everything or nothing.
  EXPECT_TRUE(bytes_equal(run1("Trilu", {trilu_input(), Tensor::scalar(std::int64_t{-100})}),
                          trilu_input()));
  EXPECT_TRUE(bytes_equal(
      run1("Trilu", {trilu_input(), Tensor::scalar(std::numeric_limits<std::int64_t>::max())}),
      Tensor::zeros(DType::i64, {4, 5})));
}

TEST(Trilu, BatchedRandomAgainstLoop) {
  for (DType dtype : {DType::f32, DType::f16, DType::boolean, DType::i8, DType::f64}) {
    const Tensor x = random_tensor(dtype, {2, 3, 4, 6}, 5);
    for (int upper = 0; upper < 2; ++upper) {
      for (std::int64_t k : {-5, -2, 0, 3, 7}) {
        const Tensor y =
            run1("Trilu", {x, Tensor::scalar(k)}, attrs({{"upper", std::int64_t{upper}}}));
        const Tensor zero = Tensor::zeros(dtype, {});
        const Tensor expected = reference_move(
            x, x.shape(),
            [&](const Ints& o) -> std::optional<Ints> {
              const bool keep = upper ? o[3] - o[2] >= k : o[3] - o[2] <= k;
              return keep ? std::optional<Ints>(o) : std::nullopt;
            },
            &zero);
        ASSERT_TRUE(bytes_equal(y, expected))
            << dtype_name(dtype) << " upper " << upper << " k " << k;
      }
    }
  }
  EXPECT_EQ(run1("Trilu", {Tensor::empty(DType::f32, {0, 3})}).shape(), (Shape{0, 3}));
  EXPECT_THROW(run1("Trilu", {f32s({1, 2}, {2})}), Error);
}

}  // namespace
}  // namespace nnload
