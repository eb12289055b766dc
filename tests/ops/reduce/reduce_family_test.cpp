#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <random>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ops/registry.hpp"
#include "ops/run_op.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::ops {
namespace {

using graph::Attributes;
using testing::make;

Attributes attrs_of(std::vector<std::int64_t> axes, std::int64_t keepdims) {
  Attributes a;
  a.set("axes", axes);
  a.set("keepdims", keepdims);
  return a;
}

Tensor run1(const std::string& op, std::vector<Tensor> inputs, const Attributes& attrs, int opset) {
  return run_op(op, inputs, attrs, 1, "", opset)[0];
}

Tensor axes_tensor(std::vector<std::int64_t> axes) {
  const auto n = static_cast<std::int64_t>(axes.size());
  return Tensor::from_vector<std::int64_t>(axes, {n});
}

// The data of ONNX's reduce_{mean,max,min,log_sum_exp} examples, shape [3, 2, 2].
Tensor onnx_example() { return make<float>({5, 1, 20, 2, 30, 1, 40, 2, 55, 1, 60, 2}, {3, 2, 2}); }
// The data of ONNX's reduce_{sum,prod,sum_square,l1,l2} examples: 1..12, shape [3, 2, 2].
Tensor onnx_one_to_twelve() {
  return make<float>({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, {3, 2, 2});
}

TEST(ReduceSum, OnnxExampleKeepdims) {
  // test_reduce_sum_keepdims_example: axes [1], keepdims 1.
  const Tensor y = run1("ReduceSum", {onnx_one_to_twelve(), axes_tensor({1})}, attrs_of({}, 1), 13);
  EXPECT_TRUE(testing::tensors_close(y, make<float>({4, 6, 12, 14, 20, 22}, {3, 1, 2})));
}

TEST(ReduceSum, OnnxExampleDoNotKeepdimsWithAttributeAtOpset11) {
  const Tensor y = run1("ReduceSum", {onnx_one_to_twelve()}, attrs_of({1}, 0), 11);
  EXPECT_TRUE(testing::tensors_close(y, make<float>({4, 6, 12, 14, 20, 22}, {3, 2})));
}

TEST(ReduceSum, OnnxExampleDefaultAxesReducesEverything) {
  Attributes a;
  const Tensor y = run1("ReduceSum", {onnx_one_to_twelve()}, a, 13);
  EXPECT_TRUE(testing::tensors_close(y, make<float>({78}, {1, 1, 1})));
  const Tensor y11 = run1("ReduceSum", {onnx_one_to_twelve()}, a, 11);
  EXPECT_TRUE(testing::tensors_close(y11, make<float>({78}, {1, 1, 1})));
}

TEST(ReduceSum, OnnxExampleNegativeAxes) {
  const Tensor y =
      run1("ReduceSum", {onnx_one_to_twelve(), axes_tensor({-2})}, attrs_of({}, 1), 13);
  EXPECT_TRUE(testing::tensors_close(y, make<float>({4, 6, 12, 14, 20, 22}, {3, 1, 2})));
}

TEST(ReduceSum, EmptyAxesWithNoopIsIdentity) {
  Attributes a;
  a.set("noop_with_empty_axes", std::int64_t{1});
  const Tensor x = onnx_one_to_twelve();
  EXPECT_TRUE(testing::tensors_close(run1("ReduceSum", {x, axes_tensor({})}, a, 13), x));
  EXPECT_TRUE(testing::tensors_close(run1("ReduceSum", {x}, a, 13), x));
  // Without noop, an empty axes input reduces everything.
  const Tensor all = run1("ReduceSum", {x, axes_tensor({})}, attrs_of({}, 0), 13);
  EXPECT_EQ(all.shape(), Shape{});
  EXPECT_EQ(all.item<float>(), 78);
}

TEST(ReduceSumSquare, NoopSquaresEachElementLikeOnnxReference) {
  Attributes a;
  a.set("noop_with_empty_axes", std::int64_t{1});
  const Tensor y = run1("ReduceSumSquare", {make<float>({-2, 3}, {2})}, a, 18);
  EXPECT_TRUE(testing::tensors_close(y, make<float>({4, 9}, {2})));
}

TEST(ReduceMean, OnnxExample) {
  // test_reduce_mean_keepdims_example.
  const Tensor y = run1("ReduceMean", {onnx_example(), axes_tensor({1})}, attrs_of({}, 1), 18);
  EXPECT_TRUE(testing::tensors_close(y, make<float>({12.5, 1.5, 35, 1.5, 57.5, 1.5}, {3, 1, 2})));
  const Tensor y17 = run1("ReduceMean", {onnx_example()}, attrs_of({1}, 0), 17);
  EXPECT_TRUE(testing::tensors_close(y17, make<float>({12.5, 1.5, 35, 1.5, 57.5, 1.5}, {3, 2})));
}

TEST(ReduceMax, OnnxExample) {
  const Tensor y = run1("ReduceMax", {onnx_example(), axes_tensor({1})}, attrs_of({}, 1), 18);
  EXPECT_TRUE(testing::tensors_close(y, make<float>({20, 2, 40, 2, 60, 2}, {3, 1, 2})));
}

TEST(ReduceMin, OnnxExample) {
  const Tensor y = run1("ReduceMin", {onnx_example()}, attrs_of({1}, 1), 13);
  EXPECT_TRUE(testing::tensors_close(y, make<float>({5, 1, 30, 1, 55, 1}, {3, 1, 2})));
}

TEST(ReduceProd, OnnxExample) {
  const Tensor y =
      run1("ReduceProd", {onnx_one_to_twelve(), axes_tensor({1})}, attrs_of({}, 1), 18);
  EXPECT_TRUE(testing::tensors_close(y, make<float>({3, 8, 35, 48, 99, 120}, {3, 1, 2})));
}

TEST(ReduceSumSquare, OnnxExample) {
  const Tensor y = run1("ReduceSumSquare", {onnx_one_to_twelve()}, attrs_of({1}, 1), 13);
  EXPECT_TRUE(testing::tensors_close(y, make<float>({10, 20, 74, 100, 202, 244}, {3, 1, 2})));
}

TEST(ReduceL1, OnnxExample) {
  const Tensor y = run1("ReduceL1", {onnx_one_to_twelve(), axes_tensor({2})}, attrs_of({}, 1), 18);
  EXPECT_TRUE(testing::tensors_close(y, make<float>({3, 7, 11, 15, 19, 23}, {3, 2, 1})));
}

TEST(ReduceL2, OnnxExample) {
  const Tensor y = run1("ReduceL2", {onnx_one_to_twelve()}, attrs_of({2}, 1), 13);
  EXPECT_TRUE(testing::tensors_close(
      y, make<float>({2.23606798f, 5.f, 7.81024968f, 10.63014581f, 13.45362405f, 16.2788206f},
                     {3, 2, 1})));
}

TEST(ReduceLogSumExp, OnnxExample) {
  const Tensor y = run1("ReduceLogSumExp", {onnx_example(), axes_tensor({1})}, attrs_of({}, 1), 18);
  EXPECT_TRUE(testing::tensors_close(
      y, make<float>({20.f, 2.31326175f, 40.00004578f, 2.31326175f, 60.00671535f, 2.31326175f},
                     {3, 1, 2})));
}

TEST(ReduceLogSumExp, LargeValuesDoNotOverflow) {
  const Tensor y = run1("ReduceLogSumExp", {make<float>({1000, 1000}, {2})}, attrs_of({}, 0), 13);
  EXPECT_NEAR(y.item<float>(), 1000 + std::log(2.0), 1e-3);
}

TEST(ReduceLogSum, OnnxExampleOnOnes) {
  // test_reduce_log_sum_asc_axes-like: ones of shape [3, 4, 5] over axes [1, 2] -> log(20).
  const Tensor x = Tensor::from_vector<float>(std::vector<float>(60, 1.f), {3, 4, 5});
  const Tensor y = run1("ReduceLogSum", {x, axes_tensor({1, 2})}, attrs_of({}, 0), 18);
  EXPECT_TRUE(testing::tensors_close(y, make<float>({2.9957323f, 2.9957323f, 2.9957323f}, {3})));
}

TEST(ReduceMax, PropagatesNaNLikeNumpy) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const Tensor y =
      run1("ReduceMax", {make<float>({1, nan, 3, 4, 5, 6}, {2, 3})}, attrs_of({1}, 0), 13);
  EXPECT_TRUE(std::isnan(y.values<float>()[0]));
  EXPECT_EQ(y.values<float>()[1], 6);
}

TEST(ReduceMax, SmallIntegerAndBoolTypes) {
  const Tensor u8 = make<std::uint8_t>({3, 250, 7, 1}, {2, 2});
  EXPECT_EQ(run1("ReduceMax", {u8}, attrs_of({1}, 0), 13).values<std::uint8_t>()[0], 250);
  EXPECT_EQ(run1("ReduceMin", {u8}, attrs_of({1}, 0), 13).values<std::uint8_t>()[1], 1);
  const Tensor b = make<bool>({false, true, false, false}, {2, 2});
  const Tensor any = run1("ReduceMax", {b, axes_tensor({1})}, attrs_of({}, 0), 20);
  EXPECT_EQ(any.values<bool>()[0], true);
  EXPECT_EQ(any.values<bool>()[1], false);
  const Tensor all = run1("ReduceMin", {b, axes_tensor({1})}, attrs_of({}, 0), 20);
  EXPECT_EQ(all.values<bool>()[0], false);
}

TEST(ReduceSum, IntegersWrapInsteadOfOverflowing) {
  const std::int32_t big = std::numeric_limits<std::int32_t>::max();
  const Tensor y = run1("ReduceSum", {make<std::int32_t>({big, 1}, {2})}, attrs_of({}, 0), 11);
  EXPECT_EQ(y.item<std::int64_t>(), std::numeric_limits<std::int32_t>::min());
}

TEST(ReduceMean, IntegersTruncateTowardZero) {
  const Tensor y =
      run1("ReduceMean", {make<std::int64_t>({-7, 0, 5, 2}, {2, 2})}, attrs_of({1}, 0), 13);
  EXPECT_EQ(y.values<std::int64_t>()[0], -3);
  EXPECT_EQ(y.values<std::int64_t>()[1], 3);
}

// Reductions over an empty set: ONNX gives 0 for sums, 1 for products, -inf/+inf (or the
// type's lowest/highest) for max/min, -inf for the logarithms.
TEST(Reduce, ZeroSizedReducedAxisGivesTheIdentity) {
  const Tensor x = Tensor::empty(DType::f32, {2, 0, 3});
  const auto value = [&](const std::string& op) {
    const Tensor y = run1(op, {x}, attrs_of({1}, 1), 13);
    EXPECT_EQ(y.shape(), (Shape{2, 1, 3})) << op;
    return y.values<float>()[4];
  };
  const float inf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(value("ReduceSum"), 0);
  EXPECT_EQ(value("ReduceSumSquare"), 0);
  EXPECT_EQ(value("ReduceL1"), 0);
  EXPECT_EQ(value("ReduceL2"), 0);
  EXPECT_EQ(value("ReduceProd"), 1);
  EXPECT_EQ(value("ReduceMax"), -inf);
  EXPECT_EQ(value("ReduceMin"), inf);
  EXPECT_EQ(value("ReduceLogSum"), -inf);
  EXPECT_EQ(value("ReduceLogSumExp"), -inf);
  EXPECT_TRUE(std::isnan(value("ReduceMean")));
  const Tensor xi = Tensor::empty(DType::i32, {0, 2});
  const Tensor mi = run1("ReduceMax", {xi}, attrs_of({0}, 0), 13);
  EXPECT_EQ(mi.values<std::int32_t>()[1], std::numeric_limits<std::int32_t>::min());
  EXPECT_EQ(run1("ReduceMean", {xi}, attrs_of({0}, 0), 13).values<std::int32_t>()[0], 0);
}

TEST(Reduce, ZeroSizedKeptAxisGivesAnEmptyOutput) {
  const Tensor y = run1("ReduceSum", {Tensor::empty(DType::f32, {0, 4})}, attrs_of({1}, 1), 13);
  EXPECT_EQ(y.shape(), (Shape{0, 1}));
}

TEST(Reduce, ScalarInput) {
  const Tensor y = run1("ReduceSum", {Tensor::scalar<float>(2.5f)}, attrs_of({}, 1), 13);
  EXPECT_EQ(y.shape(), Shape{});
  EXPECT_EQ(y.item<float>(), 2.5f);
}

TEST(ReduceSum, LongRowsStayAccurate) {
  // 4M copies of 0.1f: a float running sum drifts by whole percents; the double lanes do not.
  const std::int64_t n = 1 << 22;
  const Tensor x = Tensor::from_vector<float>(std::vector<float>(n, 0.1f), {n});
  const Tensor y = run1("ReduceSum", {x}, attrs_of({}, 0), 13);
  EXPECT_NEAR(y.item<double>(), static_cast<double>(n) * 0.1f, 0.05);
}

TEST(Reduce, ErrorsAreReported) {
  const Tensor x = onnx_one_to_twelve();
  EXPECT_THROW(run1("ReduceSum", {x}, attrs_of({3}, 1), 11), Error);
  EXPECT_THROW(run1("ReduceSum", {x, axes_tensor({-4})}, attrs_of({}, 1), 13), Error);
  EXPECT_THROW(run1("ReduceMean", {x}, attrs_of({1, -2}, 1), 13), Error);
  EXPECT_THROW(run1("ReduceSum", {x, make<std::int32_t>({1}, {1})}, attrs_of({}, 1), 13), Error);
  EXPECT_THROW(run1("ReduceLogSumExp", {x.to(DType::i32)}, attrs_of({1}, 1), 13), Error);
  EXPECT_THROW(run1("ReduceSum", {x.to(DType::i8)}, attrs_of({1}, 1), 13), Error);
  EXPECT_THROW(run1("ReduceSum", {x.to(DType::f16)}, attrs_of({1}, 1), 11), Error);
  try {
    run1("ReduceSum", {x}, attrs_of({5}, 1), 11);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("out of range"), std::string::npos) << e.what();
  }
}

