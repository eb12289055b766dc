#include <gtest/gtest.h>

#include "ops/registry.hpp"
#include "ops/shape/op_test_util.hpp"

namespace nnload {
namespace {

using testing::attrs;
using testing::bytes_equal;
using testing::i64s;
using testing::random_tensor;
using testing::run1;

Shape shape_of(const std::string& op, const std::vector<Tensor>& in,
               const graph::Attributes& a = {}, int opset = graph::kLatestOpset) {
  return run1(op, in, a, opset).shape();
}

TEST(Reshape, SpecExamples) {
  // From the ONNX Reshape examples, data of shape [2, 3, 4].
  const Tensor x = random_tensor(DType::f32, {2, 3, 4});
  EXPECT_EQ(shape_of("Reshape", {x, i64s({4, 2, 3})}), (Shape{4, 2, 3}));
  EXPECT_EQ(shape_of("Reshape", {x, i64s({2, 12})}), (Shape{2, 12}));
  EXPECT_EQ(shape_of("Reshape", {x, i64s({24})}), (Shape{24}));
  EXPECT_EQ(shape_of("Reshape", {x, i64s({2, -1})}), (Shape{2, 12}));
  EXPECT_EQ(shape_of("Reshape", {x, i64s({-1, 2, 3, 4})}), (Shape{1, 2, 3, 4}));
  EXPECT_EQ(shape_of("Reshape", {x, i64s({2, 0, 4, 1})}), (Shape{2, 3, 4, 1}));
  EXPECT_EQ(shape_of("Reshape", {x, i64s({2, 0, 1, -1})}), (Shape{2, 3, 1, 4}));
  EXPECT_EQ(shape_of("Reshape", {x, i64s({0, 4, 3})}), (Shape{2, 4, 3}));
  // allowzero=1: a 0 is a real zero dimension.
  const Tensor empty = Tensor::empty(DType::f32, {0, 3, 4});
  EXPECT_EQ(shape_of("Reshape", {empty, i64s({3, 4, 0})}, attrs({{"allowzero", std::int64_t{1}}})),
            (Shape{3, 4, 0}));
}

TEST(Reshape, CopiesBytesOfEveryDtype) {
  for (DType dtype : testing::all_dtypes()) {
    const Tensor x = random_tensor(dtype, {2, 3, 4}, 5);
    const Tensor y = run1("Reshape", {x, i64s({6, -1})});
    EXPECT_TRUE(bytes_equal(y, x.reshaped({6, 4}))) << dtype_name(dtype);
  }
}

TEST(Reshape, OpsetOneToFourTakesTheShapeAttribute) {
  const Tensor x = random_tensor(DType::i32, {2, 6});
  EXPECT_EQ(shape_of("Reshape", {x}, attrs({{"shape", std::vector<std::int64_t>{3, 4}}}), 4),
            (Shape{3, 4}));
}

TEST(Reshape, RejectsBadShapes) {
  const Tensor x = random_tensor(DType::f32, {2, 3, 4});
  EXPECT_THROW(run1("Reshape", {x, i64s({5, -1})}), Error);       // 24 not divisible by 5
  EXPECT_THROW(run1("Reshape", {x, i64s({-1, -1})}), Error);      // two -1
  EXPECT_THROW(run1("Reshape", {x, i64s({7})}), Error);           // wrong count
  EXPECT_THROW(run1("Reshape", {x, i64s({2, 3, 4, 0})}), Error);  // 0 copies a missing dim
  EXPECT_THROW(run1("Reshape", {x, i64s({-2, 12})}), Error);
  EXPECT_THROW(run1("Reshape", {x, i64s({0, -1})}, attrs({{"allowzero", std::int64_t{1}}})), Error);
}

TEST(Reshape, NeedsAConstantShape) {
  const Tensor x = random_tensor(DType::f32, {2, 3});
  const Tensor shape = i64s({3, 2});
  graph::Node node;
  node.op = "Reshape";
  node.inputs = {0, 1};
  node.outputs = {2};
  const auto op = ops::create_op(node, 14);
  std::vector<ops::InputInfo> infos = {ops::info_of(x), ops::info_of(shape)};
  infos[1].value = nullptr;  // a shape computed at run time
  try {
    op->infer(infos);
    FAIL() << "expected Error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unsupported);
  }
}

TEST(Reshape, AliasesItsInputAndCopiesOnlyWhenStorageDiffers) {
  graph::Node node;
  node.op = "Reshape";
  node.inputs = {0, 1};
  node.outputs = {2};
  const auto op = ops::create_op(node, 14);
  EXPECT_EQ(op->output_aliases_input(), 0);
  const Tensor x = testing::f32s({1, 2, 3, 4, 5, 6}, {2, 3});
  const Tensor shape = i64s({3, 2});
  const std::vector<Tensor> inputs = {x, shape};
  const std::vector<ops::InputInfo> infos = {ops::info_of(x), ops::info_of(shape)};
  const auto types = op->infer(infos);
  const auto kernel = op->make_kernel(infos, types);
  // Shared storage: nothing to do (and nothing may be written to the read-only input).
  std::vector<Tensor> aliased = {x.reshaped({3, 2})};
  kernel->run(inputs, aliased);
  EXPECT_EQ(aliased[0].raw(), x.raw());
  std::vector<Tensor> separate = {Tensor::zeros(DType::f32, {3, 2})};
  kernel->run(inputs, separate);
  EXPECT_TRUE(testing::tensors_close(separate[0], testing::f32s({1, 2, 3, 4, 5, 6}, {3, 2}), 0, 0));
}

TEST(Flatten, SpecExamplesForEveryAxis) {
  const Tensor x = random_tensor(DType::f32, {2, 3, 4, 5});
  const Shape expected[] = {{1, 120}, {2, 60}, {6, 20}, {24, 5}, {120, 1}};
  for (std::int64_t axis = 0; axis <= 4; ++axis) {
    EXPECT_EQ(shape_of("Flatten", {x}, attrs({{"axis", axis}})), expected[axis]);
    if (axis < 4) {
      EXPECT_EQ(shape_of("Flatten", {x}, attrs({{"axis", axis - 4}})), expected[axis]) << axis - 4;
    }
  }
  EXPECT_EQ(shape_of("Flatten", {x}), (Shape{2, 60}));  // default axis 1
  EXPECT_EQ(shape_of("Flatten", {Tensor::scalar(1.0f)}, attrs({{"axis", std::int64_t{0}}})),
            (Shape{1, 1}));
}

TEST(Flatten, NegativeAxisOnlyFromOpset11) {
  const Tensor x = random_tensor(DType::u8, {2, 3});
  EXPECT_THROW(run1("Flatten", {x}, attrs({{"axis", std::int64_t{-1}}}), 9), Error);
  EXPECT_THROW(run1("Flatten", {x}, attrs({{"axis", std::int64_t{3}}})), Error);
  const Tensor y = run1("Flatten", {x}, attrs({{"axis", std::int64_t{-1}}}), 11);
  EXPECT_TRUE(bytes_equal(y, x.reshaped({2, 3})));
}

TEST(Squeeze, AxesInputFromOpset13) {
  const Tensor x = random_tensor(DType::bf16, {1, 3, 1, 5}, 4);
  EXPECT_EQ(shape_of("Squeeze", {x, i64s({0})}), (Shape{3, 1, 5}));
  EXPECT_EQ(shape_of("Squeeze", {x, i64s({-2, 0})}), (Shape{3, 5}));
  EXPECT_EQ(shape_of("Squeeze", {x}), (Shape{3, 5}));  // no axes: every 1 goes
  EXPECT_TRUE(bytes_equal(run1("Squeeze", {x, i64s({2})}), x.reshaped({1, 3, 5})));
  EXPECT_THROW(run1("Squeeze", {x, i64s({1})}), Error);      // dim 1 is 3
  EXPECT_THROW(run1("Squeeze", {x, i64s({4})}), Error);      // out of range
  EXPECT_THROW(run1("Squeeze", {x, i64s({0, -4})}), Error);  // repeated
}

TEST(Squeeze, AxesAttributeBeforeOpset13) {
  const Tensor x = random_tensor(DType::i16, {1, 3, 1}, 4);
  const auto a = attrs({{"axes", std::vector<std::int64_t>{0, 2}}});
  EXPECT_EQ(shape_of("Squeeze", {x}, a, 11), (Shape{3}));
  EXPECT_EQ(shape_of("Squeeze", {x}, {}, 1), (Shape{3}));
  EXPECT_THROW(run1("Squeeze", {x, i64s({0})}, {}, 12), Error);  // no axes input before 13
}

TEST(Unsqueeze, SpecExamples) {
  const Tensor x = random_tensor(DType::boolean, {3, 4, 5}, 8);
  EXPECT_EQ(shape_of("Unsqueeze", {x, i64s({0})}), (Shape{1, 3, 4, 5}));
  EXPECT_EQ(shape_of("Unsqueeze", {x, i64s({0, 4})}), (Shape{1, 3, 4, 5, 1}));
  EXPECT_EQ(shape_of("Unsqueeze", {x, i64s({2, 4})}), (Shape{3, 4, 1, 5, 1}));
  EXPECT_EQ(shape_of("Unsqueeze", {x, i64s({-2})}), (Shape{3, 4, 1, 5}));
  EXPECT_EQ(shape_of("Unsqueeze", {x, i64s({5, 4, 2})}), (Shape{3, 4, 1, 5, 1, 1}));
  EXPECT_EQ(shape_of("Unsqueeze", {x}, attrs({{"axes", std::vector<std::int64_t>{1}}}), 11),
            (Shape{3, 1, 4, 5}));
  EXPECT_EQ(shape_of("Unsqueeze", {Tensor::scalar(std::int64_t{3}), i64s({0})}), (Shape{1}));
  EXPECT_TRUE(bytes_equal(run1("Unsqueeze", {x, i64s({1})}), x.reshaped({3, 1, 4, 5})));
  EXPECT_THROW(run1("Unsqueeze", {x, i64s({1, 1})}), Error);
  EXPECT_THROW(run1("Unsqueeze", {x, i64s({4})}), Error);  // out of range for rank 4
  EXPECT_THROW(run1("Unsqueeze", {x}), Error);             // axes required
}

TEST(Identity, CopiesEveryDtypeIncludingEmpty) {
  for (DType dtype : testing::all_dtypes()) {
    const Tensor x = random_tensor(dtype, {4, 3}, 9);
    EXPECT_TRUE(bytes_equal(run1("Identity", {x}), x));
  }
  EXPECT_EQ(run1("Identity", {Tensor::empty(DType::f32, {0, 2})}).shape(), (Shape{0, 2}));
}

}  // namespace
}  // namespace nnload
