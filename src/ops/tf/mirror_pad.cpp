// nnload TfMirrorPad (1): TensorFlow's MirrorPad, modes REFLECT (the edge is not repeated, as
// ONNX Pad's reflect) and SYMMETRIC (the edge is repeated, which ONNX Pad has no mode for), on
// every dtype. Inputs x and paddings [rank, 2] (int32 or int64), known when the plan is compiled.
#include "core/fail.hpp"
#include "linalg/strided_copy.hpp"
#include "ops/bind.hpp"
#include "ops/shape/op_inputs.hpp"
#include "ops/tf/families.hpp"

namespace nnload::ops::tfops {

namespace {

constexpr const char* kOp = "TfMirrorPad";

struct MirrorPadAttrs {
  bool symmetric = false;
};

MirrorPadAttrs parse(const graph::Node& n) {
  const std::string mode = n.attrs.string_or("mode", "REFLECT");
  if (mode != "REFLECT" && mode != "SYMMETRIC")
    fail(ErrorCode::invalid_argument, "{}: mode '{}', expected REFLECT or SYMMETRIC", kOp, mode);
  return {mode == "SYMMETRIC"};
}

// For each axis, the input index each output index reads.
std::vector<std::vector<std::int64_t>> index_maps(const MirrorPadAttrs& a, const Shape& in,
                                                  const Tensor& paddings) {
  if (paddings.shape() != Shape{static_cast<std::int64_t>(in.size()), 2}) {
    fail(ErrorCode::shape, "{}: paddings has shape {}, expected [{}, 2] for input {}", kOp,
         shape_to_list(paddings.shape()), in.size(), shape_to_list(in));
  }
  const std::vector<std::int64_t> pads = int_values(paddings, kOp, "paddings");
  std::vector<std::vector<std::int64_t>> maps(in.size());
  for (std::size_t axis = 0; axis < in.size(); ++axis) {
    const std::int64_t dim = in[axis], before = pads[2 * axis], after = pads[2 * axis + 1];
    // REFLECT mirrors around the edge element, so a pad may reach dim - 1; SYMMETRIC mirrors
    // around the edge itself, so it may reach dim.
    const std::int64_t limit = a.symmetric ? dim : dim - 1;
    if (before < 0 || after < 0 || before > limit || after > limit) {
      fail(ErrorCode::invalid_argument,
           "{}: paddings {} and {} on axis {} of size {} must lie in [0, {}] for {}", kOp, before,
           after, axis, dim, limit, a.symmetric ? "SYMMETRIC" : "REFLECT");
    }
    std::vector<std::int64_t>& map = maps[axis];
    map.reserve(static_cast<std::size_t>(before + dim + after));
    const std::int64_t shift = a.symmetric ? 1 : 0;
    for (std::int64_t o = 0; o < before + dim + after; ++o) {
      std::int64_t i = o - before;
      if (i < 0) i = -i - shift;
      if (i >= dim) i = 2 * dim - 2 + shift - i;
      map.push_back(i);
    }
  }
  return maps;
}

std::vector<TensorType> infer(const MirrorPadAttrs& a, std::span<const InputInfo> in) {
  check_input_count(in, 2, 2, kOp);
  const auto maps = index_maps(a, in[0].shape, constant_input(in, 1, kOp, "paddings"));
  Shape out;
  for (const auto& m : maps) out.push_back(static_cast<std::int64_t>(m.size()));
  return {{in[0].dtype, out}};
}

void run(const MirrorPadAttrs& a, std::span<const Tensor> in, std::span<Tensor> out) {
  if (out[0].numel() == 0) return;
  const auto maps = index_maps(a, in[0].shape(), in[1]);
  linalg::gather_axes(in[0].raw(), in[0].shape(), maps, out[0].mutable_raw(),
                      dtype_size(in[0].dtype()), nullptr);
}

}  // namespace

OpTable mirror_pad_rows() {
  return {{"nnload", "TfMirrorPad", 1, 1, ops::bind<MirrorPadAttrs>(parse, infer, run)}};
}

}  // namespace nnload::ops::tfops
