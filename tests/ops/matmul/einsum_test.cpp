#include <gtest/gtest.h>

#include <map>
#include <random>

#include "ops/conv/op_test_util.hpp"
#include "ops/matmul/einsum_batch_matmul_data.hpp"
#include "ops/matmul/einsum_plan.hpp"
#include "support/error_capture.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::testing {
namespace {

Tensor einsum(const std::string& equation, const std::vector<Tensor>& inputs) {
  graph::Attributes a;
  a.set("equation", equation);
  return ops::run_op("Einsum", inputs, a).at(0);
}

// Einsum by the book: one loop over every combination of every letter. `equation` spells
// out all dimensions with letters and has an explicit output; an operand dimension of size 1
// broadcasts against the letter's size elsewhere.
template <class T>
Tensor reference(const std::string& equation, const std::vector<Tensor>& inputs) {
  const auto arrow = equation.find("->");
  std::vector<std::string> terms;
  std::string lhs = equation.substr(0, arrow), out = equation.substr(arrow + 2);
  for (std::size_t b = 0;;) {
    const auto c = lhs.find(',', b);
    terms.push_back(lhs.substr(b, c == std::string::npos ? std::string::npos : c - b));
    if (c == std::string::npos) break;
    b = c + 1;
  }
  std::map<char, std::int64_t> size;
  for (std::size_t i = 0; i < terms.size(); ++i) {
    for (std::size_t a = 0; a < terms[i].size(); ++a) {
      const std::int64_t d = inputs[i].shape()[a];
      auto [it, fresh] = size.emplace(terms[i][a], d);
      if (!fresh && it->second == 1) it->second = d;
    }
  }
  std::vector<char> letters;
  for (const auto& [c, s] : size) letters.push_back(c);
  Shape out_shape;
  for (char c : out) out_shape.push_back(size[c]);
  std::vector<double> acc(static_cast<std::size_t>(shape_size(out_shape)), 0.0);
  std::map<char, std::int64_t> at;
  for (char c : letters) at[c] = 0;
  bool done = false;
  for (char c : letters) done = done || size[c] == 0;
  while (!done) {
    double product = 1;
    for (std::size_t i = 0; i < terms.size(); ++i) {
      std::int64_t offset = 0;
      for (std::size_t a = 0; a < terms[i].size(); ++a) {
        const std::int64_t d = inputs[i].shape()[a];
        offset = offset * d + (d == 1 ? 0 : at[terms[i][a]]);
      }
      product *= static_cast<double>(inputs[i].data<T>()[offset]);
    }
    std::int64_t o = 0;
    for (char c : out) o = o * size[c] + at[c];
    acc[static_cast<std::size_t>(o)] += product;
    std::size_t l = letters.size();
    while (true) {
      if (l == 0) {
        done = true;
        break;
      }
      --l;
      if (++at[letters[l]] < size[letters[l]]) break;
      at[letters[l]] = 0;
    }
  }
  std::vector<T> values;
  for (double v : acc) values.push_back(static_cast<T>(v));
  return Tensor::from_vector(values, out_shape);
}

template <class T>
Tensor random_of(Shape shape, std::uint32_t seed) {
  if constexpr (std::is_integral_v<T>) {
    Tensor t = Tensor::empty(dtype_of<T>(), std::move(shape));
    std::mt19937 rng(seed);
    std::uniform_int_distribution<int> dist(-5, 5);
    for (std::int64_t i = 0; i < t.numel(); ++i) t.mutable_data<T>()[i] = static_cast<T>(dist(rng));
    return t;
  } else {
    return random_tensor<T>(std::move(shape), seed);
  }
}

// ---- OpTester-style literal cases -------------------------------------------------------

TEST(EinsumTest, MatrixProduct) {
  const Tensor a = make<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  const Tensor b = make<float>({1, 0, 0, 1, 1, 1}, {3, 2});
  EXPECT_TRUE(tensors_close(einsum("ij,jk->ik", {a, b}), make<float>({4, 5, 10, 11}, {2, 2})));
  // Implicit output: the letters used once, alphabetically.
  EXPECT_TRUE(tensors_close(einsum("ij,jk", {a, b}), make<float>({4, 5, 10, 11}, {2, 2})));
  // Spaces are allowed anywhere.
  EXPECT_TRUE(
      tensors_close(einsum(" ij , jk -> ik ", {a, b}), make<float>({4, 5, 10, 11}, {2, 2})));
}

TEST(EinsumTest, OneOperandTransposeDiagonalTraceSums) {
  const Tensor a = make<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_TRUE(tensors_close(einsum("ij->ji", {a}), make<float>({1, 4, 2, 5, 3, 6}, {3, 2})));
  // Implicit "ba" is "ba->ab": a transpose.
  EXPECT_TRUE(tensors_close(einsum("ba", {a}), make<float>({1, 4, 2, 5, 3, 6}, {3, 2})));
  EXPECT_TRUE(tensors_close(einsum("ij->", {a}), make<float>({21}, {})));
  EXPECT_TRUE(tensors_close(einsum("ij->i", {a}), make<float>({6, 15}, {2})));
  EXPECT_TRUE(tensors_close(einsum("ij->j", {a}), make<float>({5, 7, 9}, {3})));
  EXPECT_TRUE(tensors_close(einsum("ij->ij", {a}), a));
  const Tensor sq = make<float>({1, 2, 3, 4, 5, 6, 7, 8, 9}, {3, 3});
  EXPECT_TRUE(tensors_close(einsum("ii->i", {sq}), make<float>({1, 5, 9}, {3})));
  EXPECT_TRUE(tensors_close(einsum("ii", {sq}), make<float>({15}, {})));
  EXPECT_TRUE(tensors_close(einsum("ii->", {sq}), make<float>({15}, {})));
}

TEST(EinsumTest, UppercaseSortsBeforeLowercaseInImplicitOutput) {
  const Tensor a = make<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  // Output "Ab" (ASCII order): the transpose, as numpy gives.
  EXPECT_TRUE(tensors_close(einsum("bA", {a}), make<float>({1, 4, 2, 5, 3, 6}, {3, 2})));
  EXPECT_TRUE(tensors_close(einsum("Ab", {a}), a));
}

TEST(EinsumTest, DotOuterAndHadamard) {
  const Tensor x = make<float>({1, 2, 3}, {3});
  const Tensor y = make<float>({4, 5, 6}, {3});
  EXPECT_TRUE(tensors_close(einsum("i,i->", {x, y}), make<float>({32}, {})));
  EXPECT_TRUE(tensors_close(einsum("i,i", {x, y}), make<float>({32}, {})));
  EXPECT_TRUE(tensors_close(einsum("i,i->i", {x, y}), make<float>({4, 10, 18}, {3})));
  EXPECT_TRUE(tensors_close(einsum("i,j->ij", {make<float>({1, 2}, {2}), y}),
                            make<float>({4, 5, 6, 8, 10, 12}, {2, 3})));
  EXPECT_TRUE(tensors_close(einsum("i,i,i->i", {x, y, x}), make<float>({4, 20, 54}, {3})));
}

TEST(EinsumTest, ThreeOperandChain) {
  const Tensor a = make<float>({1, 2, 3, 4}, {2, 2});
  const Tensor b = make<float>({0, 1, 1, 0}, {2, 2});
  const Tensor c = make<float>({2, 0, 0, 3}, {2, 2});
  // a b = [[2, 1], [4, 3]]; (a b) c = [[4, 3], [8, 9]].
  EXPECT_TRUE(tensors_close(einsum("ij,jk,kl->il", {a, b, c}), make<float>({4, 3, 8, 9}, {2, 2})));
  EXPECT_TRUE(tensors_close(einsum("ij,jk,kl", {a, b, c}), make<float>({4, 3, 8, 9}, {2, 2})));
  EXPECT_TRUE(tensors_close(einsum("ij,jk,kl->", {a, b, c}), make<float>({24}, {})));
}

TEST(EinsumTest, EllipsisBatchDiagonalAndBroadcast) {
  const Tensor a = make<float>({1, 2, 3, 4, 5, 6, 7, 8}, {2, 2, 2});
  EXPECT_TRUE(tensors_close(einsum("...ii->...i", {a}), make<float>({1, 4, 5, 8}, {2, 2})));
  // Implicit output: the ellipsis dimensions first.
  EXPECT_TRUE(tensors_close(einsum("...ii", {a}), make<float>({5, 13}, {2})));
  EXPECT_TRUE(tensors_close(einsum("i...->...", {a}), make<float>({6, 8, 10, 12}, {2, 2})));
  // Different ranks under "...": [2, 1] against [3], broadcast to [2, 3].
  const Tensor x = make<float>({1, 2, 3, 4}, {2, 1, 2});
  const Tensor y = make<float>({1, 0, 0, 1, 1, 1}, {3, 2});
  EXPECT_TRUE(
      tensors_close(einsum("...j,...j->...", {x, y}), make<float>({1, 2, 3, 3, 4, 7}, {2, 3})));
  // An ellipsis that covers no dimensions.
  EXPECT_TRUE(tensors_close(einsum("...ij,...jk->...ik", {make<float>({1, 2, 3, 4, 5, 6}, {2, 3}),
                                                          make<float>({1, 0, 0, 1, 1, 1}, {3, 2})}),
                            make<float>({4, 5, 10, 11}, {2, 2})));
}

TEST(EinsumTest, SizeOneLetterBroadcastsAcrossOperands) {
  const Tensor a = make<float>({1, 2, 3}, {1, 3});
  const Tensor b = make<float>({1, 1, 1, 2, 2, 2}, {2, 3});
  EXPECT_TRUE(tensors_close(einsum("ij,ij->ij", {a, b}), make<float>({1, 2, 3, 2, 4, 6}, {2, 3})));
}

TEST(EinsumTest, IntegerDtypes) {
  const Tensor a = make<std::int32_t>({1, 2, 3, 4, 5, 6}, {2, 3});
  const Tensor b = make<std::int32_t>({1, 0, 0, 1, 1, 1}, {3, 2});
  const Tensor y = einsum("ij,jk->ik", {a, b});
  EXPECT_EQ(y.dtype(), DType::i32);
  EXPECT_TRUE(tensors_close(y, make<std::int32_t>({4, 5, 10, 11}, {2, 2}), 0, 0));
  const Tensor c = make<std::int64_t>({1, 2, 3, 4}, {2, 2});
  EXPECT_TRUE(tensors_close(einsum("ii", {c}), make<std::int64_t>({5}, {}), 0, 0));
  EXPECT_TRUE(tensors_close(einsum("ij->j", {c}), make<std::int64_t>({4, 6}, {2}), 0, 0));
}

TEST(EinsumTest, ZeroSizedDimensions) {
  // A contracted dimension of size 0: the sum is empty, so zeros.
  const Tensor y =
      einsum("ij,jk->ik", {Tensor::empty(DType::f32, {2, 0}), Tensor::empty(DType::f32, {0, 3})});
  EXPECT_TRUE(tensors_close(y, make<float>({0, 0, 0, 0, 0, 0}, {2, 3})));
  EXPECT_EQ(
      einsum("ij,jk->ik", {Tensor::empty(DType::f32, {0, 2}), make<float>({1, 2}, {2, 1})}).shape(),
      (Shape{0, 1}));
  EXPECT_TRUE(tensors_close(einsum("ij->i", {Tensor::empty(DType::f64, {2, 0})}),
                            make<double>({0, 0}, {2})));
}

TEST(EinsumTest, ConformanceBatchMatmul) {
  namespace data = einsum_batch_matmul;
  const Tensor a = make<double>(data::kA, {5, 2, 3});
  const Tensor b = make<double>(data::kB, {5, 3, 4});
  const Tensor y = einsum("bij, bjk -> bik", {a, b});
  EXPECT_EQ(y.dtype(), DType::f64);
  EXPECT_TRUE(tensors_close(y, make<double>(data::kY, {5, 2, 4}), 1e-12, 1e-12));
}

// ---- against the nested-loop reference on random data ----------------------------------

struct Case {
  std::string equation;   // given to the op
  std::string reference;  // the same with every dimension lettered, explicit output
  std::vector<Shape> shapes;
};

const std::vector<Case>& random_cases() {
  static const std::vector<Case> cases = {
      {"bij,bjk->bik", "bij,bjk->bik", {{3, 4, 5}, {3, 5, 6}}},
      {"bhqd,bhkd->bhqk", "bhqd,bhkd->bhqk", {{2, 3, 5, 4}, {2, 3, 6, 4}}},
      {"bhqk,bhkd->bhqd", "bhqk,bhkd->bhqd", {{2, 3, 5, 6}, {2, 3, 6, 4}}},
      {"bqhd,bkhd->bhqk", "bqhd,bkhd->bhqk", {{2, 5, 3, 4}, {2, 6, 3, 4}}},
      {"ij,kj->ik", "ij,kj->ik", {{7, 9}, {5, 9}}},
      {"ji,jk->ik", "ji,jk->ik", {{9, 7}, {9, 5}}},
      {"ij,jk->ki", "ij,jk->ki", {{4, 6}, {6, 5}}},
      {"abc,cd->abd", "abc,cd->abd", {{2, 3, 4}, {4, 5}}},
      {"abc,bd->acd", "abc,bd->acd", {{2, 3, 4}, {3, 5}}},
      {"ijk,jkl->il", "ijk,jkl->il", {{3, 4, 5}, {4, 5, 2}}},
      {"ijk,ikl->", "ijk,ikl->", {{2, 3, 4}, {2, 4, 3}}},
      {"ij,jk", "ij,jk->ik", {{3, 4}, {4, 5}}},
      {"iij,jk->ik", "iij,jk->ik", {{3, 3, 4}, {4, 2}}},
      {"ijj,kj->ik", "ijj,kj->ik", {{3, 4, 4}, {2, 4}}},
      {"aij,ajk->", "aij,ajk->", {{2, 3, 4}, {2, 4, 5}}},
      {"ab,ab->b", "ab,ab->b", {{4, 6}, {4, 6}}},
      {"ab,cb,db->acd", "ab,cb,db->acd", {{3, 4}, {2, 4}, {5, 4}}},
      {"ij,jk,kl,lm->im", "ij,jk,kl,lm->im", {{2, 3}, {3, 4}, {4, 5}, {5, 2}}},
      {"...ij,...jk->...ik", "xyij,yjk->xyik", {{2, 1, 3, 4}, {5, 4, 2}}},
      {"b...d,b...d->b...", "bxyd,bxyd->bxy", {{2, 3, 1, 4}, {2, 1, 5, 4}}},
      {"...ii->...i", "xyii->xyi", {{2, 3, 4, 4}}},
      {"i...i", "ixyi->xy", {{3, 2, 4, 3}}},
      {"ijk->kji", "ijk->kji", {{3, 4, 5}}},
      {"ijk->j", "ijk->j", {{3, 4, 5}}},
      {"ijkl->li", "ijkl->li", {{2, 3, 4, 5}}},
      {"iji->j", "iji->j", {{3, 4, 3}}},
      {"ij,ij,ij->", "ij,ij,ij->", {{3, 4}, {3, 4}, {3, 4}}},
      {"ik,k->i", "ik,k->i", {{6, 7}, {7}}},
      {"k,kn->n", "k,kn->n", {{7}, {7, 6}}},
      {"i,j,k->ijk", "i,j,k->ijk", {{2}, {3}, {4}}},
      {"ab,ba->", "ab,ba->", {{3, 4}, {4, 3}}},
      {"bij,jk->bik", "bij,jk->bik", {{1, 3, 4}, {4, 5}}},
      {"bij,bjk->bik", "bij,bjk->bik", {{1, 3, 4}, {4, 4, 5}}},
  };
  return cases;
}

template <class T>
void check_random_cases(double tolerance) {
  std::uint32_t seed = 1;
  for (const Case& c : random_cases()) {
    std::vector<Tensor> inputs;
    for (const Shape& s : c.shapes) inputs.push_back(random_of<T>(s, seed++));
    SCOPED_TRACE(c.equation);
    EXPECT_TRUE(tensors_close(einsum(c.equation, inputs), reference<T>(c.reference, inputs),
                              tolerance, tolerance));
  }
}

TEST(EinsumTest, RandomFloat32MatchesReference) { check_random_cases<float>(1e-5); }
TEST(EinsumTest, RandomFloat64MatchesReference) { check_random_cases<double>(1e-12); }
TEST(EinsumTest, RandomInt32MatchesReference) { check_random_cases<std::int32_t>(0); }
TEST(EinsumTest, RandomInt64MatchesReference) { check_random_cases<std::int64_t>(0); }

TEST(EinsumTest, LargeBatchedAttentionScores) {
  // Big enough for oneDNN's batched product and several threads.
  const Tensor q = random_tensor<float>({2, 4, 64, 32}, 11);
  const Tensor k = random_tensor<float>({2, 4, 48, 32}, 12);
  EXPECT_TRUE(tensors_close(einsum("bhqd,bhkd->bhqk", {q, k}),
                            reference<float>("bhqd,bhkd->bhqk", {q, k}), 1e-4, 1e-4));
}

TEST(EinsumTest, KernelIsReentrant) {
  const Tensor a = random_tensor<float>({3, 5, 4}, 21);
  const Tensor b = random_tensor<float>({4, 3, 6}, 22);
  graph::Attributes attrs;
  attrs.set("equation", std::string("bij,jbk->kib"));
  const Tensor expected = reference<float>("bij,jbk->kib", {a, b});
  for (const Tensor& y : run_concurrently("Einsum", {a, b}, attrs)) {
    EXPECT_TRUE(tensors_close(y, expected, 1e-5, 1e-5));
  }
}

// ---- the plan: the common contractions take the batched-matmul path without copies -------

TEST(EinsumPlanTest, BatchedProductsNeedNoCopies) {
  using ops::einsum::make_plan;
  using ops::einsum::parse_equation;
  const std::vector<Shape> bmm = {{3, 4, 5}, {3, 5, 6}};
  const auto p = make_plan(parse_equation("bij,bjk->bik"), bmm);
  ASSERT_EQ(p.steps.size(), 1u);
  EXPECT_TRUE(p.steps[0].a.direct);
  EXPECT_TRUE(p.steps[0].b.direct);
  EXPECT_TRUE(p.steps[0].writes_output);
  EXPECT_FALSE(p.needs_final);
  EXPECT_EQ(p.steps[0].problem.batch_y, (Shape{3}));
  EXPECT_EQ(p.steps[0].problem.m, 4);
  EXPECT_EQ(p.steps[0].problem.k, 5);
  EXPECT_EQ(p.steps[0].problem.n, 6);

  const std::vector<Shape> qk = {{2, 3, 5, 4}, {2, 3, 6, 4}};
  const auto s = make_plan(parse_equation("bhqd,bhkd->bhqk"), qk);
  ASSERT_EQ(s.steps.size(), 1u);
  EXPECT_TRUE(s.steps[0].a.direct);
  EXPECT_TRUE(s.steps[0].b.direct);
  EXPECT_TRUE(s.steps[0].problem.trans_b);
  EXPECT_TRUE(s.steps[0].writes_output);
  EXPECT_EQ(s.steps[0].problem.batch_y, (Shape{6}));
}

// ---- errors -------------------------------------------------------------------------------

TEST(EinsumTest, MalformedEquationsAreInvalidArguments) {
  const Tensor a = make<float>({1, 2, 3, 4}, {2, 2});
  for (const char* eq : {"ij;jk", "i.j->ij", "..i", "i....j", "...i...->i", "ij->ii", "ij->k",
                         "i->i->i", "ij-ij", "ij>ij", "i1"}) {
    SCOPED_TRACE(eq);
    EXPECT_EQ(code_of([&] { einsum(eq, {a}); }), ErrorCode::invalid_argument);
  }
}

TEST(EinsumTest, OperandsThatDoNotFitTheEquation) {
  const Tensor a = make<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  const Tensor b = make<float>({1, 2, 3, 4, 5, 6, 7, 8}, {4, 2});
  // Operand count and ranks: invalid_argument.
  EXPECT_EQ(code_of([&] { einsum("ij,jk->ik", {a}); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { einsum("ij->ij", {a, b}); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { einsum("ijk->i", {a}); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { einsum("i->i", {a}); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { einsum("...ijk->i", {a}); }), ErrorCode::invalid_argument);
  // "..." covers dimensions the output drops without saying so (numpy refuses this too).
  EXPECT_EQ(code_of([&] { einsum("...j->j", {a}); }), ErrorCode::invalid_argument);
  // Dimensions: shape.
  EXPECT_EQ(code_of([&] { einsum("ij,jk->ik", {a, b}); }), ErrorCode::shape);
  EXPECT_EQ(code_of([&] { einsum("ii->i", {a}); }), ErrorCode::shape);
  EXPECT_EQ(code_of([&] {
              einsum("...i,...i->...", {make<float>({1, 2, 3, 4, 5, 6}, {3, 2}), a});
            }),
            ErrorCode::shape);
  EXPECT_NE(message_of([&] { einsum("ij,jk->ik", {a, b}); }).find("'j'"), std::string::npos);
}

TEST(EinsumTest, DtypesAreChecked) {
  const Tensor a = make<float>({1, 2, 3, 4}, {2, 2});
  const Tensor d = make<double>({1, 2, 3, 4}, {2, 2});
  EXPECT_EQ(code_of([&] { einsum("ij,jk->ik", {a, d}); }), ErrorCode::shape);
  const Tensor h = Tensor::zeros(DType::f16, {2, 2});
  EXPECT_EQ(code_of([&] { einsum("ij->ji", {h}); }), ErrorCode::unsupported);
  EXPECT_EQ(code_of([&] {
              einsum("ij->ji", {Tensor::zeros(DType::boolean, {2, 2})});
            }),
            ErrorCode::unsupported);
  EXPECT_THROW(ops::run_op("Einsum", {a}, {}), Error);  // no equation attribute
  // Einsum exists from opset 12.
  graph::Attributes attrs;
  attrs.set("equation", std::string("ij->ji"));
  EXPECT_THROW(ops::run_op("Einsum", {a}, attrs, 1, "", 11), Error);
}

}  // namespace
}  // namespace nnload::testing
