// ONNX Resize (10 scales only; 11..12 roi/scales/sizes + tf_half_pixel_for_nn; 13..17; 18
// antialias/axes/keep_aspect_ratio_policy; 19+ half_pixel_symmetric) and Upsample (7..8
// `scales` attribute, 9 `scales` input).
#include <algorithm>
#include <cmath>
#include <string_view>

#include "core/fail.hpp"
#include "ops/bind.hpp"
#include "ops/registry.hpp"
#include "ops/resize/resample.hpp"
#include "ops/shape/op_inputs.hpp"

namespace nnload::ops {

namespace {

using resize::AxisSpec;
using resize::Coord;
using resize::Mode;
using resize::Nearest;

enum class Layout {
  upsample_attribute,  // [X], scales attribute (Upsample 7..8)
  scales_input,        // [X, scales] (Upsample 9, Resize 10)
  roi_scales_sizes,    // [X, roi, scales, sizes] (Resize 11+)
};
enum class AspectPolicy { stretch, not_larger, not_smaller };

struct ResizeAttrs {
  const char* op = "Resize";
  Layout layout = Layout::roi_scales_sizes;
  resize::Options options;
  std::vector<double> scales;  // Upsample 7..8
  bool has_axes = false;
  std::vector<std::int64_t> axes;
  AspectPolicy policy = AspectPolicy::stretch;
};

Mode parse_mode(const graph::Node& n, bool allow_cubic, const char* op) {
  const std::string mode = n.attrs.string_or("mode", "nearest");
  if (mode == "nearest") return Mode::nearest;
  if (mode == "linear" || (mode == "bilinear" && !allow_cubic)) return Mode::linear;
  if (mode == "cubic" && allow_cubic) return Mode::cubic;
  fail(ErrorCode::invalid_argument, "{}: mode '{}', expected nearest, linear{}", op, mode,
       allow_cubic ? " or cubic" : "");
}

// Upsample and Resize-10 sample at x / scale and round nearest down (up when shrinking).
ResizeAttrs parse_old(const graph::Node& n, const char* op, Layout layout) {
  ResizeAttrs a;
  a.op = op;
  a.layout = layout;
  a.options.mode = parse_mode(n, false, op);
  a.options.coord = Coord::asymmetric;
  a.options.nearest = Nearest::simple;
  if (layout == Layout::upsample_attribute) a.scales = n.attrs.get_floats("scales");
  return a;
}
ResizeAttrs parse_upsample_7(const graph::Node& n) {
  return parse_old(n, "Upsample", Layout::upsample_attribute);
}
ResizeAttrs parse_upsample_9(const graph::Node& n) {
  return parse_old(n, "Upsample", Layout::scales_input);
}
ResizeAttrs parse_resize_10(const graph::Node& n) {
  return parse_old(n, "Resize", Layout::scales_input);
}

ResizeAttrs parse_resize(const graph::Node& n, int opset) {
  ResizeAttrs a;
  a.options.mode = parse_mode(n, true, "Resize");
  const std::string coord = n.attrs.string_or("coordinate_transformation_mode", "half_pixel");
  const std::pair<const char*, Coord> coords[] = {
      {"half_pixel", Coord::half_pixel},
      {"pytorch_half_pixel", Coord::pytorch_half_pixel},
      {"align_corners", Coord::align_corners},
      {"asymmetric", Coord::asymmetric},
      {"tf_crop_and_resize", Coord::tf_crop_and_resize},
  };
  bool found = false;
  for (const auto& [name, value] : coords) {
    if (coord == name) a.options.coord = value, found = true;
  }
  if (coord == "tf_half_pixel_for_nn" && opset <= 12)
    a.options.coord = Coord::tf_half_pixel_for_nn, found = true;
  if (coord == "half_pixel_symmetric" && opset >= 19)
    a.options.coord = Coord::half_pixel_symmetric, found = true;
  if (!found) {
    fail(ErrorCode::invalid_argument,
         "Resize: coordinate_transformation_mode '{}' is not valid at opset {}", coord, opset);
  }
  const std::string nearest = n.attrs.string_or("nearest_mode", "round_prefer_floor");
  if (nearest == "round_prefer_floor") {
    a.options.nearest = Nearest::round_prefer_floor;
  } else if (nearest == "round_prefer_ceil") {
    a.options.nearest = Nearest::round_prefer_ceil;
  } else if (nearest == "floor") {
    a.options.nearest = Nearest::floor;
  } else if (nearest == "ceil") {
    a.options.nearest = Nearest::ceil;
  } else {
    fail(ErrorCode::invalid_argument, "Resize: nearest_mode '{}' is not valid", nearest);
  }
  a.options.cubic_coeff_a = n.attrs.float_or("cubic_coeff_a", -0.75);
  a.options.exclude_outside = n.attrs.int_or("exclude_outside", 0) != 0;
  a.options.extrapolation_value = n.attrs.float_or("extrapolation_value", 0);
  if (opset >= 18) {
    a.options.antialias = n.attrs.int_or("antialias", 0) != 0;
    a.has_axes = n.attrs.has("axes");
    a.axes = n.attrs.ints_or("axes", {});
    const std::string policy = n.attrs.string_or("keep_aspect_ratio_policy", "stretch");
    if (policy == "stretch") {
      a.policy = AspectPolicy::stretch;
    } else if (policy == "not_larger") {
      a.policy = AspectPolicy::not_larger;
    } else if (policy == "not_smaller") {
      a.policy = AspectPolicy::not_smaller;
    } else {
      fail(ErrorCode::invalid_argument, "Resize: keep_aspect_ratio_policy '{}' is not valid",
           policy);
    }
  }
  return a;
}
ResizeAttrs parse_resize_11(const graph::Node& n) { return parse_resize(n, 11); }
ResizeAttrs parse_resize_13(const graph::Node& n) { return parse_resize(n, 13); }
ResizeAttrs parse_resize_18(const graph::Node& n) { return parse_resize(n, 18); }
ResizeAttrs parse_resize_19(const graph::Node& n) { return parse_resize(n, 19); }

// The roi, scales and sizes a node was given; an empty tensor counts as not given, as in
// Resize 11..12 where roi and scales are required inputs that may be empty.
struct Given {
  const Tensor* roi = nullptr;
  const Tensor* scales = nullptr;
  const Tensor* sizes = nullptr;
};

std::vector<AxisSpec> plan_axes(const ResizeAttrs& a, const Shape& in, const Given& g) {
  const char* op = a.op;
  const auto rank = static_cast<std::int64_t>(in.size());
  std::vector<std::int64_t> axes;
  if (a.has_axes) {
    axes = normalize_axes(a.axes, rank, op);
  } else {
    for (std::int64_t i = 0; i < rank; ++i) axes.push_back(i);
  }
  std::vector<AxisSpec> spec(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) spec[i] = {in[i], in[i], 1.0, 0.0, 1.0};

  std::vector<double> scales = a.scales;
  if (g.scales != nullptr) scales = float_values(*g.scales, op, "scales");
  const bool have_sizes = g.sizes != nullptr;
  if (!scales.empty() && have_sizes)
    fail(ErrorCode::invalid_argument, "{}: both scales and sizes are given; expected one", op);
  if (scales.empty() && !have_sizes)
    fail(ErrorCode::invalid_argument, "{}: neither scales nor sizes is given", op);
  if (!scales.empty()) {
    if (scales.size() != axes.size()) {
      fail(ErrorCode::shape, "{}: {} scales for {} axes", op, scales.size(), axes.size());
    }
    for (std::size_t i = 0; i < axes.size(); ++i) {
      const double s = static_cast<double>(static_cast<float>(scales[i]));  // scales are float32
      if (!(s > 0) || !std::isfinite(s))
        fail(ErrorCode::invalid_argument, "{}: scale {} must be positive", op, scales[i]);
      if (a.layout != Layout::roi_scales_sizes && std::string_view(op) == "Upsample" && s < 1) {
        fail(ErrorCode::invalid_argument, "Upsample: scale {} is below 1", s);
      }
      AxisSpec& sp = spec[static_cast<std::size_t>(axes[i])];
      const double out = std::floor(static_cast<double>(sp.in) * s);
      if (out > 1e15)
        fail(ErrorCode::shape, "{}: scale {} makes dimension {} too large", op, s, sp.in);
      sp.out = static_cast<std::int64_t>(out);
      sp.scale = s;
    }
  } else {
    const std::vector<std::int64_t> sizes = int_values(*g.sizes, op, "sizes");
    if (sizes.size() != axes.size())
      fail(ErrorCode::shape, "{}: {} sizes for {} axes", op, sizes.size(), axes.size());
    for (std::int64_t s : sizes) {
      if (s < 0)
        fail(ErrorCode::invalid_argument, "{}: sizes [{}] has a negative entry", op,
             fmt::join(sizes, ", "));
    }
    double common = a.policy == AspectPolicy::not_larger ? INFINITY : 0;
    for (std::size_t i = 0; i < axes.size(); ++i) {
      AxisSpec& sp = spec[static_cast<std::size_t>(axes[i])];
      sp.out = sizes[i];
      if (sp.in == 0) continue;  // only a size of 0 fits; checked below
      const double ratio = static_cast<double>(sizes[i]) / static_cast<double>(sp.in);
      sp.scale = ratio;
      common =
          a.policy == AspectPolicy::not_larger ? std::min(common, ratio) : std::max(common, ratio);
    }
    if (a.policy != AspectPolicy::stretch) {
      for (std::int64_t axis : axes) {
        AxisSpec& sp = spec[static_cast<std::size_t>(axis)];
        if (sp.in == 0) continue;
        const double out = common * static_cast<double>(sp.in) + 0.5;
        if (!(out < 1e15))
          fail(ErrorCode::shape, "{}: sizes [{}] give a dimension too large", op,
               fmt::join(sizes, ", "));
        sp.scale = common;
        sp.out = static_cast<std::int64_t>(out);
      }
    }
  }
  for (const AxisSpec& sp : spec) {
    if (sp.in == 0 && sp.out != 0)
      fail(ErrorCode::shape, "{}: cannot resize an empty dimension to {}", op, sp.out);
  }
  if (a.options.coord == Coord::tf_crop_and_resize) {
    if (g.roi == nullptr)
      fail(ErrorCode::invalid_argument, "Resize: tf_crop_and_resize needs the roi input");
    const std::vector<double> roi = float_values(*g.roi, op, "roi");
    if (roi.size() != 2 * axes.size()) {
      fail(ErrorCode::shape, "Resize: roi has {} values, expected {} (start and end per axis)",
           roi.size(), 2 * axes.size());
    }
    for (std::size_t i = 0; i < axes.size(); ++i) {
      spec[static_cast<std::size_t>(axes[i])].roi_start = roi[i];
      spec[static_cast<std::size_t>(axes[i])].roi_end = roi[i + axes.size()];
    }
  }
  return spec;
}

const Tensor* given(const Tensor* t) { return t != nullptr && t->numel() > 0 ? t : nullptr; }

std::vector<TensorType> infer_resize(const ResizeAttrs& a, std::span<const InputInfo> in) {
  Given g;
  switch (a.layout) {
    case Layout::upsample_attribute:
      check_input_count(in, 1, 1, a.op);
      break;
    case Layout::scales_input:
      check_input_count(in, 2, 2, a.op);
      g.scales = given(&constant_input(in, 1, a.op, "scales"));
      break;
    case Layout::roi_scales_sizes:
      check_input_count(in, 1, 4, a.op);
      // roi only matters for tf_crop_and_resize; elsewhere it need not be constant.
      if (a.options.coord == Coord::tf_crop_and_resize && has_input(in, 1)) {
        g.roi = given(&constant_input(in, 1, a.op, "roi"));
      }
      if (has_input(in, 2)) g.scales = given(&constant_input(in, 2, a.op, "scales"));
      if (has_input(in, 3)) g.sizes = given(&constant_input(in, 3, a.op, "sizes"));
      break;
  }
  if (a.options.mode != Mode::nearest && in[0].dtype != DType::f32 && in[0].dtype != DType::f64) {
    fail(ErrorCode::unsupported,
         "{}: linear and cubic modes need float32 or float64 data, found {}", a.op,
         dtype_name(in[0].dtype));
  }
  const std::vector<AxisSpec> spec = plan_axes(a, in[0].shape, g);
  Shape out;
  for (const AxisSpec& sp : spec) out.push_back(sp.out);
  return {{in[0].dtype, out}};
}

void run_resize(const ResizeAttrs& a, std::span<const Tensor> in, std::span<Tensor> out) {
  Given g;
  if (a.layout == Layout::scales_input) g.scales = given(&in[1]);
  if (a.layout == Layout::roi_scales_sizes) {
    if (a.options.coord == Coord::tf_crop_and_resize && has_input(in, 1)) g.roi = given(&in[1]);
    if (has_input(in, 2)) g.scales = given(&in[2]);
    if (has_input(in, 3)) g.sizes = given(&in[3]);
  }
  const std::vector<AxisSpec> spec = plan_axes(a, in[0].shape(), g);
  resize::resample(a.options, spec, in[0], out[0]);
}

}  // namespace

OpTable resize_rows() {
  return {
      {"", "Upsample", 7, 8, ops::bind<ResizeAttrs>(parse_upsample_7, infer_resize, run_resize)},
      {"", "Upsample", 9, 9, ops::bind<ResizeAttrs>(parse_upsample_9, infer_resize, run_resize)},
      {"", "Resize", 10, 10, ops::bind<ResizeAttrs>(parse_resize_10, infer_resize, run_resize)},
      {"", "Resize", 11, 12, ops::bind<ResizeAttrs>(parse_resize_11, infer_resize, run_resize)},
      {"", "Resize", 13, 17, ops::bind<ResizeAttrs>(parse_resize_13, infer_resize, run_resize)},
      {"", "Resize", 18, 18, ops::bind<ResizeAttrs>(parse_resize_18, infer_resize, run_resize)},
      {"", "Resize", 19, graph::kLatestOpset,
       ops::bind<ResizeAttrs>(parse_resize_19, infer_resize, run_resize)},
  };
}

}  // namespace nnload::ops
