#include "graph/executor.hpp"

#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "graph/passes/passes.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::graph {
namespace {

using testing::make;
using testing::tensors_close;

graph::Attributes attrs_int(const char* name, int64_t v) {
  Attributes a;
  a.set(name, v);
  return a;
}

Tensor random_tensor(Shape shape, unsigned seed) {
  Tensor t = Tensor::empty(DType::f32, shape);
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist;
  for (float& v : std::span<float>(t.mutable_data<float>(), static_cast<std::size_t>(t.numel())))
    v = dist(rng);
  return t;
}

// x -> Relu -> Add(1) -> Relu -> Add(1) ... : every step's result dies at the next step.
std::shared_ptr<Graph> chain(int steps) {
  auto g = std::make_shared<Graph>();
  int x = g->add_input("x", DType::f32, {-1, 256});
  const int one = g->add_constant("one", Tensor::scalar<float>(1.0f));
  for (int i = 0; i < steps; ++i) {
    x = g->add("Relu", "relu" + std::to_string(i), {x});
    x = g->add("Add", "add" + std::to_string(i), {x, one});
  }
  g->add_output(x, "y");
  return g;
}

TEST(Executor, RunsAChainAndComputesTheRightValues) {
  const Executor ex(chain(3));
  const Tensor x = make<float>(std::vector<float>(512, -2.0f), {2, 256});
  const std::vector<Tensor> y = ex.run(std::vector<Tensor>{x});
  ASSERT_EQ(y.size(), 1u);
  // relu(-2)+1 = 1, relu(1)+1 = 2, relu(2)+1 = 3
  EXPECT_TRUE(tensors_close(y[0], make<float>(std::vector<float>(512, 3.0f), {2, 256})));
}

TEST(Executor, ReusesIntermediateBuffersByLiveness) {
  const int steps = 20;
  const Executor ex(chain(steps));
  const std::size_t one_buffer = 4 * 256 * 4;  // batch 4
  const std::size_t arena = ex.arena_bytes({{4, 256}});
  // 2 * steps - 1 intermediates exist; with reuse a handful of buffers suffice.
  EXPECT_LE(arena, 2 * one_buffer);
  EXPECT_GE(arena, one_buffer);
}

TEST(Executor, ReshapeSharesItsInputsBufferInsteadOfCopying) {
  auto g = std::make_shared<Graph>();
  const int x = g->add_input("x", DType::f32, {2, 8});
  const int r = g->add("Relu", "relu", {x});
  const int shaped =
      g->add("Reshape", "reshape", {r, g->add_constant("shape", make<int64_t>({4, 4}, {2}))});
  const int y = g->add("Relu", "relu2", {shaped});
  g->add_output(y, "y");
  const Executor ex(g);
  // relu's output and the reshape share one buffer; relu2 writes the graph output.
  EXPECT_EQ(ex.arena_bytes({{2, 8}}), 64u);
  const std::vector<Tensor> out = ex.run(std::vector<Tensor>{
      make<float>({-1, 2, -3, 4, 5, -6, 7, 8, 1, 1, 1, 1, 1, 1, 1, 1}, {2, 8})});
  EXPECT_TRUE(
      tensors_close(out[0], make<float>({0, 2, 0, 4, 5, 0, 7, 8, 1, 1, 1, 1, 1, 1, 1, 1}, {4, 4})));
}

TEST(Executor, ShapeComputationsAreFoldedPerInputShape) {
  // y = Reshape(x, Concat(Shape(x)[0:1], [-1])): a dynamic flatten, as ONNX exports write it.
  auto g = std::make_shared<Graph>();
  const int x = g->add_input("x", DType::f32, {-1, 3, 4});
  const int shape = g->add("Shape", "shape", {x});
  Attributes gather_axis;
  gather_axis.set("axis", int64_t{0});
  const int batch = g->add("Gather", "batch",
                           {shape, g->add_constant("zero", make<int64_t>({0}, {1}))}, gather_axis);
  const int target =
      g->add("Concat", "target", {batch, g->add_constant("minus_one", make<int64_t>({-1}, {1}))},
             attrs_int("axis", 0));
  g->add_output(g->add("Reshape", "flatten", {x, target}), "y");
  const Executor ex(g);
  for (int64_t b : {1, 3, 5}) {
    const Tensor in = random_tensor({b, 3, 4}, static_cast<unsigned>(b));
    const Tensor out = ex.run(std::vector<Tensor>{in})[0];
    EXPECT_EQ(out.shape(), (Shape{b, 12}));
    EXPECT_TRUE(tensors_close(out, in.reshaped({b, 12}), 0, 0));
  }
}

TEST(Executor, OutputsAreFreshTensorsEvenWhenTheyAreInputsOrRepeated) {
  auto g = std::make_shared<Graph>();
  const int x = g->add_input("x", DType::f32, {2});
  const int r = g->add("Relu", "relu", {x});
  g->add_output(x, "same_as_input");
  g->add_output(r, "relu");
  g->add_output(r, "relu_again");
  g->add_output(g->add_constant("c", make<float>({7, 8}, {2})), "constant");
  const Executor ex(g);
  const Tensor in = make<float>({-1, 2}, {2});
  const std::vector<Tensor> out = ex.run(std::vector<Tensor>{in});
  ASSERT_EQ(out.size(), 4u);
  EXPECT_NE(out[0].raw(), in.raw());
  EXPECT_TRUE(tensors_close(out[0], in, 0, 0));
  EXPECT_TRUE(tensors_close(out[1], make<float>({0, 2}, {2}), 0, 0));
  EXPECT_NE(out[1].raw(), out[2].raw());
  EXPECT_TRUE(tensors_close(out[2], out[1], 0, 0));
  EXPECT_TRUE(tensors_close(out[3], make<float>({7, 8}, {2}), 0, 0));
  // Outputs of one run are not overwritten by the next.
  const std::vector<Tensor> again = ex.run(std::vector<Tensor>{make<float>({5, -5}, {2})});
  EXPECT_TRUE(tensors_close(out[1], make<float>({0, 2}, {2}), 0, 0));
  EXPECT_TRUE(tensors_close(again[1], make<float>({5, 0}, {2}), 0, 0));
}

TEST(Executor, ConcurrentRunsGiveTheSingleThreadResult) {
  const Executor ex(chain(8));
  std::vector<Tensor> inputs, expected;
  for (unsigned i = 0; i < 4; ++i) {
    inputs.push_back(random_tensor({3, 256}, i));
    expected.push_back(ex.run(std::vector<Tensor>{inputs.back()})[0]);
  }
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (unsigned t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) {
        const Tensor y = ex.run(std::vector<Tensor>{inputs[(t + static_cast<unsigned>(i)) % 4]})[0];
        if (!tensors_close(y, expected[(t + static_cast<unsigned>(i)) % 4], 0, 0)) ++mismatches;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(Executor, UnsupportedOpsAreNamedAtConstruction) {
  auto g = std::make_shared<Graph>();
  const int x = g->add_input("x", DType::f32, {2});
  g->add_output(g->add("NoSuchOp", "layer_7/frob", {x}), "y");
  try {
    Executor ex(g);
    FAIL() << "constructed";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unsupported);
    EXPECT_NE(std::string(e.what()).find("'layer_7/frob' (NoSuchOp)"), std::string::npos)
        << e.what();
  }
}

TEST(Executor, ErrorsNameTheNode) {
  // Gather with indices known only at run time: an out-of-range index fails in run().
  auto g = std::make_shared<Graph>();
  const int data = g->add_constant("table", make<float>({1, 2, 3}, {3}));
  const int idx = g->add_input("idx", DType::i64, {1});
  g->add_output(g->add("Gather", "lookup", {data, idx}, attrs_int("axis", 0)), "y");
  const Executor ex(g);
  EXPECT_TRUE(tensors_close(ex.run(std::vector<Tensor>{make<int64_t>({2}, {1})})[0],
                            make<float>({3}, {1})));
  try {
    ex.run(std::vector<Tensor>{make<int64_t>({9}, {1})});
    FAIL() << "ran";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'lookup' (Gather)"), std::string::npos) << e.what();
  }
  // Shape errors found while compiling a plan name the node too.
  auto h = std::make_shared<Graph>();
  const int a = h->add_input("a", DType::f32, {-1, 3});
  const int b = h->add_input("b", DType::f32, {-1, 4});
  h->add_output(h->add("Add", "mismatch", {a, b}), "y");
  const Executor bad(h);
  try {
    bad.run(
        std::vector<Tensor>{Tensor::zeros(DType::f32, {2, 3}), Tensor::zeros(DType::f32, {2, 4})});
    FAIL() << "ran";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::shape);
    EXPECT_NE(std::string(e.what()).find("'mismatch' (Add)"), std::string::npos) << e.what();
  }
}

TEST(Executor, InputsAreCheckedAgainstTheDeclaration) {
  const Executor ex(chain(1));
  EXPECT_THROW(ex.run(std::vector<Tensor>{}), Error);
  EXPECT_THROW(ex.run(std::vector<Tensor>{Tensor::zeros(DType::f64, {1, 256})}), Error);
  EXPECT_THROW(ex.run(std::vector<Tensor>{Tensor::zeros(DType::f32, {1, 255})}), Error);
  EXPECT_THROW(ex.run(std::vector<Tensor>{Tensor::zeros(DType::f32, {256})}), Error);
  EXPECT_NO_THROW(ex.run(std::vector<Tensor>{Tensor::zeros(DType::f32, {0, 256})}));
}

TEST(Executor, ReadOnlyUserBuffersAreNeverWritten) {
  auto g = std::make_shared<Graph>();
  const int x = g->add_input("x", DType::f32, {4});
  const int flat = g->add("Reshape", "view", {x, g->add_constant("s", make<int64_t>({2, 2}, {2}))});
  g->add_output(g->add("Relu", "relu", {flat}), "y");
  const Executor ex(g);
  const std::vector<float> data = {-1, 2, -3, 4};
  const Tensor in = Tensor::wrap(static_cast<const void*>(data.data()), DType::f32, {4});
  EXPECT_TRUE(tensors_close(ex.run(std::vector<Tensor>{in})[0], make<float>({0, 2, 0, 4}, {2, 2})));
}

}  // namespace
}  // namespace nnload::graph
