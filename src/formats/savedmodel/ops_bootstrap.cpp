// TEMPORARY builders for the ops the real SavedModel fixtures use (Mul, Add/AddV2, Cast,
// MatMul, BiasAdd, Relu, Sigmoid), so the reader can be tested before the TF op builders in
// ops/ land. find_tf_op consults them after the family tables; delete this file (and the
// tf_bootstrap_ops() line in tf_ops.cpp) once the family tables cover these ops.
#include "formats/savedmodel/tf_op_context.hpp"

namespace nnload::formats::savedmodel {

namespace {

std::int64_t onnx_type(DType d) {
  switch (d) {
    case DType::f32:
      return 1;
    case DType::u8:
      return 2;
    case DType::i8:
      return 3;
    case DType::i16:
      return 5;
    case DType::i32:
      return 6;
    case DType::i64:
      return 7;
    case DType::boolean:
      return 9;
    case DType::f16:
      return 10;
    case DType::f64:
      return 11;
    case DType::bf16:
      return 16;
  }
  return 0;
}

template <const char* kOnnx>
std::vector<int> binary(TfOpContext& ctx) {
  ctx.expect_inputs(2, 2);
  return {ctx.graph().add(kOnnx, ctx.name(), {ctx.input(0), ctx.input(1)})};
}

template <const char* kOnnx>
std::vector<int> unary(TfOpContext& ctx) {
  ctx.expect_inputs(1, 1);
  return {ctx.graph().add(kOnnx, ctx.name(), {ctx.input(0)})};
}

constexpr char kMul[] = "Mul";
constexpr char kAdd[] = "Add";
constexpr char kRelu[] = "Relu";
constexpr char kSigmoid[] = "Sigmoid";

std::vector<int> cast(TfOpContext& ctx) {
  ctx.expect_inputs(1, 1);
  graph::Attributes attrs;
  attrs.set("to", onnx_type(ctx.attr_dtype("DstT")));
  return {ctx.graph().add("Cast", ctx.name(), {ctx.input(0)}, attrs)};
}

std::vector<int> mat_mul(TfOpContext& ctx) {
  ctx.expect_inputs(2, 2);
  int a = ctx.input(0);
  int b = ctx.input(1);
  graph::Attributes perm;
  perm.set("perm", std::vector<std::int64_t>{1, 0});
  if (ctx.attr_bool("transpose_a", false)) a = ctx.add("Transpose", "transpose_a", {a}, perm);
  if (ctx.attr_bool("transpose_b", false)) b = ctx.add("Transpose", "transpose_b", {b}, perm);
  return {ctx.graph().add("MatMul", ctx.name(), {a, b})};
}

std::vector<int> bias_add(TfOpContext& ctx) {
  ctx.expect_inputs(2, 2);
  if (ctx.attr_string("data_format", "NHWC") != "NHWC") ctx.unsupported("data_format NCHW");
  return {ctx.graph().add("Add", ctx.name(), {ctx.input(0), ctx.input(1)})};
}

}  // namespace

TfOpRows tf_bootstrap_ops() {
  return {{"Mul", binary<kMul>},  {"Add", binary<kAdd>},        {"AddV2", binary<kAdd>},
          {"Relu", unary<kRelu>}, {"Sigmoid", unary<kSigmoid>}, {"Cast", cast},
          {"MatMul", mat_mul},    {"BiasAdd", bias_add}};
}

}  // namespace nnload::formats::savedmodel
