// CRC-32C (Castagnoli), as TensorFlow's tensor bundles checksum their data, and the masking
// TensorFlow (like LevelDB) applies to checksums it stores.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace nnload::formats::savedmodel {

// The CRC-32C of `data` continuing from `crc` (0 to start), like LevelDB's crc32c::Extend.
std::uint32_t crc32c_extend(std::uint32_t crc, std::span<const std::byte> data);
inline std::uint32_t crc32c(std::span<const std::byte> data) { return crc32c_extend(0, data); }

// Stored CRCs are masked so that a CRC of data holding CRCs stays well distributed.
constexpr std::uint32_t kCrcMaskDelta = 0xa282ead8u;
constexpr std::uint32_t crc32c_mask(std::uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + kCrcMaskDelta;
}
constexpr std::uint32_t crc32c_unmask(std::uint32_t masked) {
  const std::uint32_t rot = masked - kCrcMaskDelta;
  return (rot >> 17) | (rot << 15);
}

}  // namespace nnload::formats::savedmodel
