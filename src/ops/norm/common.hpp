// Input checks and parameter reading shared by the normalisation ops.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "ops/op.hpp"

namespace nnload::ops::norm {

// f32 and f64 are computed; f16/bf16 are converted to f32 by the loaders, so reaching a kernel
// is an Error(unsupported) that says so.
void require_float(std::string_view op, std::string_view what, DType dtype);

// inputs[i], which must be present.
const InputInfo& required_input(std::span<const InputInfo> inputs, std::size_t i,
                                std::string_view op, std::string_view what);

// A float parameter of exactly `count` elements, given as a 1-D tensor, or (with
// any_shape) as any shape with that many elements.
void require_vector(std::string_view op, std::string_view what, const InputInfo& info,
                    std::int64_t count, bool any_shape = false);

// The values of a float tensor, converted to double.
std::vector<double> to_doubles(const Tensor& t);

}  // namespace nnload::ops::norm
