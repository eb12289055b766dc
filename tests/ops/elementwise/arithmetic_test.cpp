#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "linalg/broadcast.hpp"
#include "ops/elementwise/op_test_util.hpp"

namespace nnload::ops {
namespace {

using testing::attrs;
using testing::make;
using testing::random_tensor;
using testing::run1;
using testing::tensors_close;

TEST(Add, SameShape) {
  EXPECT_TRUE(tensors_close(run1("Add", {make<float>({1, 2, 3, 4, 5, 6}, {2, 3}),
                                         make<float>({10, 20, 30, 40, 50, 60}, {2, 3})}),
                            make<float>({11, 22, 33, 44, 55, 66}, {2, 3})));
}

TEST(Add, RowAndColumnBroadcast) {
  // [2, 3] + [3] and [2, 1] + [1, 3].
  EXPECT_TRUE(tensors_close(
      run1("Add", {make<float>({1, 2, 3, 4, 5, 6}, {2, 3}), make<float>({10, 20, 30}, {3})}),
      make<float>({11, 22, 33, 14, 25, 36}, {2, 3})));
  EXPECT_TRUE(
      tensors_close(run1("Add", {make<float>({1, 2}, {2, 1}), make<float>({10, 20, 30}, {1, 3})}),
                    make<float>({11, 21, 31, 12, 22, 32}, {2, 3})));
}

TEST(Add, IntegerOverflowWraps) {
  const std::int32_t max = std::numeric_limits<std::int32_t>::max();
  const Tensor y = run1("Add", {make<std::int32_t>({max, 1}, {2}), make<std::int32_t>({1}, {1})});
  EXPECT_EQ(y.values<std::int32_t>()[0], std::numeric_limits<std::int32_t>::min());
  EXPECT_EQ(y.values<std::int32_t>()[1], 2);
}

TEST(Sub, ScalarMinusMatrix) {
  EXPECT_TRUE(
      tensors_close(run1("Sub", {make<float>({1}, {1}), make<float>({1, 2, 3, 4, 5, 6}, {2, 3})}),
                    make<float>({0, -1, -2, -3, -4, -5}, {2, 3})));
}

TEST(Mul, Int64) {
  EXPECT_TRUE(tensors_close(
      run1("Mul", {make<std::int64_t>({3, -4, 5}, {3}), make<std::int64_t>({-2}, {})}),
      make<std::int64_t>({-6, 8, -10}, {3})));
}

TEST(Div, FloatDividesAndGivesInfinityForZero) {
  const Tensor y = run1("Div", {make<float>({1, -3, 1, 0}, {4}), make<float>({2, 2, 0, 0}, {4})});
  EXPECT_FLOAT_EQ(y.values<float>()[0], 0.5f);
  EXPECT_FLOAT_EQ(y.values<float>()[1], -1.5f);
  EXPECT_TRUE(std::isinf(y.values<float>()[2]));
  EXPECT_TRUE(std::isnan(y.values<float>()[3]));
}

TEST(Div, IntegerTruncatesTowardZero) {
  EXPECT_TRUE(tensors_close(run1("Div", {make<std::int32_t>({7, -7, 7, -7, 6}, {5}),
                                         make<std::int32_t>({2, 2, -2, -2, 3}, {5})}),
                            make<std::int32_t>({3, -3, -3, 3, 2}, {5})));
}

TEST(Div, IntegerByZeroThrowsInsteadOfTrapping) {
  EXPECT_THROW(run1("Div", {make<std::int32_t>({1, 2}, {2}), make<std::int32_t>({1, 0}, {2})}),
               Error);
  EXPECT_THROW(run1("Div", {make<std::uint8_t>({1}, {1}), make<std::uint8_t>({0}, {})}), Error);
}

TEST(Div, MinByMinusOneWraps) {
  const std::int64_t min = std::numeric_limits<std::int64_t>::min();
  const Tensor y = run1("Div", {make<std::int64_t>({min, 8}, {2}), make<std::int64_t>({-1}, {1})});
  EXPECT_EQ(y.values<std::int64_t>()[0], min);
  EXPECT_EQ(y.values<std::int64_t>()[1], -8);
}

TEST(Div, ZeroSizedOutputSkipsTheDivisorCheck) {
  const Tensor y = run1("Div", {make<std::int32_t>({}, {0, 2}), make<std::int32_t>({0, 0}, {2})});
  EXPECT_EQ(y.shape(), (Shape{0, 2}));
}

// The ONNX backend test mod_mixed_sign_int32: the sign follows the divisor, like Python.
TEST(Mod, IntegerSignFollowsDivisor) {
  EXPECT_TRUE(tensors_close(run1("Mod", {make<std::int32_t>({-4, 7, 5, 4, -7, 8}, {6}),
                                         make<std::int32_t>({2, -3, 8, -2, 3, 5}, {6})}),
                            make<std::int32_t>({0, -2, 5, 0, 2, 3}, {6})));
}

TEST(Mod, FmodSignFollowsDividend) {
  EXPECT_TRUE(tensors_close(run1("Mod",
                                 {make<std::int64_t>({-4, 7, 5, 4, -7, 8}, {6}),
                                  make<std::int64_t>({2, -3, 8, -2, 3, 5}, {6})},
                                 attrs({{"fmod", std::int64_t{1}}})),
                            make<std::int64_t>({0, 1, 5, 0, -1, 3}, {6})));
  EXPECT_TRUE(tensors_close(run1("Mod",
                                 {make<float>({-4.3f, 7.2f, 5.0f, 4.3f, -7.2f, 8.0f}, {6}),
                                  make<float>({2.1f, -3.4f, 8.0f, -2.1f, 3.4f, 5.0f}, {6})},
                                 attrs({{"fmod", std::int64_t{1}}})),
                            make<float>({-0.1f, 0.4f, 5.0f, 0.1f, -0.4f, 3.0f}, {6}), 1e-5));
}

TEST(Mod, BroadcastUint8) {
  EXPECT_TRUE(tensors_close(
      run1("Mod", {make<std::uint8_t>({10, 11, 12, 13}, {2, 2}), make<std::uint8_t>({3, 5}, {2})}),
      make<std::uint8_t>({1, 1, 0, 3}, {2, 2})));
}

TEST(Mod, Errors) {
  // Floats need fmod=1.
  EXPECT_THROW(run1("Mod", {make<float>({1}, {1}), make<float>({2}, {1})}), Error);
  EXPECT_THROW(run1("Mod", {make<std::int32_t>({1}, {1}), make<std::int32_t>({0}, {1})}), Error);
  // Mod exists from opset 10.
  EXPECT_THROW(run1("Mod", {make<std::int32_t>({1}, {1}), make<std::int32_t>({2}, {1})}, {}, 9),
               Error);
  const std::int32_t min = std::numeric_limits<std::int32_t>::min();
  EXPECT_EQ(run1("Mod", {make<std::int32_t>({min}, {1}), make<std::int32_t>({-1}, {1})})
                .values<std::int32_t>()[0],
            0);
}

// Every arithmetic op against a plain loop, on broadcasting shape pairs and several dtypes.
template <class T>
void check_against_reference(const std::string& op, double lo, double hi) {
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{2, 3, 4}, {3, 1}}, {{1}, {2, 3}},          {{2, 1, 4}, {3, 1}},  {{0, 3}, {3}},
      {{5, 6}, {5, 6}},    {{2, 3, 4, 5}, {4, 1}}, {{40, 1000}, {1000}}, {{}, {}},
  };
  unsigned seed = 11;
  for (const auto& [as, bs] : cases) {
    SCOPED_TRACE(op + " " + std::string(dtype_name(dtype_of<T>())) + " " + shape_to_list(as) +
                 " and " + shape_to_list(bs));
    const Tensor a = random_tensor<T>(as, lo, hi, seed++);
    Tensor b = random_tensor<T>(bs, lo, hi, seed++);
    if (op == "Div" || op == "Mod") {
      // Keep divisors away from zero.
      T* p = b.mutable_data<T>();
      for (std::int64_t i = 0; i < b.numel(); ++i) {
        if (p[i] == T(0)) p[i] = T(1);
      }
    }
    const Shape out_shape = linalg::broadcast_shapes(as, bs);
    Tensor expected;
    if (op == "Add") {
      expected =
          testing::reference_binary<T, T, T>(a, b, out_shape, [](T x, T y) { return T(x + y); });
    } else if (op == "Sub") {
      expected =
          testing::reference_binary<T, T, T>(a, b, out_shape, [](T x, T y) { return T(x - y); });
    } else if (op == "Mul") {
      expected =
          testing::reference_binary<T, T, T>(a, b, out_shape, [](T x, T y) { return T(x * y); });
    } else if (op == "Div") {
      expected =
          testing::reference_binary<T, T, T>(a, b, out_shape, [](T x, T y) { return T(x / y); });
    }
    EXPECT_TRUE(tensors_close(run1(op, {a, b}), expected, 1e-6, 1e-6));
  }
}

