// ONNX Identity (1+), Reshape (1..4 attribute, 5..13, 14+ allowzero), Flatten (1..10, 11+),
// Squeeze and Unsqueeze (1..12 axes attribute, 13+ axes input): pure reinterpretations.
#include <algorithm>
#include <optional>

#include "core/fail.hpp"
#include "ops/bind.hpp"
#include "ops/shape/families.hpp"
#include "ops/shape/op_inputs.hpp"

namespace nnload::ops {

namespace {

// All of these share output 0 with input 0; the executor aliases them, run() copies otherwise.
void run_alias(const NoAttrs&, std::span<const Tensor> in, std::span<Tensor> out) {
  copy_unless_aliased(in[0], out[0]);
}
template <class Attrs>
void run_alias_with(const Attrs&, std::span<const Tensor> in, std::span<Tensor> out) {
  copy_unless_aliased(in[0], out[0]);
}

std::vector<TensorType> infer_identity(const NoAttrs&, std::span<const InputInfo> in) {
  check_input_count(in, 1, 1, "Identity");
  return {{in[0].dtype, in[0].shape}};
}

// Reshape: `shape` from an attribute (opset 1..4) or from input 1.
struct ReshapeAttrs {
  bool shape_from_attribute = false;
  std::vector<std::int64_t> shape;
  bool allowzero = false;
};

ReshapeAttrs parse_reshape_1(const graph::Node& n) {
  return {true, n.attrs.get_ints("shape"), false};
}
ReshapeAttrs parse_reshape_5(const graph::Node&) { return {}; }
ReshapeAttrs parse_reshape_14(const graph::Node& n) {
  return {false, {}, n.attrs.int_or("allowzero", 0) != 0};
}

Shape reshape_target(const Shape& in, std::span<const std::int64_t> spec, bool allowzero) {
  Shape out(spec.begin(), spec.end());
  std::int64_t infer_at = -1;
  const std::int64_t total = shape_size(in);
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] == -1) {
      if (infer_at >= 0)
        fail(ErrorCode::shape, "Reshape: shape [{}] has more than one -1", fmt::join(spec, ", "));
      infer_at = static_cast<std::int64_t>(i);
      continue;
    }
    if (out[i] == 0 && !allowzero) {
      if (i >= in.size()) {
        fail(ErrorCode::shape, "Reshape: shape [{}] copies dimension {} (0) of an input of rank {}",
             fmt::join(spec, ", "), i, in.size());
      }
      out[i] = in[i];
    }
    if (out[i] < 0)
      fail(ErrorCode::shape, "Reshape: shape [{}] has a negative dimension", fmt::join(spec, ", "));
  }
  if (infer_at >= 0) {
    Shape others = out;
    others.erase(others.begin() + infer_at);
    const std::int64_t known = shape_size(others);
    if (known == 0) {
      fail(ErrorCode::shape,
           "Reshape: shape [{}] has a -1 next to a 0 dimension, so it is ambiguous",
           fmt::join(spec, ", "));
    }
    if (total % known != 0) {
      fail(ErrorCode::shape, "Reshape: cannot reshape {} ({} elements) to [{}]", shape_to_list(in),
           total, fmt::join(spec, ", "));
    }
    out[static_cast<std::size_t>(infer_at)] = total / known;
  }
  if (shape_size(out) != total) {
    fail(ErrorCode::shape, "Reshape: cannot reshape {} ({} elements) to [{}] ({} elements)",
         shape_to_list(in), total, fmt::join(spec, ", "), shape_size(out));
  }
  return out;
}

std::vector<TensorType> infer_reshape(const ReshapeAttrs& a, std::span<const InputInfo> in) {
  if (a.shape_from_attribute) {
    check_input_count(in, 1, 1, "Reshape");
    return {{in[0].dtype, reshape_target(in[0].shape, a.shape, false)}};
  }
  check_input_count(in, 2, 2, "Reshape");
  const Tensor& spec = constant_input(in, 1, "Reshape", "shape");
  if (spec.rank() != 1) {
    fail(ErrorCode::shape, "Reshape: 'shape' has shape {}, expected 1-D",
         shape_to_list(spec.shape()));
  }
  return {{in[0].dtype,
           reshape_target(in[0].shape, int_values(spec, "Reshape", "shape"), a.allowzero)}};
}

// Flatten: opset 1..10 takes axis in [0, rank], 11+ also negative axes.
struct FlattenAttrs {
  std::int64_t axis = 1;
  bool negative_axis = true;
};

FlattenAttrs parse_flatten_1(const graph::Node& n) { return {n.attrs.int_or("axis", 1), false}; }
FlattenAttrs parse_flatten_11(const graph::Node& n) { return {n.attrs.int_or("axis", 1), true}; }

std::vector<TensorType> infer_flatten(const FlattenAttrs& a, std::span<const InputInfo> in) {
  check_input_count(in, 1, 1, "Flatten");
  const Shape& s = in[0].shape;
  const auto rank = static_cast<std::int64_t>(s.size());
  const std::int64_t lo = a.negative_axis ? -rank : 0;
  if (a.axis < lo || a.axis > rank) {
    fail(ErrorCode::invalid_argument, "Flatten: axis {} is out of range [{}, {}] for rank {}",
         a.axis, lo, rank, rank);
  }
  const std::int64_t axis = a.axis < 0 ? a.axis + rank : a.axis;
  const Shape outer(s.begin(), s.begin() + axis);
  const Shape inner(s.begin() + axis, s.end());
  return {{in[0].dtype, {shape_size(outer), shape_size(inner)}}};
}

