// TensorFlow image ops on NHWC images: ResizeBilinear (ONNX Resize, linear, over axes 1 and 2;
// always float32 out, as TensorFlow's) and ResizeNearestNeighbor (nnload.TfResizeNearestNeighbor,
// which repeats TensorFlow's float32 pixel arithmetic).
#include <fmt/format.h>

#include "formats/savedmodel/ops/builder_helpers.hpp"

namespace nnload::formats::savedmodel {

namespace {

struct ResizeFlags {
  bool align_corners = false;
  bool half_pixel_centers = false;
};

ResizeFlags resize_flags(TfOpContext& ctx) {
  ctx.expect_inputs(2, 2);
  const ResizeFlags f{ctx.attr_bool("align_corners", false),
                      ctx.attr_bool("half_pixel_centers", false)};
  if (f.align_corners && f.half_pixel_centers)
    ctx.corrupt("align_corners and half_pixel_centers are both set; TensorFlow allows one");
  return f;
}

// TensorFlow's source coordinates: align_corners maps corner pixels onto each other,
// half_pixel_centers samples at (y + 0.5) * scale - 0.5, neither at y * scale (asymmetric).
std::vector<int> resize_bilinear(TfOpContext& ctx) {
  const ResizeFlags f = resize_flags(ctx);
  int images = ctx.input(0);
  if (ctx.attr_dtype("T", DType::f32) != DType::f32)
    images = cast(ctx, images, DType::f32, "images_to_float");
  graph::Attributes a;
  a.set("mode", std::string("linear"));
  a.set("coordinate_transformation_mode", std::string(f.align_corners        ? "align_corners"
                                                      : f.half_pixel_centers ? "half_pixel"
                                                                             : "asymmetric"));
  a.set("axes", std::vector<std::int64_t>{1, 2});
  const int sizes = cast(ctx, ctx.input(1), DType::i64, "size");
  return {ctx.add("Resize", "Resize", {images, graph::kNoValue, graph::kNoValue, sizes}, a)};
}

std::vector<int> resize_nearest(TfOpContext& ctx) {
  const ResizeFlags f = resize_flags(ctx);
  graph::Attributes a;
  a.set("align_corners", std::int64_t{f.align_corners ? 1 : 0});
  a.set("half_pixel_centers", std::int64_t{f.half_pixel_centers ? 1 : 0});
  return {ctx.add("TfResizeNearestNeighbor", "ResizeNearestNeighbor", ctx.inputs(), a, "nnload")};
}

}  // namespace

TfOpRows tf_image_ops() {
  return {
      {"ResizeBilinear", resize_bilinear},
      {"ResizeNearestNeighbor", resize_nearest},
  };
}

}  // namespace nnload::formats::savedmodel
