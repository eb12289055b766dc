#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "ops/elementwise/op_test_util.hpp"

namespace nnload::ops {
namespace {

using testing::attrs;
using testing::make;
using testing::random_tensor;
using testing::run1;
using testing::tensors_close;

const Tensor kX = make<float>({-2, -1, -0.5f, 0, 0.5f, 1, 2}, {7});

TEST(Relu, Literal) {
  EXPECT_TRUE(tensors_close(run1("Relu", {kX}), make<float>({0, 0, 0, 0, 0.5f, 1, 2}, {7})));
}

TEST(Relu, IntegersAndDoubleAndNan) {
  EXPECT_TRUE(tensors_close(run1("Relu", {make<std::int32_t>({-3, 0, 4}, {3})}),
                            make<std::int32_t>({0, 0, 4}, {3})));
  EXPECT_TRUE(tensors_close(run1("Relu", {make<std::int8_t>({-128, 127}, {2})}),
                            make<std::int8_t>({0, 127}, {2})));
  EXPECT_TRUE(tensors_close(run1("Relu", {make<double>({-3, 4}, {2})}), make<double>({0, 4}, {2})));
  EXPECT_TRUE(std::isnan(run1("Relu", {make<float>({std::nanf("")}, {1})}).values<float>()[0]));
  EXPECT_THROW(run1("Relu", {make<std::uint8_t>({1}, {1})}), Error);
}

TEST(Relu, LargeRandomAgainstReference) {
  const Tensor x = random_tensor<float>({8, 64, 33, 17}, -3, 3, 1);
  EXPECT_TRUE(tensors_close(
      run1("Relu", {x}),
      testing::reference_unary<float, float>(x, [](float v) { return v > 0 ? v : 0; }), 0, 0));
}

TEST(LeakyRelu, DefaultAndCustomAlpha) {
  EXPECT_TRUE(tensors_close(run1("LeakyRelu", {kX}),
                            make<float>({-0.02f, -0.01f, -0.005f, 0, 0.5f, 1, 2}, {7})));
  EXPECT_TRUE(tensors_close(run1("LeakyRelu", {kX}, attrs({{"alpha", 0.1}})),
                            make<float>({-0.2f, -0.1f, -0.05f, 0, 0.5f, 1, 2}, {7})));
}

TEST(Elu, Literal) {
  EXPECT_TRUE(
      tensors_close(run1("Elu", {kX}),
                    make<float>({-0.86466472f, -0.63212056f, -0.39346934f, 0, 0.5f, 1, 2}, {7})));
  EXPECT_TRUE(tensors_close(run1("Elu", {make<double>({-1, 1}, {2})}, attrs({{"alpha", 2.0}})),
                            make<double>({-1.26424111765711535, 1}, {2}), 1e-12));
}

TEST(Selu, DefaultsAndAttributes) {
  EXPECT_TRUE(
      tensors_close(run1("Selu", {kX}), make<float>({-1.52016647f, -1.11133074f, -0.69175819f, 0,
                                                     0.52535051f, 1.05070102f, 2.10140204f},
                                                    {7})));
  // selu (the ONNX backend test): alpha 2, gamma 3.
  EXPECT_TRUE(tensors_close(
      run1("Selu", {make<float>({-1, 0, 1}, {3})}, attrs({{"alpha", 2.0}, {"gamma", 3.0}})),
      make<float>({-3.79272335f, 0, 3}, {3})));
}

TEST(Celu, Literal) {
  EXPECT_TRUE(
      tensors_close(run1("Celu", {kX}, attrs({{"alpha", 2.0}})),
                    make<float>({-1.26424112f, -0.78693868f, -0.44239843f, 0, 0.5f, 1, 2}, {7})));
  EXPECT_THROW(run1("Celu", {kX}, attrs({{"alpha", 0.0}})), Error);
  EXPECT_THROW(run1("Celu", {kX}, {}, 11), Error);
}

TEST(ThresholdedRelu, Literal) {
  EXPECT_TRUE(
      tensors_close(run1("ThresholdedRelu", {kX}), make<float>({0, 0, 0, 0, 0, 0, 2}, {7})));
  EXPECT_TRUE(tensors_close(run1("ThresholdedRelu", {kX}, attrs({{"alpha", 0.2}})),
                            make<float>({0, 0, 0, 0, 0.5f, 1, 2}, {7})));
}

TEST(Shrink, FloatAndInteger) {
  // shrink_soft (lambd 1.5, bias 1.5) and shrink_hard (lambd 1.5).
  const Tensor x = make<float>({-2, -1, 0, 1, 2}, {5});
  EXPECT_TRUE(tensors_close(run1("Shrink", {x}, attrs({{"lambd", 1.5}, {"bias", 1.5}})),
                            make<float>({-0.5f, 0, 0, 0, 0.5f}, {5})));
  EXPECT_TRUE(tensors_close(run1("Shrink", {x}, attrs({{"lambd", 1.5}})),
                            make<float>({-2, 0, 0, 0, 2}, {5})));
  EXPECT_TRUE(tensors_close(run1("Shrink", {make<std::int32_t>({-5, -1, 0, 1, 5}, {5})},
                                 attrs({{"lambd", 1.5}, {"bias", 2.0}})),
                            make<std::int32_t>({-3, 0, 0, 0, 3}, {5})));
}

TEST(PRelu, ChannelSlopeBroadcastsToX) {
  // X [1, 2, 2] with slope [2, 1]: one slope per channel.
  EXPECT_TRUE(tensors_close(
      run1("PRelu", {make<float>({-1, 2, -3, 4}, {1, 2, 2}), make<float>({0.5f, 0.1f}, {2, 1})}),
      make<float>({-0.5f, 2, -0.3f, 4}, {1, 2, 2})));
}

TEST(PRelu, RandomAgainstReference) {
  const Tensor x = random_tensor<float>({2, 3, 4, 5}, -2, 2, 1);
  for (const Shape& slope_shape : {Shape{3, 1, 1}, Shape{5}, Shape{1}, Shape{2, 3, 4, 5}}) {
    const Tensor slope = random_tensor<float>(slope_shape, 0, 1, 2);
    EXPECT_TRUE(
        tensors_close(run1("PRelu", {x, slope}),
                      testing::reference_binary<float, float, float>(
                          x, slope, x.shape(), [](float v, float s) { return v < 0 ? v * s : v; }),
                      0, 0))
        << shape_to_list(slope_shape);
  }
  EXPECT_TRUE(
      tensors_close(run1("PRelu", {make<std::int64_t>({-4, 4}, {2}), make<std::int64_t>({3}, {1})}),
                    make<std::int64_t>({-12, 4}, {2})));
}

TEST(PRelu, SlopeMustNotGrowX) {
  EXPECT_THROW(run1("PRelu", {make<float>({1, 2}, {2}), make<float>({1, 2, 3, 4}, {2, 2})}), Error);
  EXPECT_THROW(run1("PRelu", {make<float>({1, 2}, {2}), make<float>({1, 2, 3}, {3})}), Error);
  EXPECT_THROW(run1("PRelu", {make<float>({1, 2}, {2}), make<double>({1}, {1})}), Error);
}

// nnload's KerasRelu: Keras' ReLU(max_value, negative_slope, threshold).
TEST(KerasRelu, FollowsKerasFormula) {
  const Tensor x = make<float>({-3, -1, 0, 0.5f, 1, 2, 5, 7}, {8});
  const auto keras_relu = [&](const graph::Attributes& a) {
    return run1("KerasRelu", {x}, a, 1, "nnload");
  };
  // Defaults: plain relu.
  EXPECT_TRUE(tensors_close(keras_relu({}), make<float>({0, 0, 0, 0.5f, 1, 2, 5, 7}, {8})));
  // ReLU6.
  EXPECT_TRUE(tensors_close(keras_relu(attrs({{"max_value", 6.0}})),
                            make<float>({0, 0, 0, 0.5f, 1, 2, 5, 6}, {8})));
  // max_value 6, negative_slope 0.1, threshold 1: below 1 the leak is 0.1 * (x - 1); at exactly
  // the threshold Keras' code gives 0 (x * (x > threshold)).
  EXPECT_TRUE(tensors_close(
      keras_relu(attrs({{"max_value", 6.0}, {"negative_slope", 0.1}, {"threshold", 1.0}})),
      make<float>({-0.4f, -0.2f, -0.1f, -0.05f, 0, 2, 5, 6}, {8})));
  // A negative threshold with max_value: Keras clips the positive part at 0, so values between
  // the threshold and 0 give 0, not x.
  EXPECT_TRUE(tensors_close(keras_relu(attrs({{"max_value", 6.0}, {"threshold", -2.0}})),
                            make<float>({0, 0, 0, 0.5f, 1, 2, 5, 6}, {8})));
  EXPECT_THROW(run1("KerasRelu", {x}), Error);  // not an ONNX op
}

TEST(ReluFamily, ZeroSizedAndErrors) {
  for (const char* op : {"Relu", "LeakyRelu", "Elu", "Selu", "Celu", "ThresholdedRelu", "Shrink"}) {
    EXPECT_EQ(run1(op, {make<float>({}, {2, 0})}).shape(), (Shape{2, 0})) << op;
    EXPECT_THROW(run1(op, {make<float>({1}, {1}), make<float>({1}, {1})}), Error) << op;
  }
  EXPECT_THROW(run1("Elu", {make<std::int32_t>({1}, {1})}), Error);
}

}  // namespace
}  // namespace nnload::ops

namespace nnload::ops {
namespace {

TEST(ReluFamily, OpsetRows) {
  const Tensor x = testing::make<float>({-1, 1}, {2});
  EXPECT_TRUE(
      testing::tensors_close(testing::run1("Relu", {x}, {}, 1), testing::make<float>({0, 1}, {2})));
  EXPECT_TRUE(testing::tensors_close(testing::run1("LeakyRelu", {x}, {}, 6),
                                     testing::make<float>({-0.01f, 1}, {2})));
  EXPECT_TRUE(testing::tensors_close(testing::run1("Elu", {x}, {}, 1),
                                     testing::make<float>({-0.63212056f, 1}, {2})));
  EXPECT_THROW(testing::run1("PRelu", {x, x}, {}, 6), Error);
  EXPECT_THROW(testing::run1("ThresholdedRelu", {x}, {}, 9), Error);
  EXPECT_THROW(testing::run1("Shrink", {x}, {}, 8), Error);
  EXPECT_THROW(testing::run1("KerasRelu", {x}, {}, 2, "nnload"), Error);
}

}  // namespace
}  // namespace nnload::ops
