#include <gtest/gtest.h>

#include <cmath>

#include "ops/elementwise/op_test_util.hpp"

namespace nnload::ops {
namespace {

using testing::attrs;
using testing::make;
using testing::random_tensor;
using testing::run1;
using testing::tensors_close;

Tensor bools(std::vector<bool> v, Shape shape) {
  std::vector<bool> copy = std::move(v);
  Tensor t = Tensor::empty(DType::boolean, std::move(shape));
  for (std::size_t i = 0; i < copy.size(); ++i) t.mutable_data<bool>()[i] = copy[i];
  return t;
}

TEST(Compare, FloatLiterals) {
  const Tensor a = make<float>({1, 2, 3, std::nanf("")}, {4});
  const Tensor b = make<float>({2, 2, 2, std::nanf("")}, {4});
  EXPECT_TRUE(tensors_close(run1("Equal", {a, b}), bools({false, true, false, false}, {4})));
  EXPECT_TRUE(tensors_close(run1("Less", {a, b}), bools({true, false, false, false}, {4})));
  EXPECT_TRUE(tensors_close(run1("LessOrEqual", {a, b}), bools({true, true, false, false}, {4})));
  EXPECT_TRUE(tensors_close(run1("Greater", {a, b}), bools({false, false, true, false}, {4})));
  EXPECT_TRUE(
      tensors_close(run1("GreaterOrEqual", {a, b}), bools({false, true, true, false}, {4})));
}

TEST(Compare, IntBroadcastAndBoolEqual) {
  EXPECT_TRUE(tensors_close(
      run1("Greater", {make<std::int64_t>({1, 5, 3, 7}, {2, 2}), make<std::int64_t>({4}, {})}),
      bools({false, true, false, true}, {2, 2})));
  EXPECT_TRUE(tensors_close(run1("Equal", {bools({true, false}, {2}), bools({true}, {1})}),
                            bools({true, false}, {2})));
}

TEST(Compare, RandomBroadcastAgainstReference) {
  const Tensor a = random_tensor<std::int32_t>({2, 3, 4}, -3, 3, 1);
  const Tensor b = random_tensor<std::int32_t>({3, 1}, -3, 3, 2);
  const Shape out{2, 3, 4};
  using I = std::int32_t;
  EXPECT_TRUE(tensors_close(run1("Less", {a, b}), testing::reference_binary<I, I, bool>(
                                                      a, b, out, [](I x, I y) { return x < y; })));
  EXPECT_TRUE(tensors_close(
      run1("Equal", {a, b}),
      testing::reference_binary<I, I, bool>(a, b, out, [](I x, I y) { return x == y; })));
  EXPECT_TRUE(tensors_close(
      run1("GreaterOrEqual", {a, b}),
      testing::reference_binary<I, I, bool>(a, b, out, [](I x, I y) { return x >= y; })));
}

TEST(Compare, OpsetRanges) {
  const Tensor a = make<float>({1, 2}, {2});
  // LessOrEqual exists from opset 12; Equal 1-6 needs broadcast=1 to broadcast.
  EXPECT_THROW(run1("LessOrEqual", {a, a}, {}, 11), Error);
  EXPECT_THROW(run1("Equal", {a, make<float>({1}, {1})}, {}, 6), Error);
  EXPECT_TRUE(tensors_close(
      run1("Equal", {a, make<float>({1}, {1})}, attrs({{"broadcast", std::int64_t{1}}}), 6),
      bools({true, false}, {2})));
}

TEST(Logic, TruthTables) {
  const Tensor a = bools({false, false, true, true}, {4});
  const Tensor b = bools({false, true, false, true}, {4});
  EXPECT_TRUE(tensors_close(run1("And", {a, b}), bools({false, false, false, true}, {4})));
  EXPECT_TRUE(tensors_close(run1("Or", {a, b}), bools({false, true, true, true}, {4})));
  EXPECT_TRUE(tensors_close(run1("Xor", {a, b}), bools({false, true, true, false}, {4})));
  EXPECT_TRUE(tensors_close(run1("Not", {a}), bools({true, true, false, false}, {4})));
}

TEST(Logic, Broadcast) {
  EXPECT_TRUE(tensors_close(
      run1("And", {bools({true, false, true, true}, {2, 2}), bools({true, false}, {2})}),
      bools({true, false, true, false}, {2, 2})));
}

TEST(Logic, RejectsNonBool) {
  EXPECT_THROW(run1("And", {make<float>({1}, {1}), make<float>({1}, {1})}), Error);
  EXPECT_THROW(run1("Not", {make<std::int32_t>({1}, {1})}), Error);
  EXPECT_THROW(run1("Less", {bools({true}, {1}), bools({true}, {1})}), Error);
}

TEST(BitShift, LeftAndRight) {
  const Tensor x = make<std::uint8_t>({16, 4, 1, 255}, {4});
  const Tensor y = make<std::uint8_t>({1, 2, 3, 8}, {4});
  // Shifts of 8 or more bits give 0.
  EXPECT_TRUE(tensors_close(run1("BitShift", {x, y}, attrs({{"direction", std::string("LEFT")}})),
                            make<std::uint8_t>({32, 16, 8, 0}, {4})));
  EXPECT_TRUE(tensors_close(run1("BitShift", {x, y}, attrs({{"direction", std::string("RIGHT")}})),
                            make<std::uint8_t>({8, 1, 0, 0}, {4})));
  // Overflowing bits fall off.
  EXPECT_TRUE(
      tensors_close(run1("BitShift", {make<std::uint8_t>({200}, {1}), make<std::uint8_t>({1}, {1})},
                         attrs({{"direction", std::string("LEFT")}})),
                    make<std::uint8_t>({144}, {1})));
}

TEST(BitShift, Errors) {
  const Tensor x = make<std::uint8_t>({1}, {1});
  EXPECT_THROW(run1("BitShift", {x, x}), Error);
  EXPECT_THROW(run1("BitShift", {x, x}, attrs({{"direction", std::string("UP")}})), Error);
  EXPECT_THROW(run1("BitShift", {make<std::int32_t>({1}, {1}), make<std::int32_t>({1}, {1})},
                    attrs({{"direction", std::string("LEFT")}})),
               Error);
}

}  // namespace
}  // namespace nnload::ops

