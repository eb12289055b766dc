// Comparing tensors in tests: shapes exactly, values within a tolerance, with the first
// mismatching element named.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "nnload/tensor.hpp"

namespace nnload::testing {

// Passes when shapes match and every |a - b| <= atol + rtol * |b|.
inline ::testing::AssertionResult tensors_close(const Tensor& actual, const Tensor& expected,
                                                double atol = 1e-5, double rtol = 1e-5) {
  if (actual.shape() != expected.shape()) {
    return ::testing::AssertionFailure() << "shape " << shape_to_list(actual.shape())
                                         << " != expected " << shape_to_list(expected.shape());
  }
  double worst = 0;
  std::int64_t worst_index = -1;
  for (std::int64_t i = 0; i < actual.numel(); ++i) {
    const double a = actual.value_as_double(i);
    const double b = expected.value_as_double(i);
    if (std::isnan(a) && std::isnan(b)) continue;
    const double excess = std::abs(a - b) - (atol + rtol * std::abs(b));
    if (!(excess <= 0) && (worst_index < 0 || excess > worst)) {
      worst = excess;
      worst_index = i;
    }
  }
  if (worst_index >= 0) {
    return ::testing::AssertionFailure()
           << "element " << worst_index << ": " << actual.value_as_double(worst_index)
           << " vs expected " << expected.value_as_double(worst_index) << " (atol " << atol
           << ", rtol " << rtol << ")";
  }
  return ::testing::AssertionSuccess();
}

template <class T>
Tensor make(std::vector<T> values, Shape shape) {
  return Tensor::from_vector<T>(values, std::move(shape));
}

}  // namespace nnload::testing
