// ONNX ArgMax and ArgMin (1-11; 12+ with select_last_index). Output int64 indices.
#include <algorithm>

#include "core/dtype_dispatch.hpp"
#include "core/fail.hpp"
#include "linalg/broadcast.hpp"
#include "linalg/parallel.hpp"
#include "ops/reduce/rows.hpp"

namespace nnload::ops {

namespace {

struct ArgAttrs {
  bool is_max = true;
  std::int64_t axis = 0;
  bool keepdims = true;
  bool select_last_index = false;
};

// Whether `v` replaces the current best. NaN wins, as in numpy's argmax/argmin; among equal
// values the first (or with select_last_index the last) wins.
template <class T>
bool better(const ArgAttrs& a, T v, T best) {
  if (v != v) return !(best != best) || a.select_last_index;
  if (a.is_max) return a.select_last_index ? v >= best : v > best;
  return a.select_last_index ? v <= best : v < best;
}

constexpr std::int64_t kTile = 256;

template <class T>
class ArgKernel final : public Kernel {
 public:
  ArgKernel(ArgAttrs attrs, std::int64_t outer, std::int64_t n, std::int64_t inner)
      : a_(attrs), outer_(outer), n_(n), inner_(inner) {}

  void run(std::span<const Tensor> inputs, std::span<Tensor> outputs) const override {
    const T* x = inputs[0].data<T>();
    std::int64_t* y = outputs[0].mutable_data<std::int64_t>();
    if (outer_ * inner_ == 0) return;
    if (inner_ == 1) {
      linalg::parallel_for(outer_, std::max<std::int64_t>(1, 16384 / n_),
                           [&](std::int64_t begin, std::int64_t end) {
                             for (std::int64_t o = begin; o < end; ++o) {
                               const T* row = x + o * n_;
                               std::int64_t best = 0;
                               for (std::int64_t i = 1; i < n_; ++i) {
                                 if (better(a_, row[i], row[best])) best = i;
                               }
                               y[o] = best;
                             }
                           });
      return;
    }
    // Channels-first data: compare whole rows of `inner` elements, which vectorises.
    const std::int64_t tiles = (inner_ + kTile - 1) / kTile;
    linalg::parallel_for(outer_ * tiles,
                         std::max<std::int64_t>(1, 16384 / (n_ * std::min(inner_, kTile))),
                         [&](std::int64_t begin, std::int64_t end) {
                           T best[kTile];
                           for (std::int64_t item = begin; item < end; ++item) {
                             const std::int64_t o = item / tiles;
                             const std::int64_t k0 = (item % tiles) * kTile;
                             const std::int64_t width = std::min(kTile, inner_ - k0);
                             const T* base = x + o * n_ * inner_ + k0;
                             std::int64_t* out = y + o * inner_ + k0;
                             for (std::int64_t k = 0; k < width; ++k) {
                               best[k] = base[k];
                               out[k] = 0;
                             }
                             for (std::int64_t i = 1; i < n_; ++i) {
                               const T* row = base + i * inner_;
                               for (std::int64_t k = 0; k < width; ++k) {
                                 if (better(a_, row[k], best[k])) {
                                   best[k] = row[k];
                                   out[k] = i;
                                 }
                               }
                             }
                           }
                         });
  }

 private:
  ArgAttrs a_;
  std::int64_t outer_, n_, inner_;
};

struct Geometry {
  std::int64_t axis, outer = 1, n = 1, inner = 1;
};

Geometry geometry(const ArgAttrs& a, const Shape& shape) {
  Geometry g;
  g.axis = linalg::normalize_axis(a.axis, static_cast<std::int64_t>(shape.size()));
  for (std::int64_t i = 0; i < static_cast<std::int64_t>(shape.size()); ++i) {
    const std::int64_t d = shape[static_cast<std::size_t>(i)];
    (i < g.axis ? g.outer : i == g.axis ? g.n : g.inner) *= d;
  }
  return g;
}

class ArgOp final : public Op {
 public:
  explicit ArgOp(ArgAttrs attrs) : a_(attrs) {}

  std::vector<TensorType> infer(std::span<const InputInfo> inputs) const override {
    const InputInfo& x = inputs[0];
    const char* name = a_.is_max ? "ArgMax" : "ArgMin";
    if (x.dtype == DType::f16 || x.dtype == DType::bf16 || x.dtype == DType::boolean) {
      fail(ErrorCode::unsupported, "{} does not support dtype {}", name, dtype_name(x.dtype));
    }
    if (x.shape.empty()) fail(ErrorCode::shape, "{} needs an input of rank >= 1", name);
    const Geometry g = geometry(a_, x.shape);
    if (g.n == 0 && g.outer * g.inner != 0) {
      fail(ErrorCode::shape, "{} over axis {} of size 0 has no index to return", name, a_.axis);
    }
    Shape out = x.shape;
    if (a_.keepdims) {
      out[static_cast<std::size_t>(g.axis)] = 1;
    } else {
      out.erase(out.begin() + g.axis);
    }
    return {{DType::i64, out}};
  }

  std::unique_ptr<Kernel> make_kernel(std::span<const InputInfo> inputs,
                                      std::span<const TensorType>) const override {
    const Geometry g = geometry(a_, inputs[0].shape);
    return visit_dtype(inputs[0].dtype, [&](auto tag) -> std::unique_ptr<Kernel> {
      using T = typename decltype(tag)::type;
      if constexpr (std::is_same_v<T, Float16> || std::is_same_v<T, BFloat16> ||
                    std::is_same_v<T, bool>) {
        fail(ErrorCode::unsupported, "ArgMax/ArgMin do not support dtype {}",
             dtype_name(inputs[0].dtype));
      } else {
        return std::make_unique<ArgKernel<T>>(a_, g.outer, g.n, g.inner);
      }
    });
  }

 private:
  ArgAttrs a_;
};

OpDef arg_row(std::string_view name, bool is_max, int since, int until, bool last_index) {
  return {"", name, since, until, [is_max, last_index](const graph::Node& node) {
            ArgAttrs a;
            a.is_max = is_max;
            a.axis = node.attrs.int_or("axis", 0);
            a.keepdims = node.attrs.int_or("keepdims", 1) != 0;
            a.select_last_index = last_index && node.attrs.int_or("select_last_index", 0) != 0;
            return std::make_unique<ArgOp>(a);
          }};
}

}  // namespace

void add_arg_reduce_rows(OpTable& table) {
  table.push_back(arg_row("ArgMax", true, 1, 11, false));
  table.push_back(arg_row("ArgMax", true, 12, graph::kLatestOpset, true));
  table.push_back(arg_row("ArgMin", false, 1, 11, false));
  table.push_back(arg_row("ArgMin", false, 12, graph::kLatestOpset, true));
}

}  // namespace nnload::ops
