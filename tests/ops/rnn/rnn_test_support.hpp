// Small builders the ONNX recurrent-op tests (RNN, GRU, LSTM) share: constant tensors, the
// hidden_size attribute and expected outputs whose rows repeat one value.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <vector>

#include "graph/graph.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::testing::rnn {

inline Tensor filled(float value, Shape shape) {
  std::vector<float> v(static_cast<std::size_t>(shape_size(shape)), value);
  return make<float>(v, std::move(shape));
}

inline graph::Attributes hidden(std::int64_t n) {
  graph::Attributes a;
  a.set("hidden_size", n);
  return a;
}

// Each value of `rows` repeated `width` times: rows of a [.., rows, width] output.
inline std::vector<float> rows_of(std::initializer_list<float> rows, std::size_t width) {
  std::vector<float> out;
  for (float v : rows) out.insert(out.end(), width, v);
  return out;
}

}  // namespace nnload::testing::rnn
