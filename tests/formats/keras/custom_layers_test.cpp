// The custom-layer registry (include/nnload/keras.hpp): the shared fixture's kerasgen>ScaledDense
// implemented in C++ from its documented formula and matched against Keras' stored predictions
// in all three files, a Lambda replaced by its documented function, the errors without a
// registration, and the registry's thread safety.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "formats/keras/keras3_test_support.hpp"
#include "formats/keras/scaled_dense.hpp"
#include "nnload/keras.hpp"
#include "ops/run_op.hpp"
#include "support/error_capture.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload {
namespace {

using testing::keras3_fixture;
using testing::RegisteredLayer;

TEST(KerasCustomLayer, ScaledDenseKerasArchiveMatchesKeras) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  RegisteredLayer guard("kerasgen>ScaledDense", testing::scaled_dense_factory());
  const Model model = load(keras3_fixture("custom_layer.keras"));
  EXPECT_TRUE(testing::predicts_like_keras(model, "custom_layer"));
  EXPECT_EQ(testing::printed_total(model, "Total params"),
            testing::manifest_params("custom_layer"));
}

TEST(KerasCustomLayer, ScaledDenseLegacyH5MatchesKeras) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  // Keras 3's .h5 writes the registered name as the class name.
  RegisteredLayer guard("kerasgen>ScaledDense", testing::scaled_dense_factory());
  EXPECT_TRUE(
      testing::predicts_like_keras(load(keras3_fixture("custom_layer.h5")), "custom_layer"));
}

TEST(KerasCustomLayer, ScaledDenseWeightsWithConfigMatchKeras) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  RegisteredLayer guard("kerasgen>ScaledDense", testing::scaled_dense_factory());
  const Model model = load_keras(keras3_fixture("custom_layer.keras").string(),
                                 keras3_fixture("custom_layer.weights.h5"));
  EXPECT_TRUE(testing::predicts_like_keras(model, "custom_layer"));
}

TEST(KerasCustomLayer, BareClassNameRegistrationMatchesToo) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  RegisteredLayer guard("ScaledDense", testing::scaled_dense_factory());
  EXPECT_TRUE(
      testing::predicts_like_keras(load(keras3_fixture("custom_layer.keras")), "custom_layer"));
}

TEST(KerasCustomLayer, FactoryReceivesTheLayersSpec) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  keras::LayerSpec seen;
  RegisteredLayer guard("kerasgen>ScaledDense", [&](const keras::LayerSpec& spec) {
    seen = spec;
    return std::make_shared<testing::ScaledDense>(spec);
  });
  load(keras3_fixture("custom_layer.h5"));
  EXPECT_EQ(seen.class_name, "kerasgen>ScaledDense");
  EXPECT_EQ(seen.name, "scaled");
  EXPECT_NE(seen.config_json.find("\"alpha\":0.25"), std::string::npos) << seen.config_json;
  ASSERT_EQ(seen.weights.size(), 3u);
  EXPECT_EQ(seen.weights[0].first, "scaled/kernel");
  EXPECT_EQ(seen.weights[0].second.shape(), (Shape{7, 5}));
  EXPECT_EQ(seen.weights[2].first, "scaled/scale");
}

TEST(KerasCustomLayer, WithoutRegistrationTheErrorSaysWhatToRegister) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  for (const char* file : {"custom_layer.keras", "custom_layer.h5"}) {
    const auto load_it = [&] { load(keras3_fixture(file)); };
    EXPECT_EQ(testing::code_of(load_it), ErrorCode::custom_layer_missing) << file;
    const std::string message = testing::message_of(load_it);
    EXPECT_NE(message.find("register_layer(\"kerasgen>ScaledDense\""), std::string::npos)
        << message;
  }
}

TEST(KerasCustomLayer, UnregisterRemovesTheImplementation) {
  keras::register_layer("test>Gone", testing::scaled_dense_factory());
  EXPECT_TRUE(keras::unregister_layer("test>Gone"));
  EXPECT_FALSE(keras::unregister_layer("test>Gone"));
  EXPECT_EQ(testing::code_of([] { keras::register_layer("", testing::scaled_dense_factory()); }),
            ErrorCode::invalid_argument);
  EXPECT_EQ(testing::code_of([] { keras::register_layer("x", nullptr); }),
            ErrorCode::invalid_argument);
}

