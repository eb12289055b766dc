// Every module type against torch 1.13 on the fixtures make_nn_fixtures.py wrote: the
// state_dict loads with torch's names, the output matches torch's (eval mode, and train mode for
// BatchNorm), and print(model) matches torch's repr.
#include <gtest/gtest.h>

#include "nn/nn_fixture.hpp"
#include "nnload/nn.hpp"

namespace nnload {
namespace {

using testing::expect_torch_names;
using testing::load_into;
using testing::NnCase;
using testing::tensors_close;

constexpr double kTol = 1e-5;

template <class M>
void expect_matches_torch(M& m, const std::string& model) {
  SCOPED_TRACE(model);
  expect_torch_names(m, model);
  const NnCase c = load_into(m, model);
  EXPECT_TRUE(tensors_close(m.forward(c.at("input")), c.at("output"), kTol, kTol));
}

TEST(NnModules, Linear) {
  nn::Linear m(6, 4);
  expect_matches_torch(m, "linear");
}

TEST(NnModules, LinearWithoutBiasOnRank3Input) {
  nn::Linear m(6, 4, false);
  expect_matches_torch(m, "linear_nobias_3d");
}

TEST(NnModules, Conv1d) {
  nn::Conv1d m(3, 4, 3, 2, 1);
  expect_matches_torch(m, "conv1d");
}

TEST(NnModules, Conv1dSamePaddingDilated) {
  nn::Conv1d m({.in_channels = 2,
                .out_channels = 3,
                .kernel_size = 4,
                .padding = "same",
                .dilation = 2,
                .bias = false});
  expect_matches_torch(m, "conv1d_same_dilated");
}

TEST(NnModules, Conv2d) {
  nn::Conv2d m(3, 4, 3, 1, 1);
  expect_matches_torch(m, "conv2d");
}

TEST(NnModules, Conv2dGroupsStridesDilation) {
  nn::Conv2d m(4, 6, {3, 2}, {2, 1}, {1, 0}, {1, 2}, 2);
  expect_matches_torch(m, "conv2d_groups");
}

TEST(NnModules, Conv2dSamePaddingEvenKernel) {
  // Kernel width 4: PyTorch pads 1 left, 2 right.
  nn::Conv2d m(3, 2, {3, 4}, 1, "same");
  expect_matches_torch(m, "conv2d_same");
}

TEST(NnModules, Conv2dValidPadding) {
  nn::Conv2d m(3, 2, 2, 2, "valid");
  expect_matches_torch(m, "conv2d_valid");
}

TEST(NnModules, Conv2dUnbatchedInput) {
  nn::Conv2d m(3, 4, 3, 1, 1);
  const NnCase c = load_into(m, "conv2d");
  // The first sample alone, [C, H, W], gives the first row of the batched output.
  const Tensor& x = c.at("input");
  const Shape sample(x.shape().begin() + 1, x.shape().end());
  const Tensor x0 = Tensor::wrap(x.raw(), x.dtype(), sample);
  const Tensor& y = c.at("output");
  const Tensor y0 = Tensor::wrap(y.raw(), y.dtype(), Shape(y.shape().begin() + 1, y.shape().end()));
  EXPECT_TRUE(tensors_close(m(x0), y0, kTol, kTol));
}

TEST(NnModules, ConvTranspose1d) {
  nn::ConvTranspose1d m(3, 2, 3, 2, 1, 1);
  expect_matches_torch(m, "conv_transpose1d");
}

TEST(NnModules, ConvTranspose2dGroupsOutputPadding) {
  nn::ConvTranspose2d m(4, 6, 3, 2, 1, 1, 2);
  expect_matches_torch(m, "conv_transpose2d");
}

TEST(NnModules, ConvTranspose2dDilated) {
  nn::ConvTranspose2d m({.in_channels = 2,
                         .out_channels = 3,
                         .kernel_size = {2, 3},
                         .stride = {1, 2},
                         .bias = false,
                         .dilation = 2});
  expect_matches_torch(m, "conv_transpose2d_dilated");
}

template <class M>
void expect_batch_norm(M& m, const std::string& model) {
  SCOPED_TRACE(model);
  expect_torch_names(m, model);
  const NnCase c = load_into(m, model);
  EXPECT_TRUE(tensors_close(m(c.at("input")), c.at("output"), kTol, kTol));
  m.train();
  EXPECT_TRUE(tensors_close(m(c.at("input")), c.at("train_output"), kTol, kTol));
  m.eval();
  EXPECT_TRUE(tensors_close(m(c.at("input")), c.at("output"), kTol, kTol));
}

TEST(NnModules, BatchNorm1d) {
  nn::BatchNorm1d m(4);
  expect_batch_norm(m, "batchnorm1d");
}

TEST(NnModules, BatchNorm1dOnSequences) {
  nn::BatchNorm1d m(4, 1e-3);
  expect_batch_norm(m, "batchnorm1d_3d");
}

TEST(NnModules, BatchNorm2d) {
  nn::BatchNorm2d m(3, 1e-3, 0.2);
  expect_batch_norm(m, "batchnorm2d");
}

TEST(NnModules, BatchNorm2dWithoutAffineOrRunningStats) {
  // No running statistics: eval mode normalises by the batch's own, like training mode.
  nn::BatchNorm2d m(3, 1e-5, 0.1, false, false);
  expect_batch_norm(m, "batchnorm2d_plain");
  EXPECT_TRUE(m.state_dict().empty());
}

TEST(NnModules, BatchNormNumBatchesTrackedIsAnInt64Buffer) {
  nn::BatchNorm2d m(3);
  const auto buffers = m.named_buffers();
  ASSERT_EQ(buffers.size(), 3u);
  EXPECT_EQ(buffers[2].first, "num_batches_tracked");
  EXPECT_EQ(buffers[2].second.dtype(), DType::i64);
  EXPECT_EQ(buffers[2].second.rank(), 0);
  // The fixture's checkpoint set it to 7; loading copies buffers like parameters.
  load_into(m, "batchnorm2d");
  EXPECT_EQ(m.named_buffers()[2].second.item<std::int64_t>(), 7);
}

TEST(NnModules, LayerNorm) {
  nn::LayerNorm m(Shape{4, 5});
  expect_matches_torch(m, "layernorm");
}

TEST(NnModules, LayerNormWithoutAffine) {
  nn::LayerNorm m(6, 1e-6, false);
  expect_matches_torch(m, "layernorm_plain");
}

TEST(NnModules, GroupNorm) {
  nn::GroupNorm m(2, 6);
  expect_matches_torch(m, "groupnorm");
}

TEST(NnModules, GroupNormWithoutAffineOnRank3Input) {
  nn::GroupNorm m(3, 6, 1e-3, false);
  expect_matches_torch(m, "groupnorm_plain");
}

TEST(NnModules, Embedding) {
  nn::Embedding m(10, 4, 0);
  expect_matches_torch(m, "embedding");
}

TEST(NnModules, Sequential) {
  nn::Sequential m(nn::Conv2d(3, 4, 3, 1, 1), nn::BatchNorm2d(4), nn::ReLU(), nn::MaxPool2d(2),
                   nn::Flatten(), nn::Linear(48, 5));
  expect_matches_torch(m, "sequential");
}

// The fixture's Python classes, written the nnload way.
struct Block : nn::Module {
  nn::Conv2d conv;
  nn::BatchNorm2d bn;
  Block(std::int64_t cin, std::int64_t cout) : conv(cin, cout, 3, 1, 1, 1, 1, false), bn(cout) {
    register_module("conv", conv);
    register_module("bn", bn);
  }
  Tensor forward(const Tensor& x) { return relu(bn(conv(x))); }
};

struct Nested : nn::Module {
  Block stem{3, 4};
  nn::Sequential blocks{std::make_shared<Block>(4, 4), std::make_shared<Block>(4, 4)};
  nn::AdaptiveAvgPool2d pool{1};
  nn::Linear fc{4, 3};
  Nested() {
    register_module("stem", stem);
    register_module("blocks", blocks);
    register_module("pool", pool);
    register_module("fc", fc);
  }
  Tensor forward(const Tensor& x) { return fc(flatten(pool(blocks(stem.forward(x))), 1)); }
};

TEST(NnModules, NestedUserModules) {
  Nested m;
  expect_matches_torch(m, "nested");
  EXPECT_EQ(m.blocks.at<Block>(1).bn.registered_name(), "blocks.1.bn");
}

struct ListModel : nn::Module {
  nn::ModuleList layers;
  nn::Linear head{4, 2};
  ListModel() {
    for (int i = 0; i < 3; ++i) layers.push_back(nn::Linear(4, 4));
    register_module("layers", layers);
    register_module("head", head);
  }
  Tensor forward(Tensor x) {
    for (std::size_t i = 0; i < layers.size(); ++i) x = relu(layers.at<nn::Linear>(i)(x));
    return head(x);
  }
};

TEST(NnModules, ModuleList) {
  ListModel m;
  expect_matches_torch(m, "modulelist");
}

TEST(NnModules, SeedModel) {
  struct MyModel : nn::Module {
    nn::Linear fc1{10, 5}, fc2{5, 2};
    MyModel() {
      register_module("fc1", fc1);
      register_module("fc2", fc2);
    }
    Tensor forward(const Tensor& x) { return fc2(relu(fc1(x))); }
  };
  MyModel m;
  expect_matches_torch(m, "my_pytorch_model");
  const NnCase c = testing::load_nn_case("my_pytorch_model");
  // The example program's input: nnload::randn reproduces the values the script computed.
  EXPECT_TRUE(tensors_close(randn({1, 10}, 0), c.at("randn_input"), 0, 0));
  EXPECT_TRUE(tensors_close(m.forward(randn({1, 10}, 0)), c.at("randn_output"), kTol, kTol));
}

// Activations and pools: stateless; the fixture holds one input and each module's output.
TEST(NnModules, Activations) {
  const NnCase c = testing::load_nn_case("activations");
  const Tensor& x = c.at("input");
  auto check = [&](const std::string& name, const Tensor& y) {
    EXPECT_TRUE(tensors_close(y, c.at(name), kTol, kTol)) << name;
  };
  check("relu", nn::ReLU()(x));
  check("leaky_relu", nn::LeakyReLU(0.2)(x));
  check("sigmoid", nn::Sigmoid()(x));
  check("tanh", nn::Tanh()(x));
  check("gelu", nn::GELU()(x));
  check("gelu_tanh", nn::GELU("tanh")(x));
  check("silu", nn::SiLU()(x));
  check("softmax", nn::Softmax(1)(x));
  check("log_softmax", nn::LogSoftmax(-1)(x));
  check("elu", nn::ELU(0.5)(x));
  check("hardswish", nn::Hardswish()(x));
  check("hardsigmoid", nn::Hardsigmoid()(x));
  nn::Dropout dropout(0.3);
  check("dropout", dropout(x));
  dropout.train();
  check("dropout", dropout(x));  // nnload does not train: no dropping in training mode either
}

TEST(NnModules, ActivationReprs) {
  EXPECT_EQ(nn::ReLU().to_string(), "ReLU()");
  EXPECT_EQ(nn::LeakyReLU(0.2).to_string(), "LeakyReLU(negative_slope=0.2)");
  EXPECT_EQ(nn::GELU("tanh").to_string(), "GELU(approximate='tanh')");
  EXPECT_EQ(nn::Softmax(1).to_string(), "Softmax(dim=1)");
  EXPECT_EQ(nn::ELU().to_string(), "ELU(alpha=1.0)");
  EXPECT_EQ(nn::Dropout().to_string(), "Dropout(p=0.5, inplace=False)");
}

TEST(NnModules, Pools) {
  const NnCase c = testing::load_nn_case("pools");
  const Tensor& x = c.at("input");
  auto check = [&](const std::string& name, const Tensor& y) {
    EXPECT_TRUE(tensors_close(y, c.at(name), kTol, kTol)) << name;
  };
  check("maxpool_3_2_1", nn::MaxPool2d(3, 2, 1)(x));
  check("maxpool_ceil", nn::MaxPool2d(2, 0, 0, 1, false, true)(x));
  check("maxpool_dilated", nn::MaxPool2d({3, 2}, {1, 2}, {1, 1}, {2, 1})(x));
  check("avgpool_3_2_1", nn::AvgPool2d(3, 2, 1)(x));
  check("avgpool_exclude_pad", nn::AvgPool2d(3, 2, 1, false, false)(x));
  check("avgpool_ceil", nn::AvgPool2d(3, 2, 1, true)(x));
  check("avgpool_ceil_exclude_pad", nn::AvgPool2d(2, 3, 1, true, false)(x));
  check("adaptive_1", nn::AdaptiveAvgPool2d(1)(x));
  check("adaptive_even", nn::AdaptiveAvgPool2d({7, 5})(x));
  check("adaptive_uneven", nn::AdaptiveAvgPool2d({3, 4})(x));
  check("adaptive_larger", nn::AdaptiveAvgPool2d({9, 12})(x));
  check("flatten", nn::Flatten()(x));
  check("flatten_0_2", nn::Flatten(0, 2)(x));
}

TEST(NnModules, PoolReprs) {
  EXPECT_EQ(nn::MaxPool2d(3, 2, 1).to_string(),
            "MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)");
  EXPECT_EQ(nn::MaxPool2d(2).to_string(),
            "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
  EXPECT_EQ(nn::AvgPool2d({3, 2}).to_string(),
            "AvgPool2d(kernel_size=(3, 2), stride=(3, 2), padding=0)");
  EXPECT_EQ(nn::AdaptiveAvgPool2d({3, 4}).to_string(), "AdaptiveAvgPool2d(output_size=(3, 4))");
  EXPECT_EQ(nn::Flatten().to_string(), "Flatten(start_dim=1, end_dim=-1)");
}

TEST(NnModules, UnbatchedPools) {
  const NnCase c = testing::load_nn_case("pools");
  const Tensor& x = c.at("input");
  const Tensor x0 = Tensor::wrap(x.raw(), x.dtype(), {x.dim(1), x.dim(2), x.dim(3)});
  const Tensor& y = c.at("maxpool_3_2_1");
  const Tensor y0 = Tensor::wrap(y.raw(), y.dtype(), {y.dim(1), y.dim(2), y.dim(3)});
  EXPECT_TRUE(tensors_close(nn::MaxPool2d(3, 2, 1)(x0), y0, kTol, kTol));
}

}  // namespace
}  // namespace nnload
