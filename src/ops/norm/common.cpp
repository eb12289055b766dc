#include "ops/norm/common.hpp"

#include "core/dtype_dispatch.hpp"
#include "core/fail.hpp"

namespace nnload::ops::norm {

void require_float(std::string_view op, std::string_view what, DType dtype) {
  if (dtype == DType::f32 || dtype == DType::f64) return;
  if (dtype == DType::f16 || dtype == DType::bf16) {
    fail(ErrorCode::unsupported, "{}: {} has dtype {}; nnload computes float32 and float64 only",
         op, what, dtype_name(dtype));
  }
  fail(ErrorCode::shape, "{}: {} has dtype {}, expected float32 or float64", op, what,
       dtype_name(dtype));
}

const InputInfo& required_input(std::span<const InputInfo> inputs, std::size_t i,
                                std::string_view op, std::string_view what) {
  if (i >= inputs.size() || !inputs[i].present) {
    fail(ErrorCode::invalid_argument, "{}: input {} ({}) is missing", op, i, what);
  }
  return inputs[i];
}

void require_vector(std::string_view op, std::string_view what, const InputInfo& info,
                    std::int64_t count, bool any_shape) {
  require_float(op, what, info.dtype);
  const bool ok = any_shape ? shape_size(info.shape) == count
                            : info.shape.size() == 1 && info.shape[0] == count;
  if (!ok) {
    fail(ErrorCode::shape, "{}: {} has shape {}, expected [{}]", op, what,
         shape_to_list(info.shape), count);
  }
}

std::vector<double> to_doubles(const Tensor& t) {
  std::vector<double> out(static_cast<std::size_t>(t.numel()));
  convert_elements(t.raw(), t.dtype(), out.data(), DType::f64, out.size());
  return out;
}

}  // namespace nnload::ops::norm
