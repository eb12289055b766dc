// The Keras 1.2.2 recurrent models of ../shared/fixtures/real/keras_h5/dl4j_weights (LSTM,
// SimpleRNN, Embedding -> LSTM, Bidirectional(LSTM) with and without sequences; TensorFlow and
// Theano backends) have no stored predictions: each is checked against a plain float64 loop of
// Keras 1's equations over the per-gate arrays the file holds (W_<g>, U_<g>, b_<g>; inner
// activation hard_sigmoid = clip(0.2 x + 0.5, 0, 1)), on random inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>

#include "formats/keras/weights.hpp"
#include "io/hdf5/hdf5.hpp"
#include "nnload/model.hpp"
#include "support/fixtures.hpp"

namespace nnload {
namespace {

namespace fs = std::filesystem;

struct Matrix {
  std::int64_t rows = 0, cols = 0;
  std::vector<double> v;
  double at(std::int64_t r, std::int64_t c) const {
    return v[static_cast<std::size_t>(r * cols + c)];
  }
};

// The layer's array whose name ends in "_<suffix>" (":0" aside), as [rows, cols] (a vector as
// [1, n]).
Matrix array(const formats::keras::LayerWeights& weights, const std::string& layer,
             const std::string& prefix, const std::string& suffix) {
  const auto* list = weights.find(layer);
  if (list == nullptr) throw std::runtime_error("no weights for " + layer);
  for (const auto& w : *list) {
    std::string name = w.name;
    if (name.size() > 2 && name.compare(name.size() - 2, 2, ":0") == 0)
      name.resize(name.size() - 2);
    const std::string want = prefix + "_" + suffix;
    if (name.size() >= want.size() &&
        name.compare(name.size() - want.size(), want.size(), want) == 0 &&
        (name.size() == want.size() || name[name.size() - want.size() - 1] == '/')) {
      Matrix m;
      const Shape& s = w.value.shape();
      m.rows = s.size() == 2 ? s[0] : 1;
      m.cols = s.back();
      for (std::int64_t i = 0; i < w.value.numel(); ++i) m.v.push_back(w.value.value_as_double(i));
      return m;
    }
  }
  throw std::runtime_error("no " + prefix + "_" + suffix + " in " + layer);
}

double hard_sigmoid(double x) { return std::clamp(0.2 * x + 0.5, 0.0, 1.0); }

// x [batch][time][features] -> outputs per step [batch][time][units] in processing order.
using Seq = std::vector<std::vector<std::vector<double>>>;

Seq run_keras1(const formats::keras::LayerWeights& w, const std::string& layer,
               const std::string& prefix, bool lstm, const Seq& x, bool backwards) {
  const std::vector<std::string> gates =
      lstm ? std::vector<std::string>{"i", "f", "c", "o"} : std::vector<std::string>{""};
  std::vector<Matrix> W, U, b;
  for (const std::string& g : gates) {
    W.push_back(array(w, layer, prefix, g.empty() ? "W" : "W_" + g));
    U.push_back(array(w, layer, prefix, g.empty() ? "U" : "U_" + g));
    b.push_back(array(w, layer, prefix, g.empty() ? "b" : "b_" + g));
  }
  const std::int64_t units = U[0].cols;
  Seq out(x.size());
  for (std::size_t n = 0; n < x.size(); ++n) {
    std::vector<double> h(static_cast<std::size_t>(units), 0.0), c = h;
    const std::size_t steps = x[n].size();
    for (std::size_t s = 0; s < steps; ++s) {
      const std::vector<double>& xt = x[n][backwards ? steps - 1 - s : s];
      std::vector<std::vector<double>> z(gates.size(), std::vector<double>(h.size()));
      for (std::size_t g = 0; g < gates.size(); ++g) {
        for (std::int64_t j = 0; j < units; ++j) {
          double sum = b[g].at(0, j);
          for (std::size_t f = 0; f < xt.size(); ++f)
            sum += xt[f] * W[g].at(static_cast<std::int64_t>(f), j);
          for (std::int64_t k = 0; k < units; ++k)
            sum += h[static_cast<std::size_t>(k)] * U[g].at(k, j);
          z[g][static_cast<std::size_t>(j)] = sum;
        }
      }
      for (std::size_t j = 0; j < h.size(); ++j) {
        if (lstm) {
          c[j] = hard_sigmoid(z[1][j]) * c[j] + hard_sigmoid(z[0][j]) * std::tanh(z[2][j]);
          h[j] = hard_sigmoid(z[3][j]) * std::tanh(c[j]);
        } else {
          h[j] = std::tanh(z[0][j]);
        }
      }
      out[n].push_back(h);
    }
  }
  return out;
}

Tensor to_tensor(const Seq& s) {
  const auto B = static_cast<std::int64_t>(s.size()), T = static_cast<std::int64_t>(s[0].size()),
             U = static_cast<std::int64_t>(s[0][0].size());
  Tensor t = Tensor::empty(DType::f32, {B, T, U});
  float* p = t.mutable_data<float>();
  for (const auto& row : s)
    for (const auto& step : row)
      for (double v : step) *p++ = static_cast<float>(v);
  return t;
}

Tensor last_steps(const Seq& s) {
  Tensor t = Tensor::empty(DType::f32, {static_cast<std::int64_t>(s.size()),
                                        static_cast<std::int64_t>(s[0].back().size())});
  float* p = t.mutable_data<float>();
  for (const auto& row : s)
    for (double v : row.back()) *p++ = static_cast<float>(v);
  return t;
}

::testing::AssertionResult close(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape())
    return ::testing::AssertionFailure()
           << shape_to_list(a.shape()) << " vs " << shape_to_list(b.shape());
  for (std::int64_t i = 0; i < a.numel(); ++i) {
    if (!(std::abs(a.value_as_double(i) - b.value_as_double(i)) <= 1e-5))
      return ::testing::AssertionFailure()
             << "element " << i << ": " << a.value_as_double(i) << " vs " << b.value_as_double(i);
  }
  return ::testing::AssertionSuccess();
}

class Keras1SharedRecurrent : public ::testing::TestWithParam<std::string> {
 protected:
  fs::path path() const {
    return testing::shared_fixtures() / "real/keras_h5/dl4j_weights" / GetParam();
  }
  formats::keras::LayerWeights weights() const {
    const auto file = io::hdf5::open(path());
    return formats::keras::read_layer_weights(file->root().group("model_weights"));
  }
};

Seq random_seq(std::int64_t batch, std::int64_t steps, std::int64_t features, std::mt19937& rng) {
  std::normal_distribution<double> d(0.0, 1.0);
  Seq x(static_cast<std::size_t>(batch));
  for (auto& row : x) {
    row.resize(static_cast<std::size_t>(steps));
    for (auto& step : row) {
      step.resize(static_cast<std::size_t>(features));
      // float32 inputs: the loop reads the values the model sees
      for (double& v : step) v = static_cast<float>(d(rng));
    }
  }
  return x;
}

TEST_P(Keras1SharedRecurrent, MatchesKeras1Equations) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const Model model = load(path());
  const formats::keras::LayerWeights w = weights();
  std::mt19937 rng(11);
  const std::string name = GetParam();
  Tensor expected, input;
  if (name.rfind("lstm_", 0) == 0 || name.rfind("simple_rnn_", 0) == 0) {
    const bool lstm = name[0] == 'l';
    const Seq x = random_seq(3, 4, 1, rng);
    input = to_tensor(x);
    const std::string layer = lstm ? "lstm_1" : "simplernn_1";
    expected = last_steps(run_keras1(w, layer, layer, lstm, x, false));
  } else if (name.rfind("bidirectional_", 0) == 0) {
    const bool sequences = name.find("no_return_sequences") == std::string::npos;
    const Seq x = random_seq(3, 4, 10, rng);
    input = to_tensor(x);
    const Seq fwd = run_keras1(w, "bidirectional_1", "forward_lstm_1", true, x, false);
    const Seq bwd = run_keras1(w, "bidirectional_1", "backward_lstm_1", true, x, true);
    Seq merged(fwd.size());
    for (std::size_t n = 0; n < fwd.size(); ++n) {
      const std::size_t steps = fwd[n].size();
      for (std::size_t t = 0; t < steps; ++t) {
        // Keras 1 flips the backward layer's sequence back into time order.
        std::vector<double> v = fwd[n][t];
        const auto& back = bwd[n][steps - 1 - t];
        v.insert(v.end(), back.begin(), back.end());
        merged[n].push_back(v);
      }
      if (!sequences) {  // the last outputs of each direction
        std::vector<double> v = fwd[n].back();
        v.insert(v.end(), bwd[n].back().begin(), bwd[n].back().end());
        merged[n] = {v};
      }
    }
    expected = sequences ? to_tensor(merged) : last_steps(merged);
  } else {  // embedding_lstm: Embedding(4, 5) -> LSTM(6, return_sequences)
    const Matrix table = array(w, "embedding_1", "embedding_1", "W");
    std::uniform_int_distribution<int> id(0, static_cast<int>(table.rows) - 1);
    input = Tensor::empty(DType::i32, {3, 10});
    Seq x(3);
    for (std::int64_t n = 0; n < 3; ++n) {
      for (std::int64_t t = 0; t < 10; ++t) {
        const int k = id(rng);
        input.mutable_data<std::int32_t>()[n * 10 + t] = k;
        std::vector<double> row;
        for (std::int64_t j = 0; j < table.cols; ++j)
          row.push_back(static_cast<float>(table.at(k, j)));
        x[static_cast<std::size_t>(n)].push_back(row);
      }
    }
    expected = to_tensor(run_keras1(w, "lstm_1", "lstm_1", true, x, false));
  }
  if (model.inputs()[0].dtype != input.dtype()) input = input.to(model.inputs()[0].dtype);
  const std::vector<Tensor> y = model.predict({input});
  ASSERT_EQ(y.size(), 1u);
  EXPECT_TRUE(close(y[0], expected));
}

INSTANTIATE_TEST_SUITE_P(Dl4j, Keras1SharedRecurrent,
                         ::testing::Values("lstm_tensorflow_1.h5", "lstm_theano_1.h5",
                                           "simple_rnn_tensorflow_1.h5", "simple_rnn_theano_1.h5",
                                           "embedding_lstm_tensorflow_1.h5",
                                           "embedding_lstm_theano_1.h5",
                                           "bidirectional_lstm_tensorflow_1.h5",
                                           "bidirectional_lstm_theano_1.h5",
                                           "bidirectional_lstm_no_return_sequences_tensorflow_1.h5",
                                           "bidirectional_lstm_no_return_sequences_theano_1.h5"),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace nnload
