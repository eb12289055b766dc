#include "io/hdf5/datatype_check.hpp"

#include <cstring>

#include "core/fail.hpp"

namespace nnload::io::hdf5 {

namespace {

constexpr int kMaxDepth = 16;  // nesting of compound, array, enum and vlen types
constexpr std::uint32_t kMaxArrayRank = 32;

enum Class : std::uint8_t {
  kFixedPoint = 0,
  kFloat = 1,
  kTime = 2,
  kString = 3,
  kBitfield = 4,
  kOpaque = 5,
  kCompound = 6,
  kReference = 7,
  kEnum = 8,
  kVariableLength = 9,
  kArray = 10,
};

[[noreturn]] void bad(const ByteReader& r, std::uint64_t at, const std::string& what) {
  fail(ErrorCode::corrupt, "{}: damaged HDF5 datatype at offset {}: {}", r.what(), at, what);
}

// A NUL-terminated name, padded with NULs to a multiple of 8 bytes in versions 1 and 2.
void skip_name(ByteReader& r, int version) {
  const std::span<const std::byte> rest = r.rest();
  const void* nul = std::memchr(rest.data(), 0, rest.size());
  if (nul == nullptr) bad(r, r.absolute_offset(), "a member name without its NUL");
  const std::size_t length = static_cast<const std::byte*>(nul) - rest.data() + 1;
  r.skip(version >= 3 ? length : std::min(rest.size(), (length + 7) / 8 * 8));
}

// Bytes that hold a compound member's offset in version 3: as few as the compound's size needs.
std::size_t offset_width(std::uint32_t size) {
  return size < (1u << 8) ? 1 : size < (1u << 16) ? 2 : size < (1u << 24) ? 3 : 4;
}

// Returns the datatype's size.
std::uint32_t check(ByteReader& r, int depth) {
  const std::uint64_t at = r.absolute_offset();
  if (depth > kMaxDepth) bad(r, at, fmt::format("types nested deeper than {}", kMaxDepth));
  const std::uint8_t class_and_version = r.u8();
  const auto type_class = static_cast<Class>(class_and_version & 0x0f);
  const int version = class_and_version >> 4;
  const std::uint32_t bits0 = r.u8();
  const std::uint32_t bits8 = r.u8();
  const std::uint32_t bits = bits0 | bits8 << 8 | std::uint32_t{r.u8()} << 16;
  const std::uint32_t size = r.u32();
  switch (type_class) {
    case kFixedPoint:
    case kBitfield:
      r.skip(4);
      break;
    case kFloat:
      r.skip(12);
      break;
    case kTime:
      r.skip(2);
      break;
    case kString:
    case kReference:
      break;
    case kOpaque:
      r.skip(bits & 0xff);  // the tag, padded
      break;
    case kCompound:
      for (std::uint32_t i = 0, n = bits & 0xffff; i < n; ++i) {
        skip_name(r, version);
        const std::uint64_t offset = version >= 3 ? r.uint(offset_width(size)) : r.u32();
        if (version == 1) r.skip(1 + 3 + 4 + 4 + 16);  // rank, permutation, dimension sizes
        const std::uint32_t member = check(r, depth + 1);
        if (offset > size || member > size - offset)
          bad(r, at,
              fmt::format("compound member {} ({} bytes at {}) outside the {}-byte compound", i,
                          member, offset, size));
      }
      break;
    case kEnum: {
      const std::uint32_t base = check(r, depth + 1);
      if (base != size)
        bad(r, at, fmt::format("an enum of {} bytes over a {}-byte base type", size, base));
      const std::uint32_t n = bits & 0xffff;
      for (std::uint32_t i = 0; i < n; ++i) skip_name(r, version);
      r.skip(static_cast<std::size_t>(n) * base);
      break;
    }
    case kVariableLength:
      check(r, depth + 1);
      break;
    case kArray: {
      const std::uint32_t rank = r.u8();
      if (rank == 0 || rank > kMaxArrayRank) bad(r, at, fmt::format("an array of rank {}", rank));
      if (version < 3) r.skip(3);
      std::uint64_t count = 1;
      for (std::uint32_t i = 0; i < rank; ++i) {
        const std::uint32_t dim = r.u32();
        count = dim != 0 && count > (std::uint64_t{1} << 32) / dim ? std::uint64_t{1} << 33
                                                                   : count * dim;
      }
      if (version < 3) r.skip(4 * static_cast<std::size_t>(rank));  // permutation
      const std::uint32_t base = check(r, depth + 1);
      if (base == 0 ? size != 0 : count > size / base || count * base != size)
        bad(r, at,
            fmt::format("an array of {} bytes holding {} elements of {} bytes", size, count, base));
      break;
    }
    default:
      bad(r, at, fmt::format("datatype class {}", static_cast<int>(type_class)));
  }
  return size;
}

}  // namespace

void check_datatype(ByteReader& r, int depth) { check(r, depth); }

}  // namespace nnload::io::hdf5
