#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ops/shape/op_test_util.hpp"
#include "support/error_capture.hpp"

namespace nnload {
namespace {

Tensor run(const std::string& op, const std::vector<Tensor>& in) {
  return ops::run_op(op, in, {}, 1, "nnload", 1).at(0);
}

// tf.math.floordiv / tf.math.floormod on the four sign combinations (Python's // and %).
TEST(TfFloorDivMod, IntegerSignsFollowPython) {
  const Tensor x = testing::make<std::int32_t>({7, -7, 7, -7, 5, -5, 5, -5, 0}, {9});
  const Tensor y = testing::make<std::int32_t>({2, 2, -2, -2, 3, 3, -3, -3, -4}, {9});
  EXPECT_TRUE(
      testing::bytes_equal(run("TfFloorDiv", {x, y}),
                           testing::make<std::int32_t>({3, -4, -4, 3, 1, -2, -2, 1, 0}, {9})));
  EXPECT_TRUE(
      testing::bytes_equal(run("TfFloorMod", {x, y}),
                           testing::make<std::int32_t>({1, 1, -1, -1, 2, 1, -1, -2, 0}, {9})));
}

TEST(TfFloorDivMod, FloatsFloorTheQuotient) {
  const Tensor x = testing::make<float>({7.5f, -7.5f, 7.5f, -7.5f, 6.f}, {5});
  const Tensor y = testing::make<float>({2.f, 2.f, -2.f, -2.f, 3.f}, {5});
  EXPECT_TRUE(testing::bytes_equal(run("TfFloorDiv", {x, y}),
                                   testing::make<float>({3.f, -4.f, -4.f, 3.f, 2.f}, {5})));
  EXPECT_TRUE(testing::bytes_equal(run("TfFloorMod", {x, y}),
                                   testing::make<float>({1.5f, 0.5f, -0.5f, -1.5f, 0.f}, {5})));
}

// x == floordiv(x, y) * y + floormod(x, y), with the quotient rounded down, on random
// integers of every width, broadcast against a row of divisors.
TEST(TfFloorDivMod, RandomIntegersAgainstLongDoubleFloor) {
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> value(-1000, 1000), divisor(1, 9);
  std::vector<std::int64_t> xs(60), ys(6);
  for (auto& v : xs) v = value(rng);
  for (auto& v : ys) v = divisor(rng) * (rng() % 2 ? 1 : -1);
  for (DType dtype : {DType::i8, DType::i16, DType::i32, DType::i64}) {
    SCOPED_TRACE(dtype_name(dtype));
    std::vector<std::int64_t> xv = xs;
    if (dtype == DType::i8)
      for (auto& v : xv) v %= 128;
    const Tensor x = Tensor::from_vector(xv, {10, 6}).to(dtype);
    const Tensor y = Tensor::from_vector(ys, {6}).to(dtype);
    const Tensor q = run("TfFloorDiv", {x, y}).to(DType::i64);
    const Tensor r = run("TfFloorMod", {x, y}).to(DType::i64);
    for (std::int64_t i = 0; i < 60; ++i) {
      const std::int64_t a = xv[static_cast<std::size_t>(i)],
                         b = ys[static_cast<std::size_t>(i % 6)];
      const auto expected = static_cast<std::int64_t>(std::floor(static_cast<long double>(a) / b));
      EXPECT_EQ(q.data<std::int64_t>()[i], expected) << a << " // " << b;
      EXPECT_EQ(r.data<std::int64_t>()[i], a - expected * b) << a << " % " << b;
    }
  }
}

TEST(TfFloorDivMod, EdgeCases) {
  constexpr std::int32_t lo = std::numeric_limits<std::int32_t>::min();
  const Tensor x = testing::make<std::int32_t>({lo, lo}, {2});
  const Tensor y = testing::make<std::int32_t>({-1, 1}, {2});
  EXPECT_TRUE(testing::bytes_equal(run("TfFloorDiv", {x, y}),
                                   testing::make<std::int32_t>({lo, lo}, {2})));  // wraps
  EXPECT_TRUE(
      testing::bytes_equal(run("TfFloorMod", {x, y}), testing::make<std::int32_t>({0, 0}, {2})));
  const Tensor zero = testing::make<std::int32_t>({1, 0}, {2});
  EXPECT_EQ(testing::code_of([&] { run("TfFloorDiv", {x, zero}); }), ErrorCode::invalid_argument);
  EXPECT_EQ(testing::code_of([&] { run("TfFloorMod", {x, zero}); }), ErrorCode::invalid_argument);
  const Tensor u = testing::make<std::uint8_t>({200, 7}, {2});
  EXPECT_TRUE(testing::bytes_equal(run("TfFloorDiv", {u, testing::make<std::uint8_t>({3, 2}, {2})}),
                                   testing::make<std::uint8_t>({66, 3}, {2})));
  const Tensor f = run("TfFloorDiv", {testing::make<float>({1.f, -1.f}, {2}),
                                      testing::make<float>({0.f, 0.f}, {2})});
  EXPECT_TRUE(std::isinf(f.data<float>()[0]) && f.data<float>()[0] > 0);
  EXPECT_EQ(testing::code_of([&] {
              run("TfFloorDiv", {x, testing::make<float>({1.f, 1.f}, {2})});
            }),
            ErrorCode::shape);
}

TEST(Log1p, AccurateNearZero) {
  const Tensor y = run("Log1p", {testing::make<float>({1e-10f, 0.f, -0.5f, 1.f}, {4})});
  EXPECT_FLOAT_EQ(y.data<float>()[0], 1e-10f);  // log(1 + 1e-10f) is 0 in float
  EXPECT_EQ(y.data<float>()[1], 0.f);
  EXPECT_FLOAT_EQ(y.data<float>()[2], std::log(0.5f));
  EXPECT_FLOAT_EQ(y.data<float>()[3], std::log(2.f));
  EXPECT_NEAR(run("Log1p", {testing::make<double>({1e-20}, {1})}).data<double>()[0], 1e-20, 1e-30);
  EXPECT_EQ(testing::code_of([&] { run("Log1p", {testing::make<std::int32_t>({1}, {1})}); }),
            ErrorCode::shape);
}

}  // namespace
}  // namespace nnload
