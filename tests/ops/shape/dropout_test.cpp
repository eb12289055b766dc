#include <gtest/gtest.h>

#include "ops/conv/op_test_util.hpp"
#include "ops/registry.hpp"
#include "support/error_capture.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::testing {
namespace {

std::vector<Tensor> dropout(const std::vector<Tensor>& inputs, int opset, int outputs = 1,
                            const graph::Attributes& a = {}) {
  return ops::run_op("Dropout", inputs, a, outputs, "", opset);
}

TEST(DropoutTest, EveryOpsetPassesTheInputThrough) {
  const Tensor x = make<float>({1.5f, -2, 0, 3.25f, 7, -0.5f}, {2, 3});
  graph::Attributes is_test;
  is_test.set("is_test", std::int64_t{1});
  is_test.set("ratio", 0.3);
  EXPECT_TRUE(tensors_close(dropout({x}, 1, 1, is_test)[0], x, 0, 0));
  is_test.set("consumed_inputs", std::vector<std::int64_t>{0});
  EXPECT_TRUE(tensors_close(dropout({x}, 5, 1, is_test)[0], x, 0, 0));
  EXPECT_TRUE(
      tensors_close(dropout({x}, 6, 1, attrs_of({{"is_test", std::int64_t{1}}}))[0], x, 0, 0));
  for (int opset : {7, 9, 10, 11}) {
    SCOPED_TRACE(opset);
    EXPECT_TRUE(tensors_close(dropout({x}, opset, 1, attrs_of({{"ratio", 0.2}}))[0], x, 0, 0));
  }
  for (int opset : {12, 13, 21, graph::kLatestOpset}) {
    SCOPED_TRACE(opset);
    EXPECT_TRUE(
        tensors_close(dropout({x}, opset, 1, attrs_of({{"seed", std::int64_t{3}}}))[0], x, 0, 0));
    EXPECT_TRUE(tensors_close(dropout({x, Tensor::scalar(0.75f)}, opset)[0], x, 0, 0));
    EXPECT_TRUE(
        tensors_close(dropout({x, Tensor::scalar(0.5), Tensor::scalar(false)}, opset)[0], x, 0, 0));
    // ratio omitted, training_mode given.
    EXPECT_TRUE(tensors_close(dropout({x, Tensor(), Tensor::scalar(false)}, opset)[0], x, 0, 0));
  }
}

TEST(DropoutTest, MaskHasTheInputDtypeUntilOpset9ThenBool) {
  const Tensor x = make<float>({1, 2, 3, 4}, {4});
  for (int opset : {7, 9}) {
    const auto out = dropout({x}, opset, 2);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[1].dtype(), DType::f32);
    EXPECT_TRUE(tensors_close(out[1], make<float>({1, 1, 1, 1}, {4}), 0, 0));
  }
  const auto old =
      dropout({make<double>({1, 2}, {2})}, 6, 2, attrs_of({{"is_test", std::int64_t{1}}}));
  EXPECT_EQ(old[1].dtype(), DType::f64);
  EXPECT_TRUE(tensors_close(old[1], make<double>({1, 1}, {2}), 0, 0));
  for (int opset : {10, 11, 12, 13, graph::kLatestOpset}) {
    SCOPED_TRACE(opset);
    const auto out = dropout({make<float>({1, 2, 3, 4, 5, 6}, {2, 3})}, opset, 2);
    ASSERT_EQ(out.size(), 2u);
    EXPECT_EQ(out[0].shape(), (Shape{2, 3}));
    EXPECT_EQ(out[1].dtype(), DType::boolean);
    EXPECT_EQ(out[1].shape(), (Shape{2, 3}));
    for (std::int64_t i = 0; i < out[1].numel(); ++i) EXPECT_TRUE(out[1].data<bool>()[i]);
  }
}

TEST(DropoutTest, OtherDtypesAndZeroSized) {
  const Tensor h = Tensor::zeros(DType::f16, {3});
  const auto out = dropout({h}, 7, 2);
  EXPECT_EQ(out[0].dtype(), DType::f16);
  EXPECT_EQ(out[1].dtype(), DType::f16);
  EXPECT_EQ(out[1].data<Float16>()[2].bits, 0x3C00);  // 1.0 in half precision
  const Tensor i = make<std::int64_t>({5, -6}, {2});
  EXPECT_TRUE(tensors_close(dropout({i}, 13)[0], i, 0, 0));
  const auto empty = dropout({Tensor::empty(DType::f32, {0, 4})}, 13, 2);
  EXPECT_EQ(empty[0].shape(), (Shape{0, 4}));
  EXPECT_EQ(empty[1].shape(), (Shape{0, 4}));
}

TEST(DropoutTest, OutputSharesTheInputStorage) {
  const auto o = ops::create_op(make_node("Dropout", 1, {}), 13);
  EXPECT_EQ(o->output_aliases_input(), 0);
}

TEST(DropoutTest, TrainingModeIsRefused) {
  const Tensor x = make<float>({1, 2}, {2});
  // A constant training_mode = true: refused while planning.
  const std::string message = message_of([&] {
    dropout({x, Tensor::scalar(0.5f), Tensor::scalar(true)}, 13);
  });
  EXPECT_NE(message.find("inference only"), std::string::npos) << message;
  EXPECT_EQ(code_of([&] {
              dropout({x, Tensor::scalar(0.5f), Tensor::scalar(true)}, 13);
            }),
            ErrorCode::unsupported);
  // training_mode known only at run time: the kernel refuses when it turns out true.
  EXPECT_EQ(code_of([&] {
              run_op_runtime("Dropout", {x, Tensor::scalar(0.5f), Tensor::scalar(true)}, {}, {2});
            }),
            ErrorCode::unsupported);
  const auto ok =
      run_op_runtime("Dropout", {x, Tensor::scalar(0.5f), Tensor::scalar(false)}, {}, {2});
  EXPECT_TRUE(tensors_close(ok[0], x, 0, 0));
  // Opsets 1..6: is_test = 0 (the default) means training.
  EXPECT_EQ(code_of([&] { dropout({x}, 6); }), ErrorCode::unsupported);
  EXPECT_EQ(code_of([&] {
              dropout({x}, 1, 1, attrs_of({{"is_test", std::int64_t{0}}}));
            }),
            ErrorCode::unsupported);
}

TEST(DropoutTest, BadInputsAreErrors) {
  const Tensor x = make<float>({1, 2}, {2});
  // ratio and training_mode are inputs only from opset 12.
  EXPECT_EQ(code_of([&] { dropout({x, Tensor::scalar(0.5f)}, 10); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { dropout({x, Tensor::scalar(std::int64_t{1})}, 13); }), ErrorCode::shape);
  EXPECT_EQ(code_of([&] { dropout({x, make<float>({0.1f, 0.2f}, {2})}, 13); }), ErrorCode::shape);
  EXPECT_EQ(code_of([&] {
              dropout({x, Tensor::scalar(0.5f), Tensor::scalar(1.0f)}, 13);
            }),
            ErrorCode::shape);
  EXPECT_EQ(code_of([&] { dropout({x}, 13, 3); }), ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace nnload::testing
