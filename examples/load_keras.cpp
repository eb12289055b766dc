// The C++ twin of loading a Keras model in a separate program:
//
//   model = tf.keras.models.load_model(path); model.summary(); model.predict(x)
//
// Usage: example_load_keras MODEL.h5
// Prints "Model loaded successfully." and the summary, then runs one prediction on a
// deterministic input of the model's input shape (unknown dimensions set to 1); or prints
// "Model loading failed." and the reason, and exits with 1.
#include <nnload/nnload.hpp>

#include <cmath>
#include <iostream>

namespace {

// A reproducible input: a smooth pattern in [-1, 1], so outputs are comparable between runs.
nnload::Tensor example_input(const nnload::TensorInfo& info) {
  nnload::Shape shape = info.shape;
  for (auto& d : shape) {
    if (d < 0) d = 1;
  }
  nnload::Tensor x = nnload::Tensor::empty(nnload::DType::f32, shape);
  float* data = x.mutable_data<float>();
  for (std::int64_t i = 0; i < x.numel(); ++i) data[i] = std::sin(0.1f * static_cast<float>(i));
  return x.to(info.dtype);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: " << argv[0] << " MODEL.h5\n";
    return 2;
  }
  nnload::Model model = [&] {
    try {
      return nnload::load(argv[1]);
    } catch (const nnload::Error& e) {
      std::cout << "Model loading failed.\n" << e.what() << '\n';
      std::exit(1);
    }
  }();
  std::cout << "Model loaded successfully.\n";
  model.summary(std::cout);

  std::vector<nnload::Tensor> inputs;
  for (const nnload::TensorInfo& info : model.inputs()) inputs.push_back(example_input(info));
  try {
    const std::vector<nnload::Tensor> outputs = model.predict(inputs);
    for (std::size_t i = 0; i < outputs.size(); ++i) {
      const nnload::Tensor& y = outputs[i];
      std::cout << "Prediction '" << model.outputs()[i].name << "' "
                << nnload::shape_to_string(y.shape()) << ":";
      for (std::int64_t k = 0; k < std::min<std::int64_t>(y.numel(), 10); ++k)
        std::cout << ' ' << y.value_as_double(k);
      std::cout << (y.numel() > 10 ? " ...\n" : "\n");
    }
  } catch (const nnload::Error& e) {
    std::cout << "Prediction failed.\n" << e.what() << '\n';
    return 1;
  }
  return 0;
}
