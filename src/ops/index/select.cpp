// ONNX Where (9+), OneHot (9..10, 11+ negative indices), Trilu (14+).
#include <algorithm>
#include <cstring>

#include "core/dtype_dispatch.hpp"
#include "core/element_size_dispatch.hpp"
#include "core/fail.hpp"
#include "linalg/broadcast.hpp"
#include "linalg/parallel.hpp"
#include "ops/bind.hpp"
#include "ops/index/families.hpp"
#include "ops/shape/op_inputs.hpp"

namespace nnload::ops {

namespace {

constexpr std::int64_t kGrain = 16384;

std::vector<TensorType> infer_where(const NoAttrs&, std::span<const InputInfo> in) {
  check_input_count(in, 3, 3, "Where");
  if (in[0].dtype != DType::boolean) {
    fail(ErrorCode::shape, "Where: condition has dtype {}, expected bool", dtype_name(in[0].dtype));
  }
  if (in[1].dtype != in[2].dtype) {
    fail(ErrorCode::shape, "Where: X has dtype {}, Y has {}", dtype_name(in[1].dtype),
         dtype_name(in[2].dtype));
  }
  const Shape shapes[] = {in[0].shape, in[1].shape, in[2].shape};
  return {{in[1].dtype, linalg::broadcast_shapes(shapes)}};
}

void run_where(const NoAttrs&, std::span<const Tensor> in, std::span<Tensor> out) {
  const Shape& shape = out[0].shape();
  const std::int64_t n = out[0].numel();
  const bool* c = in[0].data<bool>();
  visit_element_size(dtype_size(in[1].dtype()), [&](auto tag) {
    using E = decltype(tag);
    const E* x = static_cast<const E*>(in[1].raw());
    const E* y = static_cast<const E*>(in[2].raw());
    E* o = static_cast<E*>(out[0].mutable_raw());
    if (in[0].numel() == n && in[1].numel() == n && in[2].numel() == n) {
      linalg::parallel_for(n, kGrain, [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t i = b; i < e; ++i) o[i] = c[i] ? x[i] : y[i];
      });
      return;
    }
    if (shape.empty() || n == 0) {
      if (n == 1) o[0] = c[0] ? x[0] : y[0];
      return;
    }
    // Broadcast: rows along the last dimension, each input with its own strides.
    const std::vector<std::int64_t> sc = linalg::broadcast_strides(in[0].shape(), shape);
    const std::vector<std::int64_t> sx = linalg::broadcast_strides(in[1].shape(), shape);
    const std::vector<std::int64_t> sy = linalg::broadcast_strides(in[2].shape(), shape);
    const std::size_t last = shape.size() - 1;
    const std::int64_t len = shape[last];
    linalg::parallel_for(
        n / len, std::max<std::int64_t>(1, kGrain / len), [&](std::int64_t b, std::int64_t e) {
          for (std::int64_t row = b; row < e; ++row) {
            std::int64_t oc = 0, ox = 0, oy = 0, rest = row;
            for (std::size_t d = last; d-- > 0;) {
              const std::int64_t i = rest % shape[d];
              rest /= shape[d];
              oc += i * sc[d];
              ox += i * sx[d];
              oy += i * sy[d];
            }
            E* orow = o + row * len;
            for (std::int64_t j = 0; j < len; ++j) {
              orow[j] = c[oc + j * sc[last]] ? x[ox + j * sx[last]] : y[oy + j * sy[last]];
            }
          }
        });
  });
}

// OneHot: opset 9..10 treat negative indices as out of range, 11+ wrap them.
struct OneHotAttrs {
  std::int64_t axis = -1;
  bool negative_indices = true;
};

OneHotAttrs parse_one_hot_9(const graph::Node& n) { return {n.attrs.int_or("axis", -1), false}; }
OneHotAttrs parse_one_hot_11(const graph::Node& n) { return {n.attrs.int_or("axis", -1), true}; }

std::int64_t one_hot_depth(const Tensor& depth) {
  if (depth.numel() != 1) {
    fail(ErrorCode::shape, "OneHot: depth has shape {}, expected a single value",
         shape_to_list(depth.shape()));
  }
  const double d = float_values(depth, "OneHot", "depth")[0];
  if (!(d >= 1 && d < 9e18))
    fail(ErrorCode::invalid_argument, "OneHot: depth {} must be positive", d);
  return static_cast<std::int64_t>(d);
}

std::vector<TensorType> infer_one_hot(const OneHotAttrs& a, std::span<const InputInfo> in) {
  check_input_count(in, 3, 3, "OneHot");
  if (in[0].dtype == DType::boolean || in[0].dtype == DType::f16 || in[0].dtype == DType::bf16) {
    fail(ErrorCode::unsupported, "OneHot: indices of dtype {} are not supported",
         dtype_name(in[0].dtype));
  }
  if (shape_size(in[2].shape) != 2 || in[2].shape.size() != 1) {
    fail(ErrorCode::shape, "OneHot: values has shape {}, expected [2] (off, on)",
         shape_to_list(in[2].shape));
  }
  const std::int64_t depth = one_hot_depth(constant_input(in, 1, "OneHot", "depth"));
  Shape out = in[0].shape;
  const auto axis =
      linalg::normalize_axis(a.axis, static_cast<std::int64_t>(out.size()) + 1, "OneHot: axis");
  out.insert(out.begin() + axis, depth);
  return {{in[2].dtype, out}};
}

void run_one_hot(const OneHotAttrs& a, std::span<const Tensor> in, std::span<Tensor> out) {
  const std::int64_t depth = one_hot_depth(in[1]);
  const Shape& ind = in[0].shape();
  const auto axis = static_cast<std::size_t>(linalg::normalize_axis(a.axis, in[0].rank() + 1));
  std::int64_t outer = 1;
  for (std::size_t i = 0; i < axis; ++i) outer *= ind[i];
  const std::int64_t inner = in[0].numel() / std::max<std::int64_t>(outer, 1);
  std::vector<double> idx = float_values(in[0], "OneHot", "indices");
  visit_element_size(dtype_size(in[2].dtype()), [&](auto tag) {
    using E = decltype(tag);
    const E off = static_cast<const E*>(in[2].raw())[0];
    const E on = static_cast<const E*>(in[2].raw())[1];
    E* o = static_cast<E*>(out[0].mutable_raw());
    std::fill(o, o + out[0].numel(), off);
    for (std::int64_t p = 0; p < outer; ++p) {
      for (std::int64_t q = 0; q < inner; ++q) {
        const double f = idx[static_cast<std::size_t>(p * inner + q)];
        if (!(f > -9e18 && f < 9e18)) continue;  // NaN or far out of range: all off
        auto v = static_cast<std::int64_t>(f);
        if (v < 0 && a.negative_indices) v += depth;
        if (v >= 0 && v < depth) o[(p * depth + v) * inner + q] = on;
      }
    }
  });
}

// Trilu: keeps the upper (j - i >= k) or lower (j - i <= k) triangle of the last two dims.
struct TriluAttrs {
  bool upper = true;
};
TriluAttrs parse_trilu(const graph::Node& n) { return {n.attrs.int_or("upper", 1) != 0}; }

std::vector<TensorType> infer_trilu(const TriluAttrs&, std::span<const InputInfo> in) {
  check_input_count(in, 1, 2, "Trilu");
  if (in[0].shape.size() < 2) {
    fail(ErrorCode::shape, "Trilu: input has shape {}, expected rank >= 2",
         shape_to_list(in[0].shape));
  }
  if (has_input(in, 1) && shape_size(in[1].shape) != 1) {
    fail(ErrorCode::shape, "Trilu: k has shape {}, expected a single value",
         shape_to_list(in[1].shape));
  }
  return {{in[0].dtype, in[0].shape}};
}

void run_trilu(const TriluAttrs& a, std::span<const Tensor> in, std::span<Tensor> out) {
  const std::int64_t rows = in[0].dim(-2);
  const std::int64_t cols = in[0].dim(-1);
  // Beyond +-(rows + cols) every k gives the same mask; bounding it keeps i + k from overflowing.
  const std::int64_t k = std::clamp<std::int64_t>(
      has_input(in, 1) ? int_scalar(in[1], "Trilu", "k") : 0, -(rows + cols), rows + cols);
  const std::int64_t elem = static_cast<std::int64_t>(dtype_size(in[0].dtype()));
  const char* src = static_cast<const char*>(in[0].raw());
  char* dst = static_cast<char*>(out[0].mutable_raw());
  const std::int64_t total_rows = cols == 0 ? 0 : in[0].numel() / cols;
  linalg::parallel_for(
      total_rows, std::max<std::int64_t>(1, kGrain / std::max<std::int64_t>(cols, 1)),
      [&](std::int64_t b, std::int64_t e) {
        for (std::int64_t r = b; r < e; ++r) {
          const std::int64_t i = r % rows;
          // Columns [keep_begin, keep_end) survive; the rest become zero bytes.
          const std::int64_t keep_begin = a.upper ? std::clamp<std::int64_t>(i + k, 0, cols) : 0;
          const std::int64_t keep_end =
              a.upper ? cols : std::clamp<std::int64_t>(i + k + 1, 0, cols);
          char* o = dst + r * cols * elem;
          const char* s = src + r * cols * elem;
          std::memset(o, 0, static_cast<std::size_t>(cols * elem));
          if (keep_end > keep_begin) {
            std::memcpy(o + keep_begin * elem, s + keep_begin * elem,
                        static_cast<std::size_t>((keep_end - keep_begin) * elem));
          }
        }
      });
}

}  // namespace

OpTable select_ops() {
  return {
      {"", "Where", 9, graph::kLatestOpset,
       ops::bind<NoAttrs>(parse_no_attrs, infer_where, run_where)},
      {"", "OneHot", 9, 10, ops::bind<OneHotAttrs>(parse_one_hot_9, infer_one_hot, run_one_hot)},
      {"", "OneHot", 11, graph::kLatestOpset,
       ops::bind<OneHotAttrs>(parse_one_hot_11, infer_one_hot, run_one_hot)},
      {"", "Trilu", 14, graph::kLatestOpset,
       ops::bind<TriluAttrs>(parse_trilu, infer_trilu, run_trilu)},
  };
}

}  // namespace nnload::ops
