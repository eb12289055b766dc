// ONNX Expand (8+) and Tile (6+; opset 1's tiles/axis inputs are not supported).
#include <limits>

#include "core/fail.hpp"
#include "linalg/broadcast.hpp"
#include "linalg/strided_copy.hpp"
#include "ops/bind.hpp"
#include "ops/shape/families.hpp"
#include "ops/shape/op_inputs.hpp"

namespace nnload::ops {

namespace {

std::vector<std::int64_t> shape_argument(const Tensor& t, const char* op, const char* what) {
  if (t.rank() != 1) {
    fail(ErrorCode::shape, "{}: '{}' has shape {}, expected 1-D", op, what,
         shape_to_list(t.shape()));
  }
  return int_values(t, op, what);
}

std::vector<TensorType> infer_expand(const NoAttrs&, std::span<const InputInfo> in) {
  check_input_count(in, 2, 2, "Expand");
  const std::vector<std::int64_t> shape =
      shape_argument(constant_input(in, 1, "Expand", "shape"), "Expand", "shape");
  for (std::int64_t d : shape) {
    if (d < 0)
      fail(ErrorCode::shape, "Expand: shape [{}] has a negative dimension", fmt::join(shape, ", "));
  }
  return {{in[0].dtype, linalg::broadcast_shapes(in[0].shape, Shape(shape.begin(), shape.end()))}};
}

void run_expand(const NoAttrs&, std::span<const Tensor> in, std::span<Tensor> out) {
  const std::vector<std::int64_t> strides =
      linalg::broadcast_strides(in[0].shape(), out[0].shape());
  linalg::strided_copy(in[0].raw(), strides, out[0].shape(), out[0].mutable_raw(),
                       dtype_size(in[0].dtype()));
}

std::vector<std::int64_t> tile_repeats(const Tensor& t, std::size_t rank) {
  const std::vector<std::int64_t> repeats = shape_argument(t, "Tile", "repeats");
  if (repeats.size() != rank) {
    fail(ErrorCode::shape, "Tile: repeats [{}] has {} entries for an input of rank {}",
         fmt::join(repeats, ", "), repeats.size(), rank);
  }
  for (std::int64_t r : repeats) {
    if (r < 0)
      fail(ErrorCode::invalid_argument, "Tile: repeats [{}] has a negative entry",
           fmt::join(repeats, ", "));
  }
  return repeats;
}

std::vector<TensorType> infer_tile(const NoAttrs&, std::span<const InputInfo> in) {
  check_input_count(in, 2, 2, "Tile");
  const std::vector<std::int64_t> repeats =
      tile_repeats(constant_input(in, 1, "Tile", "repeats"), in[0].shape.size());
  Shape out = in[0].shape;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (out[i] != 0 && repeats[i] > std::numeric_limits<std::int64_t>::max() / out[i]) {
      fail(ErrorCode::shape, "Tile: repeating {} by [{}] overflows", shape_to_list(in[0].shape),
           fmt::join(repeats, ", "));
    }
    out[i] *= repeats[i];
  }
  return {{in[0].dtype, out}};
}

void run_tile(const NoAttrs&, std::span<const Tensor> in, std::span<Tensor> out) {
  // An empty output may still have huge dimensions (0 x 2^50): no index map to build for it.
  if (out[0].numel() == 0) return;
  const Shape& s = in[0].shape();
  std::vector<std::vector<std::int64_t>> maps(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    const std::int64_t n = out[0].shape()[i];
    maps[i].resize(static_cast<std::size_t>(n));
    for (std::int64_t j = 0; j < n; ++j) maps[i][static_cast<std::size_t>(j)] = j % s[i];
  }
  linalg::gather_axes(in[0].raw(), s, maps, out[0].mutable_raw(), dtype_size(in[0].dtype()),
                      nullptr);
}

}  // namespace

OpTable expand_tile_ops() {
  return {
      {"", "Expand", 8, graph::kLatestOpset,
       ops::bind<NoAttrs>(parse_no_attrs, infer_expand, run_expand)},
      {"", "Tile", 6, graph::kLatestOpset,
       ops::bind<NoAttrs>(parse_no_attrs, infer_tile, run_tile)},
  };
}

}  // namespace nnload::ops
