// nnload TfResizeNearestNeighbor (1): TensorFlow's ResizeNearestNeighbor on NHWC images, every
// dtype. TensorFlow computes source pixels in float32 (scale in / out, index floor(y * scale),
// roundf with align_corners, (y + 0.5) * scale with half_pixel_centers); ONNX Resize computes
// in double, which picks a different pixel for about 1% of size pairs, so this op repeats the
// float32 arithmetic. Inputs images [N, H, W, C] and size [2] (int32 or int64).
#include <algorithm>
#include <cmath>

#include "core/fail.hpp"
#include "linalg/strided_copy.hpp"
#include "ops/bind.hpp"
#include "ops/shape/op_inputs.hpp"
#include "ops/tf/families.hpp"

namespace nnload::ops::tfops {

namespace {

constexpr const char* kOp = "TfResizeNearestNeighbor";

struct ResizeNearestAttrs {
  bool align_corners = false;
  bool half_pixel_centers = false;
};

ResizeNearestAttrs parse(const graph::Node& n) {
  ResizeNearestAttrs a{n.attrs.int_or("align_corners", 0) != 0,
                       n.attrs.int_or("half_pixel_centers", 0) != 0};
  if (a.align_corners && a.half_pixel_centers)
    fail(ErrorCode::invalid_argument, "{}: align_corners and half_pixel_centers are both set", kOp);
  return a;
}

Shape output_shape(const Shape& in, const Tensor& size) {
  if (in.size() != 4)
    fail(ErrorCode::shape, "{}: images has shape {}, expected 4-D NHWC", kOp, shape_to_list(in));
  if (size.numel() != 2 || size.rank() != 1)
    fail(ErrorCode::shape, "{}: size has shape {}, expected [2]", kOp, shape_to_list(size.shape()));
  const std::vector<std::int64_t> hw = int_values(size, kOp, "size");
  if (hw[0] <= 0 || hw[1] <= 0)
    fail(ErrorCode::invalid_argument, "{}: size [{}, {}] must be positive", kOp, hw[0], hw[1]);
  if (in[1] <= 0 || in[2] <= 0 || in[1] >= (1 << 24) || in[2] >= (1 << 24)) {
    fail(ErrorCode::shape, "{}: images are {}x{}, expected 1 to 2^24 - 1 pixels a side", kOp, in[1],
         in[2]);
  }
  return {in[0], hw[0], hw[1], in[3]};
}

std::vector<std::int64_t> axis_map(const ResizeNearestAttrs& a, std::int64_t in, std::int64_t out) {
  const float scale = a.align_corners && out > 1
                          ? static_cast<float>(in - 1) / static_cast<float>(out - 1)
                          : static_cast<float>(in) / static_cast<float>(out);
  std::vector<std::int64_t> map(static_cast<std::size_t>(out));
  for (std::int64_t y = 0; y < out; ++y) {
    const float pos = a.half_pixel_centers ? (static_cast<float>(y) + 0.5f) * scale
                                           : static_cast<float>(y) * scale;
    const float picked = a.align_corners ? std::round(pos) : std::floor(pos);
    map[static_cast<std::size_t>(y)] =
        std::clamp(static_cast<std::int64_t>(picked), std::int64_t{0}, in - 1);
  }
  return map;
}

std::vector<TensorType> infer(const ResizeNearestAttrs&, std::span<const InputInfo> in) {
  check_input_count(in, 2, 2, kOp);
  return {{in[0].dtype, output_shape(in[0].shape, constant_input(in, 1, kOp, "size"))}};
}

void run(const ResizeNearestAttrs& a, std::span<const Tensor> in, std::span<Tensor> out) {
  const Shape& x = in[0].shape();
  const Shape y = output_shape(x, in[1]);
  if (out[0].numel() == 0) return;
  std::vector<std::int64_t> batch(static_cast<std::size_t>(x[0])),
      channels(static_cast<std::size_t>(x[3]));
  for (std::size_t i = 0; i < batch.size(); ++i) batch[i] = static_cast<std::int64_t>(i);
  for (std::size_t i = 0; i < channels.size(); ++i) channels[i] = static_cast<std::int64_t>(i);
  const std::vector<std::vector<std::int64_t>> maps = {batch, axis_map(a, x[1], y[1]),
                                                       axis_map(a, x[2], y[2]), channels};
  linalg::gather_axes(in[0].raw(), x, maps, out[0].mutable_raw(), dtype_size(in[0].dtype()),
                      nullptr);
}

}  // namespace

OpTable resize_nearest_rows() {
  return {{"nnload", "TfResizeNearestNeighbor", 1, 1,
           ops::bind<ResizeNearestAttrs>(parse, infer, run)}};
}

}  // namespace nnload::ops::tfops
