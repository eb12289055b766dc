// TensorFlow reductions: Sum, Mean, Max, Min, Prod (reduction_indices input, keep_dims), All,
// Any, ArgMax, ArgMin (dimension input, output_type). TensorFlow reduces nothing when the
// reduction indices are empty, hence noop_with_empty_axes.
#include <fmt/format.h>

#include "formats/savedmodel/ops/builder_helpers.hpp"
#include "formats/savedmodel/ops/families.hpp"

namespace nnload::formats::savedmodel {

namespace {

graph::Attributes reduce_attrs(TfOpContext& ctx) {
  graph::Attributes a;
  a.set("keepdims", std::int64_t{ctx.attr_bool("keep_dims", false) ? 1 : 0});
  a.set("noop_with_empty_axes", std::int64_t{1});
  return a;
}

int reduce(TfOpContext& ctx, const char* onnx_op, int data) {
  const int axes = int64_input(ctx, 1, "Tidx", "axes");
  return ctx.add(onnx_op, onnx_op, {data, axes}, reduce_attrs(ctx));
}

std::vector<int> reduction(TfOpContext& ctx, const char* onnx_op) {
  ctx.expect_inputs(2, 2);
  return {reduce(ctx, onnx_op, ctx.input(0))};
}

// Any: some element is true, i.e. the count of true elements is positive (0 for an empty
// reduction, as TensorFlow's Any gives false there).
int any_of(TfOpContext& ctx, int data, const std::string& step) {
  const int count = reduce(ctx, "ReduceSum", cast(ctx, data, DType::i64, step + "_as_int"));
  return ctx.add("Greater", step,
                 {count, ctx.constant(step + "_zero", Tensor::scalar<std::int64_t>(0))});
}

std::vector<int> any(TfOpContext& ctx) {
  ctx.expect_inputs(2, 2);
  return {any_of(ctx, ctx.input(0), "Any")};
}

// All: no element is false.
std::vector<int> all(TfOpContext& ctx) {
  ctx.expect_inputs(2, 2);
  const int negated = ctx.add("Not", "negated", {ctx.input(0)});
  return {ctx.add("Not", "All", {any_of(ctx, negated, "any_false")})};
}

std::vector<int> arg_reduce(TfOpContext& ctx, const char* onnx_op) {
  ctx.expect_inputs(2, 2);
  graph::Attributes a;
  a.set("axis", constant_int(ctx, 1, "dimension"));
  a.set("keepdims", std::int64_t{0});
  const int index = ctx.add(onnx_op, onnx_op, {ctx.input(0)}, a);
  const DType out = ctx.attr_dtype("output_type", DType::i64);
  if (out == DType::i64) return {index};
  if (out != DType::i32 && out != DType::i16 && out != DType::u8)
    ctx.corrupt(fmt::format("output_type {} is not an index type", dtype_name(out)));
  return {cast(ctx, index, out, "index_cast")};
}

}  // namespace

TfOpRows tf_reduce_rows() {
  return {
      {"Sum", [](TfOpContext& c) { return reduction(c, "ReduceSum"); }},
      {"Mean", [](TfOpContext& c) { return reduction(c, "ReduceMean"); }},
      {"Max", [](TfOpContext& c) { return reduction(c, "ReduceMax"); }},
      {"Min", [](TfOpContext& c) { return reduction(c, "ReduceMin"); }},
      {"Prod", [](TfOpContext& c) { return reduction(c, "ReduceProd"); }},
      {"All", all},
      {"Any", any},
      {"ArgMax", [](TfOpContext& c) { return arg_reduce(c, "ArgMax"); }},
      {"ArgMin", [](TfOpContext& c) { return arg_reduce(c, "ArgMin"); }},
  };
}

}  // namespace nnload::formats::savedmodel
