// ONNX Gather (1+), GatherElements (11+), GatherND (11, 12+ batch_dims). Negative indices wrap;
// out-of-range indices are an Error.
#include <algorithm>
#include <cstring>

#include "core/fail.hpp"
#include "linalg/broadcast.hpp"
#include "linalg/parallel.hpp"
#include "ops/bind.hpp"
#include "ops/index/families.hpp"
#include "ops/shape/op_inputs.hpp"

namespace nnload::ops {

namespace {

constexpr std::int64_t kGrainBytes = 64 * 1024;

std::int64_t product(const Shape& s, std::size_t begin, std::size_t end) {
  std::int64_t p = 1;
  for (std::size_t i = begin; i < end; ++i) p *= s[i];
  return p;
}

// Copies `count` blocks of `bytes` bytes: block i from src + src_off[i] to dst + i * bytes.
// One-element blocks take a typed loop instead of a memcpy call each.
void copy_blocks(const char* src, std::span<const std::int64_t> src_off, char* dst,
                 std::int64_t bytes) {
  const auto count = static_cast<std::int64_t>(src_off.size());
  if (bytes == 0 || count == 0) return;
  auto typed = [&](auto tag) {
    using E = decltype(tag);
    linalg::parallel_for(count, kGrainBytes / static_cast<std::int64_t>(sizeof(E)),
                         [&](std::int64_t b, std::int64_t e) {
                           for (std::int64_t i = b; i < e; ++i) {
                             std::memcpy(dst + i * bytes,
                                         src + src_off[static_cast<std::size_t>(i)], sizeof(E));
                           }
                         });
  };
  switch (bytes) {
    case 1:
      return typed(std::uint8_t{});
    case 2:
      return typed(std::uint16_t{});
    case 4:
      return typed(std::uint32_t{});
    case 8:
      return typed(std::uint64_t{});
  }
  linalg::parallel_for(count, std::max<std::int64_t>(1, kGrainBytes / bytes),
                       [&](std::int64_t b, std::int64_t e) {
                         for (std::int64_t i = b; i < e; ++i) {
                           std::memcpy(dst + i * bytes, src + src_off[static_cast<std::size_t>(i)],
                                       static_cast<std::size_t>(bytes));
                         }
                       });
}

struct AxisAttrs {
  std::int64_t axis = 0;
};
AxisAttrs parse_axis(const graph::Node& n) { return {n.attrs.int_or("axis", 0)}; }

std::vector<TensorType> infer_gather(const AxisAttrs& a, std::span<const InputInfo> in) {
  check_input_count(in, 2, 2, "Gather");
  const Shape& data = in[0].shape;
  const auto rank = static_cast<std::int64_t>(data.size());
  if (rank == 0) fail(ErrorCode::shape, "Gather: data is a scalar, expected rank >= 1");
  check_index_dtype(in[1].dtype, "Gather", "indices");
  const auto axis = static_cast<std::size_t>(linalg::normalize_axis(a.axis, rank, "Gather: axis"));
  Shape out(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(axis));
  out.insert(out.end(), in[1].shape.begin(), in[1].shape.end());
  out.insert(out.end(), data.begin() + static_cast<std::ptrdiff_t>(axis) + 1, data.end());
  return {{in[0].dtype, out}};
}

void run_gather(const AxisAttrs& a, std::span<const Tensor> in, std::span<Tensor> out) {
  const Shape& data = in[0].shape();
  const auto axis = static_cast<std::size_t>(linalg::normalize_axis(a.axis, in[0].rank()));
  const std::int64_t dim = data[axis];
  const std::vector<std::int64_t> idx = wrapped_indices(in[1], dim, "Gather");
  const std::int64_t outer = product(data, 0, axis);
  const std::int64_t inner =
      product(data, axis + 1, data.size()) * static_cast<std::int64_t>(dtype_size(in[0].dtype()));
  std::vector<std::int64_t> offsets;
  offsets.reserve(static_cast<std::size_t>(outer) * idx.size());
  for (std::int64_t o = 0; o < outer; ++o) {
    for (std::int64_t i : idx) offsets.push_back((o * dim + i) * inner);
  }
  copy_blocks(static_cast<const char*>(in[0].raw()), offsets,
              static_cast<char*>(out[0].mutable_raw()), inner);
}

// GatherElements: output has the indices' shape; along `axis` the index picks the data row.
// Other dimensions of indices may be smaller than data's, never larger.
std::vector<TensorType> infer_gather_elements(const AxisAttrs& a, std::span<const InputInfo> in) {
  check_input_count(in, 2, 2, "GatherElements");
  const Shape& data = in[0].shape;
  const Shape& ind = in[1].shape;
  check_index_dtype(in[1].dtype, "GatherElements", "indices");
  if (data.empty() || ind.size() != data.size()) {
    fail(ErrorCode::shape, "GatherElements: indices {} and data {} must have the same rank >= 1",
         shape_to_list(ind), shape_to_list(data));
  }
  const auto axis = linalg::normalize_axis(a.axis, static_cast<std::int64_t>(data.size()),
                                           "GatherElements: axis");
  for (std::size_t d = 0; d < data.size(); ++d) {
    if (static_cast<std::int64_t>(d) != axis && ind[d] > data[d]) {
      fail(ErrorCode::shape, "GatherElements: indices {} is larger than data {} on dimension {}",
           shape_to_list(ind), shape_to_list(data), d);
    }
  }
  return {{in[0].dtype, ind}};
}

void run_gather_elements(const AxisAttrs& a, std::span<const Tensor> in, std::span<Tensor> out) {
  const Shape& data = in[0].shape();
  const auto axis = static_cast<std::size_t>(linalg::normalize_axis(a.axis, in[0].rank()));
  const std::vector<std::int64_t> idx = wrapped_indices(in[1], data[axis], "GatherElements");
  std::vector<std::int64_t> offsets = element_offsets(data, in[1].shape(), axis, idx);
  const auto elem = static_cast<std::int64_t>(dtype_size(in[0].dtype()));
  for (std::int64_t& o : offsets) o *= elem;
  copy_blocks(static_cast<const char*>(in[0].raw()), offsets,
              static_cast<char*>(out[0].mutable_raw()), elem);
}

// GatherND: the last dimension of indices addresses the first k dimensions of data after
// batch_dims leading dimensions that data and indices share.
struct GatherNDAttrs {
  std::int64_t batch_dims = 0;
};
GatherNDAttrs parse_gather_nd(const graph::Node& n) { return {n.attrs.int_or("batch_dims", 0)}; }

struct NDPlan {
  std::size_t b, k;
  std::int64_t batches, per_batch;  // index tuples per batch
  std::int64_t slice;               // elements copied per tuple
};

NDPlan plan_gather_nd(std::int64_t batch_dims, const Shape& data, const Shape& ind) {
  const auto r = static_cast<std::int64_t>(data.size());
  const auto q = static_cast<std::int64_t>(ind.size());
  if (r < 1 || q < 1)
    fail(ErrorCode::shape, "GatherND: data {} and indices {} need rank >= 1", shape_to_list(data),
         shape_to_list(ind));
  if (batch_dims < 0 || batch_dims >= std::min(r, q)) {
    fail(ErrorCode::invalid_argument, "GatherND: batch_dims {} must be in [0, {})", batch_dims,
         std::min(r, q));
  }
  const auto b = static_cast<std::size_t>(batch_dims);
  const std::int64_t k = ind.back();
  if (k < 1 || k > r - batch_dims) {
    fail(ErrorCode::shape,
         "GatherND: indices {} address {} dimensions, data {} has {} after batch_dims",
         shape_to_list(ind), k, shape_to_list(data), r - batch_dims);
  }
  for (std::size_t i = 0; i < b; ++i) {
    if (data[i] != ind[i]) {
      fail(ErrorCode::shape, "GatherND: batch dimension {} is {} in data, {} in indices", i,
           data[i], ind[i]);
    }
  }
  const auto ku = static_cast<std::size_t>(k);
  return {b, ku, product(data, 0, b), product(ind, b, ind.size() - 1),
          product(data, b + ku, data.size())};
}

std::vector<TensorType> infer_gather_nd(const GatherNDAttrs& a, std::span<const InputInfo> in) {
  check_input_count(in, 2, 2, "GatherND");
  check_index_dtype(in[1].dtype, "GatherND", "indices");
  const Shape& data = in[0].shape;
  const Shape& ind = in[1].shape;
  const NDPlan p = plan_gather_nd(a.batch_dims, data, ind);
  Shape out(ind.begin(), ind.end() - 1);
  out.insert(out.end(), data.begin() + static_cast<std::ptrdiff_t>(p.b + p.k), data.end());
  return {{in[0].dtype, out}};
}

// Element offsets into data of each index tuple's slice, validated.
std::vector<std::int64_t> nd_offsets(const NDPlan& p, const Shape& data, const Tensor& indices,
                                     const char* op) {
  const std::vector<std::int64_t> raw = index_values(indices, op);
  const std::vector<std::int64_t> strides = linalg::contiguous_strides(data);
  const std::int64_t batch_stride = p.b == 0 ? 0 : strides[p.b - 1];
  std::vector<std::int64_t> offsets(static_cast<std::size_t>(p.batches * p.per_batch));
  const std::int64_t* tuple = raw.data();
  for (std::size_t t = 0; t < offsets.size(); ++t, tuple += p.k) {
    std::int64_t off =
        static_cast<std::int64_t>(t) / std::max<std::int64_t>(p.per_batch, 1) * batch_stride;
    for (std::size_t j = 0; j < p.k; ++j) {
      off += wrap_index(tuple[j], data[p.b + j], op) * strides[p.b + j];
    }
    offsets[t] = off;
  }
  return offsets;
}

void run_gather_nd(const GatherNDAttrs& a, std::span<const Tensor> in, std::span<Tensor> out) {
  const NDPlan p = plan_gather_nd(a.batch_dims, in[0].shape(), in[1].shape());
  std::vector<std::int64_t> offsets = nd_offsets(p, in[0].shape(), in[1], "GatherND");
  const auto bytes = p.slice * static_cast<std::int64_t>(dtype_size(in[0].dtype()));
  for (std::int64_t& o : offsets) o *= static_cast<std::int64_t>(dtype_size(in[0].dtype()));
  copy_blocks(static_cast<const char*>(in[0].raw()), offsets,
              static_cast<char*>(out[0].mutable_raw()), bytes);
}

}  // namespace

OpTable gather_ops() {
  return {
      {"", "Gather", 1, graph::kLatestOpset,
       ops::bind<AxisAttrs>(parse_axis, infer_gather, run_gather)},
      {"", "GatherElements", 11, graph::kLatestOpset,
       ops::bind<AxisAttrs>(parse_axis, infer_gather_elements, run_gather_elements)},
      {"", "GatherND", 11, 11,
       ops::bind<GatherNDAttrs>([](const graph::Node&) { return GatherNDAttrs{}; }, infer_gather_nd,
                                run_gather_nd)},
      {"", "GatherND", 12, graph::kLatestOpset,
       ops::bind<GatherNDAttrs>(parse_gather_nd, infer_gather_nd, run_gather_nd)},
  };
}

}  // namespace nnload::ops
