// TensorFlow array ops: Reshape, Shape/ShapeN/Size/Rank (out_type int32 by default), Squeeze,
// ExpandDims, Transpose, Fill, Range, ZerosLike/OnesLike, Tile, BroadcastTo, Select (TF1: a rank-1
// condition picks rows) and SelectV2, Pad/PadV2/MirrorPad; slicing, joining and gathering are in
// slice_ops.cpp. Index inputs are cast to int64, as ONNX ops take them.
#include <fmt/format.h>

#include "formats/savedmodel/ops/builder_helpers.hpp"
#include "formats/savedmodel/ops/families.hpp"

namespace nnload::formats::savedmodel {

namespace {

// TensorFlow's 0 in a shape is an empty dimension, not "copy the input's": allowzero.
std::vector<int> reshape(TfOpContext& ctx) {
  ctx.expect_inputs(2, 2);
  graph::Attributes a;
  a.set("allowzero", std::int64_t{1});
  return {ctx.add("Reshape", "Reshape", {ctx.input(0), int64_input(ctx, 1, "Tshape", "shape")}, a)};
}

int index_output(TfOpContext& ctx, int value, const std::string& step) {
  const DType out = ctx.attr_dtype("out_type", DType::i32);
  if (out == DType::i64) return value;
  if (out != DType::i32)
    ctx.corrupt(fmt::format("out_type is {}, expected int32 or int64", dtype_name(out)));
  return cast(ctx, value, out, step);
}

std::vector<int> shape(TfOpContext& ctx) {
  ctx.expect_inputs(1, 1);
  return {index_output(ctx, ctx.add("Shape", "Shape", {ctx.input(0)}), "Cast")};
}

std::vector<int> shape_n(TfOpContext& ctx) {
  if (ctx.input_count() == 0) ctx.corrupt("takes at least one input, has none");
  std::vector<int> out;
  for (std::size_t i = 0; i < ctx.input_count(); ++i) {
    const std::string n = std::to_string(i);
    out.push_back(index_output(ctx, ctx.add("Shape", "Shape_" + n, {ctx.input(i)}), "Cast_" + n));
  }
  return out;
}

std::vector<int> size(TfOpContext& ctx) {
  ctx.expect_inputs(1, 1);
  return {index_output(ctx, ctx.add("Size", "Size", {ctx.input(0)}), "Cast")};
}

std::vector<int> rank(TfOpContext& ctx) {
  ctx.expect_inputs(1, 1);
  const int count = ctx.add("Size", "Size", {ctx.add("Shape", "Shape", {ctx.input(0)})});
  return {cast(ctx, count, DType::i32, "Cast")};
}

// No squeeze_dims: every axis of size 1 goes, as ONNX Squeeze without axes.
std::vector<int> squeeze(TfOpContext& ctx) {
  ctx.expect_inputs(1, 1);
  const std::vector<std::int64_t> axes = ctx.attr_ints("squeeze_dims", std::vector<std::int64_t>{});
  if (axes.empty()) return {ctx.add("Squeeze", "Squeeze", {ctx.input(0)})};
  return {ctx.add("Squeeze", "Squeeze", {ctx.input(0), ctx.int64s("axes", axes)})};
}

std::vector<int> expand_dims(TfOpContext& ctx) {
  ctx.expect_inputs(2, 2);
  const int dim = int64_input(ctx, 1, "Tdim", "dim");
  const int axes = ctx.add("Reshape", "axes", {dim, ctx.int64s("one_axis", {1})});
  return {ctx.add("Unsqueeze", "Unsqueeze", {ctx.input(0), axes})};
}

std::vector<int> transpose(TfOpContext& ctx) {
  ctx.expect_inputs(2, 2);
  graph::Attributes a;
  a.set("perm", constant_ints(ctx, 1, "perm"));
  return {ctx.add("Transpose", "Transpose", {ctx.input(0)}, a)};
}

std::vector<int> fill(TfOpContext& ctx) {
  ctx.expect_inputs(2, 2);
  return {ctx.add("Expand", "Expand", {ctx.input(1), int64_input(ctx, 0, "index_type", "dims")})};
}

std::vector<int> range(TfOpContext& ctx) {
  ctx.expect_inputs(3, 3);
  return {ctx.add("Range", "Range", ctx.inputs())};
}

std::vector<int> filled_like(TfOpContext& ctx, double value) {
  ctx.expect_inputs(1, 1);
  const int v = typed_scalar(ctx, "value", ctx.attr_dtype("T", DType::f32), value);
  return {ctx.add("Expand", "Expand", {v, ctx.add("Shape", "Shape", {ctx.input(0)})})};
}

std::vector<int> broadcast_to(TfOpContext& ctx) {
  ctx.expect_inputs(2, 2);
  return {ctx.add("Expand", "Expand", {ctx.input(0), int64_input(ctx, 1, "Tidx", "shape")})};
}

std::vector<int> tile(TfOpContext& ctx) {
  ctx.expect_inputs(2, 2);
  return {ctx.add("Tile", "Tile", {ctx.input(0), int64_input(ctx, 1, "Tmultiples", "multiples")})};
}

// TF1 Select: the condition has x's shape, is a scalar, or is a vector that picks whole rows
// of x; aligning its axes with x's first ones covers all three.
std::vector<int> select(TfOpContext& ctx) {
  ctx.expect_inputs(3, 3);
  const int rows = align_axes(ctx, ctx.input(0), ctx.input(1), 0, "condition_as_rows");
  return {ctx.add("Where", "Where", {rows, ctx.input(1), ctx.input(2)})};
}

std::vector<int> select_v2(TfOpContext& ctx) {
  ctx.expect_inputs(3, 3);
  return {ctx.add("Where", "Where", ctx.inputs())};
}

// paddings [rank, 2] (before, after per axis) -> ONNX pads [befores..., afters...].
int onnx_pads(TfOpContext& ctx) {
  graph::Attributes p;
  p.set("perm", std::vector<std::int64_t>{1, 0});
  const int paddings = int64_input(ctx, 1, "Tpaddings", "paddings");
  const int by_side = ctx.add("Transpose", "pads_by_side", {paddings}, p);
  return ctx.add("Reshape", "pads", {by_side, ctx.int64s("flat", {-1})});
}

std::vector<int> pad(TfOpContext& ctx) {
  const bool v2 = ctx.op() == "PadV2";
  ctx.expect_inputs(v2 ? 3 : 2, v2 ? 3 : 2);
  std::vector<int> inputs = {ctx.input(0), onnx_pads(ctx)};
  if (v2) inputs.push_back(ctx.input(2));
  return {ctx.add("Pad", "Pad", inputs)};
}

std::vector<int> mirror_pad(TfOpContext& ctx) {
  ctx.expect_inputs(2, 2);
  const std::string mode = ctx.attr_string("mode");
  if (mode != "REFLECT" && mode != "SYMMETRIC")
    ctx.corrupt(fmt::format("mode '{}', expected REFLECT or SYMMETRIC", mode));
  graph::Attributes a;
  a.set("mode", mode);
  return {ctx.add("TfMirrorPad", "MirrorPad", {ctx.input(0), ctx.input(1)}, a, "nnload")};
}

}  // namespace

TfOpRows tf_array_ops() {
  TfOpRows rows = {
      {"Reshape", reshape},
      {"Shape", shape},
      {"ShapeN", shape_n},
      {"Size", size},
      {"Rank", rank},
      {"Squeeze", squeeze},
      {"ExpandDims", expand_dims},
      {"Transpose", transpose},
      {"Fill", fill},
      {"Range", range},
      {"ZerosLike", [](TfOpContext& c) { return filled_like(c, 0); }},
      {"OnesLike", [](TfOpContext& c) { return filled_like(c, 1); }},
      {"Tile", tile},
      {"BroadcastTo", broadcast_to},
      {"Select", select},
      {"SelectV2", select_v2},
      {"Pad", pad},
      {"PadV2", pad},
      {"MirrorPad", mirror_pad},
  };
  for (auto& row : tf_slice_rows()) rows.push_back(row);
  return rows;
}

}  // namespace nnload::formats::savedmodel
