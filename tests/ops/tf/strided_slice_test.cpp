// nnload.TfStridedSlice against numpy's indexing: each case is the numpy expression, its mask
// encoding as TensorFlow's __getitem__ writes it, and numpy's result on arange(120) as
// [2, 3, 4, 5] (computed with numpy, not with nnload).
#include <gtest/gtest.h>

#include <cstring>

#include "ops/registry.hpp"
#include "ops/shape/op_test_util.hpp"
#include "support/error_capture.hpp"

namespace nnload {
namespace {

using testing::attrs;
using Ints = std::vector<std::int64_t>;

struct SliceCase {
  const char* numpy;
  Ints begin, end, strides;
  std::int64_t begin_mask = 0, end_mask = 0, ellipsis_mask = 0, new_axis_mask = 0,
               shrink_axis_mask = 0;
  Shape shape;
  std::vector<std::int32_t> values;
};

Tensor arange120() {
  std::vector<std::int32_t> v(120);
  for (int i = 0; i < 120; ++i) v[static_cast<std::size_t>(i)] = i;
  return Tensor::from_vector(v, {2, 3, 4, 5});
}

Tensor index_tensor(const Ints& v, DType dtype) {
  return Tensor::from_vector(v, {static_cast<std::int64_t>(v.size())}).to(dtype);
}

Tensor strided_slice(const Tensor& x, const SliceCase& c, DType index_dtype = DType::i32) {
  return ops::run_op("TfStridedSlice",
                     {x, index_tensor(c.begin, index_dtype), index_tensor(c.end, index_dtype),
                      index_tensor(c.strides, index_dtype)},
                     attrs({{"begin_mask", c.begin_mask},
                            {"end_mask", c.end_mask},
                            {"ellipsis_mask", c.ellipsis_mask},
                            {"new_axis_mask", c.new_axis_mask},
                            {"shrink_axis_mask", c.shrink_axis_mask}}),
                     1, "nnload", 1)
      .at(0);
}

std::vector<SliceCase> numpy_cases() {
  std::vector<std::int32_t> reversed;
  for (int i = 60; i < 120; ++i) reversed.push_back(i);
  for (int i = 0; i < 60; ++i) reversed.push_back(i);
  std::vector<std::int32_t> first_two_rows;
  for (int i = 60; i < 80; ++i) first_two_rows.push_back(i);
  for (int i = 100; i < 120; ++i) first_two_rows.push_back(i);
  return {
      {"x[1:2, 0:3:2]", {1, 0}, {2, 3}, {1, 2}, 0, 0, 0, 0, 0, {1, 2, 4, 5}, first_two_rows},
      {"x[::-1]", {0}, {0}, {-1}, 1, 1, 0, 0, 0, {2, 3, 4, 5}, reversed},
      {"x[-1, ..., ::-2]",
       {-1, 0, 0},
       {0, 0, 0},
       {1, 1, -2},
       4,
       4,
       2,
       0,
       1,
       {3, 4, 3},
       {64, 62, 60, 69, 67, 65, 74,  72,  70,  79,  77,  75,  84,  82,  80,  89,  87,  85,
        94, 92, 90, 99, 97, 95, 104, 102, 100, 109, 107, 105, 114, 112, 110, 119, 117, 115}},
      {"x[:, None, 1, -3:]",
       {0, 0, 1, -3},
       {0, 0, 2, 0},
       {1, 1, 1, 1},
       1,
       9,
       0,
       2,
       4,
       {2, 1, 3, 5},
       {25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39,
        85, 86, 87, 88, 89, 90, 91, 92, 93, 94, 95, 96, 97, 98, 99}},
      {"x[..., None, 2]",
       {0, 0, 2},
       {0, 0, 3},
       {1, 1, 1},
       0,
       0,
       1,
       2,
       4,
       {2, 3, 4, 1},
       {2,  7,  12, 17, 22, 27, 32, 37, 42,  47,  52,  57,
        62, 67, 72, 77, 82, 87, 92, 97, 102, 107, 112, 117}},
      {"x[1, -2::-1, 5:1:-2, -100:100]",
       {1, -2, 5, -100},
       {2, 0, 1, 100},
       {1, -1, -2, 1},
       0,
       2,
       0,
       0,
       1,
       {2, 1, 5},
       {95, 96, 97, 98, 99, 75, 76, 77, 78, 79}},
      {"x[:, 2:1]", {0, 2}, {0, 1}, {1, 1}, 1, 1, 0, 0, 0, {2, 0, 4, 5}, {}},
      {"x[:, :, ::-1, 3::-3]",
       {0, 0, 0, 3},
       {0, 0, 0, 0},
       {1, 1, -1, -3},
       7,
       15,
       0,
       0,
       0,
       {2, 3, 4, 2},
       {18, 15, 13, 10, 8,  5,  3,  0,  38,  35,  33,  30,  28,  25,  23,  20,
        58, 55, 53, 50, 48, 45, 43, 40, 78,  75,  73,  70,  68,  65,  63,  60,
        98, 95, 93, 90, 88, 85, 83, 80, 118, 115, 113, 110, 108, 105, 103, 100}},
      {"x[..., -1]", {0, -1}, {0, 0}, {1, 1}, 0, 0, 1, 0, 2, {2, 3, 4}, {4,   9,   14,  19, 24,
                                                                         29,  34,  39,  44, 49,
                                                                         54,  59,  64,  69, 74,
                                                                         79,  84,  89,  94, 99,
                                                                         104, 109, 114, 119}},
      {"x[1, ..., 1:3, None]",
       {1, 0, 1, 0},
       {2, 0, 3, 0},
       {1, 1, 1, 1},
       0,
       0,
       2,
       8,
       1,
       {3, 4, 2, 1},
       {61, 62, 66, 67, 71,  72,  76,  77,  81,  82,  86,  87,
        91, 92, 96, 97, 101, 102, 106, 107, 111, 112, 116, 117}},
  };
}

TEST(TfStridedSlice, MatchesNumpyIndexingForEveryMask) {
  for (const SliceCase& c : numpy_cases()) {
    SCOPED_TRACE(c.numpy);
    for (DType index_dtype : {DType::i32, DType::i64}) {
      const Tensor y = strided_slice(arange120(), c, index_dtype);
      EXPECT_TRUE(testing::bytes_equal(y, Tensor::from_vector(c.values, c.shape)));
    }
  }
}

// TensorFlow's documentation example: t[1:2, 0:1, 0:3], t[1:2, 0:2, 0:3], t[1:2, -1:-3:-1, 0:3].
TEST(TfStridedSlice, TensorFlowDocumentationExample) {
  const Tensor t = testing::make<std::int32_t>(
      {1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6}, {3, 2, 3});
  auto slice = [&](Ints b, Ints e, Ints s) {
    return strided_slice(t, {"", b, e, s, 0, 0, 0, 0, 0, {}, {}});
  };
  EXPECT_TRUE(testing::bytes_equal(slice({1, 0, 0}, {2, 1, 3}, {1, 1, 1}),
                                   testing::make<std::int32_t>({3, 3, 3}, {1, 1, 3})));
  EXPECT_TRUE(testing::bytes_equal(slice({1, 0, 0}, {2, 2, 3}, {1, 1, 1}),
                                   testing::make<std::int32_t>({3, 3, 3, 4, 4, 4}, {1, 2, 3})));
  EXPECT_TRUE(testing::bytes_equal(slice({1, -1, 0}, {2, -3, 3}, {1, -1, 1}),
                                   testing::make<std::int32_t>({4, 4, 4, 3, 3, 3}, {1, 2, 3})));
}

// Data movement by element size: every dtype picks the same elements the int32 arange does.
TEST(TfStridedSlice, EveryDtypeMovesTheSameElements) {
  const SliceCase c = numpy_cases()[7];  // x[:, :, ::-1, 3::-3]
  const Tensor picked = strided_slice(arange120(), c);
  for (DType dtype : testing::all_dtypes()) {
    SCOPED_TRACE(dtype_name(dtype));
    const Tensor x = testing::random_tensor(dtype, {2, 3, 4, 5}, 7);
    Tensor expected = Tensor::empty(dtype, picked.shape());
    const std::size_t elem = dtype_size(dtype);
    for (std::int64_t i = 0; i < picked.numel(); ++i) {
      std::memcpy(static_cast<char*>(expected.mutable_raw()) + i * static_cast<std::int64_t>(elem),
                  static_cast<const char*>(x.raw()) +
                      picked.data<std::int32_t>()[i] * static_cast<std::int64_t>(elem),
                  elem);
    }
    EXPECT_TRUE(testing::bytes_equal(strided_slice(x, c), expected));
  }
}

TEST(TfStridedSlice, ScalarFromShrinkingEveryAxis) {
  const Tensor y = strided_slice(
      arange120(),
      {"x[1, 2, 3, 4]", {1, 2, 3, 4}, {2, 3, 4, 5}, {1, 1, 1, 1}, 0, 0, 0, 0, 15, {}, {}});
  EXPECT_TRUE(testing::bytes_equal(y, Tensor::scalar<std::int32_t>(119)));
}

TEST(TfStridedSlice, NewAxisWinsOverShrinkOnTheSameEntry) {
  const Tensor y = strided_slice(arange120(), {"x[None]", {0}, {0}, {1}, 0, 0, 0, 1, 1, {}, {}});
  EXPECT_EQ(y.shape(), (Shape{1, 2, 3, 4, 5}));
}

TEST(TfStridedSlice, HugeStridesAndBoundsDoNotOverflow) {
  constexpr std::int64_t big = std::numeric_limits<std::int64_t>::max();
  const Tensor y = strided_slice(
      arange120(),
      {"x[-big:big:big, ::-big]", {-big, 0}, {big, 0}, {big, -big}, 2, 2, 0, 0, 0, {}, {}},
      DType::i64);
  EXPECT_TRUE(testing::bytes_equal(
      y, testing::make<std::int32_t>(
             {40, 41, 42, 43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59},
             {1, 1, 4, 5})));
}

TEST(TfStridedSlice, RejectsWhatTensorFlowRejects) {
  const Tensor x = arange120();
  auto code = [&](SliceCase c) { return testing::code_of([&] { strided_slice(x, c); }); };
  EXPECT_EQ(code({"stride 0", {0}, {1}, {0}, 0, 0, 0, 0, 0, {}, {}}), ErrorCode::invalid_argument);
  EXPECT_EQ(code({"x[2]", {2}, {3}, {1}, 0, 0, 0, 0, 1, {}, {}}), ErrorCode::invalid_argument);
  EXPECT_EQ(code({"x[-3]", {-3}, {-2}, {1}, 0, 0, 0, 0, 1, {}, {}}), ErrorCode::invalid_argument);
  EXPECT_EQ(code({"shrink, stride -1", {0}, {1}, {-1}, 0, 0, 0, 0, 1, {}, {}}),
            ErrorCode::invalid_argument);
  EXPECT_EQ(code({"two ellipses", {0, 0}, {0, 0}, {1, 1}, 0, 0, 3, 0, 0, {}, {}}),
            ErrorCode::invalid_argument);
  EXPECT_EQ(code({"five entries for rank 4",
                  {0, 0, 0, 0, 0},
                  {1, 1, 1, 1, 1},
                  {1, 1, 1, 1, 1},
                  0,
                  0,
                  0,
                  0,
                  0,
                  {},
                  {}}),
            ErrorCode::shape);
  EXPECT_EQ(testing::code_of([&] {
              ops::run_op("TfStridedSlice",
                          {x, index_tensor({0, 0}, DType::i32), index_tensor({1}, DType::i32),
                           index_tensor({1, 1}, DType::i32)},
                          {}, 1, "nnload", 1);
            }),
            ErrorCode::shape);
  EXPECT_EQ(testing::code_of([&] {
              ops::run_op("TfStridedSlice",
                          {x, Tensor::from_vector<float>({0}, {1}), index_tensor({1}, DType::i32),
                           index_tensor({1}, DType::i32)},
                          {}, 1, "nnload", 1);
            }),
            ErrorCode::shape);
}

TEST(TfStridedSlice, NeedsBeginEndStridesWhenThePlanIsCompiled) {
  graph::Node node;
  node.op = "TfStridedSlice";
  node.domain = "nnload";
  const auto op = ops::create_op(node, 1);
  const Tensor b = index_tensor({0}, DType::i32);
  std::vector<ops::InputInfo> in = {{DType::f32, {4}, nullptr, true},
                                    {DType::i32, {1}, nullptr, true},
                                    ops::info_of(b),
                                    ops::info_of(b)};
  EXPECT_EQ(testing::code_of([&] { op->infer(in); }), ErrorCode::unsupported);
}

}  // namespace
}  // namespace nnload
