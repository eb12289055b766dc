// The C++ implementation of the shared fixture's custom layer kerasgen>ScaledDense, written
// from its documented formula (../shared/README.md):
//   y = act(x . kernel + bias) * scale + alpha * mean(x, axis=-1, keepdims=True)
// with weights kernel [in, units], bias [units], scale [units] and config units, alpha,
// activation ("relu" or "linear").
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "nnload/keras.hpp"

namespace nnload::testing {

class ScaledDense final : public keras::CustomLayer {
 public:
  explicit ScaledDense(const keras::LayerSpec& spec) {
    const nlohmann::json config = nlohmann::json::parse(spec.config_json);
    alpha_ = config.at("alpha").get<float>();
    relu_ = config.value("activation", "linear") == "relu";
    if (spec.weights.size() != 3) throw std::runtime_error("ScaledDense needs 3 weights");
    kernel_ = spec.weights[0].second.to(DType::f32);
    bias_ = spec.weights[1].second.to(DType::f32);
    scale_ = spec.weights[2].second.to(DType::f32);
  }

  std::vector<Tensor> call(const std::vector<Tensor>& inputs) const override {
    const Tensor& x = inputs.at(0);
    const std::int64_t rows = x.dim(0), in = kernel_.dim(0), units = kernel_.dim(1);
    if (x.dim(1) != in) throw std::runtime_error("ScaledDense: input width mismatch");
    Tensor y = Tensor::empty(DType::f32, {rows, units});
    const float* xs = x.data<float>();
    const float* w = kernel_.data<float>();
    float* out = y.mutable_data<float>();
    for (std::int64_t r = 0; r < rows; ++r) {
      double mean = 0;
      for (std::int64_t i = 0; i < in; ++i) mean += xs[r * in + i];
      mean /= static_cast<double>(in);
      for (std::int64_t u = 0; u < units; ++u) {
        double acc = bias_.data<float>()[u];
        for (std::int64_t i = 0; i < in; ++i) acc += xs[r * in + i] * w[i * units + u];
        if (relu_ && acc < 0) acc = 0;
        out[r * units + u] = static_cast<float>(acc * scale_.data<float>()[u] + alpha_ * mean);
      }
    }
    return {y};
  }

 private:
  float alpha_ = 0;
  bool relu_ = false;
  Tensor kernel_, bias_, scale_;
};

// Registers ScaledDense under `name` for the lifetime of the guard.
class RegisteredLayer {
 public:
  RegisteredLayer(std::string name, keras::LayerFactory factory) : name_(std::move(name)) {
    keras::register_layer(name_, std::move(factory));
  }
  ~RegisteredLayer() { keras::unregister_layer(name_); }
  RegisteredLayer(const RegisteredLayer&) = delete;
  RegisteredLayer& operator=(const RegisteredLayer&) = delete;

 private:
  std::string name_;
};

inline keras::LayerFactory scaled_dense_factory() {
  return [](const keras::LayerSpec& spec) { return std::make_shared<ScaledDense>(spec); };
}

}  // namespace nnload::testing
