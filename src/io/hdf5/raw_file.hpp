// Internal to src/io/hdf5: object headers read by our own bounds-checked code, for raw.cpp's
// attribute and string readers and object_header_check.cpp's checks before libhdf5 loads a
// header.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/fail.hpp"
#include "io/byte_reader.hpp"
#include "io/hdf5/superblock.hpp"

namespace nnload::io::hdf5 {

inline constexpr std::uint16_t kContinuation = 0x0010;
inline constexpr std::size_t kMaxBlocks = 4096;  // continuation blocks followed per header

struct Message {
  std::uint16_t type;
  std::uint8_t flags;
  std::span<const std::byte> data;
  std::uint64_t offset;  // absolute, for messages
};

class RawFile {
 public:
  RawFile(std::span<const std::byte> bytes, const Superblock& sb, std::string_view file)
      : bytes_(bytes), sb_(sb), file_(file) {}

  [[noreturn]] void damaged(std::uint64_t at, const std::string& what) const {
    fail(ErrorCode::corrupt, "{}: damaged HDF5 structure at offset {}: {}", file_, at, what);
  }

  // `length` bytes at relative address `address`, checked to lie inside the file.
  ByteReader at(std::uint64_t address, std::uint64_t length, const char* what) const {
    const std::uint64_t size = bytes_.size();
    if (address > size || sb_.base > size - address || length > size - sb_.base - address) {
      damaged(address, fmt::format("{} of {} bytes at address {} lies outside the {}-byte file",
                                   what, length, address, size));
    }
    const std::uint64_t abs = sb_.base + address;
    return ByteReader(
        bytes_.subspan(static_cast<std::size_t>(abs), static_cast<std::size_t>(length)),
        std::string(file_), abs);
  }
  // Everything from relative address `address` to the end of the file.
  ByteReader rest_from(std::uint64_t address, const char* what) const {
    const std::uint64_t size = bytes_.size();
    if (address > size || sb_.base > size - address) {
      damaged(address, fmt::format("{} address {} lies outside the file", what, address));
    }
    return at(address, size - sb_.base - address, what);
  }
  std::uint64_t address(ByteReader& r) const {
    return r.uint(static_cast<std::size_t>(sb_.offset_size));
  }
  std::uint64_t length(ByteReader& r) const {
    return r.uint(static_cast<std::size_t>(sb_.length_size));
  }
  int address_size() const { return sb_.offset_size; }
  const Superblock& superblock() const { return sb_; }
  std::uint64_t undefined() const {
    return sb_.offset_size == 8 ? ~std::uint64_t{0}
                                : (std::uint64_t{1} << (8 * sb_.offset_size)) - 1;
  }

  // Every message of an object header, following continuation blocks.
  std::vector<Message> messages(std::uint64_t header) const {
    std::vector<Message> out;
    ByteReader r = rest_from(header, "object header");
    if (r.remaining() >= 4 && std::memcmp(r.rest().data(), "OHDR", 4) == 0) {
      read_v2(header, out);
    } else {
      read_v1(header, out);
    }
    return out;
  }

 private:
  void read_v1(std::uint64_t header, std::vector<Message>& out) const {
    ByteReader r = at(header, 16, "object header");
    if (r.u8() != 1) damaged(header, "object header version is neither 1 nor 2");
    r.skip(1);
    r.u16();  // message count
    r.u32();  // reference count
    const std::uint32_t size = r.u32();
    std::vector<std::pair<std::uint64_t, std::uint64_t>> blocks{{header + 16, size}};
    std::set<std::uint64_t> seen{header + 16};
    for (std::size_t b = 0; b < blocks.size(); ++b) {
      ByteReader m = at(blocks[b].first, blocks[b].second, "object header block");
      while (m.remaining() >= 8) {
        const std::uint64_t offset = m.absolute_offset();
        const std::uint16_t type = m.u16();
        const std::uint16_t msize = m.u16();
        const std::uint8_t flags = m.u8();
        m.skip(3);
        const std::span<const std::byte> data = m.bytes(msize);
        out.push_back({type, flags, data, offset});
        if (type == kContinuation) add_block(data, blocks, seen, offset);
      }
    }
  }

