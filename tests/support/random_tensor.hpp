// Reproducible random float tensors for tests that compare two ways of computing one result.
#pragma once

#include <random>

#include "nnload/tensor.hpp"

namespace nnload::testing {

// Normally distributed float32 values (mean 0, standard deviation `scale`) from `seed`.
inline Tensor random_normal(Shape shape, unsigned seed, float scale = 1.0f) {
  Tensor t = Tensor::empty(DType::f32, std::move(shape));
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, scale);
  float* p = t.mutable_data<float>();
  for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = dist(rng);
  return t;
}

}  // namespace nnload::testing
