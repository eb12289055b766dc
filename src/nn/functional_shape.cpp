// Shape functions (views where PyTorch returns views), transpose/permute/cat on the shape ops,
// randn, and the helpers every functional op shares.
#include <cmath>
#include <numbers>

#include "core/fail.hpp"
#include "nn/functional_common.hpp"

namespace nnload {

namespace nn::detail {

std::int64_t wrap_dim(std::int64_t dim, std::int64_t rank) {
  const std::int64_t r = std::max<std::int64_t>(rank, 1);  // PyTorch lets a scalar use dim 0/-1
  if (dim < -r || dim >= r) {
    fail(ErrorCode::invalid_argument,
         "Dimension out of range (expected to be in range of [{}, {}], but got {})", -r, r - 1,
         dim);
  }
  return dim < 0 ? dim + r : dim;
}

void check_defined(const Tensor& x, const char* what) {
  if (!x.defined()) fail(ErrorCode::invalid_argument, "{}: the input is an undefined tensor", what);
}

Tensor unary(const char* op, const Tensor& x, const graph::Attributes& attrs, int opset,
             const std::string& domain) {
  check_defined(x, op);
  const Tensor inputs[1] = {x};
  return shared_op(op, attrs, 1, opset, domain).run1(inputs);
}

}  // namespace nn::detail

using nn::detail::attrs;
using nn::detail::check_defined;
using nn::detail::wrap_dim;

Tensor reshape(const Tensor& x, const Shape& shape) {
  check_defined(x, "reshape");
  Shape out = shape;
  std::int64_t known = 1;
  int inferred = -1;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      if (inferred >= 0) fail(ErrorCode::invalid_argument, "reshape: only one dimension can be -1");
      inferred = static_cast<int>(i);
    } else if (out[i] < 0) {
      fail(ErrorCode::invalid_argument, "reshape: invalid shape dimension {}", out[i]);
    } else {
      known *= out[i];
    }
  }
  if (inferred >= 0) {
    if (known == 0 || x.numel() % known != 0) {
      fail(ErrorCode::shape, "shape '{}' is invalid for input of size {}", shape_to_list(shape),
           x.numel());
    }
    out[static_cast<std::size_t>(inferred)] = x.numel() / known;
  }
  if (shape_size(out) != x.numel()) {
    fail(ErrorCode::shape, "shape '{}' is invalid for input of size {}", shape_to_list(shape),
         x.numel());
  }
  return x.reshaped(out);
}

Tensor flatten(const Tensor& x, std::int64_t start_dim, std::int64_t end_dim) {
  check_defined(x, "flatten");
  if (x.rank() == 0) return x.reshaped({1});
  const std::int64_t start = wrap_dim(start_dim, x.rank());
  const std::int64_t end = wrap_dim(end_dim, x.rank());
  if (start > end) {
    fail(ErrorCode::invalid_argument,
         "flatten() has invalid args: start_dim cannot come after "
         "end_dim");
  }
  Shape out(x.shape().begin(), x.shape().begin() + start);
  std::int64_t merged = 1;
  for (std::int64_t i = start; i <= end; ++i) merged *= x.dim(i);
  out.push_back(merged);
  out.insert(out.end(), x.shape().begin() + end + 1, x.shape().end());
  return x.reshaped(out);
}

Tensor squeeze(const Tensor& x, std::int64_t dim) {
  check_defined(x, "squeeze");
  if (x.rank() == 0) return x;
  const std::int64_t d = wrap_dim(dim, x.rank());
  if (x.dim(d) != 1) return x;
  Shape out = x.shape();
  out.erase(out.begin() + d);
  return x.reshaped(out);
}

Tensor unsqueeze(const Tensor& x, std::int64_t dim) {
  check_defined(x, "unsqueeze");
  const std::int64_t d = wrap_dim(dim, x.rank() + 1);
  Shape out = x.shape();
  out.insert(out.begin() + d, 1);
  return x.reshaped(out);
}

Tensor permute(const Tensor& x, const std::vector<std::int64_t>& dims) {
  check_defined(x, "permute");
  if (static_cast<std::int64_t>(dims.size()) != x.rank()) {
    fail(ErrorCode::invalid_argument, "permute: the input has {} dims, the order lists {}",
         x.rank(), dims.size());
  }
  std::vector<std::int64_t> perm;
  std::vector<bool> used(dims.size(), false);
  for (std::int64_t d : dims) {
    const std::int64_t w = wrap_dim(d, x.rank());
    if (used[static_cast<std::size_t>(w)]) {
      fail(ErrorCode::invalid_argument, "permute(): duplicate dims are not allowed.");
    }
    used[static_cast<std::size_t>(w)] = true;
    perm.push_back(w);
  }
  return nn::detail::unary("Transpose", x, attrs({{"perm", perm}}));
}

Tensor transpose(const Tensor& x, std::int64_t dim0, std::int64_t dim1) {
  check_defined(x, "transpose");
  if (x.rank() < 2) {
    wrap_dim(dim0, x.rank());
    wrap_dim(dim1, x.rank());
    return x;
  }
  std::vector<std::int64_t> perm(static_cast<std::size_t>(x.rank()));
  for (std::size_t i = 0; i < perm.size(); ++i) perm[i] = static_cast<std::int64_t>(i);
  std::swap(perm[static_cast<std::size_t>(wrap_dim(dim0, x.rank()))],
            perm[static_cast<std::size_t>(wrap_dim(dim1, x.rank()))]);
  return nn::detail::unary("Transpose", x, attrs({{"perm", perm}}));
}

Tensor cat(const std::vector<Tensor>& tensors, std::int64_t dim) {
  if (tensors.empty())
    fail(ErrorCode::invalid_argument, "cat: expected a non-empty list of tensors");
  for (const Tensor& t : tensors) check_defined(t, "cat");
  const std::int64_t axis = wrap_dim(dim, tensors[0].rank());
  for (std::size_t i = 1; i < tensors.size(); ++i) {
    if (tensors[i].dtype() != tensors[0].dtype()) {
      fail(ErrorCode::shape, "cat: tensor {} has dtype {}, tensor 0 has {}", i,
           dtype_name(tensors[i].dtype()), dtype_name(tensors[0].dtype()));
    }
  }
  return nn::detail::shared_op("Concat", attrs({{"axis", axis}}), static_cast<int>(tensors.size()))
      .run1(tensors);
}

Tensor randn(const Shape& shape, std::uint64_t seed) {
  Tensor out = Tensor::empty(DType::f32, shape);
  float* data = out.mutable_data<float>();
  std::uint64_t state = seed;
  auto next = [&state] {
    state += 0x9E3779B97F4A7C15ull;  // splitmix64
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  auto uniform = [&next] { return static_cast<double>(next() >> 11) * 0x1.0p-53; };
  for (std::int64_t i = 0; i < out.numel(); i += 2) {
    const double u1 = 1.0 - uniform();  // (0, 1]: log stays finite
    const double u2 = uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    const double angle = 2.0 * std::numbers::pi * u2;
    data[i] = static_cast<float>(r * std::cos(angle));
    if (i + 1 < out.numel()) data[i + 1] = static_cast<float>(r * std::sin(angle));
  }
  return out;
}

}  // namespace nnload
