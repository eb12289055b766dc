// ONNX Slice (1..9 starts/ends/axes attributes; 10+ starts/ends/axes/steps inputs, negative
// steps, clamping as the spec describes).
#include <algorithm>
#include <limits>

#include "core/fail.hpp"
#include "linalg/broadcast.hpp"
#include "linalg/strided_copy.hpp"
#include "ops/bind.hpp"
#include "ops/shape/families.hpp"
#include "ops/shape/op_inputs.hpp"

namespace nnload::ops {

namespace {

struct SliceAttrs {
  bool from_inputs = true;
  std::vector<std::int64_t> starts, ends, axes;  // opset 1..9
};

SliceAttrs parse_slice_1(const graph::Node& n) {
  return {false, n.attrs.get_ints("starts"), n.attrs.get_ints("ends"), n.attrs.ints_or("axes", {})};
}
SliceAttrs parse_slice_10(const graph::Node&) { return {}; }

struct SliceArgs {
  std::vector<std::int64_t> starts, ends, axes, steps;
};

struct SlicePlan {
  Shape out;
  std::vector<std::int64_t> first;  // per input dimension: index of the first element taken
  std::vector<std::int64_t> step;   // per input dimension
};

SlicePlan plan_slice(const Shape& in, SliceArgs args) {
  const auto rank = static_cast<std::int64_t>(in.size());
  const std::size_t n = args.starts.size();
  if (args.ends.size() != n) {
    fail(ErrorCode::invalid_argument, "Slice: {} starts but {} ends", n, args.ends.size());
  }
  if (args.axes.empty()) {
    for (std::size_t i = 0; i < n; ++i) args.axes.push_back(static_cast<std::int64_t>(i));
  }
  if (args.steps.empty()) args.steps.assign(n, 1);
  if (args.axes.size() != n || args.steps.size() != n) {
    fail(ErrorCode::invalid_argument,
         "Slice: {} starts, {} axes and {} steps; expected equal counts", n, args.axes.size(),
         args.steps.size());
  }
  const std::vector<std::int64_t> axes = normalize_axes(args.axes, rank, "Slice");
  SlicePlan plan{in, std::vector<std::int64_t>(in.size(), 0),
                 std::vector<std::int64_t>(in.size(), 1)};
  for (std::size_t i = 0; i < n; ++i) {
    const auto axis = static_cast<std::size_t>(axes[i]);
    const std::int64_t d = in[axis];
    std::int64_t step = args.steps[i];
    if (step == 0) fail(ErrorCode::invalid_argument, "Slice: step 0 on axis {}", axes[i]);
    // A step longer than the dimension takes one element either way; bounding it keeps the
    // stride arithmetic below from overflowing.
    step =
        std::clamp<std::int64_t>(step, -std::max<std::int64_t>(d, 1), std::max<std::int64_t>(d, 1));
    std::int64_t start = args.starts[i] < 0 ? args.starts[i] + d : args.starts[i];
    std::int64_t end = args.ends[i] < 0 ? args.ends[i] + d : args.ends[i];
    // An end of INT_MAX means "to the last element" in either direction, as ONNX Runtime reads
    // it; the spec's clamping alone would make a backward slice to INT_MAX empty.
    if (args.ends[i] == std::numeric_limits<std::int64_t>::max() ||
        args.ends[i] == std::numeric_limits<std::int32_t>::max()) {
      end = step < 0 ? -1 : d;
    }
    std::int64_t len = 0;
    if (d > 0 && step > 0) {
      start = std::clamp<std::int64_t>(start, 0, d);
      end = std::clamp<std::int64_t>(end, 0, d);
      len = end > start ? (end - start + step - 1) / step : 0;
    } else if (d > 0) {
      start = std::clamp<std::int64_t>(start, 0, d - 1);
      end = std::clamp<std::int64_t>(end, -1, d - 1);
      len = start > end ? (start - end - step - 1) / -step : 0;
    }
    plan.out[axis] = len;
    plan.first[axis] = len > 0 ? start : 0;
    plan.step[axis] = step;
  }
  return plan;
}

template <class Get>
SliceArgs slice_args(const SliceAttrs& a, Get&& get) {
  if (!a.from_inputs) return {a.starts, a.ends, a.axes, {}};
  SliceArgs args;
  args.starts = get(1, "starts");
  args.ends = get(2, "ends");
  args.axes = get(3, "axes");
  args.steps = get(4, "steps");
  return args;
}

std::vector<TensorType> infer_slice(const SliceAttrs& a, std::span<const InputInfo> in) {
  if (a.from_inputs) {
    check_input_count(in, 3, 5, "Slice");
  } else {
    check_input_count(in, 1, 1, "Slice");
  }
  const SliceArgs args = slice_args(a, [&](std::size_t i, const char* what) {
    if (!has_input(in, i)) return std::vector<std::int64_t>{};
    const Tensor& t = constant_input(in, i, "Slice", what);
    if (t.rank() != 1) {
      fail(ErrorCode::shape, "Slice: '{}' has shape {}, expected 1-D", what,
           shape_to_list(t.shape()));
    }
    return int_values(t, "Slice", what);
  });
  return {{in[0].dtype, plan_slice(in[0].shape, args).out}};
}

void run_slice(const SliceAttrs& a, std::span<const Tensor> in, std::span<Tensor> out) {
  const SliceArgs args = slice_args(a, [&](std::size_t i, const char* what) {
    return has_input(in, i) ? int_values(in[i], "Slice", what) : std::vector<std::int64_t>{};
  });
  const SlicePlan plan = plan_slice(in[0].shape(), args);
  if (plan.out != out[0].shape()) {
    fail(ErrorCode::shape, "Slice: output {} planned for {}", shape_to_list(plan.out),
         shape_to_list(out[0].shape()));
  }
  if (out[0].numel() == 0) return;
  const std::size_t elem = dtype_size(in[0].dtype());
  const std::vector<std::int64_t> in_strides = linalg::contiguous_strides(in[0].shape());
  std::vector<std::int64_t> strides(in_strides.size());
  std::int64_t offset = 0;
  for (std::size_t i = 0; i < strides.size(); ++i) {
    offset += plan.first[i] * in_strides[i];
    strides[i] = plan.step[i] * in_strides[i];
  }
  linalg::strided_copy(
      static_cast<const char*>(in[0].raw()) + offset * static_cast<std::int64_t>(elem), strides,
      plan.out, out[0].mutable_raw(), elem);
}

}  // namespace

OpTable slice_ops() {
  return {
      {"", "Slice", 1, 9, ops::bind<SliceAttrs>(parse_slice_1, infer_slice, run_slice)},
      {"", "Slice", 10, graph::kLatestOpset,
       ops::bind<SliceAttrs>(parse_slice_10, infer_slice, run_slice)},
  };
}

}  // namespace nnload::ops
