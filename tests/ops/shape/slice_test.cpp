#include <gtest/gtest.h>

#include <algorithm>
#include <limits>

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

constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

// The spec's rule, written as a walk: negative starts/ends count from the end; starts clamp to
// [0, d] (forward) or [0, d - 1] (backward), ends to [0, d] or [-1, d - 1]; INT_MAX as an end
// means the last element in either direction (ONNX Runtime's reading). Unlike numpy, a backward
// slice whose start lies before the first element still takes element 0.
struct PySlice {
  std::int64_t start, step, length;
};
PySlice py_slice(std::int64_t start, std::int64_t stop, std::int64_t step, std::int64_t len) {
  if (len == 0) return {0, step, 0};
  const bool int_max = stop == std::numeric_limits<std::int64_t>::max();
  if (start < 0) start += len;
  if (stop < 0) stop += len;
  if (step > 0) {
    start = std::clamp<std::int64_t>(start, 0, len);
    stop = int_max ? len : std::clamp<std::int64_t>(stop, 0, len);
  } else {
    start = std::clamp<std::int64_t>(start, 0, len - 1);
    stop = int_max ? -1 : std::clamp<std::int64_t>(stop, -1, len - 1);
  }
  std::int64_t n = 0;
  for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) ++n;
  return {start, step, n};
}

// x[slices] for a full list of per-axis (start, stop, step).
Tensor reference_slice(const Tensor& x, const std::vector<Ints>& per_axis) {
  std::vector<PySlice> s;
  Shape out;
  for (std::size_t d = 0; d < per_axis.size(); ++d) {
    s.push_back(py_slice(per_axis[d][0], per_axis[d][1], per_axis[d][2], x.shape()[d]));
    out.push_back(s.back().length);
  }
  return reference_move(x, out, [&](const Ints& o) {
    Ints src(o.size());
    for (std::size_t d = 0; d < o.size(); ++d) src[d] = s[d].start + o[d] * s[d].step;
    return std::optional<Ints>(src);
  });
}

TEST(Slice, BackwardEdgeCasesFollowTheSpecClamping) {
  const Tensor x = f32s({0, 1, 2, 3, 4}, {5});
  // start -9 -> -4, clamped to 0 for a negative step: element 0 only (numpy would give none).
  EXPECT_TRUE(testing::tensors_close(
      run1("Slice", {x, i64s({-9}), i64s({-9}), i64s({0}), i64s({-1})}), f32s({0}, {1}), 0, 0));
  // INT_MIN and INT_MAX as the end of a backward slice both run to the first element.
  const Tensor all_back = f32s({4, 3, 2, 1, 0}, {5});
  EXPECT_TRUE(testing::tensors_close(
      run1("Slice", {x, i64s({-1}), i64s({std::numeric_limits<std::int64_t>::min()}), i64s({0}),
                     i64s({-1})}),
      all_back, 0, 0));
  EXPECT_TRUE(testing::tensors_close(
      run1("Slice", {x, i64s({-1}), i64s({kMax}), i64s({0}), i64s({-1})}), all_back, 0, 0));
}

TEST(Slice, SpecDocExamples) {
  const Tensor x = f32s({1, 2, 3, 4, 5, 6, 7, 8}, {2, 4});
  EXPECT_TRUE(testing::tensors_close(
      run1("Slice", {x, i64s({1, 0}), i64s({2, 3}), i64s({0, 1}), i64s({1, 2})}),
      f32s({5, 7}, {1, 2}), 0, 0));
  EXPECT_TRUE(testing::tensors_close(run1("Slice", {x, i64s({0, 1}), i64s({-1, 1000})}),
                                     f32s({2, 3, 4}, {1, 3}), 0, 0));
}

