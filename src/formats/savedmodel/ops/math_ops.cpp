// TensorFlow math ops: elementwise arithmetic, comparisons and logic (numpy broadcasting, as
// ONNX's), unary math, ClipByValue, Cast, AddN, MatMul and BatchMatMul (V1-V3); reductions are in
// reduce_ops.cpp. Integer arithmetic stays integer: Div truncates as TensorFlow's does on
// integers, FloorDiv/FloorMod floor (nnload.TfFloorDiv/TfFloorMod).
#include <fmt/format.h>

#include <limits>

#include "formats/savedmodel/ops/builder_helpers.hpp"
#include "formats/savedmodel/ops/families.hpp"

namespace nnload::formats::savedmodel {

namespace {

std::vector<int> same(TfOpContext& ctx, const char* onnx_op, std::size_t inputs,
                      const char* domain = "") {
  ctx.expect_inputs(inputs, inputs);
  return {ctx.add(onnx_op, onnx_op, ctx.inputs(), {}, domain)};
}
std::vector<int> binary(TfOpContext& ctx, const char* onnx_op) { return same(ctx, onnx_op, 2); }
std::vector<int> unary(TfOpContext& ctx, const char* onnx_op) { return same(ctx, onnx_op, 1); }

bool is_float(DType d) { return d == DType::f32 || d == DType::f64; }

std::vector<int> not_equal(TfOpContext& ctx) {
  ctx.expect_inputs(2, 2);
  return {ctx.add("Not", "Not", {ctx.add("Equal", "Equal", ctx.inputs())})};
}

std::vector<int> squared_difference(TfOpContext& ctx) {
  ctx.expect_inputs(2, 2);
  const int d = ctx.add("Sub", "Sub", ctx.inputs());
  return {ctx.add("Mul", "Square", {d, d})};
}

std::vector<int> truncate_mod(TfOpContext& ctx) {
  ctx.expect_inputs(2, 2);
  graph::Attributes a;
  a.set("fmod", std::int64_t{1});  // C's % and fmod: the remainder takes the dividend's sign
  return {ctx.add("Mod", "Mod", ctx.inputs(), a)};
}

// max(min(x, hi), lo), in TensorFlow's kernel's order (lo wins when lo > hi); lo and hi may be
// tensors of x's shape, which ONNX Clip does not take.
std::vector<int> clip_by_value(TfOpContext& ctx) {
  ctx.expect_inputs(3, 3);
  const int capped = ctx.add("Min", "Min", {ctx.input(0), ctx.input(2)});
  return {ctx.add("Max", "Max", {capped, ctx.input(1)})};
}

std::vector<int> square(TfOpContext& ctx) {
  ctx.expect_inputs(1, 1);
  return {ctx.add("Mul", "Square", {ctx.input(0), ctx.input(0)})};
}

std::vector<int> rsqrt(TfOpContext& ctx) {
  ctx.expect_inputs(1, 1);
  return {ctx.add("Reciprocal", "Reciprocal", {ctx.add("Sqrt", "Sqrt", {ctx.input(0)})})};
}

// Integer reciprocals are 1 / x truncated (0 unless |x| is 1); ONNX Reciprocal is float-only.
std::vector<int> reciprocal(TfOpContext& ctx) {
  ctx.expect_inputs(1, 1);
  const DType t = ctx.attr_dtype("T", DType::f32);
  if (is_float(t)) return {ctx.add("Reciprocal", "Reciprocal", {ctx.input(0)})};
  return {ctx.add("Div", "Div", {typed_scalar(ctx, "one", t, 1), ctx.input(0)})};
}

// Rounding an integer leaves it as it is; floats round half to even, as ONNX Round does.
std::vector<int> round(TfOpContext& ctx) {
  ctx.expect_inputs(1, 1);
  if (is_float(ctx.attr_dtype("T", DType::f32))) return {ctx.add("Round", "Round", {ctx.input(0)})};
  return {ctx.add("Identity", "Identity", {ctx.input(0)})};
}

std::vector<int> is_finite(TfOpContext& ctx) {
  ctx.expect_inputs(1, 1);
  const int nan = ctx.add("IsNaN", "IsNaN", {ctx.input(0)});
  const int inf = ctx.add("IsInf", "IsInf", {ctx.input(0)});
  return {ctx.add("Not", "Not", {ctx.add("Or", "Or", {nan, inf})})};
}

std::vector<int> add_n(TfOpContext& ctx) {
  if (ctx.input_count() == 0) ctx.corrupt("takes at least one input, has none");
  if (ctx.input_count() == 1) return {ctx.add("Identity", "Identity", ctx.inputs())};
  return {ctx.add("Sum", "Sum", ctx.inputs())};
}

std::vector<int> cast_op(TfOpContext& ctx) {
  ctx.expect_inputs(1, 1);
  const DType to = ctx.attr_dtype("DstT");
  if (ctx.has_attr("SrcT") && ctx.attr_dtype("SrcT") == to)
    return {ctx.add("Identity", "Identity", {ctx.input(0)})};
  return {cast(ctx, ctx.input(0), to, "Cast")};
}

void require_float(TfOpContext& ctx, DType t) {
  if (!is_float(t)) {
    ctx.unsupported(fmt::format("{} on {} is not supported (float32 and float64 are)", ctx.op(),
                                dtype_name(t)));
  }
}

graph::Attributes perm(std::vector<std::int64_t> p) {
  graph::Attributes a;
  a.set("perm", std::move(p));
  return a;
}

std::vector<int> matmul(TfOpContext& ctx) {
  ctx.expect_inputs(2, 2);
  require_float(ctx, ctx.attr_dtype("T", DType::f32));
  int a = ctx.input(0), b = ctx.input(1);
  if (ctx.attr_bool("transpose_a", false))
    a = ctx.add("Transpose", "a_transposed", {a}, perm({1, 0}));
  if (ctx.attr_bool("transpose_b", false))
    b = ctx.add("Transpose", "b_transposed", {b}, perm({1, 0}));
  return {ctx.add("MatMul", "MatMul", {a, b})};
}

// The transpose of the last two axes (BatchMatMul's adj_x/adj_y): a Transpose when the rank is
// known, else a reshape to 3-D and back, computed in the graph.
int transpose_last_two(TfOpContext& ctx, std::size_t input, const std::string& step) {
  const int x = ctx.input(input);
  if (const std::optional<Shape> shape = known_shape(ctx, input)) {
    const auto rank = static_cast<std::int64_t>(shape->size());
    if (rank < 2)
      ctx.corrupt(fmt::format("input {} has rank {}, expected at least 2", input, rank));
    std::vector<std::int64_t> p;
    for (std::int64_t i = 0; i < rank - 2; ++i) p.push_back(i);
    p.push_back(rank - 1);
    p.push_back(rank - 2);
    return ctx.add("Transpose", step, {x}, perm(p));
  }
  // [..., m, k] -> [b, m, k] -> [b, k, m] -> [..., k, m]; the shapes fold when a plan compiles.
  const int shape = ctx.add("Shape", step + "_shape", {x});
  const int axis0 = ctx.int64s(step + "_axis0", {0});
  const int leading =
      ctx.add("Slice", step + "_leading",
              {shape, ctx.int64s(step + "_start", {0}), ctx.int64s(step + "_end", {-2}), axis0});
  const int last_two =
      ctx.add("Slice", step + "_last_two",
              {shape, ctx.int64s(step + "_from", {-2}),
               ctx.int64s(step + "_to", {std::numeric_limits<std::int64_t>::max()}), axis0});
  const int swapped =
      ctx.add("Slice", step + "_swapped",
              {shape, ctx.int64s(step + "_rfrom", {-1}), ctx.int64s(step + "_rto", {-3}), axis0,
               ctx.int64s(step + "_rstep", {-1})});
  graph::Attributes concat;
  concat.set("axis", std::int64_t{0});
  const int flat_shape =
      ctx.add("Concat", step + "_3d_shape", {ctx.int64s(step + "_batch", {-1}), last_two}, concat);
  const int flat = ctx.add("Reshape", step + "_3d", {x, flat_shape});
  const int turned = ctx.add("Transpose", step + "_3d_transposed", {flat}, perm({0, 2, 1}));
  const int out_shape = ctx.add("Concat", step + "_out_shape", {leading, swapped}, concat);
  return ctx.add("Reshape", step, {turned, out_shape});
}

// BatchMatMul (V1 needs equal batch dims, V2 broadcasts them; ONNX MatMul broadcasts, which
// covers both) and V3, whose inputs may have other types than the output (Ta, Tb, Tout).
std::vector<int> batch_matmul(TfOpContext& ctx) {
  ctx.expect_inputs(2, 2);
  const bool v3 = ctx.op() == "BatchMatMulV3";
  const DType out = v3 ? ctx.attr_dtype("Tout") : ctx.attr_dtype("T", DType::f32);
  require_float(ctx, out);
  int a = ctx.attr_bool("adj_x", false) ? transpose_last_two(ctx, 0, "x_adjoint") : ctx.input(0);
  int b = ctx.attr_bool("adj_y", false) ? transpose_last_two(ctx, 1, "y_adjoint") : ctx.input(1);
  if (v3 && ctx.attr_dtype("Ta") != out) a = cast(ctx, a, out, "x_cast");
  if (v3 && ctx.attr_dtype("Tb") != out) b = cast(ctx, b, out, "y_cast");
  return {ctx.add("MatMul", "MatMul", {a, b})};
}

}  // namespace

TfOpRows tf_math_ops() {
  TfOpRows rows = {
      {"Add", [](TfOpContext& c) { return binary(c, "Add"); }},
      {"AddV2", [](TfOpContext& c) { return binary(c, "Add"); }},
      {"Sub", [](TfOpContext& c) { return binary(c, "Sub"); }},
      {"Mul", [](TfOpContext& c) { return binary(c, "Mul"); }},
      {"RealDiv", [](TfOpContext& c) { return binary(c, "Div"); }},
      {"Div", [](TfOpContext& c) { return binary(c, "Div"); }},
      {"TruncateDiv", [](TfOpContext& c) { return binary(c, "Div"); }},
      {"FloorDiv", [](TfOpContext& c) { return same(c, "TfFloorDiv", 2, "nnload"); }},
      {"FloorMod", [](TfOpContext& c) { return same(c, "TfFloorMod", 2, "nnload"); }},
      {"TruncateMod", truncate_mod},
      {"Mod", truncate_mod},
      {"Maximum", [](TfOpContext& c) { return binary(c, "Max"); }},
      {"Minimum", [](TfOpContext& c) { return binary(c, "Min"); }},
      {"Pow", [](TfOpContext& c) { return binary(c, "Pow"); }},
      {"SquaredDifference", squared_difference},
      {"ClipByValue", clip_by_value},
      {"Equal", [](TfOpContext& c) { return binary(c, "Equal"); }},
      {"NotEqual", not_equal},
      {"Less", [](TfOpContext& c) { return binary(c, "Less"); }},
      {"LessEqual", [](TfOpContext& c) { return binary(c, "LessOrEqual"); }},
      {"Greater", [](TfOpContext& c) { return binary(c, "Greater"); }},
      {"GreaterEqual", [](TfOpContext& c) { return binary(c, "GreaterOrEqual"); }},
      {"LogicalAnd", [](TfOpContext& c) { return binary(c, "And"); }},
      {"LogicalOr", [](TfOpContext& c) { return binary(c, "Or"); }},
      {"LogicalNot", [](TfOpContext& c) { return unary(c, "Not"); }},
      {"Neg", [](TfOpContext& c) { return unary(c, "Neg"); }},
      {"Abs", [](TfOpContext& c) { return unary(c, "Abs"); }},
      {"Sign", [](TfOpContext& c) { return unary(c, "Sign"); }},
      {"Sqrt", [](TfOpContext& c) { return unary(c, "Sqrt"); }},
      {"Rsqrt", rsqrt},
      {"Square", square},
      {"Exp", [](TfOpContext& c) { return unary(c, "Exp"); }},
      {"Log", [](TfOpContext& c) { return unary(c, "Log"); }},
      {"Log1p", [](TfOpContext& c) { return same(c, "Log1p", 1, "nnload"); }},
      {"Reciprocal", reciprocal},
      {"Inv", reciprocal},
      {"Floor", [](TfOpContext& c) { return unary(c, "Floor"); }},
      {"Ceil", [](TfOpContext& c) { return unary(c, "Ceil"); }},
      {"Round", round},
      {"Rint", round},
      {"Erf", [](TfOpContext& c) { return unary(c, "Erf"); }},
      {"Sigmoid", [](TfOpContext& c) { return unary(c, "Sigmoid"); }},
      {"Tanh", [](TfOpContext& c) { return unary(c, "Tanh"); }},
      {"Sin", [](TfOpContext& c) { return unary(c, "Sin"); }},
      {"Cos", [](TfOpContext& c) { return unary(c, "Cos"); }},
      {"Tan", [](TfOpContext& c) { return unary(c, "Tan"); }},
      {"Asin", [](TfOpContext& c) { return unary(c, "Asin"); }},
      {"Acos", [](TfOpContext& c) { return unary(c, "Acos"); }},
      {"Atan", [](TfOpContext& c) { return unary(c, "Atan"); }},
      {"Sinh", [](TfOpContext& c) { return unary(c, "Sinh"); }},
      {"Cosh", [](TfOpContext& c) { return unary(c, "Cosh"); }},
      {"IsNan", [](TfOpContext& c) { return unary(c, "IsNaN"); }},
      {"IsInf", [](TfOpContext& c) { return unary(c, "IsInf"); }},
      {"IsFinite", is_finite},
      {"AddN", add_n},
      {"Cast", cast_op},
      {"MatMul", matmul},
      {"BatchMatMul", batch_matmul},
      {"BatchMatMulV2", batch_matmul},
      {"BatchMatMulV3", batch_matmul},
  };
  for (auto& row : tf_reduce_rows()) rows.push_back(row);
  return rows;
}

}  // namespace nnload::formats::savedmodel
