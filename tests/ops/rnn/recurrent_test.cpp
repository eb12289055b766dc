// What RNN, GRU and LSTM share (src/ops/rnn/recurrent.*, recurrent_kernel.hpp): input checks
// and their errors, weights known only at run time, re-entrancy, empty shapes, registry rows.
#include <gtest/gtest.h>

#include <thread>

#include "graph/executor.hpp"
#include "ops/registry.hpp"
#include "ops/rnn/rnn_reference.hpp"
#include "ops/run_op.hpp"
#include "support/error_capture.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload {
namespace {

using testing::code_of;
using testing::message_of;
using testing::tensors_close;
namespace ref = testing::rnn_ref;

// Runs `c` with one input replaced (an undefined tensor removes it) or one attribute set.
struct Runner {
  ref::Case c;
  ref::Data data;
  graph::Attributes attrs;

  explicit Runner(ref::Case base) : c(std::move(base)) {
    std::mt19937 rng(99);
    data = ref::random_data(c, rng);
    attrs = ref::attributes(c);
  }
  std::vector<Tensor> run(int replace = -1, const Tensor& with = Tensor(), int outputs = 2) const {
    std::vector<Tensor> inputs{data.x, data.w, data.r, data.b, data.lens, data.h0, data.c0, data.p};
    if (replace >= 0) inputs[static_cast<std::size_t>(replace)] = with;
    while (!inputs.back().defined()) inputs.pop_back();
    return ops::run_op(c.op, inputs, attrs, outputs, "", c.opset);
  }
};

ref::Case lstm_case() {
  ref::Case c;
  c.direction = "bidirectional";
  c.lens = c.initial_h = c.initial_c = c.peepholes = true;
  return c;
}

TEST(RecurrentErrors, WrongWeightShapes) {
  Runner r(lstm_case());  // hidden 5, input 3, 2 directions
  const Tensor bad_w = Tensor::zeros(DType::f32, {2, 20, 4});
  EXPECT_EQ(code_of([&] { r.run(1, bad_w); }), ErrorCode::shape);
  EXPECT_NE(
      message_of([&] { r.run(1, bad_w); }).find("W has shape [2, 20, 4], expected [2, 20, 3]"),
      std::string::npos)
      << message_of([&] { r.run(1, bad_w); });
  EXPECT_EQ(code_of([&] { r.run(2, Tensor::zeros(DType::f32, {2, 15, 5})); }), ErrorCode::shape);
  EXPECT_EQ(code_of([&] { r.run(2, Tensor::zeros(DType::f32, {40, 5})); }), ErrorCode::shape);
  EXPECT_EQ(code_of([&] { r.run(3, Tensor::zeros(DType::f32, {2, 20})); }), ErrorCode::shape);
  EXPECT_EQ(code_of([&] { r.run(5, Tensor::zeros(DType::f32, {2, 5, 2})); }), ErrorCode::shape);
  EXPECT_EQ(code_of([&] { r.run(6, Tensor::zeros(DType::f32, {1, 2, 5})); }), ErrorCode::shape);
  EXPECT_EQ(code_of([&] { r.run(7, Tensor::zeros(DType::f32, {2, 10})); }), ErrorCode::shape);
  EXPECT_EQ(code_of([&] { r.run(0, Tensor::zeros(DType::f32, {4, 3})); }), ErrorCode::shape);
  // One direction's weights for a bidirectional node.
  EXPECT_EQ(code_of([&] { r.run(1, Tensor::zeros(DType::f32, {1, 20, 3})); }), ErrorCode::shape);
}

TEST(RecurrentErrors, HiddenSizeMismatch) {
  Runner r(lstm_case());
  r.attrs.set("hidden_size", std::int64_t{6});
  EXPECT_EQ(code_of([&] { r.run(); }), ErrorCode::shape);
  EXPECT_NE(message_of([&] { r.run(); }).find("the node says 6"), std::string::npos)
      << message_of([&] { r.run(); });
  r.attrs.set("hidden_size", std::int64_t{0});
  EXPECT_EQ(code_of([&] { r.run(); }), ErrorCode::invalid_argument);
}

TEST(RecurrentErrors, HiddenSizeFromRWhenAbsent) {
  ref::Case c;
  c.op = "GRU";
  Runner r(c);
  r.attrs.erase("hidden_size");
  EXPECT_TRUE(tensors_close(r.run()[1], ref::reference(c, r.data).y_h, 2e-5, 1e-4));
}

TEST(RecurrentErrors, BadAttributes) {
  Runner r(lstm_case());
  auto with = [&](const std::string& name, graph::AttrValue value) {
    Runner copy = r;
    copy.attrs.set(name, std::move(value));
    return code_of([&] { copy.run(); });
  };
  EXPECT_EQ(with("direction", std::string("sideways")), ErrorCode::invalid_argument);
  EXPECT_EQ(with("layout", std::int64_t{2}), ErrorCode::invalid_argument);
  EXPECT_EQ(with("clip", 0.0), ErrorCode::invalid_argument);
  EXPECT_EQ(with("clip", -1.0), ErrorCode::invalid_argument);
  EXPECT_EQ(with("activations", std::vector<std::string>{"Sigmoid", "Tanh", "Tanh"}),
            ErrorCode::invalid_argument);  // 3 for 2 directions
  EXPECT_EQ(with("activations",
                 std::vector<std::string>{"Sigmoid", "Tanh", "Tanh", "Sigmoid", "Tanh", "Gelu"}),
            ErrorCode::invalid_argument);
  // Activation names compare case-insensitively, as in ONNX Runtime.
  EXPECT_EQ(with("activations",
                 std::vector<std::string>{"sigmoid", "TANH", "tanh", "Sigmoid", "Tanh", "Tanh"}),
            ErrorCode::internal);  // no error
  EXPECT_NE(message_of([&] {
              Runner copy = r;
              copy.attrs.set("direction", std::string("sideways"));
              copy.run();
            }).find("'sideways'"),
            std::string::npos);
}

TEST(RecurrentErrors, BadSequenceLens) {
  Runner r(lstm_case());  // seq 4, batch 2
  for (const std::vector<std::int32_t>& lens :
       std::vector<std::vector<std::int32_t>>{{0, 2}, {4, 5}, {-1, 1}}) {
    const Tensor t = Tensor::from_vector<std::int32_t>(lens, {2});
    EXPECT_EQ(code_of([&] { r.run(4, t); }), ErrorCode::invalid_argument);
  }
  EXPECT_NE(message_of([&] {
              r.run(4, Tensor::from_vector<std::int32_t>({4, 5}, {2}));
            }).find("sequence_lens[1] is 5, expected 1..4"),
            std::string::npos);
  EXPECT_EQ(code_of([&] {
              r.run(4, Tensor::from_vector<std::int32_t>({1, 2, 3}, {3}));
            }),
            ErrorCode::shape);
  EXPECT_EQ(code_of([&] { r.run(4, Tensor::from_vector<float>({1, 2}, {2})); }), ErrorCode::shape);
  // int64 lengths are read too.
  const Tensor wide = Tensor::from_vector<std::int64_t>({4, 2}, {2});
  const Tensor narrow = Tensor::from_vector<std::int32_t>({4, 2}, {2});
  EXPECT_TRUE(tensors_close(r.run(4, wide)[0], r.run(4, narrow)[0], 0, 0));
}

TEST(RecurrentErrors, DtypesAndInputCounts) {
  Runner r(lstm_case());
  EXPECT_EQ(code_of([&] { r.run(0, r.data.x.to(DType::f16)); }), ErrorCode::unsupported);
  EXPECT_EQ(code_of([&] { r.run(0, r.data.x.to(DType::i32)); }), ErrorCode::unsupported);
  EXPECT_EQ(code_of([&] { r.run(1, r.data.w.to(DType::f64)); }), ErrorCode::shape);
  EXPECT_EQ(code_of([&] { r.run(2, Tensor()); }), ErrorCode::invalid_argument);  // R missing
  EXPECT_EQ(code_of([&] { r.run(-1, Tensor(), 4); }), ErrorCode::invalid_argument);
  Runner gru([] {
    ref::Case c;
    c.op = "GRU";
    return c;
  }());
  EXPECT_EQ(code_of([&] {
              ops::run_op("GRU",
                          {gru.data.x, gru.data.w, gru.data.r, gru.data.b, Tensor(), Tensor(),
                           Tensor::zeros(DType::f32, {1, 2, 5})},
                          gru.attrs, 2);
            }),
            ErrorCode::invalid_argument);  // GRU takes at most 6 inputs
}

// W and R known only at run time (no packing) give what the packed kernel gives.
TEST(Recurrent, RuntimeWeightsMatchPacked) {
  for (const char* op : {"RNN", "GRU", "LSTM"}) {
    for (bool lbr : {false, true}) {
      ref::Case c = lstm_case();
      c.op = op;
      c.linear_before_reset = lbr;
      c.initial_c = c.peepholes = c.op == "LSTM";
      std::mt19937 rng(5);
      const ref::Data data = ref::random_data(c, rng);
      graph::Node node{"n", c.op, "", {}, {0, 0}, ref::attributes(c)};
      if (c.op == "LSTM") node.outputs.push_back(0);
      const std::vector<Tensor> inputs = data.inputs();
      node.inputs.assign(inputs.size(), 0);
      const auto op_impl = ops::create_op(node, graph::kLatestOpset);
      std::vector<ops::InputInfo> infos;
      for (const Tensor& t : inputs) {
        ops::InputInfo info = ops::info_of(t);
        info.value = nullptr;  // a graph input: shape known, data not
        infos.push_back(info);
      }
      const auto types = op_impl->infer(infos);
      std::vector<Tensor> out;
      for (const auto& t : types) out.push_back(Tensor::empty(t.dtype, t.shape));
      op_impl->make_kernel(infos, types)->run(inputs, out);
      SCOPED_TRACE(std::string(op) + (lbr ? " lbr" : ""));
      ref::expect_matches_reference(c, data, out, 2e-5, 1e-4);
    }
  }
}

// One kernel run from several threads at once gives each the same answer.
TEST(Recurrent, KernelIsReentrant) {
  const ref::Case c = lstm_case();
  std::mt19937 rng(6);
  const ref::Data data = ref::random_data(c, rng);
  graph::Node node{"n", "LSTM", "", {}, {0, 0, 0}, ref::attributes(c)};
  const std::vector<Tensor> inputs = data.inputs();
  node.inputs.assign(inputs.size(), 0);
  const auto op = ops::create_op(node, graph::kLatestOpset);
  std::vector<ops::InputInfo> infos;
  for (const Tensor& t : inputs) infos.push_back(ops::info_of(t));
  const auto types = op->infer(infos);
  const auto kernel = op->make_kernel(infos, types);
  const ref::Result expected = ref::reference(c, data);
  std::vector<std::vector<Tensor>> outs(4);
  std::vector<std::thread> threads;
  for (auto& out : outs) {
    for (const auto& t : types) out.push_back(Tensor::empty(t.dtype, t.shape));
    threads.emplace_back([&kernel, &inputs, &out] {
      for (int i = 0; i < 20; ++i) kernel->run(inputs, out);
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& out : outs) {
    EXPECT_TRUE(tensors_close(out[0], expected.y, 2e-5, 1e-4));
    EXPECT_TRUE(tensors_close(out[2], expected.y_c, 2e-5, 1e-4));
  }
}

TEST(Recurrent, ZeroSizedBatchAndSequence) {
  for (const char* op : {"RNN", "GRU", "LSTM"}) {
    ref::Case c;
    c.op = op;
    c.batch = 0;
    Runner empty_batch(c);
    const auto out = empty_batch.run();
    EXPECT_EQ(out[0].shape(), (Shape{4, 1, 0, 5}));
    EXPECT_EQ(out[1].shape(), (Shape{1, 0, 5}));
    // No steps: Y is empty and Y_h is the initial state.
    c.batch = 2;
    c.seq = 0;
    c.initial_h = true;
    Runner no_steps(c);
    const auto steps = no_steps.run();
    EXPECT_EQ(steps[0].shape(), (Shape{0, 1, 2, 5}));
    EXPECT_TRUE(tensors_close(steps[1], no_steps.data.h0, 0, 0)) << op;
    // An input of width 0: the gates see only the bias and the recurrence.
    c.seq = 3;
    c.input = 0;
    Runner no_input(c);
    EXPECT_TRUE(tensors_close(no_input.run()[0], ref::reference(c, no_input.data).y, 2e-5, 1e-4))
        << op;
  }
}

// Through the executor: X a graph input, the weights constants packed once, one output of
// three left unused; the plan runs twice, from two threads.
TEST(Recurrent, RunsInACompiledPlan) {
  ref::Case c = lstm_case();
  c.lens = false;
  std::mt19937 rng(7);
  const ref::Data data = ref::random_data(c, rng);
  auto g = std::make_shared<graph::Graph>();
  const int x = g->add_input("X", DType::f32, data.x.shape());
  std::vector<int> inputs{x,
                          g->add_constant("W", data.w),
                          g->add_constant("R", data.r),
                          g->add_constant("B", data.b),
                          graph::kNoValue,
                          g->add_constant("h0", data.h0),
                          g->add_constant("c0", data.c0),
                          g->add_constant("P", data.p)};
  const std::vector<int> out = g->add_node("LSTM", "lstm", inputs, ref::attributes(c), 3);
  g->add_output(out[0], "Y");
  g->add_output(out[1], "Y_h");
  const graph::Executor executor(g);
  const ref::Result expected = ref::reference(c, data);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&] {
      const std::vector<Tensor> result = executor.run(std::vector<Tensor>{data.x});
      EXPECT_TRUE(tensors_close(result[0], expected.y, 2e-5, 1e-4));
      EXPECT_TRUE(tensors_close(result[1], expected.y_h, 2e-5, 1e-4));
    });
  }
  for (auto& t : threads) t.join();
}

TEST(Recurrent, RegistryRows) {
  struct Row {
    const char* op;
    int opset;
    bool found;
  };
  for (const Row& row :
       {Row{"LSTM", 1, true}, Row{"LSTM", 7, true}, Row{"LSTM", 14, true},
        Row{"LSTM", graph::kLatestOpset, true}, Row{"GRU", 1, true}, Row{"GRU", 3, true},
        Row{"GRU", 14, true}, Row{"RNN", 1, true}, Row{"RNN", 14, true}}) {
    EXPECT_EQ(ops::find_op("", row.op, row.opset) != nullptr, row.found)
        << row.op << " " << row.opset;
  }
  EXPECT_NE(ops::find_op("", "LSTM", 13), ops::find_op("", "LSTM", 14));
  EXPECT_NE(ops::find_op("", "GRU", 2), ops::find_op("", "GRU", 3));
}

}  // namespace
}  // namespace nnload
