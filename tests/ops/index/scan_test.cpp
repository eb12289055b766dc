#include <gtest/gtest.h>

#include "ops/registry.hpp"
#include "ops/shape/op_test_util.hpp"

namespace nnload {
namespace {

using testing::attrs;
using testing::bytes_equal;
using testing::i64s;
using testing::run1;
using Ints = std::vector<std::int64_t>;

Tensor f64s(std::vector<double> v, Shape s) { return Tensor::from_vector(v, std::move(s)); }
Tensor axis(std::int32_t a) { return Tensor::scalar(a); }

TEST(CumSum, SpecExamples) {
  const Tensor x = f64s({1, 2, 3, 4, 5}, {5});
  EXPECT_TRUE(bytes_equal(run1("CumSum", {x, axis(0)}), f64s({1, 3, 6, 10, 15}, {5})));
  EXPECT_TRUE(bytes_equal(run1("CumSum", {x, axis(0)}, attrs({{"exclusive", std::int64_t{1}}})),
                          f64s({0, 1, 3, 6, 10}, {5})));
  EXPECT_TRUE(bytes_equal(run1("CumSum", {x, axis(0)}, attrs({{"reverse", std::int64_t{1}}})),
                          f64s({15, 14, 12, 9, 5}, {5})));
  EXPECT_TRUE(
      bytes_equal(run1("CumSum", {x, axis(0)},
                       attrs({{"exclusive", std::int64_t{1}}, {"reverse", std::int64_t{1}}})),
                  f64s({14, 12, 9, 5, 0}, {5})));
  const Tensor m = f64s({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_TRUE(bytes_equal(run1("CumSum", {m, axis(0)}), f64s({1, 2, 3, 5, 7, 9}, {2, 3})));
  EXPECT_TRUE(bytes_equal(run1("CumSum", {m, axis(1)}), f64s({1, 3, 6, 4, 9, 15}, {2, 3})));
  EXPECT_TRUE(bytes_equal(run1("CumSum", {m, Tensor::from_vector<std::int64_t>({-1}, {1})}),
                          f64s({1, 3, 6, 4, 9, 15}, {2, 3})));
}

TEST(CumSum, EveryAxisAndModeAgainstLoop) {
  const Shape shape = {3, 4, 5};
  Tensor x = Tensor::empty(DType::i64, shape);
  for (std::int64_t i = 0; i < x.numel(); ++i)
    x.mutable_data<std::int64_t>()[i] = (i * 7919) % 23 - 11;
  for (std::int32_t a = 0; a < 3; ++a) {
    for (int exclusive = 0; exclusive < 2; ++exclusive) {
      for (int reverse = 0; reverse < 2; ++reverse) {
        const Tensor y = run1(
            "CumSum", {x, axis(a)},
            attrs({{"exclusive", std::int64_t{exclusive}}, {"reverse", std::int64_t{reverse}}}));
        for (std::int64_t i = 0; i < x.numel(); ++i) {
          Ints pos = testing::unravel(i, shape);
          std::int64_t sum = 0;
          for (std::int64_t j = 0; j < shape[a]; ++j) {
            const bool before = reverse ? j > pos[a] : j < pos[a];
            if (before || (!exclusive && j == pos[a])) {
              Ints q = pos;
              q[a] = j;
              sum += x.data<std::int64_t>()[testing::ravel(q, shape)];
            }
          }
          ASSERT_EQ(y.data<std::int64_t>()[i], sum)
              << "axis " << a << " exclusive " << exclusive << " reverse " << reverse;
        }
      }
    }
  }
  const Tensor f = run1("CumSum", {testing::f32s({0.5f, 0.25f}, {2}), axis(0)});
  EXPECT_TRUE(bytes_equal(f, testing::f32s({0.5f, 0.75f}, {2})));
  EXPECT_EQ(run1("CumSum", {Tensor::empty(DType::f32, {0, 3}), axis(1)}).shape(), (Shape{0, 3}));
}

TEST(CumSum, RejectsBadArguments) {
  const Tensor x = f64s({1, 2}, {2});
  EXPECT_THROW(run1("CumSum", {x, axis(1)}), Error);
  EXPECT_THROW(run1("CumSum", {x, testing::f32s({0}, {1})}), Error);
  EXPECT_THROW(run1("CumSum", {x, Tensor::from_vector<std::int32_t>({0, 0}, {2})}), Error);
  EXPECT_THROW(run1("CumSum", {Tensor::from_vector<bool>({true}, {1}), axis(0)}), Error);
}

TEST(NonZero, SpecExampleAndScalars) {
  const Tensor c = Tensor::from_vector<bool>({true, false, true, true}, {2, 2});
  EXPECT_TRUE(bytes_equal(run1("NonZero", {c}), i64s({0, 1, 1, 0, 0, 1}).reshaped({2, 3})));
  const Tensor f = testing::f32s({0.0f, -0.0f, 2.0f, NAN}, {4});
  EXPECT_TRUE(bytes_equal(run1("NonZero", {f}), i64s({2, 3}).reshaped({1, 2})));
  const Tensor h = Tensor::from_vector<Float16>({Float16{0x8000}, Float16{0x3c00}}, {2});  // -0, 1
  EXPECT_TRUE(bytes_equal(run1("NonZero", {h}), i64s({1}).reshaped({1, 1})));
  EXPECT_EQ(run1("NonZero", {Tensor::scalar(5)}).shape(), (Shape{1, 1}));
  EXPECT_EQ(run1("NonZero", {Tensor::scalar(0)}).shape(), (Shape{1, 0}));
  EXPECT_EQ(run1("NonZero", {Tensor::empty(DType::i32, {0, 4})}).shape(), (Shape{2, 0}));
}

TEST(NonZero, NeedsAConstantInput) {
  graph::Node node;
  node.op = "NonZero";
  node.inputs = {0};
  node.outputs = {1};
  const auto op = ops::create_op(node, 13);
  ops::InputInfo info;
  info.dtype = DType::f32;
  info.shape = {3};
  try {
    op->infer(std::vector<ops::InputInfo>{info});
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unsupported);
  }
}

}  // namespace
}  // namespace nnload
