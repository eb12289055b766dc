#include "ops/conv/spatial.hpp"

#include "core/fail.hpp"

namespace nnload::ops {

SpatialShape split_spatial(const Shape& shape, bool channels_last, const char* what,
                           std::size_t max_spatial) {
  if (shape.size() < 3 || shape.size() > 2 + max_spatial) {
    fail(ErrorCode::shape, "{} has rank {} (shape {}), expected 3 to {} ({}, channels, spatial)",
         what, shape.size(), shape_to_list(shape), 2 + max_spatial,
         channels_last ? "batch, spatial..., channels" : "batch");
  }
  SpatialShape s;
  s.batch = shape[0];
  if (channels_last) {
    s.channels = shape.back();
    s.spatial.assign(shape.begin() + 1, shape.end() - 1);
  } else {
    s.channels = shape[1];
    s.spatial.assign(shape.begin() + 2, shape.end());
  }
  return s;
}

Shape join_spatial(std::int64_t batch, std::int64_t channels, const Shape& spatial,
                   bool channels_last) {
  Shape out{batch};
  if (!channels_last) out.push_back(channels);
  out.insert(out.end(), spatial.begin(), spatial.end());
  if (channels_last) out.push_back(channels);
  return out;
}

std::vector<std::int64_t> logical_strides(const SpatialShape& s, bool channels_last) {
  const std::size_t k = s.spatial.size();
  std::vector<std::int64_t> strides(k + 2);
  std::int64_t running = 1;
  if (channels_last) {
    strides[1] = 1;
    running = s.channels;
  }
  for (std::size_t i = k; i-- > 0;) {
    strides[i + 2] = running;
    running *= s.spatial[i];
  }
  if (!channels_last) {
    strides[1] = running;
    running *= s.channels;
  }
  strides[0] = running;
  return strides;
}

Volume volume_of(const SpatialShape& s, bool channels_last) {
  const std::vector<std::int64_t> strides = logical_strides(s, channels_last);
  Volume v;
  v.batch = s.batch;
  v.channels = s.channels;
  v.stride_n = strides[0];
  v.stride_c = strides[1];
  const std::size_t k = s.spatial.size();
  for (std::size_t i = 0; i < k; ++i) {
    v.dims[3 - k + i] = s.spatial[i];
    v.stride[3 - k + i] = strides[i + 2];
  }
  return v;
}

std::array<std::int64_t, 3> pad3(const std::vector<std::int64_t>& values, std::int64_t fill) {
  std::array<std::int64_t, 3> out{fill, fill, fill};
  const std::size_t k = values.size();
  for (std::size_t i = 0; i < k && i < 3; ++i) out[3 - k + i] = values[i];
  return out;
}

}  // namespace nnload::ops
