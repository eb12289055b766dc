// Arithmetic, unary math, reductions, matmul and casts on the registry's elementwise, reduce
// and matmul ops, with PyTorch's dtype promotion on top of ONNX's same-dtype rule.
#include <cmath>

#include "core/dtype_dispatch.hpp"
#include "core/fail.hpp"
#include "nn/functional_common.hpp"
#include "ops/onnx_dtype.hpp"

namespace nnload {

namespace {

using nn::detail::attrs;
using nn::detail::check_defined;
using nn::detail::shared_op;
using nn::detail::unary;

int float_rank(DType d) {
  return d == DType::f64 ? 3 : d == DType::f32 ? 2 : 1;  // f16 and bf16 below
}

int int_rank(DType d) {
  switch (d) {
    case DType::boolean:
      return 0;
    case DType::u8:
    case DType::i8:
      return 1;
    case DType::i16:
      return 2;
    case DType::i32:
      return 3;
    default:
      return 4;
  }
}

// torch.result_type for two tensors of the same category rules: floats beat integers, wider
// beats narrower; float16 with bfloat16 and uint8 with int8 meet one step up.
DType promote(DType a, DType b) {
  if (a == b) return a;
  const bool fa = is_floating(a), fb = is_floating(b);
  if (fa != fb) return fa ? a : b;
  if (fa) {
    if (float_rank(a) == float_rank(b)) return DType::f32;  // f16 with bf16
    return float_rank(a) > float_rank(b) ? a : b;
  }
  if (a == DType::boolean) return b;
  if (b == DType::boolean) return a;
  if ((a == DType::u8 && b == DType::i8) || (a == DType::i8 && b == DType::u8)) return DType::i16;
  return int_rank(a) >= int_rank(b) ? a : b;
}

Tensor binary(const char* op, const Tensor& a, const Tensor& b) {
  check_defined(a, op);
  check_defined(b, op);
  const DType type = promote(a.dtype(), b.dtype());
  const Tensor inputs[2] = {cast(a, type), cast(b, type)};
  return shared_op(op, {}, 2).run1(inputs);
}

// The dtype a tensor-scalar operation computes in: the tensor's, unless an integer tensor
// meets a fractional scalar (float32, PyTorch's default float type) or a bool tensor meets a
// number (int64).
DType scalar_type(DType tensor, double scalar) {
  if (is_floating(tensor)) return tensor;
  if (std::isfinite(scalar) && std::trunc(scalar) == scalar) {
    return tensor == DType::boolean ? DType::i64 : tensor;
  }
  return DType::f32;
}

Tensor scalar_like(double value, DType dtype) { return Tensor::scalar<double>(value).to(dtype); }

Tensor tensor_scalar(const char* op, const Tensor& a, double b) {
  check_defined(a, op);
  const DType type = scalar_type(a.dtype(), b);
  const Tensor inputs[2] = {cast(a, type), scalar_like(b, type)};
  return shared_op(op, {}, 2).run1(inputs);
}

Tensor scalar_tensor(const char* op, double a, const Tensor& b) {
  check_defined(b, op);
  const DType type = scalar_type(b.dtype(), a);
  const Tensor inputs[2] = {scalar_like(a, type), cast(b, type)};
  return shared_op(op, {}, 2).run1(inputs);
}

// True division like PyTorch's `/`: integers divide as float32.
Tensor as_float(const Tensor& x) { return is_floating(x.dtype()) ? x : cast(x, DType::f32); }

std::vector<std::int64_t> reduce_axes(const Tensor& x, const std::vector<std::int64_t>& dims) {
  std::vector<std::int64_t> axes;
  for (std::int64_t d : dims) axes.push_back(nn::detail::wrap_dim(d, x.rank()));
  return axes;
}

// ReduceSum takes its axes as an input from opset 13 and the others from 18: the versions
// before keep them in an attribute, which caches with the op.
Tensor reduce(const char* op, int opset, const Tensor& x, const std::vector<std::int64_t>& dims,
              bool keepdim) {
  check_defined(x, op);
  graph::Attributes a = attrs({{"keepdims", std::int64_t{keepdim ? 1 : 0}}});
  if (!dims.empty()) a.set("axes", reduce_axes(x, dims));
  return unary(op, x, a, opset);
}

}  // namespace

Tensor cast(const Tensor& x, DType dtype) {
  check_defined(x, "cast");
  if (x.dtype() == dtype) return x;
  return unary("Cast", x, attrs({{"to", ops::onnx_dtype_number(dtype)}}));
}

Tensor add(const Tensor& a, const Tensor& b) { return binary("Add", a, b); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary("Sub", a, b); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary("Mul", a, b); }
Tensor div(const Tensor& a, const Tensor& b) {
  check_defined(a, "Div");
  check_defined(b, "Div");
  return binary("Div", as_float(a), as_float(b));
}

Tensor add(const Tensor& a, double b) { return tensor_scalar("Add", a, b); }
Tensor sub(const Tensor& a, double b) { return tensor_scalar("Sub", a, b); }
Tensor mul(const Tensor& a, double b) { return tensor_scalar("Mul", a, b); }
Tensor div(const Tensor& a, double b) {
  check_defined(a, "Div");
  return tensor_scalar("Div", as_float(a), b);
}

Tensor neg(const Tensor& x) { return unary("Neg", x); }
Tensor exp(const Tensor& x) { return unary("Exp", as_float(x)); }
Tensor log(const Tensor& x) { return unary("Log", as_float(x)); }
Tensor sqrt(const Tensor& x) { return unary("Sqrt", as_float(x)); }
Tensor abs(const Tensor& x) { return unary("Abs", x); }

Tensor pow(const Tensor& x, double exponent) { return tensor_scalar("Pow", x, exponent); }

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator+(const Tensor& a, double b) { return add(a, b); }
Tensor operator-(const Tensor& a, double b) { return sub(a, b); }
Tensor operator*(const Tensor& a, double b) { return mul(a, b); }
Tensor operator/(const Tensor& a, double b) { return div(a, b); }
Tensor operator+(double a, const Tensor& b) { return add(b, a); }
Tensor operator-(double a, const Tensor& b) { return scalar_tensor("Sub", a, b); }
Tensor operator*(double a, const Tensor& b) { return mul(b, a); }
Tensor operator/(double a, const Tensor& b) {
  check_defined(b, "Div");
  return scalar_tensor("Div", a, as_float(b));
}
Tensor operator-(const Tensor& x) { return neg(x); }

Tensor sum(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
  return reduce("ReduceSum", 12, x, dims, keepdim);
}
Tensor mean(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
  check_defined(x, "mean");
  if (!is_floating(x.dtype())) {
    fail(ErrorCode::invalid_argument,
         "mean: input dtype {} is not a float type (PyTorch's mean needs one too)",
         dtype_name(x.dtype()));
  }
  return reduce("ReduceMean", 17, x, dims, keepdim);
}
Tensor amax(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
  return reduce("ReduceMax", 17, x, dims, keepdim);
}
Tensor amin(const Tensor& x, const std::vector<std::int64_t>& dims, bool keepdim) {
  return reduce("ReduceMin", 17, x, dims, keepdim);
}

Tensor argmax(const Tensor& x, std::int64_t dim, bool keepdim) {
  check_defined(x, "argmax");
  return unary("ArgMax", x,
               attrs({{"axis", nn::detail::wrap_dim(dim, x.rank())},
                      {"keepdims", std::int64_t{keepdim ? 1 : 0}}}));
}

Tensor matmul(const Tensor& a, const Tensor& b) { return binary("MatMul", a, b); }

}  // namespace nnload
