// TF array op builders: literal cases from TensorFlow's documentation and the shape arithmetic
// Keras exports are made of (Shape -> StridedSlice -> Pack -> Reshape on an input of unknown
// shape, folded when the plan is compiled).
#include <gtest/gtest.h>

#include "formats/savedmodel/ops/tf_graph.hpp"
#include "ops/shape/op_test_util.hpp"
#include "support/error_capture.hpp"

namespace nnload::formats::savedmodel {
namespace {

using namespace tftest;
namespace nt = nnload::testing;

// op(x, c) with x fed and c a constant.
Tensor with_constant(const std::string& op, const Tensor& x, const Tensor& c, Attrs a = {}) {
  return run_tf_graph1(
      {placeholder("x", x.dtype()), const_node("c", c), node("op", op, {"x", "c"}, a)}, {{"x", x}},
      "op");
}
Tensor unary(const std::string& op, const Tensor& x, Attrs a = {}) {
  return run_tf_graph1({placeholder("x", x.dtype()), node("op", op, {"x"}, a)}, {{"x", x}}, "op");
}

TEST(TfArrayOps, ReshapeTakesMinusOneAndLiteralZeros) {
  const Tensor x = nt::random_floats({2, 3, 4}, 1);
  EXPECT_TRUE(same_tensor(with_constant("Reshape", x, nt::make<std::int32_t>({4, -1}, {2})),
                          x.reshaped({4, 6})));
  EXPECT_TRUE(same_tensor(with_constant("Reshape", x, nt::make<std::int64_t>({-1}, {1}),
                                        {{"Tshape", type_attr(DType::i64)}}),
                          x.reshaped({24})));
  // TensorFlow's 0 is an empty dimension, not ONNX's "copy the input's".
  const Tensor empty = Tensor::empty(DType::f32, {2, 0});
  EXPECT_EQ(with_constant("Reshape", empty, nt::make<std::int32_t>({0, 7}, {2})).shape(),
            (Shape{0, 7}));
}

TEST(TfArrayOps, ShapeSizeRankAndTheirOutTypes) {
  const Tensor x = nt::random_floats({2, 3, 4}, 1);
  EXPECT_TRUE(same_tensor(unary("Shape", x), nt::make<std::int32_t>({2, 3, 4}, {3})));
  EXPECT_TRUE(same_tensor(unary("Shape", x, {{"out_type", type_attr(DType::i64)}}),
                          nt::make<std::int64_t>({2, 3, 4}, {3})));
  EXPECT_TRUE(same_tensor(unary("Size", x), Tensor::scalar<std::int32_t>(24)));
  EXPECT_TRUE(same_tensor(unary("Size", x, {{"out_type", type_attr(DType::i64)}}),
                          Tensor::scalar<std::int64_t>(24)));
  EXPECT_TRUE(same_tensor(unary("Rank", x), Tensor::scalar<std::int32_t>(3)));
  const std::vector<Tensor> shapes =
      run_tf_graph({placeholder("a", DType::f32), placeholder("b", DType::i32),
                    node("s", "ShapeN", {"a", "b"}, {{"N", int_attr(2)}})},
                   {{"a", x}, {"b", nt::make<std::int32_t>({1, 2}, {2})}}, {"s:0", "s:1"});
  EXPECT_TRUE(same_tensor(shapes[0], nt::make<std::int32_t>({2, 3, 4}, {3})));
  EXPECT_TRUE(same_tensor(shapes[1], nt::make<std::int32_t>({2}, {1})));
}

TEST(TfArrayOps, SqueezeAndExpandDims) {
  const Tensor x = nt::random_floats({1, 2, 1, 3, 1}, 2);
  EXPECT_TRUE(same_tensor(unary("Squeeze", x), x.reshaped({2, 3})));
  EXPECT_TRUE(same_tensor(unary("Squeeze", x, {{"squeeze_dims", ints_attr({2, -1})}}),
                          x.reshaped({1, 2, 3})));
  const Tensor y = nt::random_floats({2, 3}, 3);
  EXPECT_TRUE(same_tensor(with_constant("ExpandDims", y, Tensor::scalar<std::int32_t>(0)),
                          y.reshaped({1, 2, 3})));
  EXPECT_TRUE(same_tensor(with_constant("ExpandDims", y, Tensor::scalar<std::int32_t>(-1)),
                          y.reshaped({2, 3, 1})));
  EXPECT_TRUE(same_tensor(with_constant("ExpandDims", y, nt::make<std::int64_t>({1}, {1}),
                                        {{"Tdim", type_attr(DType::i64)}}),
                          y.reshaped({2, 1, 3})));
}

TEST(TfArrayOps, TransposeNeedsAConstantPermutation) {
  const Tensor x = nt::make<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_TRUE(same_tensor(with_constant("Transpose", x, nt::make<std::int32_t>({1, 0}, {2})),
                          nt::make<float>({1, 4, 2, 5, 3, 6}, {3, 2})));
  EXPECT_EQ(nt::code_of([] {
              build_tf_graph({placeholder("x", DType::f32), placeholder("p", DType::i32),
                              node("t", "Transpose", {"x", "p"})},
                             {"t"});
            }),
            ErrorCode::unsupported);
}

TEST(TfArrayOps, FillRangeZerosOnesTile) {
  // tf.fill(tf.shape(x), 9): the dims are known once the plan is compiled.
  EXPECT_TRUE(same_tensor(
      run_tf_graph1({placeholder("x", DType::i32), node("d", "Shape", {"x"}),
                     const_node("v", Tensor::scalar<float>(9.f)), node("f", "Fill", {"d", "v"})},
                    {{"x", Tensor::zeros(DType::i32, {2, 3})}}, "f"),
      nt::make<float>({9, 9, 9, 9, 9, 9}, {2, 3})));
  // tf.range's documentation examples.
  auto range = [](const Tensor& a, const Tensor& b, const Tensor& c) {
    return run_tf_graph1({const_node("a", a), const_node("b", b), const_node("c", c),
                          node("r", "Range", {"a", "b", "c"}, {{"Tidx", type_attr(c.dtype())}})},
                         {}, "r");
  };
  EXPECT_TRUE(same_tensor(range(Tensor::scalar<std::int32_t>(3), Tensor::scalar<std::int32_t>(18),
                                Tensor::scalar<std::int32_t>(3)),
                          nt::make<std::int32_t>({3, 6, 9, 12, 15}, {5})));
  EXPECT_TRUE(same_tensor(
      range(Tensor::scalar<float>(3), Tensor::scalar<float>(1), Tensor::scalar<float>(-0.5f)),
      nt::make<float>({3.f, 2.5f, 2.f, 1.5f}, {4})));
  const Tensor x = nt::make<std::int32_t>({4, -5, 6}, {3});
  EXPECT_TRUE(same_tensor(unary("ZerosLike", x, {{"T", type_attr(DType::i32)}}),
                          nt::make<std::int32_t>({0, 0, 0}, {3})));
  EXPECT_TRUE(
      same_tensor(unary("OnesLike", nt::random_floats({2, 2}, 1), {{"T", type_attr(DType::f32)}}),
                  nt::make<float>({1, 1, 1, 1}, {2, 2})));
  EXPECT_TRUE(same_tensor(
      unary("ZerosLike", nt::make<bool>({true, false}, {2}), {{"T", type_attr(DType::boolean)}}),
      nt::make<bool>({false, false}, {2})));
  EXPECT_TRUE(
      same_tensor(unary("ZerosLike", nt::make<float>({NAN}, {1}), {{"T", type_attr(DType::f32)}}),
                  nt::make<float>({0.f}, {1})));  // not x * 0
  // tf.tile's documentation example.
  const Tensor t = nt::make<std::int32_t>({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_TRUE(same_tensor(with_constant("Tile", t, nt::make<std::int32_t>({1, 2}, {2})),
                          nt::make<std::int32_t>({1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6}, {2, 6})));
  EXPECT_TRUE(same_tensor(with_constant("Tile", t, nt::make<std::int64_t>({2, 1}, {2}),
                                        {{"Tmultiples", type_attr(DType::i64)}}),
                          nt::make<std::int32_t>({1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6}, {4, 3})));
}

TEST(TfArrayOps, BroadcastTo) {
  const Tensor x = nt::make<std::int32_t>({1, 2, 3}, {3});
  EXPECT_TRUE(same_tensor(with_constant("BroadcastTo", x, nt::make<std::int32_t>({2, 3}, {2})),
                          nt::make<std::int32_t>({1, 2, 3, 1, 2, 3}, {2, 3})));
  EXPECT_TRUE(same_tensor(
      with_constant("BroadcastTo", x.reshaped({3, 1}), nt::make<std::int64_t>({3, 2}, {2}),
                    {{"Tidx", type_attr(DType::i64)}}),
      nt::make<std::int32_t>({1, 1, 2, 2, 3, 3}, {3, 2})));
}

Tensor select(const std::string& op, const Tensor& cond, const Tensor& x, const Tensor& y) {
  return run_tf_graph1({placeholder("c", DType::boolean), placeholder("x", x.dtype()),
                        placeholder("y", y.dtype()), node("s", op, {"c", "x", "y"})},
                       {{"c", cond}, {"x", x}, {"y", y}}, "s");
}

TEST(TfArrayOps, SelectPicksRowsWithAVectorCondition) {
  const Tensor x = nt::make<float>({1, 2, 3, 4, 5, 6}, {3, 2});
  const Tensor y = nt::make<float>({-1, -2, -3, -4, -5, -6}, {3, 2});
  EXPECT_TRUE(same_tensor(select("Select", nt::make<bool>({true, false, true}, {3}), x, y),
                          nt::make<float>({1, 2, -3, -4, 5, 6}, {3, 2})));
  EXPECT_TRUE(same_tensor(
      select("Select", nt::make<bool>({false, true, true, false, true, false}, {3, 2}), x, y),
      nt::make<float>({-1, 2, 3, -4, 5, -6}, {3, 2})));
  EXPECT_TRUE(same_tensor(select("Select", Tensor::scalar<bool>(false), x, y), y));
  const Tensor x3 = nt::random_floats({2, 2, 3}, 1), y3 = nt::random_floats({2, 2, 3}, 2);
  const Tensor rows = select("Select", nt::make<bool>({false, true}, {2}), x3, y3);
  std::vector<float> expected(y3.data<float>(), y3.data<float>() + 6);
  expected.insert(expected.end(), x3.data<float>() + 6, x3.data<float>() + 12);
  EXPECT_TRUE(same_tensor(rows, nt::make<float>(expected, {2, 2, 3})));
  // SelectV2 broadcasts all three (tf.where's documentation example).
  EXPECT_TRUE(same_tensor(
      select("SelectV2", nt::make<bool>({true, false, false, true}, {4}),
             nt::make<std::int32_t>({1, 2, 3, 4}, {4}), nt::make<std::int32_t>({100}, {1})),
      nt::make<std::int32_t>({1, 100, 100, 4}, {4})));
}

TEST(TfArrayOps, PadPadV2MirrorPad) {
  // tf.pad's documentation example.
  const Tensor t = nt::make<std::int32_t>({1, 2, 3, 4, 5, 6}, {2, 3});
  const Tensor paddings = nt::make<std::int32_t>({1, 1, 2, 2}, {2, 2});
  EXPECT_TRUE(same_tensor(with_constant("Pad", t, paddings),
                          nt::make<std::int32_t>({0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 0, 0,
                                                  0, 0, 4, 5, 6, 0, 0, 0, 0, 0, 0, 0, 0, 0},
                                                 {4, 7})));
  const Tensor v2 = run_tf_graph1(
      {placeholder("x", DType::i32), const_node("p", nt::make<std::int64_t>({0, 1, 1, 0}, {2, 2})),
       const_node("v", Tensor::scalar<std::int32_t>(9)),
       node("pad", "PadV2", {"x", "p", "v"}, {{"Tpaddings", type_attr(DType::i64)}})},
      {{"x", t}}, "pad");
  EXPECT_TRUE(
      same_tensor(v2, nt::make<std::int32_t>({9, 1, 2, 3, 9, 4, 5, 6, 9, 9, 9, 9}, {3, 4})));
  EXPECT_TRUE(same_tensor(
      with_constant("MirrorPad", t, paddings, {{"mode", string_attr("REFLECT")}}),
      nt::make<std::int32_t>(
          {6, 5, 4, 5, 6, 5, 4, 3, 2, 1, 2, 3, 2, 1, 6, 5, 4, 5, 6, 5, 4, 3, 2, 1, 2, 3, 2, 1},
          {4, 7})));
  EXPECT_TRUE(same_tensor(
      with_constant("MirrorPad", t, paddings, {{"mode", string_attr("SYMMETRIC")}}),
      nt::make<std::int32_t>(
          {2, 1, 1, 2, 3, 3, 2, 2, 1, 1, 2, 3, 3, 2, 5, 4, 4, 5, 6, 6, 5, 5, 4, 4, 5, 6, 6, 5},
          {4, 7})));
  EXPECT_EQ(nt::code_of([&] {
              with_constant("MirrorPad", t, paddings, {{"mode", string_attr("EDGE")}});
            }),
            ErrorCode::corrupt);
}

// What Keras writes for Flatten and friends: the batch size read from tf.shape at run time.
TEST(TfArrayOps, KerasShapeArithmeticOnAnInputOfUnknownShape) {
  const Tensor x = nt::random_floats({2, 3, 4}, 5);
  auto i32 = [](std::vector<std::int32_t> v) {
    return nt::make<std::int32_t>(v, {static_cast<std::int64_t>(v.size())});
  };
  const std::vector<tf::NodeDef> nodes = {
      placeholder("x", DType::f32, Shape{-1, 3, 4}),
      node("shape", "Shape", {"x"}, {{"T", type_attr(DType::f32)}}),
      const_node("begin", i32({0})),
      const_node("end", i32({1})),
      const_node("strides", i32({1})),
      node("batch", "StridedSlice", {"shape", "begin", "end", "strides"},
           {{"T", type_attr(DType::i32)},
            {"Index", type_attr(DType::i32)},
            {"shrink_axis_mask", int_attr(1)}}),
      const_node("minus_one", Tensor::scalar<std::int32_t>(-1)),
      node("target", "Pack", {"batch", "minus_one"},
           {{"N", int_attr(2)}, {"T", type_attr(DType::i32)}}),
      node("flat", "Reshape", {"x", "target"}, {{"T", type_attr(DType::f32)}}),
  };
  const std::vector<Tensor> out = run_tf_graph(nodes, {{"x", x}}, {"flat", "batch", "target"});
  EXPECT_TRUE(same_tensor(out[0], x.reshaped({2, 12})));
  EXPECT_TRUE(same_tensor(out[1], Tensor::scalar<std::int32_t>(2)));
  EXPECT_TRUE(same_tensor(out[2], i32({2, -1})));
  // Another batch size runs through the same graph.
  EXPECT_EQ(run_tf_graph(nodes, {{"x", nt::random_floats({5, 3, 4}, 6)}}, {"flat"})[0].shape(),
            (Shape{5, 12}));
}

}  // namespace
}  // namespace nnload::formats::savedmodel
