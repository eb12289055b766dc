#include "nnload/model.hpp"

#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "io/npy.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload {
namespace {

const std::filesystem::path kModel =
    std::filesystem::path(NNLOAD_SOURCE_DIR) / "examples/models/digits_cnn.h5";
const std::filesystem::path kSample =
    std::filesystem::path(NNLOAD_SOURCE_DIR) / "examples/models/digits_sample.npy";

TEST(Model, DescribesItself) {
  const Model model = load(kModel);
  EXPECT_EQ(model.info().format, "Keras HDF5");
  EXPECT_EQ(model.info().producer, "Keras");
  EXPECT_EQ(model.info().name, "digits_cnn");
  ASSERT_EQ(model.inputs().size(), 1u);
  EXPECT_EQ(model.inputs()[0].shape, (Shape{-1, 8, 8, 1}));
  EXPECT_EQ(model.outputs()[0].name, "dense");
  EXPECT_EQ(model.outputs()[0].shape, (Shape{-1, 10}));
  std::int64_t total = 0;
  for (const WeightInfo& w : model.weights()) total += shape_size(w.shape);
  EXPECT_EQ(total, 1418);
  EXPECT_EQ(model.weight(model.weights()[0].name).shape(), model.weights()[0].shape);
  EXPECT_THROW(model.weight("no/such/weight"), Error);
}

TEST(Model, PredictsTheSampleDigit) {
  const Model model = load(kModel);
  const Tensor y = model.predict({io::load_npy(kSample)})[0];
  std::int64_t best = 0;
  for (std::int64_t k = 1; k < 10; ++k)
    best = y.value_as_double(k) > y.value_as_double(best) ? k : best;
  EXPECT_EQ(best, 3);  // the sample is a "3" (examples/models/README.md)
}

TEST(Model, NamedPredictMatchesPositional) {
  const Model model = load(kModel);
  const Tensor x = io::load_npy(kSample);
  const auto named = model.predict(std::map<std::string, Tensor>{{model.inputs()[0].name, x}});
  EXPECT_TRUE(testing::tensors_close(named.at("dense"), model.predict({x})[0], 0, 0));
}

TEST(Model, OneAndTwoThreadsAgree) {
  Model model = load(kModel);
  const Tensor x = io::load_npy(kSample);
  model.set_threads(1);
  const Tensor one = model.predict({x})[0];
  model.set_threads(2);
  const Tensor two = model.predict({x})[0];
  EXPECT_TRUE(testing::tensors_close(one, two, 1e-6, 1e-6));
}

TEST(Model, ManyThreadsShareOneModel) {
  const Model model = load(kModel);
  std::vector<Tensor> inputs;
  std::vector<Tensor> expected;
  for (int b = 1; b <= 4; ++b) {
    Tensor x = Tensor::empty(DType::f32, {b, 8, 8, 1});
    for (std::int64_t i = 0; i < x.numel(); ++i)
      x.mutable_data<float>()[i] = static_cast<float>((i * 37 + b) % 11) / 11.0f;
    inputs.push_back(x);
    expected.push_back(model.predict({x})[0]);
  }
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 100; ++i) {
        const std::size_t k = static_cast<std::size_t>(t + i) % inputs.size();
        if (!testing::tensors_close(model.predict({inputs[k]})[0], expected[k], 0, 0)) ++mismatches;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(Model, SummaryHasKerasColumnsAndTotals) {
  const Model model = load(kModel);
  std::ostringstream out;
  model.summary(out);
  const std::string s = out.str();
  for (const char* text :
       {"Layer (type)", "Output Shape", "Param #", "dense (Dense)", "(None, 10)",
        "Total params: 1,418", "Trainable params: 1,418", "Non-trainable params: 0"}) {
    EXPECT_NE(s.find(text), std::string::npos) << text << " in\n" << s;
  }
}

}  // namespace
}  // namespace nnload
