#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "core/dtype_dispatch.hpp"
#include "ops/elementwise/op_test_util.hpp"

namespace nnload::ops {
namespace {

using testing::attrs;
using testing::make;
using testing::run1;
using testing::tensors_close;

// ONNX TensorProto.DataType numbers.
const std::vector<std::pair<DType, std::int64_t>> kOnnxNumbers = {
    {DType::f32, 1}, {DType::u8, 2},      {DType::i8, 3},   {DType::i16, 5},  {DType::i32, 6},
    {DType::i64, 7}, {DType::boolean, 9}, {DType::f16, 10}, {DType::f64, 11}, {DType::bf16, 16},
};

// Every dtype to every dtype on values all ten represent exactly.
TEST(Cast, EveryDtypePair) {
  const std::vector<float> values = {0, 1, 2, 5, 100, 0, 3};
  for (const auto& [from, from_number] : kOnnxNumbers) {
    const Tensor x = make<float>(values, {7}).to(from);
    for (const auto& [to, to_number] : kOnnxNumbers) {
      SCOPED_TRACE(std::string(dtype_name(from)) + " to " + std::string(dtype_name(to)));
      const Tensor y = run1("Cast", {x}, attrs({{"to", to_number}}));
      ASSERT_EQ(y.dtype(), to);
      ASSERT_EQ(y.shape(), Shape{7});
      for (std::int64_t i = 0; i < 7; ++i) {
        const double source = from == DType::boolean ? (values[i] != 0 ? 1 : 0) : values[i];
        const double want = to == DType::boolean ? (source != 0 ? 1 : 0) : source;
        EXPECT_EQ(y.value_as_double(i), want) << "element " << i;
      }
    }
  }
}

TEST(Cast, FloatToIntegerTruncatesTowardZero) {
  EXPECT_TRUE(tensors_close(run1("Cast", {make<float>({-1.7f, -0.5f, 0.5f, 1.7f, 2.0f}, {5})},
                                 attrs({{"to", std::int64_t{6}}})),
                            make<std::int32_t>({-1, 0, 0, 1, 2}, {5})));
}

TEST(Cast, FloatToBoolIsNonZero) {
  EXPECT_TRUE(
      tensors_close(run1("Cast", {make<float>({0.0f, -0.0f, 0.1f, -2.0f, std::nanf("")}, {5})},
                         attrs({{"to", std::int64_t{9}}})),
                    make<bool>({false, false, true, true, true}, {5})));
}

TEST(Cast, OutOfRangeFloatsHaveDefinedResults) {
  const float inf = std::numeric_limits<float>::infinity();
  const Tensor x = make<float>({std::nanf(""), inf, -inf, 1e20f, -1.0f, 300.0f, -129.0f}, {7});
  const Tensor i32 = run1("Cast", {x}, attrs({{"to", std::int64_t{6}}}));
  const std::int32_t max = std::numeric_limits<std::int32_t>::max();
  const std::int32_t min = std::numeric_limits<std::int32_t>::min();
  EXPECT_TRUE(tensors_close(i32, make<std::int32_t>({0, max, min, max, -1, 300, -129}, {7})));
  // Narrow types wrap like numpy's astype: -1.0 -> 255, 300.0 -> 44, -129.0 -> 127.
  const Tensor u8 = run1("Cast", {x.reshaped({7})}, attrs({{"to", std::int64_t{2}}}));
  EXPECT_EQ(u8.values<std::uint8_t>()[4], 255);
  EXPECT_EQ(u8.values<std::uint8_t>()[5], 44);
  EXPECT_EQ(u8.values<std::uint8_t>()[6], 127);
  EXPECT_EQ(u8.values<std::uint8_t>()[0], 0);
}

TEST(Cast, IntegerNarrowingWraps) {
  EXPECT_TRUE(tensors_close(run1("Cast", {make<std::int64_t>({300, -1, 127, -129}, {4})},
                                 attrs({{"to", std::int64_t{3}}})),
                            make<std::int8_t>({44, -1, 127, 127}, {4})));
}

TEST(Cast, ToFloat16Rounds) {
  const Tensor y = run1("Cast", {make<float>({0.1f, 65504.0f, 70000.0f}, {3})},
                        attrs({{"to", std::int64_t{10}}}));
  EXPECT_EQ(y.dtype(), DType::f16);
  EXPECT_FLOAT_EQ(static_cast<float>(y.value_as_double(0)), 0.099975586f);
  EXPECT_EQ(y.value_as_double(1), 65504.0);
  EXPECT_TRUE(std::isinf(y.value_as_double(2)));
}

TEST(Cast, Opset1TakesATypeName) {
  const Tensor y =
      run1("Cast", {make<std::int32_t>({1, 2}, {2})}, attrs({{"to", std::string("FLOAT")}}), 1);
  EXPECT_TRUE(tensors_close(y, make<float>({1, 2}, {2})));
  EXPECT_THROW(
      run1("Cast", {make<std::int32_t>({1}, {1})}, attrs({{"to", std::string("STRING")}}), 1),
      Error);
}

TEST(Cast, SameDtypeCopiesAndZeroSizedWorks) {
  const Tensor x = make<float>({1, 2}, {2});
  const Tensor y = run1("Cast", {x}, attrs({{"to", std::int64_t{1}}}));
  EXPECT_NE(y.raw(), x.raw());
  EXPECT_TRUE(tensors_close(y, x));
  EXPECT_EQ(run1("Cast", {make<float>({}, {0})}, attrs({{"to", std::int64_t{7}}})).shape(),
            Shape{0});
}

TEST(Cast, Errors) {
  const Tensor x = make<float>({1}, {1});
  EXPECT_THROW(run1("Cast", {x}), Error);                                     // no `to`
  EXPECT_THROW(run1("Cast", {x}, attrs({{"to", std::int64_t{8}}})), Error);   // STRING
  EXPECT_THROW(run1("Cast", {x}, attrs({{"to", std::int64_t{12}}})), Error);  // UINT32
}

TEST(CastLike, TakesTheSecondInputsDtype) {
  const Tensor y =
      run1("CastLike", {make<float>({1.9f, -2.5f}, {2}), make<std::int64_t>({0}, {1})});
  EXPECT_TRUE(tensors_close(y, make<std::int64_t>({1, -2}, {2})));
  EXPECT_THROW(run1("CastLike", {make<float>({1}, {1})}), Error);
  EXPECT_THROW(run1("CastLike", {make<float>({1}, {1}), make<float>({1}, {1})}, {}, 14), Error);
}

}  // namespace
}  // namespace nnload::ops
