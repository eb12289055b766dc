// The C++ twin of loading a PyTorch state_dict in Python:
//
//   model = MyModel(); model.load_state_dict(torch.load(path)); model.eval(); model(x)
//
// The architecture is C++ code (as in Python, the file holds only the weights); nnload reads the
// file without Python and without running anything from it.
//
// Usage: example_load_pytorch [STATE_DICT.pth]
// Without an argument it loads my_pytorch_model.pth from the current directory, or else the
// project's seed model (tests/fixtures/nn/my_pytorch_model.pth, found from the repository root
// or from build/bin).
// Prints the output of the model on randn(1, 10) (nnload's fixed-seed generator), or the
// reason loading failed, exiting with 1.
#include <nnload/nn.hpp>

#include <filesystem>
#include <iomanip>
#include <iostream>

struct MyModel : nnload::nn::Module {
  nnload::nn::Linear fc1{10, 5}, fc2{5, 2};
  MyModel() {
    register_module("fc1", fc1);
    register_module("fc2", fc2);
  }
  nnload::Tensor forward(const nnload::Tensor& x) { return fc2(nnload::relu(fc1(x))); }
};

namespace {

std::filesystem::path default_model(const char* argv0) {
  namespace fs = std::filesystem;
  const fs::path fixture = fs::path("tests") / "fixtures" / "nn" / "my_pytorch_model.pth";
  for (const fs::path& p : {fs::path("my_pytorch_model.pth"), fixture,
                            fs::path(argv0).parent_path() / ".." / ".." / fixture}) {
    if (fs::exists(p)) return p;
  }
  return "my_pytorch_model.pth";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 2) {
    std::cerr << "usage: " << argv[0] << " [STATE_DICT.pth]\n";
    return 2;
  }
  const std::filesystem::path path = argc == 2 ? argv[1] : default_model(argv[0]);
  try {
    MyModel m;
    m.load_state_dict(path);
    m.eval();
    std::cout << m.to_string() << '\n';

    const nnload::Tensor x = nnload::randn({1, 10}, /*seed=*/0);
    const nnload::Tensor y = m.forward(x);
    std::cout << "Output shape: " << nnload::shape_to_list(y.shape()) << '\n'
              << "Output:" << std::setprecision(8);
    for (std::int64_t i = 0; i < y.numel(); ++i) std::cout << ' ' << y.value_as_double(i);
    std::cout << '\n';
  } catch (const nnload::Error& e) {
    std::cout << "Loading " << path.string() << " failed.\n" << e.what() << '\n';
    return 1;
  }
  return 0;
}
