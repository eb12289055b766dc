// Keras Resizing (bilinear, nearest, bicubic as tf.image.resize / jax.image.resize compute them,
// area as TensorFlow's resize_area; crop_to_aspect_ratio, Keras 3's pad_to_aspect_ratio and
// antialias) and CenterCrop (a crop, or Keras' smart_resize when the image is smaller).
#include <cmath>
#include <limits>

#include "formats/keras/layers/extra_common.hpp"

namespace nnload::formats::keras {

namespace {

struct ImageAxes {
  int64_t height_axis = 1, width_axis = 2;
  int64_t height = -1, width = -1;  // static sizes, -1 unknown
};

ImageAxes image_axes(LayerContext& ctx) {
  const Shape shape = ctx.input_shape();
  if (shape.size() != 4)
    ctx.unsupported("needs a batch of images (rank 4), got rank " + std::to_string(shape.size()));
  ImageAxes a;
  if (ctx.channels_first()) a.height_axis = 2, a.width_axis = 3;
  a.height = shape[static_cast<std::size_t>(a.height_axis)];
  a.width = shape[static_cast<std::size_t>(a.width_axis)];
  return a;
}

int crop(LayerContext& ctx, int x, const ImageAxes& a, int64_t top, int64_t left, int64_t height,
         int64_t width, const std::string& step) {
  return ctx.add("Slice", step,
                 {x, ctx.int64s(step + "_starts", {top, left}),
                  ctx.int64s(step + "_ends", {top + height, left + width}),
                  ctx.int64s(step + "_axes", {a.height_axis, a.width_axis})});
}

// keras smart_resize / crop_to_aspect_ratio: the largest centred box of the target's aspect ratio.
int crop_to_aspect_ratio(LayerContext& ctx, int x, const ImageAxes& a, int64_t target_h,
                         int64_t target_w) {
  if (a.height < 0 || a.width < 0) ctx.unsupported("crop_to_aspect_ratio needs a known image size");
  const auto ratio = [](int64_t a, int64_t b, int64_t c) {
    return static_cast<int64_t>(static_cast<float>(a * b) / static_cast<float>(c));
  };
  const int64_t crop_h =
      std::max<int64_t>(std::min(a.height, ratio(a.width, target_h, target_w)), 1);
  const int64_t crop_w =
      std::max<int64_t>(std::min(a.width, ratio(a.height, target_w, target_h)), 1);
  const auto top = static_cast<int64_t>(static_cast<float>(a.height - crop_h) / 2);
  const auto left = static_cast<int64_t>(static_cast<float>(a.width - crop_w) / 2);
  return crop(ctx, x, a, top, left, crop_h, crop_w, "crop_to_aspect_ratio");
}

// Keras 3's pad_to_aspect_ratio pads the same amount on both sides of one axis.
int pad_to_aspect_ratio(LayerContext& ctx, int x, const ImageAxes& a, int64_t target_h,
                        int64_t target_w) {
  if (a.height < 0 || a.width < 0) ctx.unsupported("pad_to_aspect_ratio needs a known image size");
  const auto ratio = [](int64_t a, int64_t b, int64_t c) {
    return static_cast<int64_t>(static_cast<double>(a * b) / static_cast<double>(c));
  };
  const int64_t pad_h = std::max(a.height, ratio(a.width, target_h, target_w));
  const int64_t pad_w = std::max(a.width, ratio(a.height, target_w, target_h));
  const auto top = static_cast<int64_t>(static_cast<double>(pad_h - a.height) / 2);
  const auto left = static_cast<int64_t>(static_cast<double>(pad_w - a.width) / 2);
  std::vector<int64_t> pads(8, 0);
  if (top > 0) {
    pads[static_cast<std::size_t>(a.height_axis)] =
        pads[4 + static_cast<std::size_t>(a.height_axis)] = top;
  } else if (left > 0) {
    pads[static_cast<std::size_t>(a.width_axis)] =
        pads[4 + static_cast<std::size_t>(a.width_axis)] = left;
  } else {
    return x;
  }
  const float fill = static_cast<float>(ctx.get_float({"fill_value"}, 0.0));
  return ctx.add("Pad", "pad_to_aspect_ratio",
                 {x, ctx.int64s("aspect_pads", pads), ctx.scalar("fill_value", fill)});
}

// TensorFlow's resize_area along one axis: output i averages the input over
// [i * scale, (i + 1) * scale), partial pixels weighted by their overlap.
Tensor area_weights(int64_t in, int64_t out) {
  std::vector<float> w(static_cast<std::size_t>(in * out), 0.0f);
  const float scale = static_cast<float>(in) / static_cast<float>(out);
  for (int64_t o = 0; o < out; ++o) {
    const float start = static_cast<float>(o) * scale, end = static_cast<float>(o + 1) * scale;
    for (auto i = static_cast<int64_t>(std::floor(start)); i < static_cast<int64_t>(std::ceil(end));
         ++i) {
      const float part =
          std::min(static_cast<float>(i + 1), end) - std::max(static_cast<float>(i), start);
      w[static_cast<std::size_t>(o * in + std::min(i, in - 1))] += part / scale;
    }
  }
  return Tensor::from_vector<float>(w, {out, in});
}

int resize_area(LayerContext& ctx, int x, const ImageAxes& a, int64_t target_h, int64_t target_w) {
  if (a.height < 0 || a.width < 0) ctx.unsupported("area interpolation needs a known image size");
  const int wy = ctx.constant("area_rows", area_weights(a.height, target_h));
  const int wx = ctx.constant("area_columns", area_weights(a.width, target_w));
  if (a.height_axis == 2) {  // [B, C, H, W]
    const int rows = ctx.add("MatMul", "area_height", {wy, x});
    return ctx.add("MatMul", "area_width",
                   {rows, extra::transpose(ctx, wx, {1, 0}, "area_columns_t")});
  }
  // [B, H, W, C]: W is contracted as the matrix rows of each [W, C] slice, H after a reshape.
  const int cols = ctx.add("MatMul", "area_width", {wx, x});  // [B, H, tw, C]
  const Shape shape = ctx.input_shape();
  const int64_t channels = shape[3];
  if (channels < 0) ctx.unsupported("area interpolation needs a known channel count");
  const int flat = extra::reshape(ctx, cols, {0, 0, -1}, "area_rows_flat");
  const int rows = ctx.add("MatMul", "area_height", {wy, flat});
  return extra::reshape(ctx, rows, {0, target_h, target_w, channels}, "area_result");
}

int resize(LayerContext& ctx, int x, const ImageAxes& a, int64_t target_h, int64_t target_w,
           const std::string& interpolation, bool antialias) {
  if (interpolation == "area") return resize_area(ctx, x, a, target_h, target_w);
  graph::Attributes attrs;
  attrs.set("coordinate_transformation_mode", std::string("half_pixel"));
  attrs.set("axes", std::vector<int64_t>{a.height_axis, a.width_axis});
  if (interpolation == "bilinear") {
    attrs.set("mode", std::string("linear"));
  } else if (interpolation == "nearest") {
    // TensorFlow and JAX: floor((i + 0.5) * in / out), which is half_pixel rounded half up.
    attrs.set("mode", std::string("nearest"));
    attrs.set("nearest_mode", std::string("round_prefer_ceil"));
  } else if (interpolation == "bicubic") {
    // Keys' cubic (a = -0.5); taps outside the image get no weight and the rest are renormalised.
    attrs.set("mode", std::string("cubic"));
    attrs.set("cubic_coeff_a", -0.5);
    attrs.set("exclude_outside", int64_t{1});
  } else {
    ctx.unsupported("interpolation '" + interpolation +
                    "' is not supported (bilinear, nearest, bicubic, area)");
  }
  if (antialias && interpolation != "nearest") attrs.set("antialias", int64_t{1});
  return ctx.add("Resize", "Resize",
                 {x, graph::kNoValue, graph::kNoValue, ctx.int64s("sizes", {target_h, target_w})},
                 attrs);
}

std::vector<int> resizing(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  const ImageAxes a = image_axes(ctx);
  const int64_t h = ctx.get_int({"height"}), w = ctx.get_int({"width"});
  if (h <= 0 || w <= 0) ctx.corrupt(fmt::format("target size {}x{} is not positive", h, w));
  int x = ctx.input();
  if (ctx.get_bool({"crop_to_aspect_ratio"}, false))
    x = crop_to_aspect_ratio(ctx, x, a, h, w);
  else if (ctx.get_bool({"pad_to_aspect_ratio"}, false))
    x = pad_to_aspect_ratio(ctx, x, a, h, w);
  if (x != ctx.input()) {
    ImageAxes cropped = a;
    const Shape s = extra::shape_of(ctx, x);
    cropped.height = s[static_cast<std::size_t>(a.height_axis)];
    cropped.width = s[static_cast<std::size_t>(a.width_axis)];
    return {resize(ctx, x, cropped, h, w, ctx.get_string({"interpolation"}, "bilinear"),
                   ctx.get_bool({"antialias"}, false))};
  }
  return {resize(ctx, x, a, h, w, ctx.get_string({"interpolation"}, "bilinear"),
                 ctx.get_bool({"antialias"}, false))};
}

std::vector<int> center_crop(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  const ImageAxes a = image_axes(ctx);
  const int64_t h = ctx.get_int({"height"}), w = ctx.get_int({"width"});
  if (a.height < 0 || a.width < 0)
    ctx.unsupported("needs a known image size (Keras requires a static spatial shape too)");
  const int64_t dh = a.height - h, dw = a.width - w;
  if (dh >= 0 && dw >= 0) return {crop(ctx, ctx.input(), a, dh / 2, dw / 2, h, w, "crop")};
  // Smaller than the target: Keras falls back to smart_resize (crop to the aspect ratio, then
  // bilinear).
  const int x = crop_to_aspect_ratio(ctx, ctx.input(), a, h, w);
  return {resize(ctx, x, a, h, w, "bilinear", false)};
}

}  // namespace

namespace extra {

LayerRows image_layers() {
  return {
      {"Resizing", resizing},
      {"CenterCrop", center_crop},
  };
}

}  // namespace extra

}  // namespace nnload::formats::keras
