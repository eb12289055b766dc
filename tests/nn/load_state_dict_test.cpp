// Module::load_state_dict from in-memory state_dicts (vector and map overloads): PyTorch's key
// matching and its exact messages (checked against torch 1.13's text), strict=false, dtype
// conversion, and that a failed load changes nothing.
#include <gtest/gtest.h>

#include <map>
#include <unordered_map>

#include "nn/nn_fixture.hpp"
#include "nnload/nn.hpp"
#include "support/error_capture.hpp"

namespace nnload {
namespace {

using testing::make;
using testing::tensors_close;

struct MyModel : nn::Module {
  nn::Linear fc1, fc2;
  explicit MyModel(std::int64_t in = 10) : fc1(in, 5), fc2(5, 2) {
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }
  Tensor forward(const Tensor& x) { return fc2(relu(fc1(x))); }
};

Tensor zeros(Shape shape) { return Tensor::zeros(DType::f32, std::move(shape)); }

std::string load_error(nn::Module& m, const nn::StateDict& state, bool strict = true) {
  try {
    m.load_state_dict(state, strict);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::shape);
    return e.what();
  }
  ADD_FAILURE() << "load_state_dict did not throw";
  return {};
}

// The message torch 1.13 prints for this state_dict (captured from torch, with its
// "torch.Size([5, 10])" written as "[5, 10]"): missing keys, then unexpected keys, then size
// mismatches; unexpected keys in module order (the root's before fc1's).
TEST(NnLoadStateDict, ReportsEveryProblemAtOnceInTorchsWords) {
  MyModel m(12);
  const std::string message = load_error(m, {{"fc1.weight", zeros({5, 10})},
                                             {"x", zeros({1})},
                                             {"fc2.bias", zeros({3})},
                                             {"fc1.y.z", zeros({1})}});
  EXPECT_EQ(message,
            "Error(s) in loading state_dict for MyModel:\n"
            "\tMissing key(s) in state_dict: \"fc1.bias\", \"fc2.weight\". \n"
            "\tUnexpected key(s) in state_dict: \"x\", \"fc1.y.z\". \n"
            "\tsize mismatch for fc1.weight: copying a param with shape [5, 10] from checkpoint, "
            "the shape in current model is [5, 12].\n"
            "\tsize mismatch for fc2.bias: copying a param with shape [3] from checkpoint, the "
            "shape in current model is [2].");
}

TEST(NnLoadStateDict, NonStrictReturnsMissingAndUnexpectedKeys) {
  MyModel m(12);
  const nn::IncompatibleKeys keys =
      m.load_state_dict({{"fc1.weight", zeros({5, 12})}, {"x", zeros({1})}}, false);
  EXPECT_EQ(keys.missing_keys, (std::vector<std::string>{"fc1.bias", "fc2.weight", "fc2.bias"}));
  EXPECT_EQ(keys.unexpected_keys, std::vector<std::string>{"x"});
}

TEST(NnLoadStateDict, SizeMismatchIsAnErrorEvenWhenNotStrict) {
  MyModel m(12);
  EXPECT_EQ(load_error(m, {{"fc1.weight", zeros({5, 10})}}, false),
            "Error(s) in loading state_dict for MyModel:\n"
            "\tsize mismatch for fc1.weight: copying a param with shape [5, 10] from checkpoint, "
            "the shape in current model is [5, 12].");
}

TEST(NnLoadStateDict, OnlyMissingOrOnlyUnexpected) {
  MyModel m;
  nn::StateDict state = m.state_dict();
  state.erase(state.begin() + 1);
  EXPECT_EQ(load_error(m, state),
            "Error(s) in loading state_dict for MyModel:\n"
            "\tMissing key(s) in state_dict: \"fc1.bias\". ");
  state = m.state_dict();
  state.emplace_back("fc2.extra", zeros({1}));
  EXPECT_EQ(load_error(m, state),
            "Error(s) in loading state_dict for MyModel:\n"
            "\tUnexpected key(s) in state_dict: \"fc2.extra\". ");
}

TEST(NnLoadStateDict, ClassNameOfALeafModuleIsTorchs) {
  nn::Linear fc(3, 2);
  EXPECT_EQ(load_error(fc, {{"weight", zeros({2, 4})}, {"bias", zeros({2})}}),
            "Error(s) in loading state_dict for Linear:\n"
            "\tsize mismatch for weight: copying a param with shape [2, 4] from checkpoint, the "
            "shape in current model is [2, 3].");
}

TEST(NnLoadStateDict, CopiesValuesAndConvertsDtypes) {
  nn::Linear fc(2, 2);
  const nn::IncompatibleKeys keys = fc.load_state_dict(
      {{"weight", make<double>({1, 2, 3, 4}, {2, 2})}, {"bias", make<std::int64_t>({-1, 7}, {2})}});
  EXPECT_TRUE(keys.missing_keys.empty() && keys.unexpected_keys.empty());
  EXPECT_EQ(fc.weight().dtype(), DType::f32);
  EXPECT_TRUE(tensors_close(fc.weight(), make<float>({1, 2, 3, 4}, {2, 2}), 0, 0));
  EXPECT_TRUE(tensors_close(*fc.bias(), make<float>({-1, 7}, {2}), 0, 0));
  // y = x W^T + b
  EXPECT_TRUE(tensors_close(fc(make<float>({1, 1}, {1, 2})), make<float>({2, 14}, {1, 2}), 0, 0));
}

TEST(NnLoadStateDict, HalfAndDoubleCheckpointsMatchTorchsConversion) {
  for (const std::string name : {"linear_float64", "linear_float16"}) {
    SCOPED_TRACE(name);
    nn::Linear fc(3, 2);
    const testing::NnCase c = testing::load_nn_case(name);
    ASSERT_NE(c.state[0].second.dtype(), DType::f32);
    fc.load_state_dict(c.state);
    EXPECT_TRUE(tensors_close(fc(c.at("input")), c.at("output"), 1e-6, 1e-6));
  }
}

TEST(NnLoadStateDict, CopiesIntoTheRegisteredStorage) {
  nn::Linear fc(2, 1);
  const Tensor before = fc.named_parameters()[0].second;
  fc.load_state_dict({{"weight", make<float>({5, 6}, {1, 2})}, {"bias", make<float>({1}, {1})}});
  // Like PyTorch's param.copy_(): handles taken before the load see the new values.
  EXPECT_EQ(before.raw(), fc.weight().raw());
  EXPECT_TRUE(tensors_close(before, make<float>({5, 6}, {1, 2}), 0, 0));
}

TEST(NnLoadStateDict, AFailedLoadChangesNothing) {
  nn::Linear fc(2, 1);
  fc.load_state_dict({{"weight", make<float>({5, 6}, {1, 2})}, {"bias", make<float>({1}, {1})}});
  EXPECT_THROW(fc.load_state_dict(
                   {{"weight", make<float>({7, 8}, {1, 2})}, {"bias", make<float>({1, 2}, {2})}}),
               Error);
  EXPECT_TRUE(tensors_close(fc.weight(), make<float>({5, 6}, {1, 2}), 0, 0));
}

TEST(NnLoadStateDict, MapOverloads) {
  nn::Linear fc(2, 1);
  std::map<std::string, Tensor> ordered{{"weight", make<float>({1, 2}, {1, 2})},
                                        {"bias", make<float>({3}, {1})}};
  EXPECT_TRUE(fc.load_state_dict(ordered).missing_keys.empty());
  std::unordered_map<std::string, Tensor> hashed{{"weight", make<float>({4, 5}, {1, 2})}};
  const nn::IncompatibleKeys keys = fc.load_state_dict(hashed, false);
  EXPECT_EQ(keys.missing_keys, std::vector<std::string>{"bias"});
  EXPECT_TRUE(tensors_close(fc.weight(), make<float>({4, 5}, {1, 2}), 0, 0));
  EXPECT_TRUE(tensors_close(*fc.bias(), make<float>({3}, {1}), 0, 0));
}

TEST(NnLoadStateDict, DuplicateKeysAreRejected) {
  nn::Linear fc(2, 1);
  EXPECT_THROW(fc.load_state_dict({{"bias", zeros({1})}, {"bias", zeros({1})}}, false), Error);
}

TEST(NnLoadStateDict, UndefinedTensorIsReported) {
  nn::Linear fc(2, 1, false);
  const std::string message = load_error(fc, {{"weight", Tensor()}});
  EXPECT_NE(message.find("While copying the parameter named \"weight\""), std::string::npos)
      << message;
}

TEST(NnLoadStateDict, ScalarParameterAcceptsOneElementVector) {
  // PyTorch keeps loading 0.3-era checkpoints that saved scalars as [1] tensors.
  struct Scale : nn::Module {
    Scale() { register_parameter("s", Tensor::scalar<float>(0)); }
  } m;
  m.load_state_dict({{"s", make<float>({2.5f}, {1})}});
  EXPECT_EQ(m.named_parameters()[0].second.item<float>(), 2.5f);
}

TEST(NnLoadStateDict, NonPersistentBuffersAreNotLoaded) {
  struct M : nn::Module {
    M() {
      register_buffer("kept", zeros({1}));
      register_buffer("scratch", zeros({1}), false);
    }
  } m;
  EXPECT_EQ(m.state_dict().size(), 1u);
  EXPECT_EQ(load_error(m, {{"kept", zeros({1})}, {"scratch", zeros({1})}}),
            "Error(s) in loading state_dict for M:\n"
            "\tUnexpected key(s) in state_dict: \"scratch\". ");
}

TEST(NnLoadStateDict, SharedModuleLoadsUnderBothNames) {
  auto shared = std::make_shared<nn::Linear>(2, 1);
  struct Tied : nn::Module {
    explicit Tied(std::shared_ptr<nn::Linear> l) {
      register_module("a", l);
      register_module("b", l);
    }
  } m(shared);
  // state_dict lists it twice (PyTorch does too); named_parameters once.
  EXPECT_EQ(m.state_dict().size(), 4u);
  EXPECT_EQ(m.named_parameters().size(), 2u);
  m.load_state_dict({{"a.weight", make<float>({1, 2}, {1, 2})},
                     {"a.bias", zeros({1})},
                     {"b.weight", make<float>({1, 2}, {1, 2})},
                     {"b.bias", zeros({1})}});
  EXPECT_TRUE(tensors_close(shared->weight(), make<float>({1, 2}, {1, 2}), 0, 0));
}

TEST(NnLoadStateDict, LoadingReplacesPackedWeights) {
  // Kernels pre-pack constant weights: a load must drop them, or the old weights would stay.
  nn::Linear fc(2, 1);
  const Tensor x = make<float>({1, 1}, {1, 2});
  fc.load_state_dict({{"weight", make<float>({1, 2}, {1, 2})}, {"bias", zeros({1})}});
  EXPECT_FLOAT_EQ(fc(x).item<float>(), 3.0f);
  EXPECT_GT(fc.cache_stats().kernels_cached, 0u);
  fc.load_state_dict({{"weight", make<float>({10, 20}, {1, 2})}, {"bias", zeros({1})}});
  EXPECT_EQ(fc.cache_stats().kernels_cached, 0u);
  EXPECT_FLOAT_EQ(fc(x).item<float>(), 30.0f);
}

}  // namespace
}  // namespace nnload
