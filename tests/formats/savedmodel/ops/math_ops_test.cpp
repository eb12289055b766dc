// TF math op builders, run as graphs of NodeDefs: elementwise ops against plain loops (with
// broadcasting), TensorFlow's integer division rules, documentation examples, MatMul and
// BatchMatMul against a reference product.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "formats/savedmodel/ops/tf_graph.hpp"
#include "ops/shape/op_test_util.hpp"
#include "support/error_capture.hpp"

namespace nnload::formats::savedmodel {
namespace {

using namespace tftest;
namespace nt = nnload::testing;

Attrs T(DType dtype) { return {{"T", type_attr(dtype)}}; }

// x [3, 4] op y [4] through the builder, as placeholders of unknown shape.
Tensor binary(const std::string& op, const Tensor& x, const Tensor& y) {
  return run_tf_graph1({placeholder("x", x.dtype()), placeholder("y", y.dtype()),
                        node("op", op, {"x", "y"}, T(x.dtype()))},
                       {{"x", x}, {"y", y}}, "op");
}

Tensor unary(const std::string& op, const Tensor& x) {
  return run_tf_graph1({placeholder("x", x.dtype()), node("op", op, {"x"}, T(x.dtype()))},
                       {{"x", x}}, "op");
}

Tensor broadcast_reference(const Tensor& x, const Tensor& y, DType out,
                           const std::function<double(double, double)>& fn) {
  std::vector<double> v;
  for (std::int64_t i = 0; i < x.numel(); ++i)
    v.push_back(fn(x.value_as_double(i), y.value_as_double(i % y.numel())));
  return Tensor::from_vector(v, x.shape()).to(out);
}

TEST(TfMathOps, FloatBinaryOpsAgainstLoops) {
  const Tensor x = nt::random_floats({3, 4}, 1, 0.5f, 3.f);
  Tensor y = nt::random_floats({4}, 2, -2.f, 2.f);
  const std::vector<std::pair<std::string, std::function<double(double, double)>>> cases = {
      {"Add", [](double a, double b) { return a + b; }},
      {"AddV2", [](double a, double b) { return a + b; }},
      {"Sub", [](double a, double b) { return a - b; }},
      {"Mul", [](double a, double b) { return a * b; }},
      {"RealDiv", [](double a, double b) { return a / b; }},
      {"Div", [](double a, double b) { return a / b; }},
      {"Maximum", [](double a, double b) { return std::max(a, b); }},
      {"Minimum", [](double a, double b) { return std::min(a, b); }},
      {"Pow", [](double a, double b) { return std::pow(a, b); }},
      {"SquaredDifference", [](double a, double b) { return (a - b) * (a - b); }},
      {"FloorDiv", [](double a, double b) { return std::floor(a / b); }},
      {"FloorMod", [](double a, double b) { return a - std::floor(a / b) * b; }},
      {"TruncateMod", [](double a, double b) { return std::fmod(a, b); }},
  };
  for (const auto& [op, fn] : cases) {
    SCOPED_TRACE(op);
    EXPECT_TRUE(
        same_tensor(binary(op, x, y), broadcast_reference(x, y, DType::f32, fn), 1e-5, 1e-5));
  }
  const std::vector<std::pair<std::string, std::function<double(double, double)>>> compare = {
      {"Equal", [](double a, double b) { return a == b; }},
      {"NotEqual", [](double a, double b) { return a != b; }},
      {"Less", [](double a, double b) { return a < b; }},
      {"LessEqual", [](double a, double b) { return a <= b; }},
      {"Greater", [](double a, double b) { return a > b; }},
      {"GreaterEqual", [](double a, double b) { return a >= b; }},
  };
  y.mutable_data<float>()[1] = x.data<float>()[5];  // one equal pair per comparison
  for (const auto& [op, fn] : compare) {
    SCOPED_TRACE(op);
    EXPECT_TRUE(same_tensor(binary(op, x, y), broadcast_reference(x, y, DType::boolean, fn)));
  }
}

TEST(TfMathOps, LogicalOps) {
  const Tensor a = nt::make<bool>({true, true, false, false}, {4});
  const Tensor b = nt::make<bool>({true, false, true, false}, {4});
  EXPECT_TRUE(
      same_tensor(binary("LogicalAnd", a, b), nt::make<bool>({true, false, false, false}, {4})));
  EXPECT_TRUE(
      same_tensor(binary("LogicalOr", a, b), nt::make<bool>({true, true, true, false}, {4})));
  EXPECT_TRUE(same_tensor(unary("LogicalNot", a), nt::make<bool>({false, false, true, true}, {4})));
}

// Integer arithmetic stays integer; Div and TruncateDiv truncate, FloorDiv floors (TensorFlow's
// kernels: safe_div is C's /, floor_div rounds toward -inf), FloorMod takes the divisor's sign,
// TruncateMod the dividend's.
TEST(TfMathOps, IntegerDivisionSemantics) {
  const Tensor x = nt::make<std::int32_t>({7, -7, 7, -7}, {4});
  const Tensor y = nt::make<std::int32_t>({2, 2, -2, -2}, {4});
  EXPECT_TRUE(same_tensor(binary("Div", x, y), nt::make<std::int32_t>({3, -3, -3, 3}, {4})));
  EXPECT_TRUE(
      same_tensor(binary("TruncateDiv", x, y), nt::make<std::int32_t>({3, -3, -3, 3}, {4})));
  EXPECT_TRUE(same_tensor(binary("FloorDiv", x, y), nt::make<std::int32_t>({3, -4, -4, 3}, {4})));
  EXPECT_TRUE(same_tensor(binary("FloorMod", x, y), nt::make<std::int32_t>({1, 1, -1, -1}, {4})));
  EXPECT_TRUE(
      same_tensor(binary("TruncateMod", x, y), nt::make<std::int32_t>({1, -1, 1, -1}, {4})));
  EXPECT_TRUE(same_tensor(binary("Mul", x, y), nt::make<std::int32_t>({14, -14, -14, 14}, {4})));
  EXPECT_TRUE(same_tensor(binary("AddV2", x, y), nt::make<std::int32_t>({9, -5, 5, -9}, {4})));
  const Tensor big = nt::make<std::int64_t>({5, -5, 5, -5}, {4});
  const Tensor by = nt::make<std::int64_t>({3, 3, -3, -3}, {4});
  // tf.math.floormod's documentation example.
  EXPECT_TRUE(
      same_tensor(binary("FloorMod", big, by), nt::make<std::int64_t>({2, 1, -1, -2}, {4})));
  EXPECT_EQ(nt::code_of([&] {
              binary("FloorDiv", x, nt::make<std::int32_t>({1, 0, 1, 1}, {4}));
            }),
            ErrorCode::invalid_argument);
}

TEST(TfMathOps, UnaryOpsAgainstLoops) {
  const Tensor x = nt::random_floats({2, 5}, 3, 0.1f, 2.f);
  const std::vector<std::pair<std::string, std::function<double(double)>>> cases = {
      {"Neg", [](double a) { return -a; }},
      {"Abs", [](double a) { return std::abs(a); }},
      {"Sqrt", [](double a) { return std::sqrt(a); }},
      {"Rsqrt", [](double a) { return 1 / std::sqrt(a); }},
      {"Square", [](double a) { return a * a; }},
      {"Exp", [](double a) { return std::exp(a); }},
      {"Log", [](double a) { return std::log(a); }},
      {"Log1p", [](double a) { return std::log1p(a); }},
      {"Reciprocal", [](double a) { return 1 / a; }},
      {"Inv", [](double a) { return 1 / a; }},
      {"Floor", [](double a) { return std::floor(a); }},
      {"Ceil", [](double a) { return std::ceil(a); }},
      {"Erf", [](double a) { return std::erf(a); }},
      {"Sigmoid", [](double a) { return 1 / (1 + std::exp(-a)); }},
      {"Tanh", [](double a) { return std::tanh(a); }},
      {"Sin", [](double a) { return std::sin(a); }},
      {"Cos", [](double a) { return std::cos(a); }},
      {"Atan", [](double a) { return std::atan(a); }},
      {"Sign", [](double a) { return a > 0   ? 1.0
                                     : a < 0 ? -1.0
                                             : 0.0; }},
  };
  for (const auto& [op, fn] : cases) {
    SCOPED_TRACE(op);
    std::vector<double> v;
    for (std::int64_t i = 0; i < x.numel(); ++i) v.push_back(fn(x.value_as_double(i)));
    EXPECT_TRUE(
        same_tensor(unary(op, x), Tensor::from_vector(v, x.shape()).to(DType::f32), 1e-5, 1e-5));
  }
  const Tensor tiny = nt::make<float>({1e-9f}, {1});
  EXPECT_EQ(unary("Log1p", tiny).data<float>()[0], 1e-9f);
}

// tf.round's documentation example: halves go to the even neighbour.
TEST(TfMathOps, RoundHalfToEvenAndIntegerRounding) {
  const Tensor x = nt::make<float>({0.9f, 2.5f, 2.3f, 1.5f, -4.5f}, {5});
  EXPECT_TRUE(same_tensor(unary("Round", x), nt::make<float>({1.f, 2.f, 2.f, 2.f, -4.f}, {5})));
  EXPECT_TRUE(same_tensor(unary("Rint", x), nt::make<float>({1.f, 2.f, 2.f, 2.f, -4.f}, {5})));
  const Tensor i = nt::make<std::int32_t>({3, -2}, {2});
  EXPECT_TRUE(same_tensor(unary("Round", i), i));
  EXPECT_TRUE(same_tensor(unary("Reciprocal", nt::make<std::int32_t>({1, 2, -1}, {3})),
                          nt::make<std::int32_t>({1, 0, -1}, {3})));
  EXPECT_TRUE(same_tensor(unary("Square", i), nt::make<std::int32_t>({9, 4}, {2})));
  EXPECT_TRUE(same_tensor(unary("Abs", i), nt::make<std::int32_t>({3, 2}, {2})));
}

TEST(TfMathOps, ClipByValueWithScalarAndTensorBounds) {
  const Tensor x = nt::make<float>({-3.f, 0.5f, 4.f, 2.f}, {4});
  auto clip = [&](const Tensor& lo, const Tensor& hi) {
    return run_tf_graph1({placeholder("x", DType::f32), const_node("lo", lo), const_node("hi", hi),
                          node("c", "ClipByValue", {"x", "lo", "hi"}, T(DType::f32))},
                         {{"x", x}}, "c");
  };
  EXPECT_TRUE(same_tensor(clip(Tensor::scalar<float>(0.f), Tensor::scalar<float>(3.f)),
                          nt::make<float>({0.f, 0.5f, 3.f, 2.f}, {4})));
  EXPECT_TRUE(
      same_tensor(clip(nt::make<float>({-4.f, 1.f, 0.f, 0.f}, {4}), Tensor::scalar<float>(3.f)),
                  nt::make<float>({-3.f, 1.f, 3.f, 2.f}, {4})));
  // lo above hi: TensorFlow's max(min(x, hi), lo) gives lo.
  EXPECT_TRUE(same_tensor(clip(Tensor::scalar<float>(2.f), Tensor::scalar<float>(1.f)),
                          nt::make<float>({2.f, 2.f, 2.f, 2.f}, {4})));
}

TEST(TfMathOps, NanAndInfinityTests) {
  const float inf = std::numeric_limits<float>::infinity();
  const Tensor x = nt::make<float>({1.f, NAN, inf, -inf}, {4});
  EXPECT_TRUE(same_tensor(unary("IsNan", x), nt::make<bool>({false, true, false, false}, {4})));
  EXPECT_TRUE(same_tensor(unary("IsInf", x), nt::make<bool>({false, false, true, true}, {4})));
  EXPECT_TRUE(same_tensor(unary("IsFinite", x), nt::make<bool>({true, false, false, false}, {4})));
}

TEST(TfMathOps, CastFollowsDstT) {
  auto cast = [](const Tensor& x, DType to) {
    return run_tf_graph1(
        {placeholder("x", x.dtype()),
         node("c", "Cast", {"x"}, {{"SrcT", type_attr(x.dtype())}, {"DstT", type_attr(to)}})},
        {{"x", x}}, "c");
  };
  const Tensor f = nt::make<float>({1.7f, -1.7f, 0.f, 0.5f}, {4});
  EXPECT_TRUE(same_tensor(cast(f, DType::i32), nt::make<std::int32_t>({1, -1, 0, 0}, {4})));
  EXPECT_TRUE(same_tensor(cast(f, DType::boolean), nt::make<bool>({true, true, false, true}, {4})));
  EXPECT_TRUE(same_tensor(cast(nt::make<bool>({true, false}, {2}), DType::f32),
                          nt::make<float>({1.f, 0.f}, {2})));
  EXPECT_TRUE(same_tensor(cast(f, DType::f32), f));
  EXPECT_TRUE(same_tensor(cast(nt::make<std::int64_t>({5, -3}, {2}), DType::i32),
                          nt::make<std::int32_t>({5, -3}, {2})));
}

TEST(TfMathOps, AddNSumsAnyNumberOfInputs) {
  const Tensor a = nt::random_floats({2, 3}, 1), b = nt::random_floats({2, 3}, 2),
               c = nt::random_floats({2, 3}, 3);
  const Tensor sum = run_tf_graph1(
      {placeholder("a", DType::f32), placeholder("b", DType::f32), placeholder("c", DType::f32),
       node("n", "AddN", {"a", "b", "c"}, {{"N", int_attr(3)}})},
      {{"a", a}, {"b", b}, {"c", c}}, "n");
  std::vector<float> v;
  for (int i = 0; i < 6; ++i)
    v.push_back(a.data<float>()[i] + b.data<float>()[i] + c.data<float>()[i]);
  EXPECT_TRUE(same_tensor(sum, nt::make<float>(v, {2, 3}), 1e-6, 1e-6));
  EXPECT_TRUE(same_tensor(
      run_tf_graph1({placeholder("a", DType::f32), node("n", "AddN", {"a"})}, {{"a", a}}, "n"), a));
}

// [..., m, k] x [..., k, n] with batch broadcasting, in double.
Tensor matmul_reference(const Tensor& a, const Tensor& b, bool adj_a, bool adj_b) {
  const std::int64_t ra = a.rank(), rb = b.rank();
  const std::int64_t m = adj_a ? a.dim(ra - 1) : a.dim(ra - 2),
                     k = adj_a ? a.dim(ra - 2) : a.dim(ra - 1);
  const std::int64_t n = adj_b ? b.dim(rb - 2) : b.dim(rb - 1);
  Shape batch_a(a.shape().begin(), a.shape().end() - 2),
      batch_b(b.shape().begin(), b.shape().end() - 2);
  while (batch_a.size() < batch_b.size()) batch_a.insert(batch_a.begin(), 1);
  while (batch_b.size() < batch_a.size()) batch_b.insert(batch_b.begin(), 1);
  Shape batch;
  for (std::size_t i = 0; i < batch_a.size(); ++i)
    batch.push_back(std::max(batch_a[i], batch_b[i]));
  std::int64_t count = 1;
  for (std::int64_t d : batch) count *= d;
  std::vector<float> out;
  for (std::int64_t bi = 0; bi < count; ++bi) {
    std::int64_t rest = bi, off_a = 0, off_b = 0, stride_a = 1, stride_b = 1;
    for (std::size_t d = batch.size(); d-- > 0;) {
      const std::int64_t idx = rest % batch[d];
      rest /= batch[d];
      off_a += (batch_a[d] == 1 ? 0 : idx) * stride_a;
      off_b += (batch_b[d] == 1 ? 0 : idx) * stride_b;
      stride_a *= batch_a[d];
      stride_b *= batch_b[d];
    }
    for (std::int64_t i = 0; i < m; ++i)
      for (std::int64_t j = 0; j < n; ++j) {
        double s = 0;
        for (std::int64_t p = 0; p < k; ++p) {
          const double av = a.data<float>()[off_a * m * k + (adj_a ? p * m + i : i * k + p)];
          const double bv = b.data<float>()[off_b * k * n + (adj_b ? j * k + p : p * n + j)];
          s += av * bv;
        }
        out.push_back(static_cast<float>(s));
      }
  }
  batch.push_back(m);
  batch.push_back(n);
  return Tensor::from_vector(out, batch);
}

TEST(TfMathOps, MatMulTransposes) {
  for (const bool ta : {false, true}) {
    for (const bool tb : {false, true}) {
      const Tensor a = nt::random_floats(ta ? Shape{4, 3} : Shape{3, 4}, 1);
      const Tensor b = nt::random_floats(tb ? Shape{5, 4} : Shape{4, 5}, 2);
      // b as a constant, as weights are; a fed.
      const Tensor y = run_tf_graph1({placeholder("a", DType::f32), const_node("b", b),
                                      node("mm", "MatMul", {"a", "b"},
                                           {{"T", type_attr(DType::f32)},
                                            {"transpose_a", bool_attr(ta)},
                                            {"transpose_b", bool_attr(tb)}})},
                                     {{"a", a}}, "mm");
      EXPECT_TRUE(same_tensor(y, matmul_reference(a, b, ta, tb), 1e-5, 1e-5)) << ta << tb;
    }
  }
}

TEST(TfMathOps, BatchMatMulAdjointsAndBroadcasting) {
  for (const std::string op : {"BatchMatMul", "BatchMatMulV2", "BatchMatMulV3"}) {
    for (const bool adj_x : {false, true}) {
      for (const bool adj_y : {false, true}) {
        for (const bool known_rank : {false, true}) {
          SCOPED_TRACE(op + (adj_x ? " adj_x" : "") + (adj_y ? " adj_y" : "") +
                       (known_rank ? " known rank" : ""));
          const bool v1 = op == "BatchMatMul";
          const Tensor x = nt::random_floats(adj_x ? Shape{2, 1, 4, 3} : Shape{2, 1, 3, 4}, 1);
          const Shape y_shape = adj_y ? Shape{5, 2, 4} : Shape{5, 4, 2};
          const Tensor y = nt::random_floats(v1 ? Shape{2, 1, y_shape[1], y_shape[2]} : y_shape, 2);
          Attrs a = {{"adj_x", bool_attr(adj_x)}, {"adj_y", bool_attr(adj_y)}};
          if (op == "BatchMatMulV3") {
            a["Ta"] = type_attr(DType::f32);
            a["Tb"] = type_attr(DType::f32);
            a["Tout"] = type_attr(DType::f32);
          } else {
            a["T"] = type_attr(DType::f32);
          }
          const std::optional<Shape> sx =
              known_rank ? std::optional<Shape>(x.shape()) : std::nullopt;
          const std::optional<Shape> sy =
              known_rank ? std::optional<Shape>(y.shape()) : std::nullopt;
          const Tensor out =
              run_tf_graph1({placeholder("x", DType::f32, sx), placeholder("y", DType::f32, sy),
                             node("bmm", op, {"x", "y"}, a)},
                            {{"x", x}, {"y", y}}, "bmm");
          EXPECT_TRUE(same_tensor(out, matmul_reference(x, y, adj_x, adj_y), 1e-5, 1e-5));
        }
      }
    }
  }
}

TEST(TfMathOps, BatchMatMulV3CastsInputsToTout) {
  const Tensor x = nt::make<std::int32_t>({1, 2, 3, 4}, {1, 2, 2});
  const Tensor y = nt::make<float>({1.f, 0.f, 0.f, 1.f}, {1, 2, 2});
  const Tensor out = run_tf_graph1({placeholder("x", DType::i32), placeholder("y", DType::f32),
                                    node("bmm", "BatchMatMulV3", {"x", "y"},
                                         {{"Ta", type_attr(DType::i32)},
                                          {"Tb", type_attr(DType::f32)},
                                          {"Tout", type_attr(DType::f32)}})},
                                   {{"x", x}, {"y", y}}, "bmm");
  EXPECT_TRUE(same_tensor(out, nt::make<float>({1.f, 2.f, 3.f, 4.f}, {1, 2, 2})));
}

TEST(TfMathOps, UnsupportedDtypesAreErrorsNamingTheNode) {
  const std::string message = nt::message_of([] {
    build_tf_graph({placeholder("a", DType::i32), placeholder("b", DType::i32),
                    node("dense/MatMul", "MatMul", {"a", "b"}, T(DType::i32))},
                   {"dense/MatMul"});
  });
  EXPECT_NE(message.find("dense/MatMul"), std::string::npos) << message;
  EXPECT_NE(message.find("int32"), std::string::npos) << message;
  EXPECT_EQ(nt::code_of([] {
              build_tf_graph({placeholder("a", DType::i32), placeholder("b", DType::i32),
                              node("mm", "MatMul", {"a", "b"}, T(DType::i32))},
                             {"mm"});
            }),
            ErrorCode::unsupported);
  EXPECT_EQ(find_tf_op("NoSuchOp"), nullptr);
  EXPECT_EQ(nt::code_of([] {
              build_tf_graph(
                  {placeholder("a", DType::f32), node("add", "AddV2", {"a"}, T(DType::f32))},
                  {"add"});
            }),
            ErrorCode::corrupt);
}

}  // namespace
}  // namespace nnload::formats::savedmodel
