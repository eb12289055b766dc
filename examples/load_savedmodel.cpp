// The C++ twin of loading a TensorFlow SavedModel in a separate program:
//
//   m = tf.saved_model.load(dir); print(list(m.signatures)); m.signatures["serving_default"](x=...)
//
// Usage: example_load_savedmodel DIR
// Prints "SavedModel loaded successfully.", lists the signatures with their inputs and outputs,
// and runs serving_default on a deterministic input of each input's shape (unknown dimensions
// set to 1); or prints "SavedModel loading failed." and the reason, and exits with 1.
#include <nnload/nnload.hpp>

#include <cmath>
#include <iostream>

namespace {

std::string describe(const nnload::SignatureTensor& t) {
  std::string s =
      t.key + " " +
      (t.foreign_dtype.empty() ? std::string(nnload::dtype_name(t.dtype)) : t.foreign_dtype);
  return s + " " + (t.rank_known ? nnload::shape_to_list(t.shape) : std::string("unknown rank"));
}

// Small integers for integer inputs, a smooth pattern for floats: reproducible outputs.
nnload::Tensor example_input(const nnload::SignatureTensor& t) {
  nnload::Shape shape = t.rank_known ? t.shape : nnload::Shape{1};
  for (auto& d : shape) {
    if (d < 0) d = 1;
  }
  nnload::Tensor x = nnload::Tensor::empty(nnload::DType::f32, shape);
  float* data = x.mutable_data<float>();
  for (std::int64_t i = 0; i < x.numel(); ++i) data[i] = static_cast<float>(i % 5 + 1);
  return x.to(t.dtype);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " SAVED_MODEL_DIR\n";
    return 2;
  }
  nnload::Model model = [&] {
    try {
      return nnload::load(argv[1]);
    } catch (const nnload::Error& e) {
      std::cout << "SavedModel loading failed.\n" << e.what() << '\n';
      std::exit(1);
    }
  }();
  std::cout << "SavedModel loaded successfully.\n";
  for (const nnload::SignatureInfo& s : model.signatures()) {
    std::cout << "Signature '" << s.name << "':\n";
    for (const auto& in : s.inputs) std::cout << "  input  " << describe(in) << '\n';
    for (const auto& out : s.outputs) std::cout << "  output " << describe(out) << '\n';
  }
  try {
    const nnload::Signature serving = model.signature("serving_default");
    std::map<std::string, nnload::Tensor> inputs;
    for (const auto& in : serving.info().inputs) inputs.emplace(in.key, example_input(in));
    for (const auto& [key, y] : serving.run(inputs)) {
      std::cout << "serving_default output '" << key << "' " << nnload::shape_to_list(y.shape())
                << ":";
      for (std::int64_t k = 0; k < std::min<std::int64_t>(y.numel(), 10); ++k)
        std::cout << ' ' << y.value_as_double(k);
      std::cout << (y.numel() > 10 ? " ...\n" : "\n");
    }
  } catch (const nnload::Error& e) {
    std::cout << "Running serving_default failed.\n" << e.what() << '\n';
    return 1;
  }
  return 0;
}
