#include "nnload/dtype.hpp"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <limits>

#include "core/dtype_dispatch.hpp"
#include "nnload/tensor.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload {
namespace {

TEST(DType, SizesAndNamesRoundTrip) {
  for (DType d : {DType::f32, DType::f16, DType::bf16, DType::f64, DType::i8, DType::i16,
                  DType::i32, DType::i64, DType::u8, DType::boolean}) {
    EXPECT_EQ(dtype_from_name(dtype_name(d)), d);
  }
  EXPECT_EQ(dtype_size(DType::bf16), 2u);
  EXPECT_EQ(dtype_size(DType::i64), 8u);
  EXPECT_EQ(dtype_from_name("float"), DType::f32);
  EXPECT_FALSE(dtype_from_name("complex64").has_value());
}

TEST(Half, KnownBitPatterns) {
  EXPECT_EQ(half_to_float(0x3c00), 1.0f);
  EXPECT_EQ(half_to_float(0xc000), -2.0f);
  EXPECT_EQ(half_to_float(0x7bff), 65504.0f);
  EXPECT_EQ(half_to_float(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_TRUE(std::isinf(half_to_float(0x7c00)));
  EXPECT_TRUE(std::isnan(half_to_float(0x7e00)));
  EXPECT_EQ(float_to_half(1.0f), 0x3c00);
  EXPECT_EQ(float_to_half(65504.0f), 0x7bff);
  EXPECT_EQ(float_to_half(1e6f), 0x7c00);  // overflow to infinity
  EXPECT_EQ(float_to_half(std::ldexp(1.0f, -24)), 0x0001);
  EXPECT_EQ(float_to_half(-0.0f), 0x8000);
  EXPECT_TRUE(std::isnan(half_to_float(float_to_half(std::nanf("")))));
}

TEST(Half, EveryHalfValueRoundTripsThroughFloat) {
  for (std::uint32_t bits = 0; bits < 0x10000; ++bits) {
    const float f = half_to_float(static_cast<std::uint16_t>(bits));
    if (std::isnan(f)) continue;
    ASSERT_EQ(float_to_half(f), bits) << "bits " << bits;
  }
}

TEST(Half, RoundsToNearestEven) {
  // 1 + 2^-11 lies exactly between 1 and the next half (1 + 2^-10): ties go to even (1.0).
  EXPECT_EQ(float_to_half(1.0f + std::ldexp(1.0f, -11)), 0x3c00);
  // 1 + 3 * 2^-11 lies between 1 + 2^-10 (odd) and 1 + 2^-9 (even): goes up.
  EXPECT_EQ(float_to_half(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
}

TEST(BFloat16, ConversionRoundsToNearestEven) {
  EXPECT_EQ(float_to_bfloat16(1.0f), 0x3f80);
  EXPECT_EQ(bfloat16_to_float(0x3f80), 1.0f);
  EXPECT_EQ(bfloat16_to_float(0xc040), -3.0f);
  // 1 + 2^-8 is halfway between 1 and 1 + 2^-7: ties to even (1.0).
  EXPECT_EQ(float_to_bfloat16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);
  EXPECT_EQ(float_to_bfloat16(1.0f + 3 * std::ldexp(1.0f, -8)), 0x3f82);
  EXPECT_TRUE(std::isnan(bfloat16_to_float(float_to_bfloat16(std::nanf("")))));
}

TEST(TensorTo, ConvertsBetweenDtypes) {
  Tensor f = testing::make<float>({1.5f, -2.7f, 0.0f, 300.0f}, {4});
  Tensor i = f.to(DType::i32);
  EXPECT_EQ(i.values<std::int32_t>()[0], 1);
  EXPECT_EQ(i.values<std::int32_t>()[1], -2);  // truncates toward zero, like numpy
  Tensor b = f.to(DType::boolean);
  EXPECT_EQ(b.values<bool>()[2], false);
  EXPECT_EQ(b.values<bool>()[3], true);
  Tensor h = f.to(DType::f16);
  EXPECT_EQ(h.values<Float16>()[0].bits, 0x3e00);
  EXPECT_TRUE(testing::tensors_close(h.to(DType::f32), f, 0.1, 0.0));
  Tensor bf = f.to(DType::bf16).to(DType::f64);
  EXPECT_DOUBLE_EQ(bf.value_as_double(0), 1.5);
  EXPECT_EQ(f.to(DType::f32).raw(), f.raw());  // same dtype: no copy
}

// Out-of-range floats to integers: what numpy and PyTorch give on x86, never undefined
// behaviour (UBSan's float-cast-overflow check runs this in the sanitized build).
TEST(TensorTo, FloatsOutOfAnIntegersRangeWrapAsNumpyDoes) {
  const double inf = std::numeric_limits<double>::infinity();
  Tensor f = testing::make<double>({-2.0, 300.7, 1e300, -inf, std::nan(""), 1.8e19}, {6});
  const Tensor as_u8 = f.to(DType::u8);
  const auto u8 = as_u8.values<std::uint8_t>();
  EXPECT_EQ(u8[0], 254);  // -2 wraps, as np.array(-2.0).astype(np.uint8)
  EXPECT_EQ(u8[1], 44);   // 300 mod 256
  EXPECT_EQ(u8[2], 0);    // beyond int64: int64's minimum, whose low byte is 0
  const Tensor as_i64 = f.to(DType::i64);
  const auto i64 = as_i64.values<std::int64_t>();
  EXPECT_EQ(i64[1], 300);
  EXPECT_EQ(i64[2], std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(i64[3], std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(i64[4], std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(f.to(DType::i32).value_as_double(0), -2);
  EXPECT_EQ(convert_value<std::uint64_t>(1.8e19), std::uint64_t{18000000000000000000u});
  EXPECT_EQ(convert_value<std::int16_t>(Float16{0x7c00}), 0);  // +inf: int64's minimum, wrapped
}

}  // namespace
}  // namespace nnload
