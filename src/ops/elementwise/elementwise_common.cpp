#include "ops/elementwise/elementwise_common.hpp"

#include <string>

namespace nnload::ops::elementwise {

void check_dtype(DType dtype, DTypeMask allowed, std::string_view what) {
  if ((allowed & mask_of(dtype)) != 0) return;
  std::vector<std::string_view> names;
  for (unsigned d = 0; d <= static_cast<unsigned>(DType::boolean); ++d) {
    if ((allowed & (1u << d)) != 0) names.push_back(dtype_name(static_cast<DType>(d)));
  }
  const ErrorCode code =
      (dtype == DType::f16 || dtype == DType::bf16) ? ErrorCode::unsupported : ErrorCode::shape;
  fail(code, "{} has dtype {}, expected one of {}", what, dtype_name(dtype),
       fmt::join(names, ", "));
}

void check_same_dtype(DType a, std::string_view a_what, DType b, std::string_view b_what) {
  if (a == b) return;
  fail(ErrorCode::shape, "{} has dtype {} but {} has dtype {}; they must match", b_what,
       dtype_name(b), a_what, dtype_name(a));
}

void check_inputs(std::span<const InputInfo> inputs, std::size_t min, std::size_t max) {
  if (inputs.size() < min || inputs.size() > max) {
    if (min == max) {
      fail(ErrorCode::invalid_argument, "expected {} input(s), got {}", min, inputs.size());
    }
    fail(ErrorCode::invalid_argument, "expected {} to {} inputs, got {}", min, max, inputs.size());
  }
  for (std::size_t i = 0; i < min; ++i) {
    if (!inputs[i].present) fail(ErrorCode::invalid_argument, "required input {} is missing", i);
  }
}

}  // namespace nnload::ops::elementwise
