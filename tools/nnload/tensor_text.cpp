#include "tensor_text.hpp"

#include <fmt/format.h>

#include <cmath>
#include <string>

namespace nnload::cli {

namespace {

std::string element_text(const Tensor& t, std::int64_t i) {
  if (t.dtype() == DType::string) return fmt::format("'{}'", t.data<std::string>()[i]);
  const double v = t.value_as_double(i);
  switch (t.dtype()) {
    case DType::boolean:
      return v != 0 ? "True" : "False";
    case DType::f32:
    case DType::f16:
    case DType::bf16:
    case DType::f64: {
      if (std::isnan(v)) return "nan";
      if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
      std::string s = fmt::format("{:.8g}", v);
      if (s.find_first_of(".e") == std::string::npos) s += ".";
      return s;
    }
    default:
      return fmt::format("{}", static_cast<std::int64_t>(v));
  }
}

void print_dim(std::ostream& out, const Tensor& t, std::size_t dim, std::int64_t offset,
               const std::vector<std::int64_t>& strides, bool elide, std::int64_t edge,
               int indent) {
  const std::int64_t n = t.shape()[dim];
  out << '[';
  for (std::int64_t i = 0; i < n; ++i) {
    if (elide && n > 2 * edge && i == edge) {
      out << (dim + 1 == t.shape().size()
                  ? "..., "
                  : "...,\n" + std::string(static_cast<std::size_t>(indent + 1), ' '));
      i = n - edge - 1;
      continue;
    }
    if (dim + 1 == t.shape().size()) {
      out << element_text(t, offset + i);
    } else {
      print_dim(out, t, dim + 1, offset + i * strides[dim], strides, elide, edge, indent + 1);
    }
    if (i + 1 < n) {
      if (dim + 1 == t.shape().size()) {
        out << ", ";
      } else {
        out << ",\n"
            << std::string(t.shape().size() - dim - 2, '\n')
            << std::string(static_cast<std::size_t>(indent + 1), ' ');
      }
    }
  }
  out << ']';
}

}  // namespace

void print_tensor(std::ostream& out, const Tensor& tensor, std::int64_t threshold,
                  std::int64_t edge_items) {
  if (tensor.rank() == 0) {
    out << element_text(tensor, 0) << '\n';
    return;
  }
  std::vector<std::int64_t> strides(tensor.shape().size(), 1);
  for (std::size_t d = tensor.shape().size(); d-- > 1;)
    strides[d - 1] = strides[d] * tensor.shape()[d];
  print_dim(out, tensor, 0, 0, strides, tensor.numel() > threshold, edge_items, 0);
  out << '\n';
}

}  // namespace nnload::cli
