// nn::Module: registration, PyTorch's names and orders, train/eval, moves, containers, and
// errors that name the module.
#include <gtest/gtest.h>

#include "nnload/nn.hpp"
#include "support/error_capture.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload {
namespace {

using testing::code_of;
using testing::make;
using testing::message_of;

Tensor zeros(Shape shape) { return Tensor::zeros(DType::f32, std::move(shape)); }

std::vector<std::string> names(const std::vector<std::pair<std::string, Tensor>>& named) {
  std::vector<std::string> out;
  for (const auto& [n, _] : named) out.push_back(n);
  return out;
}

template <class T>
std::vector<std::string> module_names(const std::vector<std::pair<std::string, T>>& named) {
  std::vector<std::string> out;
  for (const auto& [n, _] : named) out.push_back(n);
  return out;
}

struct MyModel : nn::Module {
  nn::Linear fc1{10, 5}, fc2{5, 2};
  MyModel() {
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }
  Tensor forward(const Tensor& x) { return fc2(relu(fc1(x))); }
};

TEST(NnModule, TheIssuesExampleHasTorchsNames) {
  MyModel m;
  EXPECT_EQ(names(m.named_parameters()),
            (std::vector<std::string>{"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}));
  EXPECT_EQ(names(m.state_dict()), names(m.named_parameters()));
  EXPECT_EQ(m.parameters().size(), 4u);
  EXPECT_EQ(module_names(m.named_modules()), (std::vector<std::string>{"", "fc1", "fc2"}));
  EXPECT_EQ(module_names(m.named_children()), (std::vector<std::string>{"fc1", "fc2"}));
  EXPECT_EQ(m.type_name(), "MyModel");
  EXPECT_EQ(m.fc1.type_name(), "Linear");
  EXPECT_EQ(m.fc2.registered_name(), "fc2");
  EXPECT_EQ(m.to_string(),
            "MyModel(\n"
            "  (fc1): Linear(in_features=10, out_features=5, bias=True)\n"
            "  (fc2): Linear(in_features=5, out_features=2, bias=True)\n"
            ")");
  const Tensor y = m.forward(zeros({3, 10}));
  EXPECT_EQ(y.shape(), (Shape{3, 2}));
}

TEST(NnModule, ParametersBeforeBuffersThenChildren) {
  struct M : nn::Module {
    nn::BatchNorm1d bn{2};
    M() {
      register_buffer("b", zeros({1}));
      register_parameter("p", zeros({1}));
      register_module("bn", bn);
    }
  } m;
  EXPECT_EQ(names(m.state_dict()),
            (std::vector<std::string>{"p", "b", "bn.weight", "bn.bias", "bn.running_mean",
                                      "bn.running_var", "bn.num_batches_tracked"}));
  EXPECT_EQ(names(m.named_parameters()), (std::vector<std::string>{"p", "bn.weight", "bn.bias"}));
  EXPECT_EQ(names(m.named_parameters(false)), std::vector<std::string>{"p"});
  EXPECT_EQ(names(m.named_buffers()),
            (std::vector<std::string>{"b", "bn.running_mean", "bn.running_var",
                                      "bn.num_batches_tracked"}));
}

TEST(NnModule, RegistrationErrors) {
  struct M : nn::Module {
    using Module::Module;
  } m;
  m.register_parameter("w", zeros({1}));
  EXPECT_EQ(code_of([&] { m.register_parameter("w", zeros({1})); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { m.register_buffer("w", zeros({1})); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { m.register_parameter("a.b", zeros({1})); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { m.register_parameter("", zeros({1})); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { m.register_parameter("u", Tensor()); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { m.register_module("m", std::shared_ptr<nn::Linear>()); }),
            ErrorCode::invalid_argument);
  EXPECT_NE(message_of([&] {
              m.register_buffer("w", zeros({1}));
            }).find("\"w\" is already registered as a parameter"),
            std::string::npos);
}

TEST(NnModule, CyclesAreRejected) {
  auto a = std::make_shared<nn::Sequential>();
  auto b = std::make_shared<nn::Sequential>();
  a->push_back(b);
  EXPECT_EQ(code_of([&] { b->push_back(a); }), ErrorCode::invalid_argument);
}

TEST(NnModule, ReadOnlyTensorsAreCopiedOnRegistration) {
  const float values[2] = {1, 2};
  struct M : nn::Module {
    using Module::Module;
  } m;
  Tensor& p =
      m.register_parameter("p", Tensor::wrap(static_cast<const void*>(values), DType::f32, {2}));
  EXPECT_TRUE(p.writable());
  EXPECT_NE(p.raw(), values);
  m.load_state_dict({{"p", make<float>({3, 4}, {2})}});
  EXPECT_EQ(values[0], 1.0f);
}

TEST(NnModule, TrainAndEvalReachEverySubmodule) {
  MyModel m;
  EXPECT_TRUE(m.is_training());  // PyTorch's modules start in training mode
  m.eval();
  EXPECT_FALSE(m.is_training());
  EXPECT_FALSE(m.fc1.is_training());
  m.train();
  EXPECT_TRUE(m.fc2.is_training());
  EXPECT_FALSE(m.train(false).is_training());
}

TEST(NnModule, RegisteredNamesFollowTheTree) {
  struct Inner : nn::Module {
    nn::Linear fc{2, 2};
    Inner() { register_module("fc", fc); }
  };
  struct Outer : nn::Module {
    Inner inner;
    nn::Sequential seq{nn::Linear(2, 2)};
    Outer() {
      register_module("inner", inner);
      register_module("seq", seq);
      seq.push_back(nn::ReLU());  // added after registration: named from its parent
    }
  } m;
  EXPECT_EQ(m.inner.fc.registered_name(), "inner.fc");
  EXPECT_EQ(m.seq[0].registered_name(), "seq.0");
  EXPECT_EQ(m.seq[1].registered_name(), "seq.1");
  EXPECT_EQ(module_names(m.named_modules()),
            (std::vector<std::string>{"", "inner", "inner.fc", "seq", "seq.0", "seq.1"}));
}

TEST(NnModule, LeafModulesMoveAndModulesWithMembersRefuseTo) {
  nn::Linear a(3, 2);
  a.load_state_dict(
      {{"weight", make<float>({1, 0, 0, 0, 1, 0}, {2, 3})}, {"bias", make<float>({0, 0}, {2})}});
  nn::Linear b(std::move(a));
  EXPECT_TRUE(
      testing::tensors_close(b(make<float>({4, 5, 6}, {1, 3})), make<float>({4, 5}, {1, 2}), 0, 0));
  EXPECT_EQ(code_of([] {
              MyModel m;
              MyModel moved(std::move(m));
            }),
            ErrorCode::invalid_argument);
  EXPECT_NE(message_of([] { nn::Sequential s(MyModel{}); }).find("std::make_shared<MyModel>"),
            std::string::npos);
  nn::Sequential seq(std::make_shared<MyModel>());  // the way to hold one
  nn::Sequential moved(std::move(seq));
  EXPECT_EQ(moved.size(), 1u);
  EXPECT_EQ(names(moved.named_parameters()).front(), "0.fc1.weight");
}

TEST(NnModule, SequentialNamesAndChaining) {
  nn::Sequential seq(nn::Linear(2, 3), nn::ReLU());
  seq.push_back(std::make_shared<nn::Linear>(3, 1));
  EXPECT_EQ(names(seq.state_dict()),
            (std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"}));
  seq.load_state_dict({{"0.weight", make<float>({1, 0, 0, 1, -1, -1}, {3, 2})},
                       {"0.bias", make<float>({0, 0, 0}, {3})},
                       {"2.weight", make<float>({1, 1, 1}, {1, 3})},
                       {"2.bias", make<float>({0.5}, {1})}});
  // relu([2, -1, -1]) = [2, 0, 0] -> 2.5
  EXPECT_FLOAT_EQ(seq(make<float>({2, -1}, {1, 2})).item<float>(), 2.5f);
  EXPECT_EQ(seq.at<nn::Linear>(2).out_features(), 1);
  EXPECT_EQ(code_of([&] { seq.at<nn::Linear>(1); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { seq[3]; }), ErrorCode::invalid_argument);
}

TEST(NnModule, SequentialOfAModuleWithoutOneTensorForward) {
  nn::Sequential seq(nn::Linear(2, 2), nn::LSTM(2, 3));
  EXPECT_EQ(code_of([&] { seq(zeros({1, 2})); }), ErrorCode::unsupported);
  // A module known only as a Module runs through the function given with it.
  nn::Sequential dynamic;
  dynamic.push_back(std::static_pointer_cast<nn::Module>(std::make_shared<nn::ReLU>()),
                    [](const Tensor& x) { return relu(x); });
  EXPECT_FLOAT_EQ(dynamic(make<float>({-2}, {1})).item<float>(), 0.0f);
}

TEST(NnModule, ModuleListNamesItsItems) {
  nn::ModuleList list(nn::Linear(1, 1), nn::Linear(1, 1, false));
  EXPECT_EQ(names(list.named_parameters()),
            (std::vector<std::string>{"0.weight", "0.bias", "1.weight"}));
  EXPECT_EQ(list.size(), 2u);
  EXPECT_EQ(list.to_string(),
            "ModuleList(\n"
            "  (0): Linear(in_features=1, out_features=1, bias=True)\n"
            "  (1): Linear(in_features=1, out_features=1, bias=False)\n"
            ")");
}

TEST(NnModule, ForwardErrorsNameTheModule) {
  MyModel m;
  const std::string linear = message_of([&] { m.forward(zeros({3, 12})); });
  EXPECT_NE(linear.find("Linear 'fc1'"), std::string::npos) << linear;
  EXPECT_NE(linear.find("mat1 and mat2 shapes cannot be multiplied (3x12 and 10x5)"),
            std::string::npos)
      << linear;
  EXPECT_EQ(code_of([&] { m.forward(zeros({3, 12})); }), ErrorCode::shape);

  nn::Sequential net(nn::Conv2d(3, 4, 3), nn::BatchNorm2d(4));
  const std::string conv = message_of([&] { net(zeros({1, 5, 8, 8})); });
  EXPECT_NE(conv.find("Conv2d '0': Given groups=1, weight of size [4, 3, 3, 3], expected "
                      "input[1, 5, 8, 8] to have 3 channels, but got 5 channels instead"),
            std::string::npos)
      << conv;
  const std::string rank = message_of([&] { net.at<nn::BatchNorm2d>(1)(zeros({4, 4})); });
  EXPECT_NE(rank.find("BatchNorm2d '1': expected 4D input (got 2D input)"), std::string::npos)
      << rank;
  EXPECT_EQ(code_of([&] { nn::Conv1d(2, 2, 3)(zeros({2})); }), ErrorCode::shape);
  const std::string ln = message_of([&] { nn::LayerNorm(Shape{4, 5})(zeros({2, 4, 6})); });
  EXPECT_NE(ln.find("Given normalized_shape=[4, 5], expected input with shape [*, 4, 5], but got "
                    "input of size[2, 4, 6]"),
            std::string::npos)
      << ln;
  nn::Embedding emb(3, 2);
  EXPECT_NE(message_of([&] {
              emb(make<std::int64_t>({0, 3}, {2}));
            }).find("index 3 is out of range"),
            std::string::npos);
  EXPECT_EQ(code_of([&] { emb(make<std::int64_t>({-1}, {1})); }), ErrorCode::shape);
  EXPECT_EQ(code_of([&] { emb(make<float>({0}, {1})); }), ErrorCode::shape);
  EXPECT_EQ(code_of([&] { nn::MaxPool2d(2)(zeros({2, 2})); }), ErrorCode::shape);
  EXPECT_EQ(code_of([&] { nn::GroupNorm(2, 4)(zeros({1, 3, 2})); }), ErrorCode::shape);
  EXPECT_EQ(code_of([&] { nn::Linear(2, 2)(Tensor()); }), ErrorCode::invalid_argument);
  // float64 input on float32 weights: an Error like PyTorch's dtype mismatch, not a crash.
  EXPECT_EQ(code_of([&] {
              nn::Linear(2, 2)(Tensor::zeros(DType::f64, {1, 2}));
            }),
            ErrorCode::shape);
}

TEST(NnModule, ConstructorArgumentsAreChecked) {
  EXPECT_EQ(code_of([] { nn::Conv2d(3, 4, 3, 2, "same"); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([] { nn::Conv2d(3, 4, 3, 1, "full"); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([] { nn::Conv2d(3, 4, 3, 1, 0, 1, 2); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([] { nn::Conv2d(3, 3, 3, 1, 0, 1, 1, true, "reflect"); }),
            ErrorCode::unsupported);
  EXPECT_EQ(code_of([] { nn::Conv2d(3, 4, {3, 3, 3}); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([] { nn::ConvTranspose2d(2, 2, 3, 1, 0, 1); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([] { nn::GroupNorm(4, 6); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([] { nn::Embedding(3, 2, 3); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([] { nn::MaxPool2d(3, 1, 2); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([] { nn::MaxPool2d(2, 0, 0, 1, true); }), ErrorCode::unsupported);
  EXPECT_EQ(code_of([] { nn::LSTM(2, 3, 1, true, false, 0.0, false, 2); }), ErrorCode::unsupported);
  EXPECT_EQ(code_of([] { nn::GELU("fast"); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([] { nn::Dropout(1.5); }), ErrorCode::invalid_argument);
}

TEST(NnModule, ConvRepr) {
  EXPECT_EQ(nn::Conv2d(3, 4, 3).to_string(), "Conv2d(3, 4, kernel_size=(3, 3), stride=(1, 1))");
  EXPECT_EQ(nn::Conv1d(2, 3, 4, 1, "same", 2, 1, false).to_string(),
            "Conv1d(2, 3, kernel_size=(4,), stride=(1,), padding=same, dilation=(2,), "
            "bias=False)");
  EXPECT_EQ(nn::BatchNorm2d(3, 1e-3, 0.2).to_string(),
            "BatchNorm2d(3, eps=0.001, momentum=0.2, affine=True, track_running_stats=True)");
}

}  // namespace
}  // namespace nnload