TEST(Reduce, AxesComputedAtRunTimeAreRejectedWithAClearMessage) {
  graph::Node node;
  node.op = "ReduceSum";
  node.inputs = {0, 1};
  node.outputs = {2};
  const auto op = create_op(node, 13);
  InputInfo x{DType::f32, {2, 3}};
  InputInfo axes{DType::i64, {1}};
  const InputInfo infos[] = {x, axes};
  try {
    op->infer(infos);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unsupported);
  }
}

TEST(Reduce, RowsCoverEveryOpsetWithTheRightAxesForm) {
  for (const char* name : {"ReduceMean", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceL1",
                           "ReduceL2", "ReduceSumSquare", "ReduceLogSum", "ReduceLogSumExp"}) {
    for (int opset = 1; opset <= graph::kLatestOpset; ++opset) {
      EXPECT_NE(find_op("", name, opset), nullptr) << name << " " << opset;
    }
    EXPECT_NE(find_op("", name, 17), find_op("", name, 18)) << name;
  }
  EXPECT_NE(find_op("", "ReduceSum", 12), find_op("", "ReduceSum", 13));
}

// ---- Comparison against a plain loop over every element --------------------------------------

// The reference: each element's contribution to its output, accumulated in double.
std::vector<double> reference_reduce(const std::string& op, const Tensor& x,
                                     const std::vector<bool>& reduced) {
  const Shape& shape = x.shape();
  Shape out_shape;
  for (std::size_t i = 0; i < shape.size(); ++i) out_shape.push_back(reduced[i] ? 1 : shape[i]);
  const std::int64_t outputs = shape_size(out_shape);
  std::vector<double> sum(outputs, 0), abs_sum(outputs, 0), sq(outputs, 0), prod(outputs, 1),
      exp_sum(outputs, 0), count(outputs, 0);
  std::vector<double> mx(outputs, -INFINITY), mn(outputs, INFINITY);
  for (std::int64_t i = 0; i < x.numel(); ++i) {
    std::int64_t rest = i, o = 0, out_stride = 1;
    for (std::size_t d = shape.size(); d-- > 0;) {
      const std::int64_t idx = rest % shape[d];
      rest /= shape[d];
      if (!reduced[d]) o += idx * out_stride;
      out_stride *= out_shape[d];
    }
    const double v = x.value_as_double(i);
    sum[o] += v;
    abs_sum[o] += std::abs(v);
    sq[o] += v * v;
    prod[o] *= v;
    exp_sum[o] += std::exp(v);
    count[o] += 1;
    mx[o] = std::max(mx[o], v);
    mn[o] = std::min(mn[o], v);
  }
  const bool integer = is_integer(x.dtype());
  std::vector<double> out(outputs);
  for (std::int64_t o = 0; o < outputs; ++o) {
    double r = 0;
    if (op == "ReduceSum") r = sum[o];
    if (op == "ReduceMean") r = integer ? std::trunc(sum[o] / count[o]) : sum[o] / count[o];
    if (op == "ReduceMax") r = mx[o];
    if (op == "ReduceMin") r = mn[o];
    if (op == "ReduceProd") r = prod[o];
    if (op == "ReduceL1") r = abs_sum[o];
    if (op == "ReduceL2") r = integer ? std::trunc(std::sqrt(sq[o])) : std::sqrt(sq[o]);
    if (op == "ReduceSumSquare") r = sq[o];
    if (op == "ReduceLogSum") r = integer ? std::trunc(std::log(sum[o])) : std::log(sum[o]);
    if (op == "ReduceLogSumExp") r = std::log(exp_sum[o]);
    out[o] = r;
  }
  return out;
}

