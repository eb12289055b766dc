#include <gtest/gtest.h>

#include "ops/shape/op_test_util.hpp"

namespace nnload {
namespace {

using testing::attrs;
using testing::bytes_equal;
using testing::f32s;
using testing::i64s;
using testing::random_tensor;
using testing::run1;
using Ints = std::vector<std::int64_t>;

TEST(Shape, SpecExamplesWithStartAndEnd) {
  const Tensor x = random_tensor(DType::bf16, {3, 4, 5});
  EXPECT_TRUE(bytes_equal(run1("Shape", {x}), i64s({3, 4, 5})));
  EXPECT_TRUE(bytes_equal(run1("Shape", {x}, {}, 1), i64s({3, 4, 5})));
  struct Case {
    graph::Attributes a;
    Ints expected;
  };
  const Case cases[] = {
      {attrs({{"start", std::int64_t{1}}}), {4, 5}},
      {attrs({{"end", std::int64_t{1}}}), {3}},
      {attrs({{"start", std::int64_t{-1}}}), {5}},
      {attrs({{"end", std::int64_t{-1}}}), {3, 4}},
      {attrs({{"start", std::int64_t{1}}, {"end", std::int64_t{2}}}), {4}},
      {attrs({{"start", std::int64_t{-10}}}), {3, 4, 5}},
      {attrs({{"end", std::int64_t{10}}}), {3, 4, 5}},
      {attrs({{"start", std::int64_t{2}}, {"end", std::int64_t{1}}}), {}},
  };
  for (const Case& c : cases)
    EXPECT_TRUE(bytes_equal(run1("Shape", {x}, c.a), i64s(c.expected))) << c.a.to_string();
  EXPECT_TRUE(bytes_equal(run1("Shape", {Tensor::scalar(1.0f)}), i64s({})));
}

TEST(Size, CountsElements) {
  EXPECT_TRUE(bytes_equal(run1("Size", {random_tensor(DType::u8, {3, 4, 5})}),
                          Tensor::scalar(std::int64_t{60})));
  EXPECT_TRUE(bytes_equal(run1("Size", {Tensor::empty(DType::f32, {2, 0})}),
                          Tensor::scalar(std::int64_t{0})));
  EXPECT_TRUE(bytes_equal(run1("Size", {Tensor::scalar(3.0)}), Tensor::scalar(std::int64_t{1})));
}

TEST(ConstantOfShape, SpecExamples) {
  const Tensor ones =
      run1("ConstantOfShape", {i64s({4, 3, 2})}, attrs({{"value", f32s({1}, {1})}}));
  EXPECT_TRUE(bytes_equal(ones, f32s(std::vector<float>(24, 1.0f), {4, 3, 2})));
  const Tensor zeros = run1("ConstantOfShape", {i64s({10, 6})},
                            attrs({{"value", Tensor::from_vector<std::int32_t>({0}, {1})}}));
  EXPECT_TRUE(bytes_equal(zeros, Tensor::zeros(DType::i32, {10, 6})));
  // Default value: float32 0; an empty shape gives a scalar.
  EXPECT_TRUE(bytes_equal(run1("ConstantOfShape", {i64s({})}), Tensor::scalar(0.0f)));
  const Tensor sevens =
      run1("ConstantOfShape", {i64s({3})}, attrs({{"value", Tensor::scalar(std::int64_t{7})}}));
  EXPECT_TRUE(bytes_equal(sevens, i64s({7, 7, 7})));
  EXPECT_EQ(run1("ConstantOfShape", {i64s({0, 5})}).shape(), (Shape{0, 5}));
  EXPECT_THROW(run1("ConstantOfShape", {i64s({-1})}), Error);
  EXPECT_THROW(run1("ConstantOfShape", {i64s({2})}, attrs({{"value", f32s({1, 2}, {2})}})), Error);
}

TEST(Constant, EveryValueAttribute) {
  const Tensor v = random_tensor(DType::f16, {2, 3});
  EXPECT_TRUE(bytes_equal(run1("Constant", {}, attrs({{"value", v}})), v));
  EXPECT_TRUE(
      bytes_equal(run1("Constant", {}, attrs({{"value_float", 2.5}})), Tensor::scalar(2.5f)));
  EXPECT_TRUE(
      bytes_equal(run1("Constant", {}, attrs({{"value_floats", std::vector<double>{1.5, -2}}})),
                  f32s({1.5f, -2.0f}, {2})));
  EXPECT_TRUE(bytes_equal(run1("Constant", {}, attrs({{"value_int", std::int64_t{-4}}})),
                          Tensor::scalar(std::int64_t{-4})));
  EXPECT_TRUE(
      bytes_equal(run1("Constant", {}, attrs({{"value_ints", Ints{1, 2, 3}}})), i64s({1, 2, 3})));
  EXPECT_THROW(run1("Constant", {}), Error);
  EXPECT_THROW(run1("Constant", {}, attrs({{"value_int", std::int64_t{1}}, {"value_float", 1.0}})),
               Error);
  try {
    run1("Constant", {}, attrs({{"value_string", std::string("x")}}));
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unsupported);
  }
}

TEST(Range, SpecExamples) {
  EXPECT_TRUE(
      bytes_equal(run1("Range", {Tensor::scalar(std::int32_t{3}), Tensor::scalar(std::int32_t{9}),
                                 Tensor::scalar(std::int32_t{3})}),
                  Tensor::from_vector<std::int32_t>({3, 6}, {2})));
  EXPECT_TRUE(
      bytes_equal(run1("Range", {Tensor::scalar(std::int64_t{10}), Tensor::scalar(std::int64_t{4}),
                                 Tensor::scalar(std::int64_t{-2})}),
                  i64s({10, 8, 6})));
  const Tensor f =
      run1("Range", {Tensor::scalar(1.0f), Tensor::scalar(2.0f), Tensor::scalar(0.3f)});
  EXPECT_TRUE(testing::tensors_close(f, f32s({1.0f, 1.3f, 1.6f, 1.9f}, {4}), 1e-6, 0));
  EXPECT_EQ(run1("Range", {Tensor::scalar(5.0), Tensor::scalar(1.0), Tensor::scalar(1.0)}).shape(),
            (Shape{0}));
  const Tensor s16 =
      run1("Range", {Tensor::scalar(std::int16_t{-3}), Tensor::scalar(std::int16_t{3}),
                     Tensor::scalar(std::int16_t{4})});
  EXPECT_TRUE(bytes_equal(s16, Tensor::from_vector<std::int16_t>({-3, 1}, {2})));
}

TEST(Range, RejectsBadArguments) {
  EXPECT_THROW(run1("Range", {Tensor::scalar(1.0f), Tensor::scalar(2.0f), Tensor::scalar(0.0f)}),
               Error);
  EXPECT_THROW(
      run1("Range", {Tensor::scalar(1.0f), Tensor::scalar(std::int64_t{2}), Tensor::scalar(1.0f)}),
      Error);
  EXPECT_THROW(run1("Range", {f32s({1, 2}, {2}), Tensor::scalar(2.0f), Tensor::scalar(1.0f)}),
               Error);
  EXPECT_THROW(run1("Range", {Tensor::scalar(std::uint8_t{1}), Tensor::scalar(std::uint8_t{2}),
                              Tensor::scalar(std::uint8_t{1})}),
               Error);
}

}  // namespace
}  // namespace nnload
