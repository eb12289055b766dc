// TF reduction builders against loops over a [2, 3, 4] tensor: every reduction, int32 and
// int64 indices, keep_dims, negative and scalar axes, empty axes (TensorFlow reduces nothing).
#include <gtest/gtest.h>

#include <functional>

#include "formats/savedmodel/ops/tf_graph.hpp"
#include "ops/shape/op_test_util.hpp"
#include "support/error_capture.hpp"

namespace nnload::formats::savedmodel {
namespace {

using namespace tftest;
namespace nt = nnload::testing;
using Ints = std::vector<std::int64_t>;

Tensor reduce(const std::string& op, const Tensor& x, const Tensor& axes, bool keep_dims) {
  return run_tf_graph1({placeholder("x", x.dtype()), const_node("axes", axes),
                        node("r", op, {"x", "axes"},
                             {{"T", type_attr(x.dtype())},
                              {"Tidx", type_attr(axes.dtype())},
                              {"keep_dims", bool_attr(keep_dims)}})},
                       {{"x", x}}, "r");
}

// Reduces x [2, 3, 4] over the axes in `reduced` (true per axis) with fn over each group.
Tensor reference(const Tensor& x, const std::vector<bool>& reduced, bool keep_dims, DType out,
                 const std::function<double(const std::vector<double>&)>& fn) {
  Shape shape;
  for (std::size_t d = 0; d < 3; ++d) {
    if (!reduced[d]) shape.push_back(x.dim(static_cast<std::int64_t>(d)));
    if (reduced[d] && keep_dims) shape.push_back(1);
  }
  std::map<std::vector<std::int64_t>, std::vector<double>> groups;
  for (std::int64_t i = 0; i < 2; ++i)
    for (std::int64_t j = 0; j < 3; ++j)
      for (std::int64_t k = 0; k < 4; ++k) {
        const std::vector<std::int64_t> key = {reduced[0] ? 0 : i, reduced[1] ? 0 : j,
                                               reduced[2] ? 0 : k};
        groups[key].push_back(x.value_as_double((i * 3 + j) * 4 + k));
      }
  std::vector<double> v;
  for (const auto& [key, values] : groups) v.push_back(fn(values));
  return Tensor::from_vector(v, shape).to(out);
}

double sum(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x;
  return s;
}

TEST(TfReduceOps, EveryReductionOverAxesLists) {
  const Tensor x = nt::random_floats({2, 3, 4}, 1, 0.5f, 1.5f);
  const std::vector<std::pair<std::string, std::function<double(const std::vector<double>&)>>> ops =
      {
          {"Sum", sum},
          {"Mean",
           [](const std::vector<double>& v) { return sum(v) / static_cast<double>(v.size()); }},
          {"Max",
           [](const std::vector<double>& v) { return *std::max_element(v.begin(), v.end()); }},
          {"Min",
           [](const std::vector<double>& v) { return *std::min_element(v.begin(), v.end()); }},
          {"Prod",
           [](const std::vector<double>& v) {
             double p = 1;
             for (double x : v) p *= x;
             return p;
           }},
      };
  const std::vector<std::pair<Tensor, std::vector<bool>>> axes = {
      {nt::make<std::int32_t>({1}, {1}), {false, true, false}},
      {nt::make<std::int64_t>({0, 2}, {2}), {true, false, true}},
      {nt::make<std::int32_t>({-1, -3}, {2}), {true, false, true}},
      {Tensor::scalar<std::int32_t>(2), {false, false, true}},
      {nt::make<std::int32_t>({0, 1, 2}, {3}), {true, true, true}},
  };
  for (const auto& [op, fn] : ops) {
    for (const auto& [axis, reduced] : axes) {
      for (const bool keep : {false, true}) {
        SCOPED_TRACE(op + " axes " + shape_to_list(axis.shape()) + (keep ? " keep_dims" : ""));
        EXPECT_TRUE(same_tensor(reduce(op, x, axis, keep),
                                reference(x, reduced, keep, DType::f32, fn), 1e-5, 1e-5));
      }
    }
  }
}

TEST(TfReduceOps, EmptyAxesReduceNothing) {
  const Tensor x = nt::random_floats({2, 3, 4}, 2);
  for (const std::string op : {"Sum", "Mean", "Max", "Min", "Prod"}) {
    EXPECT_TRUE(same_tensor(reduce(op, x, Tensor::empty(DType::i32, {0}), false), x)) << op;
  }
}

TEST(TfReduceOps, IntegerReductionsStayInteger) {
  const Tensor x = nt::make<std::int32_t>({1, 2, 4, -7, 3, 3}, {2, 3});
  EXPECT_TRUE(same_tensor(reduce("Sum", x, nt::make<std::int32_t>({1}, {1}), false),
                          nt::make<std::int32_t>({7, -1}, {2})));
  // TensorFlow's integer Mean divides the integer sum by the count (truncating).
  EXPECT_TRUE(same_tensor(reduce("Mean", x, nt::make<std::int32_t>({1}, {1}), false),
                          nt::make<std::int32_t>({2, 0}, {2})));
  EXPECT_TRUE(same_tensor(reduce("Max", x, nt::make<std::int32_t>({0}, {1}), true),
                          nt::make<std::int32_t>({1, 3, 4}, {1, 3})));
  EXPECT_TRUE(same_tensor(reduce("Prod", x, nt::make<std::int32_t>({0}, {1}), false),
                          nt::make<std::int32_t>({-7, 6, 12}, {3})));
}

TEST(TfReduceOps, AllAndAny) {
  const Tensor x = nt::make<bool>({true, true, false, false, false, false}, {2, 3});
  auto run = [&](const std::string& op, const Tensor& in, const Tensor& axes, bool keep) {
    return run_tf_graph1(
        {placeholder("x", DType::boolean), const_node("axes", axes),
         node("r", op, {"x", "axes"},
              {{"Tidx", type_attr(axes.dtype())}, {"keep_dims", bool_attr(keep)}})},
        {{"x", in}}, "r");
  };
  const Tensor axis1 = nt::make<std::int32_t>({1}, {1});
  EXPECT_TRUE(same_tensor(run("Any", x, axis1, false), nt::make<bool>({true, false}, {2})));
  EXPECT_TRUE(same_tensor(run("All", x, axis1, false), nt::make<bool>({false, false}, {2})));
  EXPECT_TRUE(same_tensor(run("All", x, nt::make<std::int64_t>({0}, {1}), true),
                          nt::make<bool>({false, false, false}, {1, 3})));
  EXPECT_TRUE(same_tensor(run("Any", x, nt::make<std::int32_t>({0}, {1}), false),
                          nt::make<bool>({true, true, false}, {3})));
  const Tensor all_true = nt::make<bool>({true, true}, {1, 2});
  EXPECT_TRUE(same_tensor(run("All", all_true, axis1, false), nt::make<bool>({true}, {1})));
  // Over an empty axis, All is true and Any false, as in TensorFlow and numpy.
  const Tensor empty = Tensor::empty(DType::boolean, {2, 0});
  EXPECT_TRUE(same_tensor(run("All", empty, axis1, false), nt::make<bool>({true, true}, {2})));
  EXPECT_TRUE(same_tensor(run("Any", empty, axis1, false), nt::make<bool>({false, false}, {2})));
  EXPECT_TRUE(same_tensor(run("Any", x, Tensor::empty(DType::i32, {0}), false), x));
}

TEST(TfReduceOps, ArgMaxArgMin) {
  const Tensor x = nt::make<float>({1.f, 5.f, 5.f, -2.f, 0.f, -2.f}, {2, 3});
  auto run = [&](const std::string& op, std::int32_t dim, std::optional<DType> out) {
    Attrs a = {{"T", type_attr(DType::f32)}, {"Tidx", type_attr(DType::i32)}};
    if (out) a["output_type"] = type_attr(*out);
    return run_tf_graph1(
        {placeholder("x", DType::f32), const_node("d", Tensor::scalar<std::int32_t>(dim)),
         node("r", op, {"x", "d"}, a)},
        {{"x", x}}, "r");
  };
  // Ties give the first index; output_type is int64 unless set.
  EXPECT_TRUE(same_tensor(run("ArgMax", 1, std::nullopt), nt::make<std::int64_t>({1, 1}, {2})));
  EXPECT_TRUE(same_tensor(run("ArgMin", -1, DType::i32), nt::make<std::int32_t>({0, 0}, {2})));
  EXPECT_TRUE(same_tensor(run("ArgMax", 0, DType::i64), nt::make<std::int64_t>({0, 0, 0}, {3})));
  EXPECT_TRUE(same_tensor(run("ArgMin", 0, DType::i32), nt::make<std::int32_t>({1, 1, 1}, {3})));
  // The dimension must be known when the graph is built.
  EXPECT_EQ(nt::code_of([] {
              build_tf_graph({placeholder("x", DType::f32), placeholder("d", DType::i32),
                              node("r", "ArgMax", {"x", "d"})},
                             {"r"});
            }),
            ErrorCode::unsupported);
}

}  // namespace
}  // namespace nnload::formats::savedmodel
