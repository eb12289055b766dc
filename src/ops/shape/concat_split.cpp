// ONNX Concat (1..3 default axis 1, 4..10, 11+ negative axis) and Split (1..12 `split`
// attribute, 13..17 `split` input, 18+ also `num_outputs`).
#include <algorithm>
#include <cstring>

#include "core/fail.hpp"
#include "linalg/broadcast.hpp"
#include "linalg/parallel.hpp"
#include "ops/bind.hpp"
#include "ops/shape/families.hpp"
#include "ops/shape/op_inputs.hpp"

namespace nnload::ops {

namespace {

constexpr std::int64_t kGrainBytes = 64 * 1024;

std::int64_t product(const Shape& s, std::size_t begin, std::size_t end) {
  std::int64_t p = 1;
  for (std::size_t i = begin; i < end; ++i) p *= s[i];
  return p;
}

// A tensor split along an axis into parts: for each outer index, part i holds part_bytes[i]
// contiguous bytes of the whole's row. Calls fn(part, whole_offset, part_offset, bytes).
template <class Fn>
void for_each_block(std::span<const std::int64_t> part_bytes, std::int64_t outer, Fn&& fn) {
  std::int64_t row = 0;
  for (std::int64_t b : part_bytes) row += b;
  if (row == 0) return;
  linalg::parallel_for(outer, std::max<std::int64_t>(1, kGrainBytes / row),
                       [&](std::int64_t b, std::int64_t e) {
                         for (std::int64_t o = b; o < e; ++o) {
                           std::int64_t w = o * row;
                           for (std::size_t i = 0; i < part_bytes.size(); ++i) {
                             if (part_bytes[i] != 0) fn(i, w, o * part_bytes[i], part_bytes[i]);
                             w += part_bytes[i];
                           }
                         }
                       });
}

struct ConcatAttrs {
  std::int64_t axis = 1;
  bool negative_axis = true;
};

ConcatAttrs parse_concat_1(const graph::Node& n) { return {n.attrs.int_or("axis", 1), false}; }
ConcatAttrs parse_concat_4(const graph::Node& n) { return {n.attrs.get_int("axis"), false}; }
ConcatAttrs parse_concat_11(const graph::Node& n) { return {n.attrs.get_int("axis"), true}; }

std::vector<TensorType> infer_concat(const ConcatAttrs& a, std::span<const InputInfo> in) {
  if (in.empty()) fail(ErrorCode::invalid_argument, "Concat: no inputs");
  const Shape& first = in[0].shape;
  const auto rank = static_cast<std::int64_t>(first.size());
  if (rank == 0) fail(ErrorCode::shape, "Concat: inputs are scalars, expected rank >= 1");
  if (!a.negative_axis && a.axis < 0) {
    fail(ErrorCode::invalid_argument, "Concat: axis {} must not be negative before opset 11",
         a.axis);
  }
  if (a.axis < -rank || a.axis >= rank) {
    fail(ErrorCode::invalid_argument, "Concat: axis {} is out of range for rank {}", a.axis, rank);
  }
  const std::int64_t axis = a.axis < 0 ? a.axis + rank : a.axis;
  Shape out = first;
  out[static_cast<std::size_t>(axis)] = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (!in[i].present) fail(ErrorCode::invalid_argument, "Concat: input {} is missing", i);
    const Shape& s = in[i].shape;
    if (in[i].dtype != in[0].dtype) {
      fail(ErrorCode::shape, "Concat: input {} has dtype {}, input 0 has {}", i,
           dtype_name(in[i].dtype), dtype_name(in[0].dtype));
    }
    if (static_cast<std::int64_t>(s.size()) != rank) {
      fail(ErrorCode::shape, "Concat: input {} has rank {}, expected {}", i, s.size(), rank);
    }
    for (std::int64_t d = 0; d < rank; ++d) {
      if (d != axis && s[static_cast<std::size_t>(d)] != first[static_cast<std::size_t>(d)]) {
        fail(ErrorCode::shape,
             "Concat: input {} has shape {}, input 0 has {}; only axis {} may differ", i,
             shape_to_list(s), shape_to_list(first), axis);
      }
    }
    out[static_cast<std::size_t>(axis)] += s[static_cast<std::size_t>(axis)];
  }
  return {{in[0].dtype, out}};
}

void run_concat(const ConcatAttrs& a, std::span<const Tensor> in, std::span<Tensor> out) {
  const Shape& s = out[0].shape();
  const std::size_t axis = static_cast<std::size_t>(a.axis < 0 ? a.axis + out[0].rank() : a.axis);
  const std::int64_t outer = product(s, 0, axis);
  const auto elem = static_cast<std::int64_t>(dtype_size(out[0].dtype()));
  const std::int64_t inner = product(s, axis + 1, s.size()) * elem;
  std::vector<std::int64_t> bytes;
  for (const Tensor& t : in) bytes.push_back(t.shape()[axis] * inner);
  char* whole = static_cast<char*>(out[0].mutable_raw());
  for_each_block(bytes, outer, [&](std::size_t i, std::int64_t w, std::int64_t p, std::int64_t n) {
    std::memcpy(whole + w, static_cast<const char*>(in[i].raw()) + p, static_cast<std::size_t>(n));
  });
}

struct SplitAttrs {
  std::int64_t axis = 0;
  int outputs = 1;
  bool split_from_input = false;
  std::vector<std::int64_t> split;  // from the attribute
  std::int64_t num_outputs = 0;     // opset 18+, 0 when absent
};

SplitAttrs parse_split_1(const graph::Node& n) {
  return {n.attrs.int_or("axis", 0), static_cast<int>(n.outputs.size()), false,
          n.attrs.ints_or("split", {}), 0};
}
SplitAttrs parse_split_13(const graph::Node& n) {
  return {n.attrs.int_or("axis", 0), static_cast<int>(n.outputs.size()), true, {}, 0};
}
SplitAttrs parse_split_18(const graph::Node& n) {
  SplitAttrs a = parse_split_13(n);
  a.num_outputs = n.attrs.int_or("num_outputs", 0);
  if (n.attrs.has("num_outputs") && a.num_outputs != a.outputs) {
    fail(ErrorCode::invalid_argument, "Split: num_outputs {} but the node has {} outputs",
         a.num_outputs, a.outputs);
  }
  return a;
}

// Output sizes along the axis, validated against the dimension being split.
std::vector<std::int64_t> split_sizes(const SplitAttrs& a, std::span<const InputInfo> in,
                                      std::int64_t dim) {
  std::vector<std::int64_t> sizes = a.split;
  // Opset 1 also took `split` as an optional second input.
  if (has_input(in, 1))
    sizes = int_values(constant_input(in, 1, "Split", "split"), "Split", "split");
  const auto n = static_cast<std::int64_t>(a.outputs);
  if (n <= 0) fail(ErrorCode::invalid_argument, "Split: the node has no outputs");
  if (sizes.empty()) {
    if (a.num_outputs > 0) {  // opset 18: the last chunk may be smaller
      const std::int64_t chunk = (dim + n - 1) / n;
      sizes.assign(static_cast<std::size_t>(n), chunk);
      sizes.back() = dim - chunk * (n - 1);
      if (sizes.back() < 0) {
        fail(ErrorCode::shape, "Split: cannot split a dimension of {} into {} outputs", dim, n);
      }
      return sizes;
    }
    if (dim % n != 0) {
      fail(ErrorCode::shape, "Split: dimension {} does not split evenly into {} outputs", dim, n);
    }
    return std::vector<std::int64_t>(static_cast<std::size_t>(n), dim / n);
  }
  if (static_cast<std::int64_t>(sizes.size()) != n) {
    fail(ErrorCode::invalid_argument, "Split: split [{}] has {} entries for {} outputs",
         fmt::join(sizes, ", "), sizes.size(), n);
  }
  std::int64_t sum = 0;
  for (std::int64_t s : sizes) {
    if (s < 0)
      fail(ErrorCode::invalid_argument, "Split: split [{}] has a negative size",
           fmt::join(sizes, ", "));
    sum += s;
  }
  if (sum != dim) {
    fail(ErrorCode::shape, "Split: split [{}] sums to {}, the dimension is {}",
         fmt::join(sizes, ", "), sum, dim);
  }
  return sizes;
}

std::vector<TensorType> infer_split(const SplitAttrs& a, std::span<const InputInfo> in) {
  check_input_count(in, 1, 2, "Split");
  const Shape& s = in[0].shape;
  const std::int64_t axis =
      linalg::normalize_axis(a.axis, static_cast<std::int64_t>(s.size()), "Split: axis");
  const std::vector<std::int64_t> sizes = split_sizes(a, in, s[static_cast<std::size_t>(axis)]);
  std::vector<TensorType> out;
  for (std::int64_t size : sizes) {
    Shape o = s;
    o[static_cast<std::size_t>(axis)] = size;
    out.push_back({in[0].dtype, o});
  }
  return out;
}

void run_split(const SplitAttrs& a, std::span<const Tensor> in, std::span<Tensor> out) {
  const Shape& s = in[0].shape();
  const auto axis = static_cast<std::size_t>(linalg::normalize_axis(a.axis, in[0].rank()));
  const std::int64_t outer = product(s, 0, axis);
  const auto elem = static_cast<std::int64_t>(dtype_size(in[0].dtype()));
  const std::int64_t inner = product(s, axis + 1, s.size()) * elem;
  std::vector<std::int64_t> bytes;
  std::vector<char*> parts;
  for (Tensor& t : out) {
    bytes.push_back(t.shape()[axis] * inner);
    parts.push_back(static_cast<char*>(t.mutable_raw()));
  }
  const char* whole = static_cast<const char*>(in[0].raw());
  for_each_block(bytes, outer, [&](std::size_t i, std::int64_t w, std::int64_t p, std::int64_t n) {
    std::memcpy(parts[i] + p, whole + w, static_cast<std::size_t>(n));
  });
}

}  // namespace

OpTable concat_split_ops() {
  return {
      {"", "Concat", 1, 3, ops::bind<ConcatAttrs>(parse_concat_1, infer_concat, run_concat)},
      {"", "Concat", 4, 10, ops::bind<ConcatAttrs>(parse_concat_4, infer_concat, run_concat)},
      {"", "Concat", 11, graph::kLatestOpset,
       ops::bind<ConcatAttrs>(parse_concat_11, infer_concat, run_concat)},
      {"", "Split", 1, 12, ops::bind<SplitAttrs>(parse_split_1, infer_split, run_split)},
      {"", "Split", 13, 17, ops::bind<SplitAttrs>(parse_split_13, infer_split, run_split)},
      {"", "Split", 18, graph::kLatestOpset,
       ops::bind<SplitAttrs>(parse_split_18, infer_split, run_split)},
  };
}

}  // namespace nnload::ops
