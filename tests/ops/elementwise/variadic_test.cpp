#include <gtest/gtest.h>

#include <cmath>

#include "ops/elementwise/op_test_util.hpp"

namespace nnload::ops {
namespace {

using testing::make;
using testing::random_tensor;
using testing::run1;
using testing::tensors_close;

TEST(Sum, ThreeInputs) {
  // The ONNX backend test sum_example.
  EXPECT_TRUE(tensors_close(run1("Sum", {make<float>({3, 0, 2}, {3}), make<float>({1, 3, 4}, {3}),
                                         make<float>({2, 6, 6}, {3})}),
                            make<float>({6, 9, 12}, {3})));
}

TEST(Sum, OneInputIsACopy) {
  EXPECT_TRUE(
      tensors_close(run1("Sum", {make<float>({3, 0, 2}, {3})}), make<float>({3, 0, 2}, {3})));
}

TEST(Sum, BroadcastsAllInputs) {
  const Tensor a = random_tensor<float>({2, 1, 4}, -1, 1, 1);
  const Tensor b = random_tensor<float>({3, 1}, -1, 1, 2);
  const Tensor c = random_tensor<float>({4}, -1, 1, 3);
  Tensor expected = Tensor::empty(DType::f32, {2, 3, 4});
  for (std::int64_t i = 0; i < 2; ++i) {
    for (std::int64_t j = 0; j < 3; ++j) {
      for (std::int64_t k = 0; k < 4; ++k) {
        expected.mutable_data<float>()[(i * 3 + j) * 4 + k] =
            a.data<float>()[i * 4 + k] + b.data<float>()[j] + c.data<float>()[k];
      }
    }
  }
  EXPECT_TRUE(tensors_close(run1("Sum", {a, b, c}), expected, 1e-6));
}

TEST(Sum, Int32) {
  EXPECT_TRUE(
      tensors_close(run1("Sum", {make<std::int32_t>({1, 2}, {2}), make<std::int32_t>({10}, {1})}),
                    make<std::int32_t>({11, 12}, {2})));
}

TEST(Mean, ThreeInputs) {
  // mean_example.
  EXPECT_TRUE(tensors_close(run1("Mean", {make<float>({3, 0, 2}, {3}), make<float>({1, 3, 4}, {3}),
                                          make<float>({2, 6, 6}, {3})}),
                            make<float>({2, 3, 4}, {3})));
  EXPECT_TRUE(
      tensors_close(run1("Mean", {make<double>({1, 2}, {2, 1}), make<double>({3, 4, 5}, {3})}),
                    make<double>({2, 2.5, 3, 2.5, 3, 3.5}, {2, 3})));
}

TEST(Max, ExampleAndBroadcast) {
  // max_example.
  EXPECT_TRUE(tensors_close(run1("Max", {make<float>({3, 2, 1}, {3}), make<float>({1, 4, 4}, {3}),
                                         make<float>({2, 5, 3}, {3})}),
                            make<float>({3, 5, 4}, {3})));
  EXPECT_TRUE(tensors_close(
      run1("Max", {make<std::int64_t>({1, 5, 3, 7}, {2, 2}), make<std::int64_t>({4}, {})}),
      make<std::int64_t>({4, 5, 4, 7}, {2, 2})));
}

TEST(Min, ExampleAndBroadcast) {
  EXPECT_TRUE(tensors_close(run1("Min", {make<float>({3, 2, 1}, {3}), make<float>({1, 4, 4}, {3}),
                                         make<float>({2, 5, 0}, {3})}),
                            make<float>({1, 2, 0}, {3})));
  EXPECT_TRUE(tensors_close(
      run1("Min", {make<std::uint8_t>({1, 5, 3, 7}, {2, 2}), make<std::uint8_t>({4, 2}, {2})}),
      make<std::uint8_t>({1, 2, 3, 2}, {2, 2})));
}

TEST(MaxMin, PropagateNan) {
  const float nan = std::nanf("");
  const Tensor a = make<float>({nan, 1, 2}, {3});
  const Tensor b = make<float>({1, nan, 0}, {3});
  for (const char* op : {"Max", "Min"}) {
    const Tensor y = run1(op, {a, b});
    EXPECT_TRUE(std::isnan(y.values<float>()[0])) << op;
    EXPECT_TRUE(std::isnan(y.values<float>()[1])) << op;
  }
  EXPECT_EQ(run1("Max", {a, b}).values<float>()[2], 2.0f);
  EXPECT_EQ(run1("Min", {a, b}).values<float>()[2], 0.0f);
}

TEST(Variadic, RandomAgainstReference) {
  const Tensor a = random_tensor<double>({30, 1, 50}, -1, 1, 4);
  const Tensor b = random_tensor<double>({20, 1}, -1, 1, 5);
  const Shape out{30, 20, 50};
  const auto max = [](double x, double y) { return std::max(x, y); };
  const auto min = [](double x, double y) { return std::min(x, y); };
  EXPECT_TRUE(tensors_close(run1("Max", {a, b}),
                            testing::reference_binary<double, double, double>(a, b, out, max), 0,
                            0));
  EXPECT_TRUE(tensors_close(run1("Min", {a, b}),
                            testing::reference_binary<double, double, double>(a, b, out, min), 0,
                            0));
}

TEST(Variadic, ZeroSized) {
  EXPECT_EQ(run1("Sum", {make<float>({}, {0, 3}), make<float>({1, 2, 3}, {3})}).shape(),
            (Shape{0, 3}));
}

TEST(Variadic, Errors) {
  EXPECT_THROW(run1("Sum", {}), Error);
  EXPECT_THROW(run1("Max", {make<float>({1}, {1}), make<double>({1}, {1})}), Error);
  EXPECT_THROW(run1("Min", {make<float>({1, 2}, {2}), make<float>({1, 2, 3}, {3})}), Error);
  EXPECT_THROW(run1("Mean", {make<std::int32_t>({1}, {1})}), Error);
  EXPECT_THROW(run1("Max", {make<bool>({true}, {1})}), Error);
}

}  // namespace
}  // namespace nnload::ops
