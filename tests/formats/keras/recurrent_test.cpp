// Keras SimpleRNN, LSTM, GRU and RNN(cell) built by nnload's Keras reader against Keras'
// equations in float64 (recurrent_reference.hpp): every option, masks anywhere in the sequence,
// initial states, return_state, the Keras 2 vs 3 activation definitions, Keras 1's per-gate
// weight arrays, CuDNN weight layouts, and the errors.
#include <gtest/gtest.h>

#include "core/fail.hpp"
#include "formats/keras/recurrent_reference.hpp"

namespace nnload {
namespace {

using namespace testing::keras_rnn;

constexpr std::int64_t B = 4, T = 6, F = 3, U = 5;

const char* class_of(Kind k) {
  return k == Kind::lstm ? "LSTM" : k == Kind::gru ? "GRU" : "SimpleRNN";
}

Json rnn_layer(Kind kind, const std::string& name, Json extra = Json::object()) {
  Json cfg = {{"name", name}, {"units", U}, {"activation", "tanh"}, {"use_bias", true}};
  if (kind != Kind::simple) cfg["recurrent_activation"] = "sigmoid";
  for (auto& [k, v] : extra.items()) cfg[k] = v;
  return {{"class_name", class_of(kind)}, {"name", name}, {"config", cfg}};
}

struct Fixture {
  std::mt19937 rng{7};
  std::vector<double> x = random_values(static_cast<std::size_t>(B * T * F), rng, 1.0);
  Tensor input() const { return to_tensor(x, {B, T, F}); }
};

// One layer in a Sequential model, options from `extra`, weights from `cell`.
std::vector<Tensor> run_one(Kind kind, const Cell& cell, Json extra, const Tensor& x,
                            int major = 3) {
  LayerWeights w;
  w.at("rnn") = keras_weights(cell, "rnn/cell");
  return predict(
      sequential({input_layer("x", {T, F}, major), rnn_layer(kind, "rnn", std::move(extra))}), w,
      major, {x});
}

class KerasRecurrentLayer : public ::testing::TestWithParam<Kind> {};

TEST_P(KerasRecurrentLayer, LastOutputMatchesKeras) {
  Fixture f;
  const Cell cell = random_cell(GetParam(), F, U, true, GetParam() == Kind::gru, f.rng);
  const Result ref = run_layer(cell, {}, f.x, B, T);
  EXPECT_TRUE(close(run_one(GetParam(), cell, {{"reset_after", true}}, f.input())[0], ref.output,
                    ref.shape));
}

TEST_P(KerasRecurrentLayer, SequencesAndGoBackwards) {
  Fixture f;
  const Cell cell = random_cell(GetParam(), F, U, true, false, f.rng);
  for (bool backwards : {false, true}) {
    const Result ref =
        run_layer(cell, {.return_sequences = true, .go_backwards = backwards}, f.x, B, T);
    const Json extra = {
        {"return_sequences", true}, {"go_backwards", backwards}, {"reset_after", false}};
    EXPECT_TRUE(close(run_one(GetParam(), cell, extra, f.input())[0], ref.output, ref.shape))
        << "go_backwards " << backwards;
  }
}

TEST_P(KerasRecurrentLayer, WithoutBias) {
  Fixture f;
  for (bool reset_after : {false, true}) {
    const Cell cell = random_cell(GetParam(), F, U, false, reset_after, f.rng);
    const Result ref = run_layer(cell, {.return_sequences = true}, f.x, B, T);
    const Json extra = {
        {"return_sequences", true}, {"use_bias", false}, {"reset_after", reset_after}};
    EXPECT_TRUE(close(run_one(GetParam(), cell, extra, f.input())[0], ref.output, ref.shape));
  }
}

// Masking(0) in front: steps whose features are all 0 are skipped, wherever they are.
TEST_P(KerasRecurrentLayer, MaskedStepsAnywhere) {
  Fixture f;
  const std::vector<char> mask = scattered_mask(B, T);
  for (std::int64_t i = 0; i < B * T; ++i) {
    if (!mask[static_cast<std::size_t>(i)]) std::fill_n(f.x.begin() + i * F, F, 0.0);
  }
  const Cell cell = random_cell(GetParam(), F, U, true, true, f.rng);
  for (const Options& o : {Options{}, Options{.return_sequences = true},
                           Options{.return_sequences = true, .go_backwards = true},
                           Options{.return_sequences = true, .zero_output_for_mask = true},
                           Options{.go_backwards = true}}) {
    const Result ref = run_layer(cell, o, f.x, B, T, mask);
    LayerWeights w;
    w.at("rnn") = keras_weights(cell, "rnn/cell");
    const Json extra = {{"return_sequences", o.return_sequences},
                        {"go_backwards", o.go_backwards},
                        {"zero_output_for_mask", o.zero_output_for_mask},
                        {"reset_after", true}};
    const Json model = sequential(
        {input_layer("x", {T, F}),
         {{"class_name", "Masking"}, {"config", {{"name", "masking"}, {"mask_value", 0.0}}}},
         rnn_layer(GetParam(), "rnn", extra)});
    EXPECT_TRUE(close(predict(model, w, 3, {f.input()})[0], ref.output, ref.shape))
        << "return_sequences " << o.return_sequences << " go_backwards " << o.go_backwards
        << " zero_output_for_mask " << o.zero_output_for_mask;
  }
}

// A masked sequence output carries its mask to the next recurrent layer.
TEST_P(KerasRecurrentLayer, MaskReachesTheNextLayer) {
  Fixture f;
  const std::vector<char> mask = scattered_mask(B, T);
  for (std::int64_t i = 0; i < B * T; ++i) {
    if (!mask[static_cast<std::size_t>(i)]) std::fill_n(f.x.begin() + i * F, F, 0.0);
  }
  const Cell first = random_cell(GetParam(), F, U, true, true, f.rng);
  const Cell second = random_cell(Kind::lstm, U, U, true, false, f.rng);
  const Result a = run_layer(first, {.return_sequences = true}, f.x, B, T, mask);
  const Result b = run_layer(second, {}, a.output, B, T, mask);
  LayerWeights w;
  w.at("first") = keras_weights(first, "first/cell");
  w.at("second") = keras_weights(second, "second/cell");
  const Json model = sequential(
      {input_layer("x", {T, F}),
       {{"class_name", "Masking"}, {"config", {{"name", "masking"}, {"mask_value", 0.0}}}},
       rnn_layer(GetParam(), "first", {{"return_sequences", true}, {"reset_after", true}}),
       rnn_layer(Kind::lstm, "second")});
  EXPECT_TRUE(close(predict(model, w, 3, {f.input()})[0], b.output, b.shape));
}

TEST_P(KerasRecurrentLayer, StatefulRunsFromZeroStateEveryCall) {
  Fixture f;
  const Cell cell = random_cell(GetParam(), F, U, true, false, f.rng);
  const Result ref = run_layer(cell, {}, f.x, B, T);
  LayerWeights w;
  w.at("rnn") = keras_weights(cell, "rnn/cell");
  auto graph = std::make_shared<graph::Graph>();
  formats::keras::KerasVersion v;
  v.major = 3;
  formats::keras::build_model(
      *graph,
      formats::keras::parse_model_config(
          sequential({input_layer("x", {T, F}),
                      rnn_layer(GetParam(), "rnn", {{"stateful", true}, {"reset_after", false}})})),
      w, v);
  const graph::Executor executor(graph);
  const std::vector<Tensor> inputs = {f.input()};
  for (int call = 0; call < 2; ++call)
    EXPECT_TRUE(close(executor.run(inputs)[0], ref.output, ref.shape)) << "call " << call;
}

INSTANTIATE_TEST_SUITE_P(Kinds, KerasRecurrentLayer,
                         ::testing::Values(Kind::simple, Kind::gru, Kind::lstm),
                         [](const auto& info) { return std::string(class_of(info.param)); });

TEST(KerasRecurrent, SimpleRnnRelu) {
  Fixture f;
  Cell cell = random_cell(Kind::simple, F, U, true, false, f.rng);
  cell.act = relu;
  const Result ref = run_layer(cell, {.return_sequences = true}, f.x, B, T);
  EXPECT_TRUE(close(run_one(Kind::simple, cell,
                            {{"return_sequences", true}, {"activation", "relu"}}, f.input())[0],
                    ref.output, ref.shape));
}

// hard_sigmoid is 0.2x + 0.5 in Keras 1/2 and x/6 + 0.5 in Keras 3; the default recurrent
// activation is hard_sigmoid before Keras 3 and sigmoid since.
TEST(KerasRecurrent, RecurrentActivationPerKerasVersion) {
  Fixture f;
  for (std::vector<double>::size_type i = 0; i < f.x.size(); ++i) f.x[i] *= 4;  // reach the clips
  Cell cell = random_cell(Kind::lstm, F, U, true, false, f.rng);
  cell.rec_act = hard_sigmoid2;
  const Result keras2 = run_layer(cell, {.return_sequences = true}, f.x, B, T);
  cell.rec_act = hard_sigmoid3;
  const Result keras3 = run_layer(cell, {.return_sequences = true}, f.x, B, T);
  cell.rec_act = sigmoid;
  const Result sigmoid3 = run_layer(cell, {.return_sequences = true}, f.x, B, T);
  const Json named = {{"return_sequences", true}, {"recurrent_activation", "hard_sigmoid"}};
  EXPECT_TRUE(
      close(run_one(Kind::lstm, cell, named, f.input(), 2)[0], keras2.output, keras2.shape));
  EXPECT_TRUE(
      close(run_one(Kind::lstm, cell, named, f.input(), 3)[0], keras3.output, keras3.shape));
  EXPECT_FALSE(
      close(run_one(Kind::lstm, cell, named, f.input(), 3)[0], keras2.output, keras2.shape));

  // No recurrent_activation in the config: the version's default.
  LayerWeights w;
  w.at("rnn") = keras_weights(cell, "rnn/cell");
  for (int major : {2, 3}) {
    Json layer = rnn_layer(Kind::lstm, "rnn", {{"return_sequences", true}});
    layer["config"].erase("recurrent_activation");
    const Tensor y =
        predict(sequential({input_layer("x", {T, F}, major), layer}), w, major, {f.input()})[0];
    const Result& expected = major == 2 ? keras2 : sigmoid3;
    EXPECT_TRUE(close(y, expected.output, expected.shape)) << "Keras " << major;
  }
}

// Functional: initial states as call inputs (Keras 2 lists them in the inbound node, Keras 3 in
// kwargs initial_state) and return_state's extra outputs.
TEST(KerasRecurrent, InitialStatesAndReturnState) {
  Fixture f;
  const Cell cell = random_cell(Kind::lstm, F, U, true, false, f.rng);
  const std::vector<double> h0 = random_values(static_cast<std::size_t>(B * U), f.rng, 1.0);
  const std::vector<double> c0 = random_values(static_cast<std::size_t>(B * U), f.rng, 1.0);
  const Result ref = run_layer(cell, {.return_sequences = true}, f.x, B, T, {}, {h0, c0});
  LayerWeights w;
  w.at("lstm") = keras_weights(cell, "lstm/cell");
  const Json layer_cfg =
      rnn_layer(Kind::lstm, "lstm", {{"return_sequences", true}, {"return_state", true}});
  for (int major : {2, 3}) {
    Json lstm = layer_cfg;
    if (major == 2) {
      lstm["inbound_nodes"] = keras2_node({{"x", 0}, {"h0", 0}, {"c0", 0}});
    } else {
      lstm["inbound_nodes"] = Json::array(
          {{{"args", Json::array({keras3_tensor("x")})},
            {"kwargs",
             {{"initial_state", Json::array({keras3_tensor("h0"), keras3_tensor("c0")})},
              {"training", false}}}}});
    }
    const Json model =
        functional({input_layer("x", {T, F}, major), input_layer("h0", {U}, major),
                    input_layer("c0", {U}, major), lstm},
                   {{"x", 0}, {"h0", 0}, {"c0", 0}}, {{"lstm", 0}, {"lstm", 1}, {"lstm", 2}});
    const auto out =
        predict(model, w, major, {f.input(), to_tensor(h0, {B, U}), to_tensor(c0, {B, U})});
    ASSERT_EQ(out.size(), 3u);
    EXPECT_TRUE(close(out[0], ref.output, ref.shape)) << "Keras " << major;
    EXPECT_TRUE(close(out[1], ref.states[0], {B, U})) << "Keras " << major;
    EXPECT_TRUE(close(out[2], ref.states[1], {B, U})) << "Keras " << major;
  }
}

TEST(KerasRecurrent, ReturnStateWithoutSequences) {
  Fixture f;
  const Cell cell = random_cell(Kind::gru, F, U, true, true, f.rng);
  const Result ref = run_layer(cell, {.go_backwards = true}, f.x, B, T);
  LayerWeights w;
  w.at("gru") = keras_weights(cell, "gru/cell");
  Json gru = rnn_layer(Kind::gru, "gru",
                       {{"return_state", true}, {"go_backwards", true}, {"reset_after", true}});
  gru["inbound_nodes"] = keras2_node({{"x", 0}});
  const auto out =
      predict(functional({input_layer("x", {T, F}, 2), gru}, {{"x", 0}}, {{"gru", 0}, {"gru", 1}}),
              w, 2, {f.input()});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_TRUE(close(out[0], ref.output, ref.shape));
  EXPECT_TRUE(close(out[1], ref.states[0], {B, U}));
}

// tf.keras' time_major=True: [time, batch, features] in and out.
TEST(KerasRecurrent, TimeMajor) {
  Fixture f;
  const Cell cell = random_cell(Kind::lstm, F, U, true, false, f.rng);
  const Result ref = run_layer(cell, {.return_sequences = true}, f.x, B, T);
  std::vector<double> xt(f.x.size()), expected(ref.output.size());
  for (std::int64_t b = 0; b < B; ++b) {
    for (std::int64_t t = 0; t < T; ++t) {
      std::copy_n(f.x.begin() + (b * T + t) * F, F, xt.begin() + (t * B + b) * F);
      std::copy_n(ref.output.begin() + (b * T + t) * U, U, expected.begin() + (t * B + b) * U);
    }
  }
  LayerWeights w;
  w.at("rnn") = keras_weights(cell, "rnn/cell");
  Json input = input_layer("x", {B, F}, 2);  // the time axis is Keras' "batch" here
  const auto out =
      predict(sequential({input, rnn_layer(Kind::lstm, "rnn",
                                           {{"return_sequences", true}, {"time_major", true}})}),
              w, 2, {to_tensor(xt, {T, B, F})});
  EXPECT_TRUE(close(out[0], expected, {T, B, U}));
}

// Keras 1 stored one array per gate and role (LSTM: i, c, f, o; GRU: z, r, h), named
// "<layer>_W_i" etc.; the config says output_dim and inner_activation.
TEST(KerasRecurrent, Keras1PerGateArrays) {
  Fixture f;
  for (Kind kind : {Kind::lstm, Kind::gru, Kind::simple}) {
    Cell cell = random_cell(kind, F, U, true, false, f.rng);
    cell.rec_act = hard_sigmoid2;
    const Result ref = run_layer(cell, {.return_sequences = true}, f.x, B, T);
    const std::string gates = kind == Kind::lstm ? "icfo" : kind == Kind::gru ? "zrh" : "";
    const std::string keras2_order = kind == Kind::lstm ? "ifco" : "zrh";
    const std::int64_t G = testing::keras_rnn::gates(kind) * U;
    std::vector<LayerWeight> list;
    if (gates.empty()) {
      list = {{"rnn_1_W", to_tensor(cell.kernel, {F, U})},
              {"rnn_1_U", to_tensor(cell.recurrent, {U, U})},
              {"rnn_1_b", to_tensor(cell.bias, {U})}};
    }
    for (char g : gates) {
      const auto block = static_cast<std::int64_t>(keras2_order.find(g));
      std::vector<double> w, u, b;
      for (std::int64_t r = 0; r < F; ++r)
        for (std::int64_t j = 0; j < U; ++j)
          w.push_back(cell.kernel[static_cast<std::size_t>(r * G + block * U + j)]);
      for (std::int64_t r = 0; r < U; ++r)
        for (std::int64_t j = 0; j < U; ++j)
          u.push_back(cell.recurrent[static_cast<std::size_t>(r * G + block * U + j)]);
      for (std::int64_t j = 0; j < U; ++j)
        b.push_back(cell.bias[static_cast<std::size_t>(block * U + j)]);
      list.push_back({std::string("rnn_1_W_") + g + ":0", to_tensor(w, {F, U})});
      list.push_back({std::string("rnn_1_U_") + g + ":0", to_tensor(u, {U, U})});
      list.push_back({std::string("rnn_1_b_") + g + ":0", to_tensor(b, {U})});
    }
    LayerWeights weights;
    weights.at("rnn_1") = list;
    const Json layer = {{"class_name", class_of(kind)},
                        {"config",
                         {{"name", "rnn_1"},
                          {"output_dim", U},
                          {"batch_input_shape", Json::array({nullptr, T, F})},
                          {"activation", "tanh"},
                          {"inner_activation", "hard_sigmoid"},
                          {"return_sequences", true},
                          {"consume_less", "cpu"}}}};
    const Json model = {{"class_name", "Sequential"}, {"config", Json::array({layer})}};
    EXPECT_TRUE(close(predict(model, weights, 1, {f.input()})[0], ref.output, ref.shape))
        << class_of(kind);
  }
}

// CuDNNLSTM / CuDNNGRU (Keras 2): each gate's input kernel block holds cuDNN's [units, in]
// matrix, recurrent blocks are untransposed, biases are input then recurrent. The reference
// runs the plain layer on the weights Keras' own converter (_convert_rnn_weights) makes.
TEST(KerasRecurrent, CuDnnWeightLayouts) {
  Fixture f;
  for (Kind kind : {Kind::lstm, Kind::gru}) {
    const std::int64_t n = testing::keras_rnn::gates(kind), G = n * U;
    const std::vector<double> kernel = random_values(static_cast<std::size_t>(F * G), f.rng, 0.7);
    const std::vector<double> recurrent =
        random_values(static_cast<std::size_t>(U * G), f.rng, 0.7);
    const std::vector<double> bias = random_values(static_cast<std::size_t>(2 * G), f.rng, 0.5);
    Cell cell;
    cell.kind = kind;
    cell.in = F;
    cell.units = U;
    cell.kernel.assign(kernel.size(), 0);
    cell.recurrent.assign(recurrent.size(), 0);
    for (std::int64_t g = 0; g < n; ++g) {
      // kernel: the block [F, U] read as [U, F] row-major, transposed back to [F, U].
      std::vector<double> block;
      for (std::int64_t r = 0; r < F; ++r)
        for (std::int64_t j = 0; j < U; ++j)
          block.push_back(kernel[static_cast<std::size_t>(r * G + g * U + j)]);
      for (std::int64_t a = 0; a < F; ++a)
        for (std::int64_t b = 0; b < U; ++b)
          cell.kernel[static_cast<std::size_t>(a * G + g * U + b)] =
              block[static_cast<std::size_t>(b * F + a)];
      for (std::int64_t a = 0; a < U; ++a)
        for (std::int64_t b = 0; b < U; ++b)
          cell.recurrent[static_cast<std::size_t>(a * G + g * U + b)] =
              recurrent[static_cast<std::size_t>(b * G + g * U + a)];
    }
    if (kind == Kind::lstm) {
      for (std::int64_t q = 0; q < G; ++q)
        cell.bias.push_back(bias[static_cast<std::size_t>(q)] +
                            bias[static_cast<std::size_t>(G + q)]);
    } else {
      cell.bias = bias;
      cell.reset_after = true;
    }
    const Result ref = run_layer(cell, {.return_sequences = true}, f.x, B, T);
    LayerWeights w;
    w.at("cudnn") = {{"cudnn/kernel:0", to_tensor(kernel, {F, G})},
                     {"cudnn/recurrent_kernel:0", to_tensor(recurrent, {U, G})},
                     {"cudnn/bias:0", to_tensor(bias, {2 * G})}};
    const Json layer = {{"class_name", kind == Kind::lstm ? "CuDNNLSTM" : "CuDNNGRU"},
                        {"config", {{"name", "cudnn"}, {"units", U}, {"return_sequences", true}}}};
    EXPECT_TRUE(
        close(predict(sequential({input_layer("x", {T, F}, 2), layer}), w, 2, {f.input()})[0],
              ref.output, ref.shape))
        << (kind == Kind::lstm ? "CuDNNLSTM" : "CuDNNGRU");
  }
}

// RNN(LSTMCell) and RNN over stacked cells (each cell reads the previous cell's outputs).
TEST(KerasRecurrent, GenericRnnLayer) {
  Fixture f;
  const Cell a = random_cell(Kind::gru, F, U, true, true, f.rng);
  const Cell b = random_cell(Kind::simple, U, 4, true, false, f.rng);
  auto cell_json = [](const char* cls, std::int64_t units, bool reset_after) {
    return Json{{"class_name", cls},
                {"config",
                 {{"name", "c"},
                  {"units", units},
                  {"activation", "tanh"},
                  {"recurrent_activation", "sigmoid"},
                  {"reset_after", reset_after}}}};
  };
  const std::vector<char> mask = scattered_mask(B, T);
  std::vector<double> x = f.x;
  for (std::int64_t i = 0; i < B * T; ++i) {
    if (!mask[static_cast<std::size_t>(i)]) std::fill_n(x.begin() + i * F, F, 0.0);
  }
  for (bool backwards : {false, true}) {
    // One cell.
    const Result one = run_layer(a, {.go_backwards = backwards}, x, B, T, mask);
    LayerWeights w1;
    w1.at("rnn") = keras_weights(a, "rnn/cell");
    const Json masking = {{"class_name", "Masking"},
                          {"config", {{"name", "m"}, {"mask_value", 0.0}}}};
    const Json single = {
        {"class_name", "RNN"},
        {"config",
         {{"name", "rnn"}, {"go_backwards", backwards}, {"cell", cell_json("GRUCell", U, true)}}}};
    EXPECT_TRUE(close(predict(sequential({input_layer("x", {T, F}), masking, single}), w1, 3,
                              {to_tensor(x, {B, T, F})})[0],
                      one.output, one.shape));

    // Stacked: the second cell reads the first's outputs in processing order.
    const Result first =
        run_layer(a, {.return_sequences = true, .go_backwards = backwards}, x, B, T, mask);
    std::vector<char> processed_mask = mask;
    if (backwards) {
      for (std::int64_t r = 0; r < B; ++r)
        for (std::int64_t t = 0; t < T; ++t)
          processed_mask[static_cast<std::size_t>(r * T + t)] =
              mask[static_cast<std::size_t>(r * T + T - 1 - t)];
    }
    const Result second =
        run_layer(b, {.return_sequences = true}, first.output, B, T, processed_mask);
    LayerWeights w2;
    std::vector<LayerWeight> list = keras_weights(a, "rnn/cell_0");
    for (const LayerWeight& lw : keras_weights(b, "rnn/cell_1")) list.push_back(lw);
    w2.at("rnn") = list;
    Json stacked = {{"class_name", "RNN"},
                    {"config",
                     {{"name", "rnn"},
                      {"return_sequences", true},
                      {"return_state", true},
                      {"go_backwards", backwards},
                      {"cell",
                       {{"class_name", "StackedRNNCells"},
                        {"config",
                         {{"cells", Json::array({cell_json("GRUCell", U, true),
                                                 cell_json("SimpleRNNCell", 4, false)})}}}}}}}};
    stacked["inbound_nodes"] = keras2_node({{"m", 0}});
    Json m = masking;
    m["name"] = "m";
    m["inbound_nodes"] = keras2_node({{"x", 0}});
    const auto out = predict(functional({input_layer("x", {T, F}, 2), m, stacked}, {{"x", 0}},
                                        {{"rnn", 0}, {"rnn", 1}, {"rnn", 2}}),
                             w2, 2, {to_tensor(x, {B, T, F})});
    ASSERT_EQ(out.size(), 3u);
    EXPECT_TRUE(close(out[0], second.output, second.shape)) << "go_backwards " << backwards;
    EXPECT_TRUE(close(out[1], first.states[0], {B, U}));
    EXPECT_TRUE(close(out[2], second.states[0], {B, 4}));
  }
}

TEST(KerasRecurrent, Errors) {
  Fixture f;
  const Cell cell = random_cell(Kind::lstm, F, U, true, false, f.rng);
  auto build = [&](const Json& layer, const std::vector<LayerWeight>& list) {
    LayerWeights w;
    w.at("rnn") = list;
    predict(sequential({input_layer("x", {T, F}), layer}), w, 3, {f.input()});
  };
  const std::vector<LayerWeight> good = keras_weights(cell, "rnn/cell");
  // A missing bias.
  EXPECT_THROW(build(rnn_layer(Kind::lstm, "rnn"), {good[0], good[1]}), Error);
  // Units that disagree with the kernel.
  Json wrong_units = rnn_layer(Kind::lstm, "rnn");
  wrong_units["config"]["units"] = U + 1;
  EXPECT_THROW(build(wrong_units, good), Error);
  // An activation recurrent ops can't compute.
  EXPECT_THROW(build(rnn_layer(Kind::lstm, "rnn", {{"activation", "selu"}}), good), Error);
  try {
    build(rnn_layer(Kind::lstm, "rnn", {{"activation", "selu"}}), good);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("selu"), std::string::npos) << e.what();
    EXPECT_EQ(e.code(), ErrorCode::unsupported);
  }
  // A GRU bias of the wrong layout.
  const Cell gru = random_cell(Kind::gru, F, U, true, true, f.rng);
  EXPECT_THROW(
      build(rnn_layer(Kind::gru, "rnn", {{"reset_after", false}}), keras_weights(gru, "g")), Error);
  // One initial state where an LSTM needs two.
  Json lstm = rnn_layer(Kind::lstm, "lstm");
  lstm["inbound_nodes"] = keras2_node({{"x", 0}, {"h0", 0}});
  LayerWeights w;
  w.at("lstm") = good;
  EXPECT_THROW(predict(functional({input_layer("x", {T, F}, 2), input_layer("h0", {U}, 2), lstm},
                                  {{"x", 0}, {"h0", 0}}, {{"lstm", 0}}),
                       w, 2, {f.input(), Tensor::zeros(DType::f32, {B, U})}),
               Error);
}

}  // namespace
}  // namespace nnload