// lambda_layer.tf2.h5: Input(3) -> Lambda(lambda x: x * 2.0) -> Dense(2) (the function is
// documented in tests/fixtures/keras/README.md and make_keras_fixtures.py).
class TimesTwo final : public keras::CustomLayer {
 public:
  std::vector<Tensor> call(const std::vector<Tensor>& inputs) const override {
    Tensor y = inputs.at(0).clone();
    for (float& v : std::span<float>(y.mutable_data<float>(), static_cast<std::size_t>(y.numel())))
      v *= 2.0f;
    return {y};
  }
};

TEST(KerasCustomLayer, LambdaReplacedByRegistration) {
  const auto path = testing::project_fixture("keras/lambda_layer.tf2.h5");
  const std::string message = testing::message_of([&] { load(path); });
  EXPECT_NE(message.find("register_layer(\"Lambda:lambda\""), std::string::npos) << message;

  RegisteredLayer guard("Lambda:lambda",
                        [](const keras::LayerSpec&) { return std::make_shared<TimesTwo>(); });
  const Model model = load(path);
  const Tensor x = testing::make<float>({1, -2, 3, 0.5f, 0, -1}, {2, 3});
  const Tensor w = model.weight("dense/kernel:0"), b = model.weight("dense/bias:0");
  std::vector<float> expected;
  for (int r = 0; r < 2; ++r) {
    for (int u = 0; u < 2; ++u) {
      double acc = b.value_as_double(u);
      for (int i = 0; i < 3; ++i)
        acc += 2.0 * x.value_as_double(r * 3 + i) * w.value_as_double(i * 2 + u);
      expected.push_back(static_cast<float>(acc));
    }
  }
  EXPECT_TRUE(testing::tensors_close(model.predict({x})[0], testing::make<float>(expected, {2, 2}),
                                     1e-5, 1e-5));
}

class Throws final : public keras::CustomLayer {
 public:
  std::vector<Tensor> call(const std::vector<Tensor>& inputs) const override {
    if (inputs.at(0).numel() > 3) throw std::runtime_error("boom");
    return {inputs.at(0)};
  }
};

TEST(KerasCustomLayer, ExceptionsFromUserCodeBecomeErrors) {
  RegisteredLayer guard("Lambda:lambda",
                        [](const keras::LayerSpec&) { return std::make_shared<Throws>(); });
  const Model model = load(testing::project_fixture("keras/lambda_layer.tf2.h5"));
  const std::string message = testing::message_of([&] {
    model.predict({Tensor::zeros(DType::f32, {2, 3})});
  });
  EXPECT_NE(message.find("boom"), std::string::npos) << message;
  EXPECT_NE(message.find("lambda"), std::string::npos) << message;
}

TEST(KerasCustomLayer, DefaultOutputTypesRunCallOnZeros) {
  const TimesTwo layer;
  const auto types = layer.output_types({{DType::f32, {4, 3}}});
  ASSERT_EQ(types.size(), 1u);
  EXPECT_EQ(types[0].first, DType::f32);
  EXPECT_EQ(types[0].second, (Shape{4, 3}));
}

TEST(KerasCustomLayer, RegistryIsSafeFromManyThreads) {
  std::atomic<int> registered{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([t, &registered] {
      for (int i = 0; i < 200; ++i) {
        const std::string name = "thread" + std::to_string(t) + ">L" + std::to_string(i % 5);
        keras::register_layer(name, testing::scaled_dense_factory());
        if (keras::unregister_layer(name)) ++registered;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(registered.load(), 8 * 200);
}

TEST(KerasCustomLayer, PredictionsRunConcurrently) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  RegisteredLayer guard("kerasgen>ScaledDense", testing::scaled_dense_factory());
  const Model model = load(keras3_fixture("custom_layer.keras"));
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i)
        good += testing::predicts_like_keras(model, "custom_layer") ? 1 : 0;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), 80);
}

}  // namespace
}  // namespace nnload