  void read_v2(std::uint64_t header, std::vector<Message>& out) const {
    ByteReader r = rest_from(header, "object header");
    r.skip(4);
    if (r.u8() != 2) damaged(header, "OHDR version is not 2");
    const std::uint8_t flags = r.u8();
    if (flags & 0x20) r.skip(16);
    if (flags & 0x10) r.skip(4);
    const std::uint64_t chunk0 = r.uint(std::size_t{1} << (flags & 3));
    const bool crt_order = (flags & 0x04) != 0;
    const std::uint64_t prefix = r.offset();
    std::vector<std::pair<std::uint64_t, std::uint64_t>> blocks;
    std::set<std::uint64_t> seen;
    // Chunk 0: prefix, messages, checksum.
    if (chunk0 > r.remaining() || r.remaining() - chunk0 < 4)
      damaged(header, "object header runs past the file");
    check_checksum(header, prefix + chunk0);
    read_v2_messages(at(header + prefix, chunk0, "object header"), crt_order, out, blocks, seen);
    for (std::size_t b = 0; b < blocks.size(); ++b) {
      const auto [addr, len] = blocks[b];
      if (len < 8) damaged(addr, "continuation block too short");
      ByteReader c = at(addr, len, "object header continuation");
      if (std::memcmp(c.bytes(4).data(), "OCHK", 4) != 0)
        damaged(addr, "continuation block without OCHK signature");
      check_checksum(addr, len - 4);
      read_v2_messages(at(addr + 4, len - 8, "object header continuation"), crt_order, out, blocks,
                       seen);
    }
  }

  void read_v2_messages(ByteReader m, bool crt_order, std::vector<Message>& out,
                        std::vector<std::pair<std::uint64_t, std::uint64_t>>& blocks,
                        std::set<std::uint64_t>& seen) const {
    const std::size_t header_size = crt_order ? 6 : 4;
    while (m.remaining() >= header_size) {  // fewer bytes left is a gap
      const std::uint64_t offset = m.absolute_offset();
      const std::uint8_t type = m.u8();
      const std::uint16_t msize = m.u16();
      const std::uint8_t flags = m.u8();
      if (crt_order) m.skip(2);
      const std::span<const std::byte> data = m.bytes(msize);
      out.push_back({type, flags, data, offset});
      if (type == kContinuation) add_block(data, blocks, seen, offset);
    }
  }

  void check_checksum(std::uint64_t address, std::uint64_t covered) const {
    ByteReader r = at(address, covered + 4, "object header chunk");
    const std::span<const std::byte> body = r.bytes(static_cast<std::size_t>(covered));
    if (r.u32() != lookup3_checksum(body)) damaged(address, "object header checksum mismatch");
  }

  void add_block(std::span<const std::byte> data,
                 std::vector<std::pair<std::uint64_t, std::uint64_t>>& blocks,
                 std::set<std::uint64_t>& seen, std::uint64_t offset) const {
    ByteReader c(data, std::string(file_), offset);
    const std::uint64_t addr = address(c);
    const std::uint64_t len = length(c);
    if (!seen.insert(addr).second) damaged(offset, "object header continuation loops back");
    if (blocks.size() >= kMaxBlocks) damaged(offset, "too many object header continuation blocks");
    blocks.emplace_back(addr, len);
  }

  std::span<const std::byte> bytes_;
  const Superblock& sb_;
  std::string_view file_;
};

// Element count of a dataspace message (versions 1 and 2); std::nullopt when it overflows.
std::optional<std::uint64_t> dataspace_elements(ByteReader r, int length_size);
// A shared message's encoding (a message flagged shared holds only where the message is):
// Error(unsupported) when it is in the file's shared-message heap, whose master table and
// indexes libhdf5 1.10.8 reads without checks (a null write in our fuzz tests); Error(corrupt)
// for an unknown encoding version. Committed messages (in another object header) pass.
void check_shared_encoding(std::span<const std::byte> data, std::uint64_t offset,
                           std::string_view file);
// Dimensions of a dataspace message (versions 1 and 2): 0 for scalar and null dataspaces;
// std::nullopt for other versions.
std::optional<std::size_t> dataspace_rank(ByteReader r);

}  // namespace nnload::io::hdf5