TEST(Arithmetic, MatchesReferenceForEveryDtype) {
  for (const char* op : {"Add", "Sub", "Mul", "Div"}) {
    check_against_reference<float>(op, -3, 3);
    check_against_reference<double>(op, -3, 3);
    check_against_reference<std::int32_t>(op, -1000, 1000);
    check_against_reference<std::int64_t>(op, -1000, 1000);
    check_against_reference<std::int16_t>(op, -100, 100);
    check_against_reference<std::int8_t>(op, -10, 10);
    check_against_reference<std::uint8_t>(op, 1, 15);
  }
}

TEST(Arithmetic, ModMatchesPythonOnRandomIntegers) {
  const Tensor a = random_tensor<std::int32_t>({4, 50}, -100, 100, 3);
  Tensor b = random_tensor<std::int32_t>({50}, -9, 9, 4);
  for (std::int32_t& v : std::span(b.mutable_data<std::int32_t>(), 50)) {
    if (v == 0) v = 7;
  }
  const Tensor expected = testing::reference_binary<std::int32_t, std::int32_t, std::int32_t>(
      a, b, {4, 50},
      [](std::int32_t x, std::int32_t y) { return static_cast<std::int32_t>(((x % y) + y) % y); });
  EXPECT_TRUE(tensors_close(run1("Mod", {a, b}), expected, 0, 0));
}

