// Keras Bidirectional (every merge mode, return_state, initial states, masks, a backward layer
// of another class), TimeDistributed (Dense, Conv2D), Embedding(mask_zero) and Masking masks
// reaching RNNs and GlobalAveragePooling1D, and Keras 3's NotEqual op layer, against float64
// references of Keras' computations.
#include <gtest/gtest.h>

#include "core/fail.hpp"
#include "formats/keras/recurrent_reference.hpp"

namespace nnload {
namespace {

using namespace testing::keras_rnn;

constexpr std::int64_t B = 4, T = 5, F = 3, U = 4;

Json cell_layer(const char* cls, const std::string& name, std::int64_t units,
                Json extra = Json::object()) {
  Json cfg = {{"name", name},
              {"units", units},
              {"activation", "tanh"},
              {"recurrent_activation", "sigmoid"},
              {"reset_after", true}};
  for (auto& [k, v] : extra.items()) cfg[k] = v;
  return {{"module", "keras.layers"}, {"class_name", cls}, {"config", cfg}};
}

// Keras' merge of the forward output and the (time-ordered) backward output.
std::vector<double> merge(const std::string& mode, const Result& a, const Result& b,
                          std::int64_t rows) {
  std::vector<double> out;
  const std::size_t ua = a.output.size() / static_cast<std::size_t>(rows);
  const std::size_t ub = b.output.size() / static_cast<std::size_t>(rows);
  for (std::int64_t r = 0; r < rows; ++r) {
    for (std::size_t j = 0; j < (mode == "concat" ? ua + ub : ua); ++j) {
      if (mode == "concat") {
        out.push_back(j < ua ? a.output[static_cast<std::size_t>(r) * ua + j]
                             : b.output[static_cast<std::size_t>(r) * ub + j - ua]);
        continue;
      }
      const double x = a.output[static_cast<std::size_t>(r) * ua + j];
      const double y = b.output[static_cast<std::size_t>(r) * ub + j];
      out.push_back(mode == "sum" ? x + y : mode == "mul" ? x * y : (x + y) / 2);
    }
  }
  return out;
}

// Reverses a [B, T, U] sequence in time.
Result time_flipped(Result r) {
  const std::size_t u = r.output.size() / static_cast<std::size_t>(B * T);
  std::vector<double> out(r.output.size());
  for (std::int64_t b = 0; b < B; ++b)
    for (std::int64_t t = 0; t < T; ++t)
      std::copy_n(r.output.begin() +
                      static_cast<std::ptrdiff_t>((b * T + t) * static_cast<std::int64_t>(u)),
                  u,
                  out.begin() + static_cast<std::ptrdiff_t>((b * T + T - 1 - t) *
                                                            static_cast<std::int64_t>(u)));
  r.output = out;
  return r;
}

struct Bidir {
  std::mt19937 rng{11};
  std::vector<double> x = random_values(static_cast<std::size_t>(B * T * F), rng, 1.0);
  std::vector<char> mask = scattered_mask(B, T);
  Bidir() {
    for (std::int64_t i = 0; i < B * T; ++i)
      if (!mask[static_cast<std::size_t>(i)]) std::fill_n(x.begin() + i * F, F, 0.0);
  }
};

const Json kMasking = {{"class_name", "Masking"},
                       {"config", {{"name", "masking"}, {"mask_value", 0.0}}}};

TEST(KerasBidirectional, MergeModesWithMasks) {
  Bidir f;
  const Cell fwd = random_cell(Kind::lstm, F, U, true, false, f.rng);
  const Cell bwd = random_cell(Kind::lstm, F, U, true, false, f.rng);
  for (bool rs : {false, true}) {
    for (const std::string mode : {"concat", "sum", "mul", "ave"}) {
      // Keras 3 (and 2.2+) Bidirectional zeroes masked steps of returned sequences.
      const Result a =
          run_layer(fwd, {.return_sequences = rs, .zero_output_for_mask = rs}, f.x, B, T, f.mask);
      Result b =
          run_layer(bwd, {.return_sequences = rs, .go_backwards = true, .zero_output_for_mask = rs},
                    f.x, B, T, f.mask);
      if (rs) b = time_flipped(b);
      const std::int64_t rows = rs ? B * T : B;
      const std::vector<double> expected = merge(mode, a, b, rows);
      const std::int64_t width = mode == "concat" ? 2 * U : U;
      LayerWeights w;
      std::vector<LayerWeight> list = keras_weights(fwd, "bi/forward_lstm/lstm_cell");
      for (const LayerWeight& lw : keras_weights(bwd, "bi/backward_lstm/lstm_cell"))
        list.push_back(lw);
      w.at("bi") = list;
      const Json layer = {
          {"class_name", "Bidirectional"},
          {"config",
           {{"name", "bi"},
            {"merge_mode", mode},
            {"layer", cell_layer("LSTM", "forward_lstm", U, {{"return_sequences", rs}})},
            {"backward_layer", cell_layer("LSTM", "backward_lstm", U,
                                          {{"return_sequences", rs}, {"go_backwards", true}})}}}};
      const Tensor y = predict(sequential({input_layer("x", {T, F}), kMasking, layer}), w, 3,
                               {to_tensor(f.x, {B, T, F})})[0];
      EXPECT_TRUE(close(y, expected, rs ? Shape{B, T, width} : Shape{B, width}))
          << mode << " return_sequences " << rs;
    }
  }
}

// merge_mode None gives both outputs; return_state adds forward then backward states; the
// initial states are split in halves (Keras 2 inbound node [x, fh, fc, bh, bc]).
TEST(KerasBidirectional, NoMergeReturnStateAndInitialStates) {
  Bidir f;
  const Cell fwd = random_cell(Kind::lstm, F, U, true, false, f.rng);
  const Cell bwd = random_cell(Kind::lstm, F, U, true, false, f.rng);
  std::vector<std::vector<double>> states;
  for (int i = 0; i < 4; ++i)
    states.push_back(random_values(static_cast<std::size_t>(B * U), f.rng, 1));
  const Result a = run_layer(fwd, {.return_sequences = true, .zero_output_for_mask = true}, f.x, B,
                             T, {}, {states[0], states[1]});
  const Result b = time_flipped(
      run_layer(bwd, {.return_sequences = true, .go_backwards = true, .zero_output_for_mask = true},
                f.x, B, T, {}, {states[2], states[3]}));
  LayerWeights w;
  std::vector<LayerWeight> list = keras_weights(fwd, "bi/forward_lstm/cell");
  for (const LayerWeight& lw : keras_weights(bwd, "bi/backward_lstm/cell")) list.push_back(lw);
  w.at("bi") = list;
  Json layer = {{"class_name", "Bidirectional"},
                {"name", "bi"},
                {"config",
                 {{"name", "bi"},
                  {"merge_mode", nullptr},
                  {"layer", cell_layer("LSTM", "lstm", U,
                                       {{"return_sequences", true}, {"return_state", true}})}}}};
  layer["inbound_nodes"] = keras2_node({{"x", 0}, {"fh", 0}, {"fc", 0}, {"bh", 0}, {"bc", 0}});
  std::vector<Json> layers = {input_layer("x", {T, F}, 2)};
  for (const char* s : {"fh", "fc", "bh", "bc"}) layers.push_back(input_layer(s, {U}, 2));
  layers.push_back(layer);
  const Json model = functional(layers, {{"x", 0}, {"fh", 0}, {"fc", 0}, {"bh", 0}, {"bc", 0}},
                                {{"bi", 0}, {"bi", 1}, {"bi", 2}, {"bi", 3}, {"bi", 4}, {"bi", 5}});
  std::vector<Tensor> inputs = {to_tensor(f.x, {B, T, F})};
  for (const auto& s : states) inputs.push_back(to_tensor(s, {B, U}));
  const auto out = predict(model, w, 2, inputs);
  ASSERT_EQ(out.size(), 6u);
  EXPECT_TRUE(close(out[0], a.output, {B, T, U}));
  EXPECT_TRUE(close(out[1], b.output, {B, T, U}));
  EXPECT_TRUE(close(out[2], a.states[0], {B, U}));
  EXPECT_TRUE(close(out[3], a.states[1], {B, U}));
  EXPECT_TRUE(close(out[4], b.states[0], {B, U}));
  EXPECT_TRUE(close(out[5], b.states[1], {B, U}));
}

// A backward layer of another class and size runs through its own builder.
TEST(KerasBidirectional, BackwardLayerOfAnotherClass) {
  Bidir f;
  const Cell fwd = random_cell(Kind::simple, F, U, true, false, f.rng);
  const Cell bwd = random_cell(Kind::gru, F, 3, true, true, f.rng);
  for (bool rs : {false, true}) {
    const Result a =
        run_layer(fwd, {.return_sequences = rs, .zero_output_for_mask = rs}, f.x, B, T, f.mask);
    Result b =
        run_layer(bwd, {.return_sequences = rs, .go_backwards = true, .zero_output_for_mask = rs},
                  f.x, B, T, f.mask);
    if (rs) b = time_flipped(b);
    LayerWeights w;
    std::vector<LayerWeight> list = keras_weights(fwd, "bi/f");
    for (const LayerWeight& lw : keras_weights(bwd, "bi/b")) list.push_back(lw);
    w.at("bi") = list;
    const Json layer = {
        {"class_name", "Bidirectional"},
        {"config",
         {{"name", "bi"},
          {"layer", cell_layer("SimpleRNN", "f", U, {{"return_sequences", rs}})},
          {"backward_layer",
           cell_layer("GRU", "b", 3, {{"return_sequences", rs}, {"go_backwards", true}})}}}};
    const Tensor y = predict(sequential({input_layer("x", {T, F}), kMasking, layer}), w, 3,
                             {to_tensor(f.x, {B, T, F})})[0];
    EXPECT_TRUE(
        close(y, merge("concat", a, b, rs ? B * T : B), rs ? Shape{B, T, U + 3} : Shape{B, U + 3}))
        << "return_sequences " << rs;
  }
}

// Keras 1: per-gate arrays for both directions; no zeroing of masked steps.
TEST(KerasBidirectional, Keras1) {
  Bidir f;
  Cell fwd = random_cell(Kind::gru, F, U, true, false, f.rng);
  Cell bwd = random_cell(Kind::gru, F, U, true, false, f.rng);
  fwd.rec_act = bwd.rec_act = hard_sigmoid2;
  const Result a = run_layer(fwd, {.return_sequences = true}, f.x, B, T, f.mask);
  const Result b = time_flipped(
      run_layer(bwd, {.return_sequences = true, .go_backwards = true}, f.x, B, T, f.mask));
  std::vector<LayerWeight> list;
  for (const auto& [cell, prefix] :
       {std::pair{&fwd, "forward_gru_1"}, std::pair{&bwd, "backward_gru_1"}}) {
    const std::int64_t G = 3 * U;
    for (std::int64_t g = 0; g < 3; ++g) {
      std::vector<double> w, u, bias;
      for (std::int64_t r = 0; r < F; ++r)
        for (std::int64_t j = 0; j < U; ++j)
          w.push_back(cell->kernel[static_cast<std::size_t>(r * G + g * U + j)]);
      for (std::int64_t r = 0; r < U; ++r)
        for (std::int64_t j = 0; j < U; ++j)
          u.push_back(cell->recurrent[static_cast<std::size_t>(r * G + g * U + j)]);
      for (std::int64_t j = 0; j < U; ++j)
        bias.push_back(cell->bias[static_cast<std::size_t>(g * U + j)]);
      const std::string gate(1, "zrh"[g]);
      list.push_back({std::string(prefix) + "_W_" + gate, to_tensor(w, {F, U})});
      list.push_back({std::string(prefix) + "_U_" + gate, to_tensor(u, {U, U})});
      list.push_back({std::string(prefix) + "_b_" + gate, to_tensor(bias, {U})});
    }
  }
  LayerWeights w;
  w.at("bidirectional_1") = list;
  const Json masking = {{"class_name", "Masking"},
                        {"config",
                         {{"name", "masking_1"},
                          {"mask_value", 0.0},
                          {"batch_input_shape", Json::array({nullptr, T, F})}}}};
  const Json layer = {{"class_name", "Bidirectional"},
                      {"config",
                       {{"name", "bidirectional_1"},
                        {"merge_mode", "concat"},
                        {"layer",
                         {{"class_name", "GRU"},
                          {"config",
                           {{"name", "gru_1"},
                            {"output_dim", U},
                            {"activation", "tanh"},
                            {"inner_activation", "hard_sigmoid"},
                            {"return_sequences", true},
                            {"go_backwards", false}}}}}}}};
  const Json model = {{"class_name", "Sequential"}, {"config", Json::array({masking, layer})}};
  EXPECT_TRUE(close(predict(model, w, 1, {to_tensor(f.x, {B, T, F})})[0],
                    merge("concat", a, b, B * T), {B, T, 2 * U}));
}

TEST(KerasTimeDistributed, Dense) {
  std::mt19937 rng(3);
  const std::vector<double> x = random_values(static_cast<std::size_t>(B * T * F), rng, 1.0);
  const std::vector<double> k = random_values(static_cast<std::size_t>(F * 2), rng, 1.0);
  const std::vector<double> bias = random_values(2, rng, 1.0);
  std::vector<double> expected;
  for (std::int64_t r = 0; r < B * T; ++r) {
    for (std::int64_t j = 0; j < 2; ++j) {
      double s = bias[static_cast<std::size_t>(j)];
      for (std::int64_t i = 0; i < F; ++i)
        s += x[static_cast<std::size_t>(r * F + i)] * k[static_cast<std::size_t>(i * 2 + j)];
      expected.push_back(relu(s));
    }
  }
  LayerWeights w;
  w.at("td") = {{"td/dense/kernel", to_tensor(k, {F, 2})}, {"td/dense/bias", to_tensor(bias, {2})}};
  const Json layer = {
      {"class_name", "TimeDistributed"},
      {"config",
       {{"name", "td"},
        {"layer",
         {{"class_name", "Dense"},
          {"config", {{"name", "dense"}, {"units", 2}, {"activation", "relu"}}}}}}}};
  EXPECT_TRUE(close(
      predict(sequential({input_layer("x", {T, F}), layer}), w, 3, {to_tensor(x, {B, T, F})})[0],
      expected, {B, T, 2}));
}

TEST(KerasTimeDistributed, Conv2D) {
  constexpr std::int64_t H = 5, W = 6, C = 2, K = 3, O = 3;
  std::mt19937 rng(5);
  const std::vector<double> x =
      random_values(static_cast<std::size_t>(B * T * H * W * C), rng, 1.0);
  const std::vector<double> k = random_values(static_cast<std::size_t>(K * K * C * O), rng, 0.5);
  const std::vector<double> bias = random_values(O, rng, 0.5);
  std::vector<double> expected;
  for (std::int64_t img = 0; img < B * T; ++img)
    for (std::int64_t oy = 0; oy < H - K + 1; ++oy)
      for (std::int64_t ox = 0; ox < W - K + 1; ++ox)
        for (std::int64_t o = 0; o < O; ++o) {
          double s = bias[static_cast<std::size_t>(o)];
          for (std::int64_t ky = 0; ky < K; ++ky)
            for (std::int64_t kx = 0; kx < K; ++kx)
              for (std::int64_t c = 0; c < C; ++c)
                s += x[static_cast<std::size_t>(((img * H + oy + ky) * W + ox + kx) * C + c)] *
                     k[static_cast<std::size_t>(((ky * K + kx) * C + c) * O + o)];
          expected.push_back(s);
        }
  LayerWeights w;
  w.at("td") = {{"td/conv/kernel", to_tensor(k, {K, K, C, O})},
                {"td/conv/bias", to_tensor(bias, {O})}};
  const Json layer = {{"class_name", "TimeDistributed"},
                      {"config",
                       {{"name", "td"},
                        {"layer",
                         {{"class_name", "Conv2D"},
                          {"config",
                           {{"name", "conv"},
                            {"filters", O},
                            {"kernel_size", {K, K}},
                            {"padding", "valid"},
                            {"activation", "linear"}}}}}}}};
  EXPECT_TRUE(close(predict(sequential({input_layer("x", {T, H, W, C}), layer}), w, 3,
                            {to_tensor(x, {B, T, H, W, C})})[0],
                    expected, {B, T, H - K + 1, W - K + 1, O}, 1e-4));
}

// Token ids with zeros anywhere: Embedding(mask_zero) -> GRU(return_sequences) ->
// GlobalAveragePooling1D, the mean over unmasked steps only.
TEST(KerasMasks, EmbeddingMaskZeroToGruAndAveragePooling) {
  std::mt19937 rng(8);
  constexpr std::int64_t V = 7;
  const std::vector<double> table = random_values(static_cast<std::size_t>(V * F), rng, 1.0);
  std::vector<std::int32_t> ids(static_cast<std::size_t>(B * T));
  std::vector<char> mask(ids.size());
  std::uniform_int_distribution<std::int32_t> id(0, V - 1);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    ids[i] = i % 4 == 1 ? 0 : id(rng);
    mask[i] = ids[i] != 0;
  }
  ids[static_cast<std::size_t>(B * T - 1)] = 3;  // one row ends unmasked
  mask[static_cast<std::size_t>(B * T - 1)] = 1;
  std::vector<double> x;
  for (std::int32_t v : ids)
    for (std::int64_t j = 0; j < F; ++j) x.push_back(table[static_cast<std::size_t>(v * F + j)]);
  const Cell cell = random_cell(Kind::gru, F, U, true, true, rng);
  const Result seq = run_layer(cell, {.return_sequences = true}, x, B, T, mask);
  std::vector<double> expected;
  for (std::int64_t b = 0; b < B; ++b) {
    for (std::int64_t j = 0; j < U; ++j) {
      double sum = 0, count = 0;
      for (std::int64_t t = 0; t < T; ++t) {
        if (!mask[static_cast<std::size_t>(b * T + t)]) continue;
        sum += seq.output[static_cast<std::size_t>((b * T + t) * U + j)];
        count += 1;
      }
      expected.push_back(sum / count);
    }
  }
  LayerWeights w;
  w.at("emb") = {{"emb/embeddings", to_tensor(table, {V, F})}};
  w.at("gru") = keras_weights(cell, "gru/cell");
  Json input = input_layer("ids", {T});
  input["config"]["dtype"] = "int32";
  const Json model = sequential(
      {input,
       {{"class_name", "Embedding"},
        {"config", {{"name", "emb"}, {"input_dim", V}, {"output_dim", F}, {"mask_zero", true}}}},
       cell_layer("GRU", "gru", U, {{"return_sequences", true}}),
       {{"class_name", "GlobalAveragePooling1D"}, {"config", {{"name", "pool"}}}}});
  const Tensor y = predict(model, w, 3, {Tensor::from_vector<std::int32_t>(ids, {B, T})})[0];
  EXPECT_TRUE(close(y, expected, {B, U}));
}

// The Masking layer zeroes masked steps of its output, besides masking them.
TEST(KerasMasks, MaskingZeroesMaskedSteps) {
  std::mt19937 rng(1);
  std::vector<double> x = random_values(static_cast<std::size_t>(B * T * F), rng, 1.0);
  std::vector<double> expected = x;
  for (std::int64_t r = 0; r < B * T; r += 3) {
    std::fill_n(x.begin() + r * F, F, 0.5);
    std::fill_n(expected.begin() + r * F, F, 0.0);
  }
  x[F + 1] = 0.5;  // a row where only some features equal mask_value stays
  expected[F + 1] = 0.5;
  const Json layer = {{"class_name", "Masking"}, {"config", {{"name", "m"}, {"mask_value", 0.5}}}};
  EXPECT_TRUE(close(
      predict(sequential({input_layer("x", {T, F}), layer}), {}, 3, {to_tensor(x, {B, T, F})})[0],
      expected, {B, T, F}));
}

// Keras 3 records Embedding(mask_zero)'s mask as a NotEqual op layer passed to the RNNs as
// their `mask` argument (what Keras itself can't reload from .h5).
TEST(KerasMasks, NotEqualOpLayerAsMaskArgument) {
  std::mt19937 rng(4);
  constexpr std::int64_t V = 6;
  const std::vector<double> table = random_values(static_cast<std::size_t>(V * F), rng, 1.0);
  std::vector<std::int32_t> ids = {0, 2, 3, 0, 1, 4, 0, 0, 5, 1, 2, 3, 4, 5, 1, 0, 1, 0, 2, 0};
  std::vector<char> mask;
  std::vector<double> x;
  for (std::int32_t v : ids) {
    mask.push_back(v != 0);
    for (std::int64_t j = 0; j < F; ++j) x.push_back(table[static_cast<std::size_t>(v * F + j)]);
  }
  const Cell cell = random_cell(Kind::lstm, F, U, true, false, rng);
  const Result ref = run_layer(cell, {}, x, B, T, mask);
  Json tokens = input_layer("tokens", {T});
  tokens["config"]["dtype"] = "int32";
  Json emb = {
      {"class_name", "Embedding"},
      {"name", "emb"},
      {"config", {{"name", "emb"}, {"input_dim", V}, {"output_dim", F}, {"mask_zero", true}}},
      {"inbound_nodes", Json::array({{{"args", Json::array({keras3_tensor("tokens")})},
                                      {"kwargs", Json::object()}}})}};
  Json not_equal = {
      {"class_name", "NotEqual"},
      {"name", "not_equal"},
      {"config", {{"name", "not_equal"}}},
      {"inbound_nodes", Json::array({{{"args", Json::array({keras3_tensor("tokens"), 0})},
                                      {"kwargs", Json::object()}}})}};
  Json lstm = cell_layer("LSTM", "lstm", U);
  lstm["name"] = "lstm";
  lstm["inbound_nodes"] =
      Json::array({{{"args", Json::array({keras3_tensor("emb")})},
                    {"kwargs", {{"training", false}, {"mask", keras3_tensor("not_equal")}}}}});
  LayerWeights w;
  w.at("emb") = {{"emb/embeddings", to_tensor(table, {V, F})}};
  w.at("lstm") = keras_weights(cell, "lstm/cell");
  const auto out =
      predict(functional({tokens, emb, not_equal, lstm}, {{"tokens", 0}}, {{"lstm", 0}}), w, 3,
              {Tensor::from_vector<std::int32_t>(ids, {B, T})});
  EXPECT_TRUE(close(out[0], ref.output, ref.shape));
}

TEST(KerasMasks, NotEqualAgainstATensorAndErrors) {
  const Json a = input_layer("a", {3}), b = input_layer("b", {3});
  Json ne = {{"class_name", "NotEqual"},
             {"name", "ne"},
             {"config", {{"name", "ne"}}},
             {"inbound_nodes",
              Json::array({{{"args", Json::array({keras3_tensor("a"), keras3_tensor("b")})},
                            {"kwargs", Json::object()}}})}};
  const auto out =
      predict(functional({a, b, ne}, {{"a", 0}, {"b", 0}}, {{"ne", 0}}), {}, 3,
              {testing::make<float>({1, 2, 3}, {1, 3}), testing::make<float>({1, 5, 3}, {1, 3})});
  ASSERT_EQ(out[0].dtype(), DType::boolean);
  EXPECT_FALSE(out[0].data<bool>()[0]);
  EXPECT_TRUE(out[0].data<bool>()[1]);
  EXPECT_FALSE(out[0].data<bool>()[2]);
  Json two_constants = ne;
  two_constants["inbound_nodes"][0]["args"] = Json::array({1, 2});
  EXPECT_THROW(predict(functional({a, two_constants}, {{"a", 0}}, {{"ne", 0}}), {}, 3,
                       {testing::make<float>({1, 2, 3}, {1, 3})}),
               Error);
}

TEST(KerasBidirectional, Errors) {
  std::mt19937 rng(2);
  const Cell cell = random_cell(Kind::lstm, F, U, true, false, rng);
  LayerWeights w;
  w.at("bi") = keras_weights(cell, "bi/forward");  // the backward half is missing
  const Json layer = {{"class_name", "Bidirectional"},
                      {"config", {{"name", "bi"}, {"layer", cell_layer("LSTM", "lstm", U)}}}};
  EXPECT_THROW(predict(sequential({input_layer("x", {T, F}), layer}), w, 3,
                       {Tensor::zeros(DType::f32, {B, T, F})}),
               Error);
  Json bad_mode = layer;
  bad_mode["config"]["merge_mode"] = "max";
  std::vector<LayerWeight> both = keras_weights(cell, "bi/f");
  for (const LayerWeight& lw : keras_weights(cell, "bi/b")) both.push_back(lw);
  w.at("bi") = both;
  EXPECT_THROW(predict(sequential({input_layer("x", {T, F}), bad_mode}), w, 3,
                       {Tensor::zeros(DType::f32, {B, T, F})}),
               Error);
  const Json td = {
      {"class_name", "TimeDistributed"},
      {"config",
       {{"name", "td"}, {"layer", {{"class_name", "NoSuchLayer"}, {"config", Json::object()}}}}}};
  EXPECT_THROW(predict(sequential({input_layer("x", {T, F}), td}), {}, 3,
                       {Tensor::zeros(DType::f32, {B, T, F})}),
               Error);
}

}  // namespace
}  // namespace nnload