// Squeeze / Unsqueeze: axes from an attribute (1..12) or from input 1 (13+).
struct AxesAttrs {
  bool from_input = false;
  bool has_axes = false;
  std::vector<std::int64_t> axes;
};

AxesAttrs parse_axes_attribute(const graph::Node& n) {
  return {false, n.attrs.has("axes"), n.attrs.ints_or("axes", {})};
}
AxesAttrs parse_axes_input(const graph::Node&) { return {true, false, {}}; }

// The axes an op was given, from its attribute or its (constant) second input; nullopt: none.
std::optional<std::vector<std::int64_t>> given_axes(const AxesAttrs& a,
                                                    std::span<const InputInfo> in, const char* op) {
  if (!a.from_input) {
    check_input_count(in, 1, 1, op);
    if (!a.has_axes) return std::nullopt;
    return a.axes;
  }
  check_input_count(in, 1, 2, op);
  if (!has_input(in, 1)) return std::nullopt;
  const Tensor& axes = constant_input(in, 1, op, "axes");
  if (axes.rank() > 1)
    fail(ErrorCode::shape, "{}: 'axes' has shape {}, expected 1-D", op,
         shape_to_list(axes.shape()));
  return int_values(axes, op, "axes");
}

std::vector<TensorType> infer_squeeze(const AxesAttrs& a, std::span<const InputInfo> in) {
  const Shape& s = in.empty() ? Shape{} : in[0].shape;
  const std::optional<std::vector<std::int64_t>> axes = given_axes(a, in, "Squeeze");
  Shape out;
  if (!axes) {  // no axes: every dimension of size 1 goes
    for (std::int64_t d : s) {
      if (d != 1) out.push_back(d);
    }
    return {{in[0].dtype, out}};
  }
  const std::vector<std::int64_t> drop =
      normalize_axes(*axes, static_cast<std::int64_t>(s.size()), "Squeeze");
  for (std::size_t i = 0; i < s.size(); ++i) {
    const bool dropped =
        std::find(drop.begin(), drop.end(), static_cast<std::int64_t>(i)) != drop.end();
    if (dropped && s[i] != 1) {
      fail(ErrorCode::shape, "Squeeze: dimension {} of {} is {}, expected 1", i, shape_to_list(s),
           s[i]);
    }
    if (!dropped) out.push_back(s[i]);
  }
  return {{in[0].dtype, out}};
}

std::vector<TensorType> infer_unsqueeze(const AxesAttrs& a, std::span<const InputInfo> in) {
  const std::optional<std::vector<std::int64_t>> axes = given_axes(a, in, "Unsqueeze");
  if (!axes) fail(ErrorCode::invalid_argument, "Unsqueeze: 'axes' is required");
  const Shape& s = in[0].shape;
  const auto out_rank = static_cast<std::int64_t>(s.size() + axes->size());
  const std::vector<std::int64_t> add = normalize_axes(*axes, out_rank, "Unsqueeze");
  Shape out;
  std::size_t next = 0;
  for (std::int64_t i = 0; i < out_rank; ++i) {
    if (std::find(add.begin(), add.end(), i) != add.end()) {
      out.push_back(1);
    } else {
      out.push_back(s[next++]);
    }
  }
  return {{in[0].dtype, out}};
}

}  // namespace

OpTable reshape_family_ops() {
  return {
      {"", "Identity", 1, graph::kLatestOpset,
       bind_alias<NoAttrs>(parse_no_attrs, infer_identity, run_alias, 0)},
      {"", "Reshape", 1, 4,
       bind_alias<ReshapeAttrs>(parse_reshape_1, infer_reshape, run_alias_with, 0)},
      {"", "Reshape", 5, 13,
       bind_alias<ReshapeAttrs>(parse_reshape_5, infer_reshape, run_alias_with, 0)},
      {"", "Reshape", 14, graph::kLatestOpset,
       bind_alias<ReshapeAttrs>(parse_reshape_14, infer_reshape, run_alias_with, 0)},
      {"", "Flatten", 1, 10,
       bind_alias<FlattenAttrs>(parse_flatten_1, infer_flatten, run_alias_with, 0)},
      {"", "Flatten", 11, graph::kLatestOpset,
       bind_alias<FlattenAttrs>(parse_flatten_11, infer_flatten, run_alias_with, 0)},
      {"", "Squeeze", 1, 12,
       bind_alias<AxesAttrs>(parse_axes_attribute, infer_squeeze, run_alias_with, 0)},
      {"", "Squeeze", 13, graph::kLatestOpset,
       bind_alias<AxesAttrs>(parse_axes_input, infer_squeeze, run_alias_with, 0)},
      {"", "Unsqueeze", 1, 12,
       bind_alias<AxesAttrs>(parse_axes_attribute, infer_unsqueeze, run_alias_with, 0)},
      {"", "Unsqueeze", 13, graph::kLatestOpset,
       bind_alias<AxesAttrs>(parse_axes_input, infer_unsqueeze, run_alias_with, 0)},
  };
}

}  // namespace nnload::ops
