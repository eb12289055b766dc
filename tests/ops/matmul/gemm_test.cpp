#include <gtest/gtest.h>

#include "ops/conv/op_test_util.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::testing {
namespace {

using ops::run_op;

struct Case {
  std::int64_t m, k, n;
  bool trans_a = false, trans_b = false;
  double alpha = 1, beta = 1;
  Shape c;  // empty vector = no C; use {0} marker below for a scalar C
  bool has_c = true;
};

// Y = alpha * op(A) op(B) + beta * C, C broadcast by index arithmetic, in double.
template <class T>
Tensor reference(const Tensor& a, const Tensor& b, const Tensor* c, const Case& g) {
  Tensor y = Tensor::empty(dtype_of<T>(), {g.m, g.n});
  for (std::int64_t i = 0; i < g.m; ++i)
    for (std::int64_t j = 0; j < g.n; ++j) {
      double acc = 0;
      for (std::int64_t k = 0; k < g.k; ++k) {
        const double av = a.data<T>()[g.trans_a ? k * g.m + i : i * g.k + k];
        const double bv = b.data<T>()[g.trans_b ? j * g.k + k : k * g.n + j];
        acc += av * bv;
      }
      double v = g.alpha * acc;
      if (c != nullptr) {
        const Shape& cs = c->shape();
        const std::int64_t ci = cs.size() == 2 && cs[0] != 1 ? i : 0;
        const std::int64_t cj = !cs.empty() && cs.back() != 1 ? j : 0;
        v += g.beta * static_cast<double>(c->data<T>()[ci * (cs.empty() ? 1 : cs.back()) + cj]);
      }
      y.mutable_data<T>()[i * g.n + j] = static_cast<T>(v);
    }
  return y;
}

graph::Attributes attrs(const Case& g) {
  graph::Attributes a;
  if (g.trans_a) a.set("transA", std::int64_t{1});
  if (g.trans_b) a.set("transB", std::int64_t{1});
  if (g.alpha != 1) a.set("alpha", g.alpha);
  if (g.beta != 1) a.set("beta", g.beta);
  return a;
}

template <class T = float>
std::vector<Tensor> inputs(const Case& g, std::uint32_t seed) {
  std::vector<Tensor> in{random_tensor<T>(g.trans_a ? Shape{g.k, g.m} : Shape{g.m, g.k}, seed),
                         random_tensor<T>(g.trans_b ? Shape{g.n, g.k} : Shape{g.k, g.n}, seed + 1)};
  if (g.has_c) in.push_back(random_tensor<T>(g.c, seed + 2));
  return in;
}

std::vector<Case> cases() {
  std::vector<Case> out;
  for (bool ta : {false, true})
    for (bool tb : {false, true}) out.push_back({5, 7, 6, ta, tb, 1, 1, {6}});
  out.push_back({5, 7, 6, false, false, 1, 1, {1, 6}});
  out.push_back({5, 7, 6, false, false, 1, 1, {5, 1}});
  out.push_back({5, 7, 6, false, true, 1, 1, {5, 6}});
  out.push_back({5, 7, 6, false, false, 1, 1, {1}});
  out.push_back({5, 7, 6, false, false, 1, 1, {}});  // scalar C
  out.push_back({5, 7, 6, true, false, 0.5, 2, {6}});
  out.push_back({5, 7, 6, false, false, 1, 0.25, {6}});
  out.push_back({5, 7, 6, false, true, 2, 0.5, {5, 6}});
  out.push_back({5, 7, 6, false, false, 1, 0, {5, 6}});
  out.push_back({5, 7, 6, true, true, 3, 1, {}, false});
  out.push_back({64, 784, 512, false, true, 1, 1, {512}});
  return out;
}

TEST(Gemm, LiteralCases) {
  const Tensor a = make<float>({1, 2, 3, 4}, {2, 2}), b = make<float>({5, 6, 7, 8}, {2, 2});
  EXPECT_TRUE(tensors_close(run_op("Gemm", {a, b})[0], make<float>({19, 22, 43, 50}, {2, 2})));
  EXPECT_TRUE(tensors_close(run_op("Gemm", {a, b, make<float>({1, 1}, {2})})[0],
                            make<float>({20, 23, 44, 51}, {2, 2})));
  EXPECT_TRUE(tensors_close(run_op("Gemm", {a, b}, attrs_of({{"transA", std::int64_t{1}}}))[0],
                            make<float>({26, 30, 38, 44}, {2, 2})));
}

TEST(Gemm, MatchesReferenceOnRandomData) {
  std::uint32_t seed = 1;
  for (const Case& g : cases()) {
    const auto in = inputs(g, seed += 3);
    const Tensor expected = reference<float>(in[0], in[1], g.has_c ? &in[2] : nullptr, g);
    const std::string what = "m" + std::to_string(g.m) + " tA" + std::to_string(g.trans_a) + " tB" +
                             std::to_string(g.trans_b) + " alpha " + std::to_string(g.alpha) +
                             " beta " + std::to_string(g.beta) + " C " + shape_to_list(g.c);
    EXPECT_TRUE(tensors_close(run_op("Gemm", in, attrs(g))[0], expected, 1e-4, 1e-4)) << what;
    const std::vector<std::size_t> runtime =
        g.has_c ? std::vector<std::size_t>{1, 2} : std::vector<std::size_t>{1};
    EXPECT_TRUE(
        tensors_close(run_op_runtime("Gemm", in, attrs(g), runtime)[0], expected, 1e-4, 1e-4))
        << "runtime " << what;
    const auto in64 = inputs<double>(g, seed);
    EXPECT_TRUE(tensors_close(run_op("Gemm", in64, attrs(g))[0],
                              reference<double>(in64[0], in64[1], g.has_c ? &in64[2] : nullptr, g),
                              1e-11, 1e-11))
        << "f64 " << what;
  }
}

TEST(Gemm, LegacyBroadcastAttribute) {
  const Case g{3, 4, 5, false, false, 1, 1, {5}};
  const auto in = inputs(g, 50);
  EXPECT_THROW(run_op("Gemm", in, {}, 1, "", 6), Error);  // broadcast=0: C must be [M, N]
  EXPECT_TRUE(
      tensors_close(run_op("Gemm", in, attrs_of({{"broadcast", std::int64_t{1}}}), 1, "", 6)[0],
                    reference<float>(in[0], in[1], &in[2], g), 1e-4, 1e-4));
  EXPECT_THROW(run_op("Gemm", {in[0], in[1]}, {}, 1, "", 6), Error);  // C required before opset 7
  const Case full{3, 4, 5, false, false, 1, 1, {3, 5}};
  const auto fin = inputs(full, 51);
  EXPECT_TRUE(tensors_close(run_op("Gemm", fin, {}, 1, "", 6)[0],
                            reference<float>(fin[0], fin[1], &fin[2], full), 1e-4, 1e-4));
}

TEST(Gemm, FusedActivation) {
  const Case g{16, 32, 24, false, true, 1, 1, {24}};
  const auto in = inputs(g, 60);
  Tensor expected = reference<float>(in[0], in[1], &in[2], g);
  for (std::int64_t i = 0; i < expected.numel(); ++i) {
    float& v = expected.mutable_data<float>()[i];
    v = std::min(std::max(v, -0.5f), 0.5f);
  }
  const auto a = attrs_of({{"transB", std::int64_t{1}},
                           {"activation", std::string("Clip")},
                           {"activation_alpha", -0.5},
                           {"activation_beta", 0.5}});
  EXPECT_TRUE(tensors_close(run_op("Gemm", in, a, 1, "nnload", 1)[0], expected, 1e-5, 1e-5));
  // alpha != 1 takes the sum post-op path; the activation must come after the addition.
  Case scaled = g;
  scaled.alpha = 2;
  Tensor expected2 = reference<float>(in[0], in[1], &in[2], scaled);
  for (std::int64_t i = 0; i < expected2.numel(); ++i) {
    float& v = expected2.mutable_data<float>()[i];
    v = std::min(std::max(v, -0.5f), 0.5f);
  }
  graph::Attributes a2 = a;
  a2.set("alpha", 2.0);
  EXPECT_TRUE(tensors_close(run_op("Gemm", in, a2, 1, "nnload", 1)[0], expected2, 1e-5, 1e-5));
}

TEST(Gemm, EmptyDimensionsAndErrors) {
  EXPECT_EQ(run_op("Gemm", {Tensor::empty(DType::f32, {0, 4}), random_tensor({4, 5}, 1),
                            random_tensor({5}, 2)})[0]
                .shape(),
            (Shape{0, 5}));
  // K = 0: Y = beta * C.
  const Tensor c = make<float>({1, 2, 3}, {3});
  EXPECT_TRUE(tensors_close(
      run_op("Gemm", {Tensor::empty(DType::f32, {2, 0}), Tensor::empty(DType::f32, {0, 3}), c},
             attrs_of({{"beta", 2.0}}))[0],
      make<float>({2, 4, 6, 2, 4, 6}, {2, 3})));
  EXPECT_THROW(run_op("Gemm", {random_tensor({2, 3, 4}, 1), random_tensor({4, 5}, 2)}), Error);
  EXPECT_THROW(run_op("Gemm", {random_tensor({3, 4}, 1), random_tensor({5, 6}, 2)}), Error);
  EXPECT_THROW(
      run_op("Gemm", {random_tensor({3, 4}, 1), random_tensor({4, 5}, 2), random_tensor({4}, 3)}),
      Error);
  EXPECT_THROW(run_op("Gemm", {random_tensor({3, 4}, 1), random_tensor({4, 5}, 2),
                               random_tensor({2, 3, 5}, 3)}),
               Error);
  EXPECT_THROW(run_op("Gemm", {random_tensor({3, 4}, 1).to(DType::i64),
                               random_tensor({4, 5}, 2).to(DType::i64)}),
               Error);
}

TEST(Gemm, OneKernelRunsFromFourThreadsAtOnce) {
  for (const Case& g : {Case{32, 64, 48, false, true, 1, 1, {48}},
                        Case{32, 64, 48, true, false, 0.5, 2, {32, 48}}}) {
    const auto in = inputs(g, 70);
    const Tensor single = run_op("Gemm", in, attrs(g))[0];
    for (const Tensor& y : run_concurrently("Gemm", in, attrs(g)))
      EXPECT_TRUE(bitwise_equal(y, single));
  }
}

}  // namespace
}  // namespace nnload::testing