Tensor random_tensor(DType dtype, const Shape& shape, std::mt19937& rng, bool positive) {
  Tensor t = Tensor::empty(DType::f64, shape);
  // Integers stay small so that products and squares do not wrap; floats keep products near 1.
  std::uniform_real_distribution<double> real(positive ? 0.5 : -1.5, 1.5);
  std::uniform_int_distribution<int> small(positive ? 1 : -3, 3);
  double* p = t.mutable_data<double>();
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    p[i] = is_integer(dtype) ? small(rng) : real(rng);
  }
  return t.to(dtype);
}

struct Variant {
  const char* op;
  int axes_input_from;  // first opset with the axes input
};
const Variant kVariants[] = {
    {"ReduceSum", 13},    {"ReduceMean", 18},      {"ReduceMax", 18}, {"ReduceMin", 18},
    {"ReduceProd", 18},   {"ReduceL1", 18},        {"ReduceL2", 18},  {"ReduceSumSquare", 18},
    {"ReduceLogSum", 18}, {"ReduceLogSumExp", 18},
};

void check_against_reference(const Variant& v, DType dtype, const Shape& shape, std::mt19937& rng,
                             int* cases) {
  const auto rank = static_cast<std::int64_t>(shape.size());
  const bool positive = std::string(v.op) == "ReduceLogSum";
  const Tensor x = random_tensor(dtype, shape, rng, positive);
  const double tol = dtype == DType::f32 ? 1e-5 : 1e-9;
  for (std::int64_t mask = 0; mask < (std::int64_t{1} << rank); ++mask) {
    std::vector<std::int64_t> axes;
    std::vector<bool> reduced(static_cast<std::size_t>(rank));
    for (std::int64_t a = 0; a < rank; ++a) {
      reduced[static_cast<std::size_t>(a)] = (mask >> a) & 1;
      // Alternate positive and negative spellings of the same axis.
      if ((mask >> a) & 1) axes.push_back(a % 2 == 0 ? a : a - rank);
    }
    if (axes.empty()) reduced.assign(reduced.size(), true);  // empty axes reduce everything
    const std::vector<double> expected_values = reference_reduce(v.op, x, reduced);
    for (std::int64_t keepdims = 0; keepdims <= 1; ++keepdims) {
      Shape out_shape;
      for (std::int64_t a = 0; a < rank; ++a) {
        if (!reduced[static_cast<std::size_t>(a)]) {
          out_shape.push_back(shape[static_cast<std::size_t>(a)]);
        } else if (keepdims) {
          out_shape.push_back(1);
        }
      }
      const Tensor expected = Tensor::from_vector<double>(expected_values, out_shape);
      const std::string what = std::string(v.op) + " " + std::string(dtype_name(dtype)) +
                               " shape " + shape_to_list(shape) + " axes " +
                               fmt::format("{}", fmt::join(axes, ",")) + " keepdims " +
                               std::to_string(keepdims);
      const Tensor old_form = run1(v.op, {x}, attrs_of(axes, keepdims), v.axes_input_from - 1);
      EXPECT_TRUE(testing::tensors_close(old_form, expected, tol, tol)) << what << " (attribute)";
      Attributes a;
      a.set("keepdims", keepdims);
      const Tensor new_form = run1(v.op, {x, axes_tensor(axes)}, a, graph::kLatestOpset);
      EXPECT_TRUE(testing::tensors_close(new_form, expected, tol, tol)) << what << " (input)";
      *cases += 2;
    }
  }
}

