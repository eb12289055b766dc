// ONNX TopK (1..9 `k` attribute, 10 K input, 11+ largest/sorted). Ties go to the lower index;
// NaN ranks above every number.
#include <algorithm>
#include <cmath>

#include "core/dtype_dispatch.hpp"
#include "core/fail.hpp"
#include "linalg/broadcast.hpp"
#include "linalg/parallel.hpp"
#include "ops/bind.hpp"
#include "ops/index/families.hpp"
#include "ops/shape/op_inputs.hpp"

namespace nnload::ops {

namespace {

struct TopKAttrs {
  std::int64_t axis = -1;
  bool k_from_input = true;
  std::int64_t k = 0;  // opset 1..9
  bool largest = true;
  bool sorted = true;  // unsorted output is allowed to be in any order; we always sort
};

TopKAttrs parse_topk_1(const graph::Node& n) {
  return {n.attrs.int_or("axis", -1), false, n.attrs.get_int("k"), true, true};
}
TopKAttrs parse_topk_10(const graph::Node& n) {
  return {n.attrs.int_or("axis", -1), true, 0, true, true};
}
TopKAttrs parse_topk_11(const graph::Node& n) {
  return {n.attrs.int_or("axis", -1), true, 0, n.attrs.int_or("largest", 1) != 0,
          n.attrs.int_or("sorted", 1) != 0};
}

template <class Fn>
void visit_sortable(DType dtype, Fn&& fn) {
  if (dtype == DType::f16 || dtype == DType::bf16 || dtype == DType::boolean) {
    fail(ErrorCode::unsupported, "TopK: dtype {} is not supported", dtype_name(dtype));
  }
  visit_dtype(dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_arithmetic_v<T> && !std::is_same_v<T, bool>) fn(tag);
  });
}

std::int64_t topk_k(const TopKAttrs& a, const Tensor* k_input, std::int64_t dim) {
  std::int64_t k = a.k;
  if (a.k_from_input) {
    if (k_input->numel() != 1) {
      fail(ErrorCode::shape, "TopK: K has shape {}, expected one value",
           shape_to_list(k_input->shape()));
    }
    k = int_scalar(*k_input, "TopK", "K");
  }
  if (k < 0 || k > dim) fail(ErrorCode::invalid_argument, "TopK: k {} is outside [0, {}]", k, dim);
  return k;
}

std::vector<TensorType> infer_topk(const TopKAttrs& a, std::span<const InputInfo> in) {
  check_input_count(in, a.k_from_input ? 2 : 1, a.k_from_input ? 2 : 1, "TopK");
  visit_sortable(in[0].dtype, [](auto) {});
  Shape out = in[0].shape;
  const auto axis = static_cast<std::size_t>(
      linalg::normalize_axis(a.axis, static_cast<std::int64_t>(out.size()), "TopK: axis"));
  const Tensor* k = a.k_from_input ? &constant_input(in, 1, "TopK", "K") : nullptr;
  out[axis] = topk_k(a, k, out[axis]);
  return {{in[0].dtype, out}, {DType::i64, out}};
}

void run_topk(const TopKAttrs& a, std::span<const Tensor> in, std::span<Tensor> out) {
  const Shape& s = in[0].shape();
  const auto axis = static_cast<std::size_t>(linalg::normalize_axis(a.axis, in[0].rank()));
  const std::int64_t dim = s[axis];
  const std::int64_t k = out[0].shape()[axis];
  std::int64_t outer = 1;
  for (std::size_t i = 0; i < axis; ++i) outer *= s[i];
  std::int64_t inner = 1;
  for (std::size_t i = axis + 1; i < s.size(); ++i) inner *= s[i];
  if (k == 0 || outer * inner == 0) return;
  visit_sortable(in[0].dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* x = in[0].data<T>();
    T* values = out[0].mutable_data<T>();
    std::int64_t* indices = out[1].mutable_data<std::int64_t>();
    // NaN ranks above every number (and equal to other NaNs), so the order stays strict-weak.
    auto above = [](T p, T q) {
      if constexpr (std::is_floating_point_v<T>) {
        if (std::isnan(p)) return !std::isnan(q);
        if (std::isnan(q)) return false;
      }
      return p > q;
    };
    const bool largest = a.largest;
    auto before = [&](const std::pair<T, std::int64_t>& p, const std::pair<T, std::int64_t>& q) {
      if (above(p.first, q.first)) return largest;
      if (above(q.first, p.first)) return !largest;
      return p.second < q.second;
    };
    linalg::parallel_for(
        outer * inner, std::max<std::int64_t>(1, 16384 / dim), [&](std::int64_t b, std::int64_t e) {
          std::vector<std::pair<T, std::int64_t>> items(static_cast<std::size_t>(dim));
          for (std::int64_t u = b; u < e; ++u) {
            const std::int64_t o = u / inner;
            const std::int64_t i = u % inner;
            const T* row = x + o * dim * inner + i;
            for (std::int64_t j = 0; j < dim; ++j)
              items[static_cast<std::size_t>(j)] = {row[j * inner], j};
            if (k == 1) {
              std::swap(items[0], *std::min_element(items.begin(), items.end(), before));
            } else {
              std::partial_sort(items.begin(), items.begin() + k, items.end(), before);
            }
            T* vrow = values + o * k * inner + i;
            std::int64_t* irow = indices + o * k * inner + i;
            for (std::int64_t j = 0; j < k; ++j) {
              vrow[j * inner] = items[static_cast<std::size_t>(j)].first;
              irow[j * inner] = items[static_cast<std::size_t>(j)].second;
            }
          }
        });
  });
}

}  // namespace

OpTable topk_ops() {
  return {
      {"", "TopK", 1, 9, ops::bind<TopKAttrs>(parse_topk_1, infer_topk, run_topk)},
      {"", "TopK", 10, 10, ops::bind<TopKAttrs>(parse_topk_10, infer_topk, run_topk)},
      {"", "TopK", 11, graph::kLatestOpset,
       ops::bind<TopKAttrs>(parse_topk_11, infer_topk, run_topk)},
  };
}

}  // namespace nnload::ops
