// nnload TfStridedSlice (1): TensorFlow's StridedSlice with all five masks, on every dtype.
// Inputs x, begin, end, strides (int32 or int64); begin/end/strides may be computed (a Keras
// export slices tf.shape()), so they are read when the plan is compiled, not when the graph is
// built.
#include <algorithm>
#include <cstdint>

#include "core/fail.hpp"
#include "linalg/broadcast.hpp"
#include "linalg/strided_copy.hpp"
#include "ops/bind.hpp"
#include "ops/shape/op_inputs.hpp"
#include "ops/tf/families.hpp"

namespace nnload::ops::tfops {

namespace {

constexpr const char* kOp = "TfStridedSlice";

struct StridedSliceAttrs {
  std::uint64_t begin_mask = 0, end_mask = 0, ellipsis_mask = 0, new_axis_mask = 0,
                shrink_axis_mask = 0;
};

std::uint64_t mask_attr(const graph::Node& n, const char* name) {
  const std::int64_t v = n.attrs.int_or(name, 0);
  if (v < 0 || v >= (std::int64_t{1} << 32))
    fail(ErrorCode::invalid_argument, "{}: {} is {}, expected a 32-bit mask", kOp, name, v);
  return static_cast<std::uint64_t>(v);
}

StridedSliceAttrs parse(const graph::Node& n) {
  return {mask_attr(n, "begin_mask"), mask_attr(n, "end_mask"), mask_attr(n, "ellipsis_mask"),
          mask_attr(n, "new_axis_mask"), mask_attr(n, "shrink_axis_mask")};
}

bool bit(std::uint64_t mask, std::size_t i) { return i < 64 && ((mask >> i) & 1u) != 0; }

// The slice over the input's own axes ("processing" shape: one entry per input axis, shrunk
// axes as 1) and the output shape after new axes are inserted and shrunk axes dropped.
struct SlicePlan {
  std::vector<std::int64_t> begin, stride;
  Shape processing;
  Shape output;
};

constexpr std::int64_t kShrunk = -1, kNewAxis = -2;

SlicePlan plan(const StridedSliceAttrs& a, const Shape& in, const std::vector<std::int64_t>& b,
               const std::vector<std::int64_t>& e, const std::vector<std::int64_t>& s) {
  const std::size_t n = s.size();
  if (b.size() != n || e.size() != n) {
    fail(ErrorCode::shape, "{}: begin, end and strides have {}, {} and {} entries, expected equal",
         kOp, b.size(), e.size(), n);
  }
  if (n >= 32) fail(ErrorCode::shape, "{}: {} slice entries, at most 31 fit the masks", kOp, n);
  std::uint64_t ellipsis = a.ellipsis_mask;
  if ((ellipsis & (ellipsis - 1)) != 0)
    fail(ErrorCode::invalid_argument, "{}: ellipsis_mask {} marks more than one ellipsis", kOp,
         ellipsis);
  // The sparse spec (one entry per slice entry) becomes a dense one (one per input axis): the
  // ellipsis, explicit or implied after the last entry, covers the axes no entry names.
  std::size_t sparse = n;
  std::int64_t new_axes_after_ellipsis = 0;
  bool seen = false;
  for (std::size_t i = 0; i < n; ++i) {
    if (seen && bit(a.new_axis_mask, i)) ++new_axes_after_ellipsis;
    if (bit(ellipsis, i)) seen = true;
  }
  if (!seen) ellipsis |= std::uint64_t{1} << sparse++;

  const auto rank = static_cast<std::int64_t>(in.size());
  std::vector<std::int64_t> begin(in.size(), 0), end(in.size(), 0), stride(in.size(), 1);
  std::vector<bool> begin_masked(in.size(), false), end_masked(in.size(), false),
      shrunk(in.size(), false);
  std::vector<std::int64_t> output_axes;  // input axis, kShrunk or kNewAxis per sparse entry
  std::int64_t full = 0;
  for (std::size_t i = 0; i < sparse; ++i) {
    if (bit(ellipsis, i)) {
      const std::int64_t next = std::min(
          rank - static_cast<std::int64_t>(sparse - i) + 1 + new_axes_after_ellipsis, rank);
      for (; full < next; ++full) {
        const auto f = static_cast<std::size_t>(full);
        begin_masked[f] = end_masked[f] = true;
        output_axes.push_back(full);
      }
    } else if (bit(a.new_axis_mask, i)) {
      output_axes.push_back(kNewAxis);
    } else {
      if (full == rank) {
        fail(ErrorCode::shape, "{}: slice entry {} indexes past the input's rank {}", kOp, i, rank);
      }
      const auto f = static_cast<std::size_t>(full);
      begin[f] = b[i];
      end[f] = e[i];
      stride[f] = s[i];
      begin_masked[f] = bit(a.begin_mask, i);
      end_masked[f] = bit(a.end_mask, i);
      shrunk[f] = bit(a.shrink_axis_mask, i);
      output_axes.push_back(shrunk[f] ? kShrunk : full);
      ++full;
    }
  }

  SlicePlan p;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const std::int64_t dim = in[i];
    const std::int64_t st = stride[i];
    if (st == 0) fail(ErrorCode::invalid_argument, "{}: stride on axis {} is 0", kOp, i);
    std::int64_t lo = 0, hi = 0;
    if (shrunk[i]) {
      // An index, not a range: only forward strides are allowed, and it must be in range.
      if (st < 0)
        fail(ErrorCode::invalid_argument, "{}: axis {} is shrunk with stride {}", kOp, i, st);
      const std::int64_t x = begin[i] < 0 ? dim + begin[i] : begin[i];
      if (x < 0 || x >= dim) {
        fail(ErrorCode::invalid_argument, "{}: index {} is out of range for axis {} of size {}",
             kOp, begin[i], i, dim);
      }
      lo = x;
      hi = x + 1;
    } else {
      // Masked ends take the whole axis in the stride's direction; others count from the end
      // when negative and are clamped to [0, dim] (forward) or [-1, dim - 1] (backward).
      const std::int64_t first = st > 0 ? 0 : -1, last = st > 0 ? dim : dim - 1;
      auto canonical = [&](std::int64_t x, bool masked, bool is_end) {
        if (masked) return (st > 0) == is_end ? last : first;
        const std::int64_t fwd = x < 0 ? dim + x : x;
        return std::clamp(fwd, first, last);
      };
      lo = canonical(begin[i], begin_masked[i], false);
      hi = canonical(end[i], end_masked[i], true);
    }
    const std::int64_t interval = hi - lo;
    std::int64_t size = 0;
    if (interval != 0 && (interval < 0) == (st < 0)) {
      size = interval / st + (interval % st != 0 ? 1 : 0);
    }
    p.begin.push_back(lo);
    p.stride.push_back(size > 1 ? st : 1);  // a single element needs no step (no overflow)
    p.processing.push_back(size);
  }
  for (std::int64_t axis : output_axes) {
    if (axis >= 0) p.output.push_back(p.processing[static_cast<std::size_t>(axis)]);
    if (axis == kNewAxis) p.output.push_back(1);
  }
  return p;
}

std::vector<TensorType> infer(const StridedSliceAttrs& a, std::span<const InputInfo> in) {
  check_input_count(in, 4, 4, kOp);
  const SlicePlan p =
      plan(a, in[0].shape, int_values(constant_input(in, 1, kOp, "begin"), kOp, "begin"),
           int_values(constant_input(in, 2, kOp, "end"), kOp, "end"),
           int_values(constant_input(in, 3, kOp, "strides"), kOp, "strides"));
  return {{in[0].dtype, p.output}};
}

void run(const StridedSliceAttrs& a, std::span<const Tensor> in, std::span<Tensor> out) {
  const Tensor& x = in[0];
  const SlicePlan p = plan(a, x.shape(), int_values(in[1], kOp, "begin"),
                           int_values(in[2], kOp, "end"), int_values(in[3], kOp, "strides"));
  if (out[0].numel() == 0) return;
  const Shape in_strides = linalg::contiguous_strides(x.shape());
  const std::size_t elem = dtype_size(x.dtype());
  std::int64_t offset = 0;
  std::vector<std::int64_t> strides(p.stride.size());
  for (std::size_t i = 0; i < p.stride.size(); ++i) {
    offset += p.begin[i] * in_strides[i];
    strides[i] = p.stride[i] * in_strides[i];
  }
  const auto* src =
      static_cast<const std::byte*>(x.raw()) + offset * static_cast<std::int64_t>(elem);
  linalg::strided_copy(src, strides, p.processing, out[0].mutable_raw(), elem);
}

}  // namespace

OpTable strided_slice_rows() {
  return {{"nnload", "TfStridedSlice", 1, 1, ops::bind<StridedSliceAttrs>(parse, infer, run)}};
}

}  // namespace nnload::ops::tfops