TEST(Reduce, MatchesReferenceLoopOverEveryAxesSubsetDtypeAndOpsetForm) {
  std::mt19937 rng(7);
  int cases = 0;
  const Shape shapes[] = {{2, 3, 4, 5}, {7}, {3, 1, 4}, {5, 2, 1, 3, 2}};
  for (const Variant& v : kVariants) {
    for (DType dtype : {DType::f32, DType::f64, DType::i32, DType::i64}) {
      if (std::string(v.op) == "ReduceLogSumExp" && is_integer(dtype)) continue;
      for (const Shape& shape : shapes) check_against_reference(v, dtype, shape, rng, &cases);
    }
  }
  EXPECT_GT(cases, 3000);
}

// Shapes large enough to take the parallel and split paths of every loop form.
TEST(Reduce, LargeShapesMatchReferenceOnEveryLoopForm) {
  std::mt19937 rng(11);
  struct Case {
    Shape shape;
    std::vector<std::int64_t> axes;
  };
  const Case cases[] = {
      {{1, 1 << 18}, {1}},       // one long contiguous row, split across threads
      {{300, 1000}, {1}},        // many rows
      {{100000, 3}, {0}},        // leading axis, few outputs: rows split
      {{2, 7, 7, 512}, {1, 2}},  // NHWC global average pool
      {{8, 64, 33, 9}, {0, 2}},  // alternating groups, walker over two reduced groups
      {{4, 3000, 5}, {0, 2}},    // reduced innermost with an outer reduced group, few outputs
      {{1000, 700}, {0}},        // column tiles
  };
  for (const Case& c : cases) {
    const Tensor x = random_tensor(DType::f32, c.shape, rng, false);
    for (const char* op : {"ReduceSum", "ReduceMean", "ReduceMax", "ReduceLogSumExp"}) {
      std::vector<bool> reduced(c.shape.size(), false);
      for (std::int64_t a : c.axes) reduced[static_cast<std::size_t>(a)] = true;
      const std::vector<double> ref = reference_reduce(op, x, reduced);
      const Tensor y = run1(op, {x, axes_tensor(c.axes)}, attrs_of({}, 0), graph::kLatestOpset);
      const Tensor expected = Tensor::from_vector<double>(ref, y.shape());
      EXPECT_TRUE(testing::tensors_close(y, expected, 1e-4, 1e-5))
          << op << " shape " << shape_to_list(c.shape);
    }
  }
}

}  // namespace
}  // namespace nnload::ops