TEST(Slice, SpecBackendCasesAgainstTheSpecRule) {
  const Tensor x = random_tensor(DType::f32, {20, 10, 5}, 4);
  struct Case {
    const char* name;
    Ints starts, ends, axes, steps;
    std::vector<Ints> expected;  // per axis (start, stop, step)
  };
  const Case cases[] = {
      {"slice", {0, 0}, {3, 10}, {0, 1}, {1, 1}, {{0, 3, 1}, {0, 10, 1}, {0, kMax, 1}}},
      {"neg", {0}, {-1}, {1}, {1}, {{0, kMax, 1}, {0, -1, 1}, {0, kMax, 1}}},
      {"start_out_of_bounds",
       {1000},
       {1000},
       {1},
       {1},
       {{0, kMax, 1}, {1000, 1000, 1}, {0, kMax, 1}}},
      {"end_out_of_bounds", {1}, {1000}, {1}, {1}, {{0, kMax, 1}, {1, 1000, 1}, {0, kMax, 1}}},
      {"default_axes", {0, 0, 3}, {20, 10, 4}, {}, {}, {{0, 20, 1}, {0, 10, 1}, {3, 4, 1}}},
      {"neg_steps",
       {20, 10, 4},
       {0, 0, 1},
       {0, 1, 2},
       {-1, -3, -2},
       {{20, 0, -1}, {10, 0, -3}, {4, 1, -2}}},
      {"negative_axes",
       {0, 0, 3},
       {20, 10, 4},
       {0, -2, -1},
       {},
       {{0, 20, 1}, {0, 10, 1}, {3, 4, 1}}},
      {"int_max_min",
       {kMax, 0},
       {std::numeric_limits<std::int64_t>::min(), kMax},
       {0, 2},
       {-1, 1},
       {{kMax, std::numeric_limits<std::int64_t>::min(), -1}, {0, kMax, 1}, {0, kMax, 1}}},
  };
  for (const Case& c : cases) {
    std::vector<Tensor> in = {x, i64s(c.starts), i64s(c.ends)};
    if (!c.axes.empty() || !c.steps.empty()) in.push_back(c.axes.empty() ? Tensor() : i64s(c.axes));
    if (!c.steps.empty()) in.push_back(i64s(c.steps));
    EXPECT_TRUE(bytes_equal(run1("Slice", in), reference_slice(x, c.expected))) << c.name;
  }
}

TEST(Slice, RandomSlicesOfEveryDtype) {
  std::mt19937 rng(7);
  for (DType dtype : testing::all_dtypes()) {
    const Tensor x = random_tensor(dtype, {6, 5, 7}, 9);
    for (int trial = 0; trial < 20; ++trial) {
      Ints starts, ends, steps;
      std::vector<Ints> expected;
      for (int d = 0; d < 3; ++d) {
        const std::int64_t step = std::uniform_int_distribution<std::int64_t>(-3, 3)(rng);
        const std::int64_t s = std::uniform_int_distribution<std::int64_t>(-9, 9)(rng);
        const std::int64_t e = std::uniform_int_distribution<std::int64_t>(-9, 9)(rng);
        starts.push_back(s);
        ends.push_back(e);
        steps.push_back(step == 0 ? 1 : step);
        expected.push_back({s, e, steps.back()});
      }
      const Tensor y = run1("Slice", {x, i64s(starts), i64s(ends), i64s({0, 1, 2}), i64s(steps)});
      ASSERT_TRUE(bytes_equal(y, reference_slice(x, expected)))
          << dtype_name(dtype) << " trial " << trial;
    }
  }
}

TEST(Slice, Int32ArgumentsAndOpset1Attributes) {
  const Tensor x = f32s({1, 2, 3, 4, 5, 6, 7, 8}, {2, 4});
  const Tensor s32 = Tensor::from_vector<std::int32_t>({1}, {1});
  const Tensor e32 = Tensor::from_vector<std::int32_t>({3}, {1});
  const Tensor a32 = Tensor::from_vector<std::int32_t>({1}, {1});
  EXPECT_TRUE(
      testing::tensors_close(run1("Slice", {x, s32, e32, a32}), f32s({2, 3, 6, 7}, {2, 2}), 0, 0));
  const auto a = attrs({{"starts", Ints{1}}, {"ends", Ints{3}}, {"axes", Ints{1}}});
  EXPECT_TRUE(testing::tensors_close(run1("Slice", {x}, a, 9), f32s({2, 3, 6, 7}, {2, 2}), 0, 0));
}

TEST(Slice, ZeroSizedInput) {
  const Tensor x = Tensor::empty(DType::f32, {0, 3});
  EXPECT_EQ(run1("Slice", {x, i64s({0, 1}), i64s({5, 3})}).shape(), (Shape{0, 2}));
  EXPECT_EQ(run1("Slice", {x, i64s({-1}), i64s({-10}), i64s({0}), i64s({-1})}).shape(),
            (Shape{0, 3}));
}

TEST(Slice, RejectsBadArguments) {
  const Tensor x = random_tensor(DType::f32, {4, 4});
  EXPECT_THROW(run1("Slice", {x, i64s({0}), i64s({2}), i64s({0}), i64s({0})}), Error);  // step 0
  EXPECT_THROW(run1("Slice", {x, i64s({0, 0}), i64s({2})}), Error);
  EXPECT_THROW(run1("Slice", {x, i64s({0, 0}), i64s({2, 2}), i64s({1, -1})}),
               Error);  // repeated axis
  EXPECT_THROW(run1("Slice", {x, i64s({0}), i64s({2}), i64s({2})}), Error);
  EXPECT_THROW(run1("Slice", {x, testing::f32s({0}, {1}), i64s({2})}), Error);  // float starts
}

}  // namespace
}  // namespace nnload
