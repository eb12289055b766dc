// The axes, keepdims and noop_with_empty_axes rules shared by the Reduce* ops, in their two
// forms: `axes` as an attribute (ReduceSum before 13, the others before 18) and as an optional
// second input with noop_with_empty_axes (after).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "graph/graph.hpp"
#include "ops/op.hpp"

namespace nnload::ops {

struct ReduceAxes {
  bool from_input = false;
  std::vector<std::int64_t> axes;  // the attribute form's axes
  bool keepdims = true;
  bool noop_with_empty_axes = false;
};

ReduceAxes parse_axes_attribute(const graph::Node& node);
ReduceAxes parse_axes_input(const graph::Node& node);

// One flag per axis of `inputs[0]`: reduced or kept. Empty axes reduce everything, or nothing
// with noop_with_empty_axes. Throws on out-of-range or repeated axes, and on an axes input
// whose value is not known when the plan is compiled.
std::vector<bool> resolve_reduced_axes(const ReduceAxes& spec, std::span<const InputInfo> inputs);

// Flags for an explicit list of axes (possibly negative) of a tensor of rank `rank`.
std::vector<bool> axes_to_flags(std::span<const std::int64_t> axes, std::int64_t rank);

Shape reduced_shape(const Shape& shape, const std::vector<bool>& reduced, bool keepdims);

}  // namespace nnload::ops