namespace nnload::ops {
namespace {

// Opset 1-6 rows of every binary op: equal shapes, or broadcast=1 with B aligned at axis.
TEST(LegacyBinary, EveryOpAtOpset6) {
  const Tensor a = testing::random_tensor<float>({2, 3, 4}, 1, 3, 1);
  const Tensor b = testing::random_tensor<float>({2, 3}, 1, 3, 2);
  const auto with_axis =
      testing::attrs({{"broadcast", std::int64_t{1}}, {"axis", std::int64_t{-3}}});
  const Tensor b3 = b.reshaped({2, 3, 1});
  const auto check = [&](const char* op, auto fn) {
    SCOPED_TRACE(op);
    const Tensor expected = testing::reference_binary<float, float, float>(a, b3, a.shape(), fn);
    const Tensor got = testing::run1(op, {a, b}, with_axis, 6);
    EXPECT_TRUE(testing::tensors_close(got.to(DType::f32), expected, 1e-6, 1e-6));
    EXPECT_THROW(testing::run1(op, {a, b}, {}, 6), Error);
    EXPECT_EQ(testing::run1(op, {a, a}, {}, 1).shape(), a.shape());
  };
  check("Add", [](float x, float y) { return x + y; });
  check("Sub", [](float x, float y) { return x - y; });
  check("Mul", [](float x, float y) { return x * y; });
  check("Div", [](float x, float y) { return x / y; });
  check("Pow", [](float x, float y) { return std::pow(x, y); });
  check("Less", [](float x, float y) { return float(x < y); });
  check("Greater", [](float x, float y) { return float(x > y); });
  check("Equal", [](float x, float y) { return float(x == y); });
  const Tensor p = testing::random_tensor<bool>({2, 3, 4}, 0, 1, 3);
  const Tensor q = testing::random_tensor<bool>({4}, 0, 1, 4);
  const auto broadcast = testing::attrs({{"broadcast", std::int64_t{1}}});
  for (const char* op : {"And", "Or", "Xor"}) {
    SCOPED_TRACE(op);
    const Tensor expected = testing::run1(op, {p, q}, {}, 7);
    EXPECT_TRUE(testing::tensors_close(testing::run1(op, {p, q}, broadcast, 6), expected));
    EXPECT_THROW(testing::run1(op, {p, q}, {}, 6), Error);
  }
}

TEST(OpsetRows, VariadicAndUnaryAtOpset1) {
  const Tensor a = testing::make<float>({1, -2}, {2});
  EXPECT_TRUE(testing::tensors_close(testing::run1("Sum", {a, a}, {}, 1),
                                     testing::make<float>({2, -4}, {2})));
  EXPECT_TRUE(testing::tensors_close(testing::run1("Max", {a, a}, {}, 6), a));
  EXPECT_TRUE(
      testing::tensors_close(testing::run1("Abs", {a}, {}, 1), testing::make<float>({1, 2}, {2})));
  EXPECT_TRUE(
      testing::tensors_close(testing::run1("Not", {testing::make<bool>({true}, {1})}, {}, 1),
                             testing::make<bool>({false}, {1})));
  EXPECT_THROW(testing::run1("Sign", {a}, {}, 8), Error);
  EXPECT_THROW(testing::run1("IsInf", {a}, {}, 9), Error);
  EXPECT_THROW(testing::run1("BitShift", {a, a}, {}, 10), Error);
}

}  // namespace
}  // namespace nnload::ops