TEST(Arithmetic, LegacyBroadcastAlignsAtAxis) {
  // Opset 6: B [3, 4] placed at axis 1 of A [2, 3, 4, 5].
  const Tensor a = random_tensor<float>({2, 3, 4, 5}, -1, 1, 5);
  const Tensor b = random_tensor<float>({3, 4}, -1, 1, 6);
  const Tensor y =
      run1("Add", {a, b}, attrs({{"broadcast", std::int64_t{1}}, {"axis", std::int64_t{1}}}), 6);
  const Tensor expected = testing::reference_binary<float, float, float>(
      a, b.reshaped({3, 4, 1}), a.shape(), [](float x, float v) { return x + v; });
  EXPECT_TRUE(tensors_close(y, expected, 0, 0));
  // Suffix matching without axis, and a scalar B.
  const Tensor c = random_tensor<float>({4, 5}, -1, 1, 7);
  EXPECT_TRUE(tensors_close(run1("Mul", {a, c}, attrs({{"broadcast", std::int64_t{1}}}), 6),
                            testing::reference_binary<float, float, float>(
                                a, c, a.shape(), [](float x, float v) { return x * v; })));
  EXPECT_TRUE(tensors_close(
      run1("Sub", {a, make<float>({2}, {1})}, attrs({{"broadcast", std::int64_t{1}}}), 1),
      testing::reference_binary<float, float, float>(a, make<float>({2}, {1}), a.shape(),
                                                     [](float x, float v) { return x - v; })));
}

TEST(Arithmetic, LegacyRejectsUnrequestedOrMisalignedBroadcast) {
  const Tensor a = random_tensor<float>({2, 3}, -1, 1, 5);
  const Tensor b = random_tensor<float>({3}, -1, 1, 6);
  EXPECT_THROW(run1("Add", {a, b}, {}, 6), Error);
  EXPECT_THROW(
      run1("Add", {a, b}, attrs({{"broadcast", std::int64_t{1}}, {"axis", std::int64_t{0}}}), 6),
      Error);
  // Opset 7 broadcasts the same pair numpy-style.
  EXPECT_EQ(run1("Add", {a, b}, {}, 7).shape(), (Shape{2, 3}));
}

TEST(Arithmetic, Errors) {
  const Tensor f = make<float>({1, 2}, {2});
  EXPECT_THROW(run1("Add", {f, make<std::int32_t>({1, 2}, {2})}), Error);  // dtype mismatch
  EXPECT_THROW(run1("Add", {f, make<float>({1, 2, 3}, {3})}), Error);      // shapes
  EXPECT_THROW(run1("Add", {f}), Error);                                   // one input
  EXPECT_THROW(run1("Add", {make<bool>({true}, {1}), make<bool>({true}, {1})}), Error);
  try {
    run1("Mul", {f.to(DType::f16), f.to(DType::f16)});
    FAIL() << "float16 accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unsupported);
  }
}

}  // namespace
}  // namespace nnload::ops
