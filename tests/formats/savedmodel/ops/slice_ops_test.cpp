// TF slicing, joining and gathering builders: TensorFlow's documentation examples, masks
// through the builder, computed (folded) slice bounds, -1 sizes, negative axes.
#include <gtest/gtest.h>

#include "formats/savedmodel/ops/tf_graph.hpp"
#include "ops/shape/op_test_util.hpp"
#include "support/error_capture.hpp"

namespace nnload::formats::savedmodel {
namespace {

using namespace tftest;
namespace nt = nnload::testing;

Tensor i32s(std::vector<std::int32_t> v) {
  return nt::make<std::int32_t>(v, {static_cast<std::int64_t>(v.size())});
}

// The documentation's t = [[[1, 1, 1], [2, 2, 2]], [[3, 3, 3], [4, 4, 4]], [[5, 5, 5], [6, 6, 6]]].
Tensor doc_t() {
  return nt::make<std::int32_t>({1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6}, {3, 2, 3});
}

TEST(TfSliceOps, SliceWithSizesAndMinusOne) {
  auto slice = [](const Tensor& begin, const Tensor& size) {
    return run_tf_graph1(
        {placeholder("t", DType::i32), const_node("b", begin), const_node("s", size),
         node("slice", "Slice", {"t", "b", "s"}, {{"Index", type_attr(begin.dtype())}})},
        {{"t", doc_t()}}, "slice");
  };
  EXPECT_TRUE(same_tensor(slice(i32s({1, 0, 0}), i32s({1, 1, 3})),
                          nt::make<std::int32_t>({3, 3, 3}, {1, 1, 3})));
  EXPECT_TRUE(same_tensor(slice(i32s({1, 0, 0}), i32s({1, 2, 3})),
                          nt::make<std::int32_t>({3, 3, 3, 4, 4, 4}, {1, 2, 3})));
  EXPECT_TRUE(same_tensor(slice(i32s({1, 0, 0}), i32s({2, 1, 3})),
                          nt::make<std::int32_t>({3, 3, 3, 5, 5, 5}, {2, 1, 3})));
  EXPECT_TRUE(same_tensor(
      slice(nt::make<std::int64_t>({1, 1, 1}, {3}), nt::make<std::int64_t>({-1, 1, -1}, {3})),
      nt::make<std::int32_t>({4, 4, 6, 6}, {2, 1, 2})));
}

TEST(TfSliceOps, StridedSliceThroughTheBuilder) {
  auto strided = [](const Tensor& b, const Tensor& e, const Tensor& s, Attrs masks) {
    masks["T"] = type_attr(DType::i32);
    masks["Index"] = type_attr(b.dtype());
    return run_tf_graph1(
        {placeholder("t", DType::i32), const_node("b", b), const_node("e", e), const_node("s", s),
         node("ss", "StridedSlice", {"t", "b", "e", "s"}, masks)},
        {{"t", doc_t()}}, "ss");
  };
  // The documentation's third example: t[1:2, -1:-3:-1, 0:3].
  EXPECT_TRUE(same_tensor(strided(i32s({1, -1, 0}), i32s({2, -3, 3}), i32s({1, -1, 1}), {}),
                          nt::make<std::int32_t>({4, 4, 4, 3, 3, 3}, {1, 2, 3})));
  // t[::-1, 1, tf.newaxis]: begin/end masks, shrink and new axis.
  EXPECT_TRUE(same_tensor(
      strided(nt::make<std::int64_t>({0, 1, 0}, {3}), nt::make<std::int64_t>({0, 2, 0}, {3}),
              nt::make<std::int64_t>({-1, 1, 1}, {3}),
              {{"begin_mask", int_attr(1)},
               {"end_mask", int_attr(1)},
               {"shrink_axis_mask", int_attr(2)},
               {"new_axis_mask", int_attr(4)}}),
      nt::make<std::int32_t>({6, 6, 6, 4, 4, 4, 2, 2, 2}, {3, 1, 3})));
  // t[..., 0]
  EXPECT_TRUE(
      same_tensor(strided(i32s({0, 0}), i32s({0, 1}), i32s({1, 1}),
                          {{"ellipsis_mask", int_attr(1)}, {"shrink_axis_mask", int_attr(2)}}),
                  nt::make<std::int32_t>({1, 2, 3, 4, 5, 6}, {3, 2})));
}

// begin and end computed from tf.shape(x), as Keras writes x[:, :tf.shape(x)[1] - 1].
TEST(TfSliceOps, StridedSliceWithBoundsComputedFromTheShape) {
  const Tensor x = nt::random_floats({2, 5}, 1);
  const std::vector<tf::NodeDef> nodes = {
      placeholder("x", DType::f32),
      node("shape", "Shape", {"x"}),
      const_node("one", i32s({1})),
      const_node("two", i32s({2})),
      node("len", "StridedSlice", {"shape", "one", "two", "one"},
           {{"shrink_axis_mask", int_attr(1)}}),
      const_node("minus", Tensor::scalar<std::int32_t>(1)),
      node("stop", "Sub", {"len", "minus"}, {{"T", type_attr(DType::i32)}}),
      const_node("zero", Tensor::scalar<std::int32_t>(0)),
      node("end", "Pack", {"zero", "stop"}, {{"N", int_attr(2)}}),
      const_node("begin", i32s({0, 0})),
      const_node("strides", i32s({1, 1})),
      node("y", "StridedSlice", {"x", "begin", "end", "strides"},
           {{"begin_mask", int_attr(1)}, {"end_mask", int_attr(1)}}),
  };
  std::vector<float> expected;
  for (int r = 0; r < 2; ++r)
    for (int c = 0; c < 4; ++c) expected.push_back(x.data<float>()[r * 5 + c]);
  EXPECT_TRUE(
      same_tensor(run_tf_graph1(nodes, {{"x", x}}, "y"), nt::make<float>(expected, {2, 4})));
}

TEST(TfSliceOps, PackAndUnpack) {
  // tf.stack's documentation example.
  const Tensor x = i32s({1, 4}), y = i32s({2, 5}), z = i32s({3, 6});
  auto pack = [&](std::int64_t axis) {
    return run_tf_graph1(
        {placeholder("x", DType::i32), placeholder("y", DType::i32), placeholder("z", DType::i32),
         node("p", "Pack", {"x", "y", "z"}, {{"axis", int_attr(axis)}, {"N", int_attr(3)}})},
        {{"x", x}, {"y", y}, {"z", z}}, "p");
  };
  EXPECT_TRUE(same_tensor(pack(0), nt::make<std::int32_t>({1, 4, 2, 5, 3, 6}, {3, 2})));
  EXPECT_TRUE(same_tensor(pack(1), nt::make<std::int32_t>({1, 2, 3, 4, 5, 6}, {2, 3})));
  EXPECT_TRUE(same_tensor(pack(-1), nt::make<std::int32_t>({1, 2, 3, 4, 5, 6}, {2, 3})));
  EXPECT_TRUE(same_tensor(
      run_tf_graph1({placeholder("x", DType::i32), node("p", "Pack", {"x"}, {{"N", int_attr(1)}})},
                    {{"x", x}}, "p"),
      nt::make<std::int32_t>({1, 4}, {1, 2})));
  const Tensor t = nt::make<std::int32_t>({1, 2, 3, 4, 5, 6}, {2, 3});
  auto unpack = [&](std::int64_t num, std::int64_t axis) {
    std::vector<std::string> fetches;
    for (std::int64_t i = 0; i < num; ++i) fetches.push_back("u:" + std::to_string(i));
    return run_tf_graph(
        {placeholder("t", DType::i32),
         node("u", "Unpack", {"t"}, {{"num", int_attr(num)}, {"axis", int_attr(axis)}})},
        {{"t", t}}, fetches);
  };
  const std::vector<Tensor> rows = unpack(2, 0);
  EXPECT_TRUE(same_tensor(rows[0], i32s({1, 2, 3})));
  EXPECT_TRUE(same_tensor(rows[1], i32s({4, 5, 6})));
  const std::vector<Tensor> cols = unpack(3, -1);
  EXPECT_TRUE(same_tensor(cols[2], i32s({3, 6})));
}

TEST(TfSliceOps, ConcatV2AndConcat) {
  // tf.concat's documentation example.
  const Tensor t1 = nt::make<std::int32_t>({1, 2, 3, 4, 5, 6}, {2, 3});
  const Tensor t2 = nt::make<std::int32_t>({7, 8, 9, 10, 11, 12}, {2, 3});
  auto concat = [&](const std::string& op, std::int32_t axis) {
    const std::vector<std::string> inputs = op == "ConcatV2"
                                                ? std::vector<std::string>{"a", "b", "axis"}
                                                : std::vector<std::string>{"axis", "a", "b"};
    return run_tf_graph1({placeholder("a", DType::i32), placeholder("b", DType::i32),
                          const_node("axis", Tensor::scalar<std::int32_t>(axis)),
                          node("c", op, inputs, {{"N", int_attr(2)}})},
                         {{"a", t1}, {"b", t2}}, "c");
  };
  for (const std::string op : {"ConcatV2", "Concat"}) {
    EXPECT_TRUE(same_tensor(
        concat(op, 0), nt::make<std::int32_t>({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {4, 3})))
        << op;
    EXPECT_TRUE(same_tensor(
        concat(op, 1), nt::make<std::int32_t>({1, 2, 3, 7, 8, 9, 4, 5, 6, 10, 11, 12}, {2, 6})))
        << op;
    EXPECT_TRUE(same_tensor(
        concat(op, -1), nt::make<std::int32_t>({1, 2, 3, 7, 8, 9, 4, 5, 6, 10, 11, 12}, {2, 6})))
        << op;
  }
  EXPECT_EQ(nt::code_of([] {
              build_tf_graph({placeholder("a", DType::f32), placeholder("axis", DType::i32),
                              node("c", "ConcatV2", {"a", "a", "axis"})},
                             {"c"});
            }),
            ErrorCode::unsupported);
}

TEST(TfSliceOps, SplitAndSplitV) {
  const Tensor x = nt::random_floats({5, 30}, 3);
  auto columns = [&](std::int64_t from, std::int64_t to) {
    std::vector<float> v;
    for (std::int64_t r = 0; r < 5; ++r)
      for (std::int64_t c = from; c < to; ++c) v.push_back(x.data<float>()[r * 30 + c]);
    return nt::make<float>(v, {5, to - from});
  };
  // tf.split's documentation example: three [5, 10] pieces, or sizes [4, 15, 11].
  const std::vector<Tensor> thirds = run_tf_graph(
      {const_node("axis", Tensor::scalar<std::int32_t>(1)), placeholder("x", DType::f32),
       node("s", "Split", {"axis", "x"}, {{"num_split", int_attr(3)}})},
      {{"x", x}}, {"s:0", "s:1", "s:2"});
  for (int i = 0; i < 3; ++i)
    EXPECT_TRUE(same_tensor(thirds[static_cast<std::size_t>(i)], columns(10 * i, 10 * i + 10)));
  for (const auto& sizes :
       {std::vector<std::int32_t>{4, 15, 11}, std::vector<std::int32_t>{4, -1, 11}}) {
    const std::vector<Tensor> parts =
        run_tf_graph({placeholder("x", DType::f32), const_node("sizes", i32s(sizes)),
                      const_node("axis", Tensor::scalar<std::int32_t>(-1)),
                      node("s", "SplitV", {"x", "sizes", "axis"}, {{"num_split", int_attr(3)}})},
                     {{"x", x}}, {"s:0", "s:1", "s:2"});
    EXPECT_TRUE(same_tensor(parts[0], columns(0, 4)));
    EXPECT_TRUE(same_tensor(parts[1], columns(4, 19)));
    EXPECT_TRUE(same_tensor(parts[2], columns(19, 30)));
  }
  EXPECT_EQ(nt::code_of([] {
              build_tf_graph(
                  {placeholder("x", DType::f32), const_node("sizes", i32s({-1, -1})),
                   const_node("axis", Tensor::scalar<std::int32_t>(0)),
                   node("s", "SplitV", {"x", "sizes", "axis"}, {{"num_split", int_attr(2)}})},
                  {"s:0"});
            }),
            ErrorCode::corrupt);
}

TEST(TfSliceOps, GatherV2AndGather) {
  const Tensor params = nt::make<std::int32_t>({1, 2, 3, 4, 5, 6}, {2, 3});
  auto gather = [&](const Tensor& indices, std::int32_t axis) {
    return run_tf_graph1({placeholder("p", DType::i32), placeholder("i", indices.dtype()),
                          const_node("axis", Tensor::scalar<std::int32_t>(axis)),
                          node("g", "GatherV2", {"p", "i", "axis"}, {{"batch_dims", int_attr(0)}})},
                         {{"p", params}, {"i", indices}}, "g");
  };
  EXPECT_TRUE(same_tensor(gather(i32s({2, 0}), 1), nt::make<std::int32_t>({3, 1, 6, 4}, {2, 2})));
  EXPECT_TRUE(same_tensor(gather(nt::make<std::int64_t>({1, 1, 0}, {3, 1}), 0),
                          nt::make<std::int32_t>({4, 5, 6, 4, 5, 6, 1, 2, 3}, {3, 1, 3})));
  EXPECT_TRUE(same_tensor(gather(i32s({0}), -1), nt::make<std::int32_t>({1, 4}, {2, 1})));
  EXPECT_TRUE(same_tensor(run_tf_graph1({placeholder("p", DType::i32), placeholder("i", DType::i32),
                                         node("g", "Gather", {"p", "i"})},
                                        {{"p", params}, {"i", i32s({1})}}, "g"),
                          nt::make<std::int32_t>({4, 5, 6}, {1, 3})));
  EXPECT_EQ(nt::code_of([&] {
              build_tf_graph(
                  {placeholder("p", DType::i32), placeholder("i", DType::i32),
                   const_node("axis", Tensor::scalar<std::int32_t>(1)),
                   node("g", "GatherV2", {"p", "i", "axis"}, {{"batch_dims", int_attr(1)}})},
                  {"g"});
            }),
            ErrorCode::unsupported);
  EXPECT_EQ(nt::code_of([&] { gather(i32s({3}), 1); }), ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace nnload::formats::savedmodel
