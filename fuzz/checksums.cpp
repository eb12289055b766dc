#include "checksums.hpp"

#include <array>
#include <cstddef>
#include <optional>
#include <string>

#include "formats/savedmodel/crc32c.hpp"

namespace nnload::fuzz {

namespace {

using Buffer = std::vector<std::uint8_t>;

std::uint32_t u16_at(const Buffer& b, std::size_t at) {
  return static_cast<std::uint32_t>(b[at]) | static_cast<std::uint32_t>(b[at + 1]) << 8;
}
std::uint32_t u32_at(const Buffer& b, std::size_t at) {
  return u16_at(b, at) | u16_at(b, at + 2) << 16;
}
void put_u32(Buffer& b, std::size_t at, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b[at + i] = static_cast<std::uint8_t>(v >> (8 * i));
}

std::uint32_t crc32_of(const std::uint8_t* data, std::size_t size) {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t crc = 0xFFFFFFFFu;
  for (std::size_t i = 0; i < size; ++i) crc = table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

// Offset of the end-of-central-directory record, or npos.
std::size_t find_eocd(const Buffer& b) {
  if (b.size() < 22) return std::string::npos;
  const std::size_t lowest = b.size() > 22 + 65535 ? b.size() - 22 - 65535 : 0;
  for (std::size_t at = b.size() - 22 + 1; at-- > lowest;) {
    if (u32_at(b, at) == 0x06054b50u) return at;
  }
  return std::string::npos;
}

// A LevelDB varint64 at `at` (advanced past it); nullopt past `end`.
std::optional<std::uint64_t> varint(const Buffer& b, std::size_t& at, std::size_t end) {
  std::uint64_t value = 0;
  for (int shift = 0; shift < 64 && at < end; shift += 7) {
    const std::uint8_t byte = b[at++];
    value |= static_cast<std::uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0) return value;
  }
  return std::nullopt;
}

struct BlockHandle {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
};

std::optional<BlockHandle> block_handle(const Buffer& b, std::size_t& at, std::size_t end) {
  const auto offset = varint(b, at, end);
  const auto size = offset ? varint(b, at, end) : std::nullopt;
  if (!size) return std::nullopt;
  return BlockHandle{*offset, *size};
}

// A block is followed by a type byte and the masked CRC-32C of the block and that byte.
bool block_fits(const Buffer& b, const BlockHandle& h) {
  return h.offset <= b.size() && h.size <= b.size() - h.offset && b.size() - h.offset - h.size >= 5;
}

void repair_block(Buffer& b, const BlockHandle& h) {
  if (!block_fits(b, h)) return;
  const auto* data = reinterpret_cast<const std::byte*>(b.data() + h.offset);
  const std::uint32_t crc =
      formats::savedmodel::crc32c({data, static_cast<std::size_t>(h.size + 1)});
  put_u32(b, static_cast<std::size_t>(h.offset + h.size + 1),
          formats::savedmodel::crc32c_mask(crc));
}

// The block handles an index block's entries hold (its values), in order.
std::vector<BlockHandle> index_entries(const Buffer& b, const BlockHandle& index) {
  std::vector<BlockHandle> out;
  if (!block_fits(b, index) || index.size < 4) return out;
  const std::size_t begin = static_cast<std::size_t>(index.offset);
  const std::size_t end = begin + static_cast<std::size_t>(index.size);
  const std::uint64_t restarts = u32_at(b, end - 4);
  if (restarts > (index.size - 4) / 4) return out;
  const std::size_t entries_end = end - 4 - static_cast<std::size_t>(restarts) * 4;
  std::size_t at = begin;
  while (at < entries_end) {
    const auto shared = varint(b, at, entries_end);
    const auto unshared = shared ? varint(b, at, entries_end) : std::nullopt;
    const auto value_size = unshared ? varint(b, at, entries_end) : std::nullopt;
    if (!value_size || *unshared > entries_end - at) break;
    at += static_cast<std::size_t>(*unshared);
    if (*value_size > entries_end - at) break;
    std::size_t value = at;
    at += static_cast<std::size_t>(*value_size);
    if (const auto handle = block_handle(b, value, at)) out.push_back(*handle);
  }
  return out;
}

}  // namespace

std::vector<std::uint8_t> with_zip_crcs_repaired(std::span<const std::uint8_t> bytes) {
  Buffer b(bytes.begin(), bytes.end());
  const std::size_t eocd = find_eocd(b);
  if (eocd == std::string::npos) return b;
  const std::uint32_t count = u16_at(b, eocd + 10);
  std::size_t at = u32_at(b, eocd + 16);
  for (std::uint32_t i = 0; i < count; ++i) {
    if (at > b.size() || b.size() - at < 46 || u32_at(b, at) != 0x02014b50u) break;
    const std::uint32_t flags = u16_at(b, at + 8);
    const std::uint32_t method = u16_at(b, at + 10);
    const std::uint64_t size = u32_at(b, at + 20);
    const std::uint64_t local = u32_at(b, at + 42);
    const std::size_t next = at + 46 + u16_at(b, at + 28) + u16_at(b, at + 30) + u16_at(b, at + 32);
    const bool plain = method == 0 && (flags & 0x08) == 0 && size != 0xFFFFFFFFu &&
                       local != 0xFFFFFFFFu && u32_at(b, at + 24) == size;
    if (plain && local + 30 <= b.size() && u32_at(b, local) == 0x04034b50u) {
      const std::uint64_t data = local + 30 + u16_at(b, local + 26) + u16_at(b, local + 28);
      if (data <= b.size() && size <= b.size() - data) {
        const std::uint32_t crc = crc32_of(b.data() + data, static_cast<std::size_t>(size));
        put_u32(b, at + 16, crc);
        put_u32(b, local + 14, crc);
      }
    }
    at = next;
  }
  return b;
}

std::vector<std::uint8_t> with_leveldb_crcs_repaired(std::span<const std::uint8_t> bytes) {
  // Footer: metaindex handle, index handle (varints, padded to 40 bytes), 8-byte magic.
  constexpr std::size_t kFooter = 48;
  Buffer b(bytes.begin(), bytes.end());
  if (b.size() < kFooter) return b;
  std::size_t at = b.size() - kFooter;
  const std::size_t handles_end = b.size() - 8;
  const auto metaindex = block_handle(b, at, handles_end);
  const auto index = metaindex ? block_handle(b, at, handles_end) : std::nullopt;
  if (!index) return b;
  for (const BlockHandle& data : index_entries(b, *index)) repair_block(b, data);
  repair_block(b, *metaindex);
  repair_block(b, *index);
  return b;
}

}  // namespace nnload::fuzz
