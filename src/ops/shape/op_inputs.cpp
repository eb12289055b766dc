#include "ops/shape/op_inputs.hpp"

#include <algorithm>
#include <cstring>

#include "core/dtype_dispatch.hpp"
#include "core/fail.hpp"

namespace nnload::ops {

void check_input_count(std::span<const InputInfo> in, std::size_t min, std::size_t max,
                       const char* op) {
  if (in.size() < min || in.size() > max) {
    if (min == max)
      fail(ErrorCode::invalid_argument, "{}: {} inputs, expected {}", op, in.size(), min);
    fail(ErrorCode::invalid_argument, "{}: {} inputs, expected {} to {}", op, in.size(), min, max);
  }
  for (std::size_t i = 0; i < min; ++i) {
    if (!in[i].present)
      fail(ErrorCode::invalid_argument, "{}: required input {} is missing", op, i);
  }
}

const Tensor& constant_input(std::span<const InputInfo> in, std::size_t i, const char* op,
                             const char* what) {
  if (!has_input(in, i)) fail(ErrorCode::invalid_argument, "{}: input '{}' is missing", op, what);
  if (in[i].value == nullptr) {
    fail(ErrorCode::unsupported,
         "{}: input '{}' must be a constant (known before running) for nnload to plan the "
         "output shape",
         op, what);
  }
  return *in[i].value;
}

std::vector<std::int64_t> int_values(const Tensor& t, const char* op, const char* what) {
  if (!is_integer(t.dtype())) {
    fail(ErrorCode::shape, "{}: input '{}' has dtype {}, expected an integer type", op, what,
         dtype_name(t.dtype()));
  }
  std::vector<std::int64_t> out(static_cast<std::size_t>(t.numel()));
  convert_elements(t.raw(), t.dtype(), out.data(), DType::i64, out.size());
  return out;
}

std::vector<double> float_values(const Tensor& t, const char* op, const char* what) {
  if (t.dtype() == DType::boolean) {
    fail(ErrorCode::shape, "{}: input '{}' has dtype bool, expected a number", op, what);
  }
  std::vector<double> out(static_cast<std::size_t>(t.numel()));
  convert_elements(t.raw(), t.dtype(), out.data(), DType::f64, out.size());
  return out;
}

std::int64_t int_scalar(const Tensor& t, const char* op, const char* what) {
  const std::vector<std::int64_t> v = int_values(t, op, what);
  if (v.size() != 1) {
    fail(ErrorCode::shape, "{}: input '{}' has shape {}, expected a single value", op, what,
         shape_to_list(t.shape()));
  }
  return v[0];
}

std::vector<std::int64_t> normalize_axes(std::span<const std::int64_t> axes, std::int64_t rank,
                                         const char* op) {
  std::vector<std::int64_t> out;
  out.reserve(axes.size());
  for (std::int64_t a : axes) {
    if (a < -rank || a >= rank) {
      fail(ErrorCode::invalid_argument, "{}: axis {} is out of range for rank {}", op, a, rank);
    }
    const std::int64_t n = a < 0 ? a + rank : a;
    if (std::find(out.begin(), out.end(), n) != out.end()) {
      fail(ErrorCode::invalid_argument, "{}: axis {} is repeated in axes [{}]", op, a,
           fmt::join(axes, ", "));
    }
    out.push_back(n);
  }
  return out;
}

void copy_unless_aliased(const Tensor& in, Tensor& out) {
  if (in.raw() == out.raw() || in.nbytes() == 0) return;
  if (in.nbytes() != out.nbytes()) {
    fail(ErrorCode::internal, "output of {} bytes for an input of {} bytes", out.nbytes(),
         in.nbytes());
  }
  std::memcpy(out.mutable_raw(), in.raw(), in.nbytes());
}

}  // namespace nnload::ops
