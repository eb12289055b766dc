#include "formats/savedmodel/crc32c.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace nnload::formats::savedmodel {
namespace {

std::span<const std::byte> bytes_of(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

// A plain bit-at-a-time CRC-32C, the definition the fast paths must agree with.
std::uint32_t reference_crc(std::span<const std::byte> data) {
  std::uint32_t crc = 0xffffffffu;
  for (std::byte b : data) {
    crc ^= static_cast<std::uint8_t>(b);
    for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ ((crc & 1u) ? 0x82f63b78u : 0u);
  }
  return ~crc;
}

TEST(SavedModelCrc32c, KnownValues) {
  EXPECT_EQ(crc32c(bytes_of("123456789")), 0xe3069283u);            // the CRC-32C check value
  EXPECT_EQ(crc32c(bytes_of(std::string(32, '\0'))), 0x8a9136aau);  // RFC 3720 B.4
  EXPECT_EQ(crc32c(bytes_of(std::string(32, '\xff'))), 0x62a8ab43u);
  EXPECT_EQ(crc32c({}), 0u);
}

TEST(SavedModelCrc32c, ExtendEqualsWhole) {
  const std::string text = "The quick brown fox jumps over the lazy dog, twice over.";
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    const std::uint32_t first = crc32c(bytes_of(text.substr(0, cut)));
    EXPECT_EQ(crc32c_extend(first, bytes_of(text.substr(cut))), crc32c(bytes_of(text))) << cut;
  }
}

TEST(SavedModelCrc32c, MatchesBitwiseDefinitionOnAllLengthsAndAlignments) {
  std::vector<std::byte> data(300);
  for (std::size_t i = 0; i < data.size(); ++i)
    data[i] = std::byte(static_cast<unsigned char>(i * 131u + 7u));
  for (std::size_t start = 0; start < 9; ++start) {
    for (std::size_t len = 0; start + len <= data.size(); len += 13) {
      const std::span<const std::byte> part(data.data() + start, len);
      EXPECT_EQ(crc32c(part), reference_crc(part)) << start << "+" << len;
    }
  }
}

TEST(SavedModelCrc32c, MaskRoundTripsAndChangesTheValue) {
  for (std::uint32_t crc : {0u, 1u, 0xe3069283u, 0xffffffffu}) {
    EXPECT_EQ(crc32c_unmask(crc32c_mask(crc)), crc);
    EXPECT_NE(crc32c_mask(crc), crc);
  }
  // LevelDB's own: Mask(crc) = ((crc >> 15) | (crc << 17)) + 0xa282ead8.
  EXPECT_EQ(crc32c_mask(0x00000001u), 0x00020000u + 0xa282ead8u);
}

}  // namespace
}  // namespace nnload::formats::savedmodel
