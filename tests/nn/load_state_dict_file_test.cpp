// Module::load_state_dict(path) on the .pth files make_nn_fixtures.py saved with torch.save, and
// the example program that loads the seed model. These need the PyTorch file reader
// (src/formats/torch, another branch): until it is merged they fail with "PyTorch files are not
// supported yet".
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>

#include "nn/nn_fixture.hpp"
#include "nnload/nn.hpp"
#include "support/temp_files.hpp"

namespace nnload {
namespace {

using testing::nn_fixture;
using testing::NnCase;
using testing::tensors_close;

constexpr double kTol = 1e-5;

struct MyModel : nn::Module {
  nn::Linear fc1{10, 5}, fc2{5, 2};
  MyModel() {
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }
  Tensor forward(const Tensor& x) { return fc2(relu(fc1(x))); }
};

// Loads NAME.pth into `m` and compares its output on the .npz input with torch's.
template <class M>
void expect_pth_matches(M& m, const std::string& name) {
  SCOPED_TRACE(name);
  const nn::IncompatibleKeys keys = m.load_state_dict(nn_fixture(name + ".pth"));
  EXPECT_TRUE(keys.missing_keys.empty());
  EXPECT_TRUE(keys.unexpected_keys.empty());
  m.eval();
  const NnCase c = testing::load_nn_case(name);
  EXPECT_TRUE(tensors_close(m.forward(c.at("input")), c.at("output"), kTol, kTol));
}

TEST(NnLoadStateDictFile, SeedModel) {
  MyModel m;
  expect_pth_matches(m, "my_pytorch_model");
}

TEST(NnLoadStateDictFile, EveryModuleFixture) {
  {
    nn::Linear m(6, 4);
    expect_pth_matches(m, "linear");
  }
  {
    nn::Conv2d m(4, 6, {3, 2}, {2, 1}, {1, 0}, {1, 2}, 2);
    expect_pth_matches(m, "conv2d_groups");
  }
  {
    nn::ConvTranspose2d m(4, 6, 3, 2, 1, 1, 2);
    expect_pth_matches(m, "conv_transpose2d");
  }
  {
    nn::BatchNorm2d m(3, 1e-3, 0.2);
    expect_pth_matches(m, "batchnorm2d");
  }
  {
    nn::LayerNorm m(Shape{4, 5});
    expect_pth_matches(m, "layernorm");
  }
  {
    nn::GroupNorm m(2, 6);
    expect_pth_matches(m, "groupnorm");
  }
  {
    nn::Embedding m(10, 4, 0);
    expect_pth_matches(m, "embedding");
  }
  {
    nn::Sequential m(nn::Conv2d(3, 4, 3, 1, 1), nn::BatchNorm2d(4), nn::ReLU(), nn::MaxPool2d(2),
                     nn::Flatten(), nn::Linear(48, 5));
    expect_pth_matches(m, "sequential");
  }
}

TEST(NnLoadStateDictFile, LowPrecisionCheckpointsConvertOnLoad) {
  for (const std::string name : {"linear_float64", "linear_float16", "linear_bfloat16"}) {
    SCOPED_TRACE(name);
    nn::Linear m(3, 2);
    m.load_state_dict(nn_fixture(name + ".pth"));
    EXPECT_EQ(m.weight().dtype(), DType::f32);
    // The bfloat16 case has no .npz (numpy has no bfloat16): its input is the float16 case's.
    const NnCase c = testing::load_nn_case(name == "linear_bfloat16" ? "linear_float16" : name);
    // bfloat16 keeps 8 bits of mantissa: the same weights, to about 1%.
    const double tol = name == "linear_bfloat16" ? 2e-2 : 1e-6;
    EXPECT_TRUE(tensors_close(m(c.at("input")), c.at("output"), tol, tol));
  }
}

TEST(NnLoadStateDictFile, MismatchedFileReportsLikeTorch) {
  nn::Linear wrong(6, 4);
  EXPECT_EQ(testing::message_of([&] { wrong.load_state_dict(nn_fixture("my_pytorch_model.pth")); }),
            "Error(s) in loading state_dict for Linear:\n"
            "\tMissing key(s) in state_dict: \"weight\", \"bias\". \n"
            "\tUnexpected key(s) in state_dict: \"fc1.weight\", \"fc1.bias\", \"fc2.weight\", "
            "\"fc2.bias\". ");
  const nn::IncompatibleKeys keys =
      wrong.load_state_dict(nn_fixture("my_pytorch_model.pth"), false);
  EXPECT_EQ(keys.missing_keys, (std::vector<std::string>{"weight", "bias"}));
}

TEST(NnLoadStateDictFile, MissingFileIsAnError) {
  MyModel m;
  EXPECT_THROW(m.load_state_dict(std::filesystem::path("/no/such/model.pth")), Error);
}

TEST(NnLoadStateDictFile, ExampleProgramPrintsTorchsOutput) {
  const std::filesystem::path example =
      std::filesystem::path(NNLOAD_BIN_DIR) / "example_load_pytorch";
  ASSERT_TRUE(std::filesystem::exists(example)) << example << " (make example_load_pytorch)";
  testing::TempDir dir;
  const std::filesystem::path out = dir.path() / "out.txt";
  const int status = std::system((example.string() + " >" + out.string() + " 2>&1").c_str());
  std::ifstream in(out);
  const std::string text((std::istreambuf_iterator<char>(in)), {});
  ASSERT_EQ(WEXITSTATUS(status), 0) << text;
  ASSERT_NE(text.find("Output shape: [1, 2]\n"), std::string::npos) << text;
  const std::size_t at = text.find("Output:");
  ASSERT_NE(at, std::string::npos) << text;
  std::istringstream values(text.substr(at + 7));
  std::vector<float> printed;
  for (float v; values >> v;) printed.push_back(v);
  const NnCase c = testing::load_nn_case("my_pytorch_model");
  EXPECT_TRUE(
      tensors_close(testing::make<float>(printed, {1, 2}), c.at("randn_output"), kTol, kTol));
}

}  // namespace
}  // namespace nnload
