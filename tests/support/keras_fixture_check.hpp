// Checking a Keras .h5 against stored inputs and Keras' outputs (an .npz with x/y keys, or
// x__<input>/y__<output> for several), and its parameter totals.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "nnload/model.hpp"

namespace nnload::testing {

// The bar: |a - b| <= max(1e-4, 1e-5 * |b|) for every element.
inline ::testing::AssertionResult matches_keras(const Tensor& actual, const Tensor& expected) {
  if (actual.shape() != expected.shape()) {
    return ::testing::AssertionFailure() << "shape " << shape_to_list(actual.shape())
                                         << " != Keras' " << shape_to_list(expected.shape());
  }
  for (std::int64_t i = 0; i < actual.numel(); ++i) {
    const double a = actual.value_as_double(i), b = expected.value_as_double(i);
    if (std::isnan(a) && std::isnan(b)) continue;
    if (!(std::abs(a - b) <= std::max(1e-4, 1e-5 * std::abs(b)))) {
      return ::testing::AssertionFailure() << "element " << i << ": " << a << " vs Keras' " << b;
    }
  }
  return ::testing::AssertionSuccess();
}

// Summary totals as printed ("Total params: 1,418").
inline std::int64_t printed_total(const Model& model, const std::string& label) {
  std::ostringstream out;
  model.summary(out);
  const std::string text = out.str();
  const auto at = text.find(label + ": ");
  if (at == std::string::npos) return -1;
  std::string digits;
  for (std::size_t i = at + label.size() + 2; i < text.size() && text[i] != '\n'; ++i) {
    if (std::isdigit(static_cast<unsigned char>(text[i]))) digits += text[i];
  }
  return digits.empty() ? -1 : std::stoll(digits);
}

}  // namespace nnload::testing
