// Keras ZeroPadding1D/2D/3D, Cropping1D/2D/3D and UpSampling1D/2D/3D: Pad, Slice and Resize on
// the spatial axes of either data format.
#include <limits>

#include "formats/keras/layers/layers.hpp"

namespace nnload::formats::keras {

namespace {

// Keras gives per-dimension (before, after) amounts as an int, a list of ints (symmetric per
// dimension) or a list of pairs.
std::vector<std::pair<int64_t, int64_t>> amounts(LayerContext& ctx, const char* key,
                                                 std::size_t spatial, int64_t fallback) {
  const Json* j = ctx.find({key});
  std::vector<std::pair<int64_t, int64_t>> out(spatial, {fallback, fallback});
  if (!j) return out;
  if (j->is_number_integer())
    return std::vector<std::pair<int64_t, int64_t>>(spatial,
                                                    {j->get<int64_t>(), j->get<int64_t>()});
  if (!j->is_array()) ctx.corrupt(std::string(key) + " is malformed: " + j->dump());
  // 1-D layers: (before, after) as one flat pair.
  if (spatial == 1 && j->size() == 2 && (*j)[0].is_number_integer()) {
    return {{(*j)[0].get<int64_t>(), (*j)[1].get<int64_t>()}};
  }
  if (j->size() != spatial)
    ctx.corrupt(std::string(key) + " has " + std::to_string(j->size()) + " entries");
  for (std::size_t d = 0; d < spatial; ++d) {
    const Json& e = (*j)[d];
    if (e.is_number_integer()) {
      out[d] = {e.get<int64_t>(), e.get<int64_t>()};
    } else if (e.is_array() && e.size() == 2) {
      out[d] = {e[0].get<int64_t>(), e[1].get<int64_t>()};
    } else {
      ctx.corrupt(std::string(key) + " is malformed: " + j->dump());
    }
  }
  return out;
}

int64_t first_spatial_axis(LayerContext& ctx) { return ctx.channels_first() ? 2 : 1; }

template <std::size_t Spatial>
std::vector<int> zero_padding(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  const auto pad = amounts(ctx, "padding", Spatial, 1);
  const std::size_t rank = Spatial + 2;
  std::vector<int64_t> pads(2 * rank, 0);
  const auto first = static_cast<std::size_t>(first_spatial_axis(ctx));
  for (std::size_t d = 0; d < Spatial; ++d) {
    pads[first + d] = pad[d].first;
    pads[rank + first + d] = pad[d].second;
  }
  return {ctx.add("Pad", "Pad", {ctx.input(), ctx.int64s("pads", pads)})};
}

template <std::size_t Spatial>
std::vector<int> cropping(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  const auto crop = amounts(ctx, "cropping", Spatial, 0);
  std::vector<int64_t> starts, ends, axes;
  const int64_t first = first_spatial_axis(ctx);
  for (std::size_t d = 0; d < Spatial; ++d) {
    starts.push_back(crop[d].first);
    ends.push_back(crop[d].second == 0 ? std::numeric_limits<int64_t>::max() : -crop[d].second);
    axes.push_back(first + static_cast<int64_t>(d));
  }
  return {ctx.add("Slice", "Slice",
                  {ctx.input(), ctx.int64s("starts", starts), ctx.int64s("ends", ends),
                   ctx.int64s("axes", axes)})};
}

template <std::size_t Spatial>
std::vector<int> upsampling(LayerContext& ctx) {
  ctx.expect_inputs(1, 1);
  const std::vector<int64_t> size = ctx.get_ints({"size", "length"}, Spatial, 2);
  const std::string interpolation = ctx.get_string({"interpolation"}, "nearest");
  std::vector<float> scales(Spatial + 2, 1.0f);
  const auto first = static_cast<std::size_t>(first_spatial_axis(ctx));
  for (std::size_t d = 0; d < Spatial; ++d) scales[first + d] = static_cast<float>(size[d]);
  graph::Attributes a;
  if (interpolation == "nearest") {
    // Repeating each element: nearest with asymmetric coordinates and floor is exact for integer
    // factors.
    a.set("mode", std::string("nearest"));
    a.set("coordinate_transformation_mode", std::string("asymmetric"));
    a.set("nearest_mode", std::string("floor"));
  } else if (interpolation == "bilinear") {
    // tf.image.resize (TF2, Keras 3) samples at half-pixel centres.
    a.set("mode", std::string("linear"));
    a.set("coordinate_transformation_mode", std::string("half_pixel"));
  } else {
    ctx.unsupported("interpolation '" + interpolation + "' is not supported (nearest, bilinear)");
  }
  const auto n = static_cast<int64_t>(scales.size());
  const int scales_value = ctx.constant("scales", Tensor::from_vector<float>(scales, {n}));
  return {ctx.add("Resize", "Resize", {ctx.input(), graph::kNoValue, scales_value}, a)};
}

}  // namespace

LayerRows reshaping_layers() {
  return {
      {"ZeroPadding1D", zero_padding<1>}, {"ZeroPadding2D", zero_padding<2>},
      {"ZeroPadding3D", zero_padding<3>}, {"Cropping1D", cropping<1>},
      {"Cropping2D", cropping<2>},        {"Cropping3D", cropping<3>},
      {"UpSampling1D", upsampling<1>},    {"UpSampling2D", upsampling<2>},
      {"UpSampling3D", upsampling<3>},
  };
}

}  // namespace nnload::formats::keras
