#include "io/hdf5/superblock.hpp"

#include <cstring>
#include <limits>
#include <string>

#include "core/fail.hpp"
#include "io/byte_reader.hpp"

namespace nnload::io::hdf5 {

namespace {

constexpr unsigned char kSignature[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

std::uint32_t rot(std::uint32_t x, int k) { return (x << k) | (x >> (32 - k)); }

void mix(std::uint32_t& a, std::uint32_t& b, std::uint32_t& c) {
  a -= c;
  a ^= rot(c, 4);
  c += b;
  b -= a;
  b ^= rot(a, 6);
  a += c;
  c -= b;
  c ^= rot(b, 8);
  b += a;
  a -= c;
  a ^= rot(c, 16);
  c += b;
  b -= a;
  b ^= rot(a, 19);
  a += c;
  c -= b;
  c ^= rot(b, 4);
  b += a;
}

void final_mix(std::uint32_t& a, std::uint32_t& b, std::uint32_t& c) {
  c ^= b;
  c -= rot(b, 14);
  a ^= c;
  a -= rot(c, 11);
  b ^= a;
  b -= rot(a, 25);
  c ^= b;
  c -= rot(b, 16);
  a ^= c;
  a -= rot(c, 4);
  b ^= a;
  b -= rot(a, 14);
  c ^= b;
  c -= rot(b, 24);
}

bool valid_size(int size) { return size == 2 || size == 4 || size == 8; }

}  // namespace

std::uint32_t lookup3_checksum(std::span<const std::byte> data, std::uint32_t initval) {
  const auto* k = reinterpret_cast<const std::uint8_t*>(data.data());
  std::size_t length = data.size();
  std::uint32_t a, b, c;
  a = b = c = 0xdeadbeef + static_cast<std::uint32_t>(length) + initval;
  const auto word = [](const std::uint8_t* p, std::size_t n) {
    std::uint32_t v = 0;
    for (std::size_t i = 0; i < n; ++i) v += std::uint32_t(p[i]) << (8 * i);
    return v;
  };
  while (length > 12) {
    a += word(k, 4);
    b += word(k + 4, 4);
    c += word(k + 8, 4);
    mix(a, b, c);
    length -= 12;
    k += 12;
  }
  if (length == 0) return c;
  a += word(k, std::min<std::size_t>(length, 4));
  if (length > 4) b += word(k + 4, std::min<std::size_t>(length - 4, 4));
  if (length > 8) c += word(k + 8, length - 8);
  final_mix(a, b, c);
  return c;
}

Superblock validate_superblock(std::span<const std::byte> bytes, std::string_view name) {
  if (bytes.empty()) fail(ErrorCode::unknown_format, "{}: empty file, not an HDF5 file", name);
  std::uint64_t base = 0;
  bool found = false;
  for (std::uint64_t at = 0; at + 8 <= bytes.size(); at = at == 0 ? 512 : at * 2) {
    if (std::memcmp(bytes.data() + at, kSignature, 8) == 0) {
      base = at;
      found = true;
      break;
    }
  }
  if (!found) fail(ErrorCode::unknown_format, "{}: not an HDF5 file (no HDF5 signature)", name);

  const std::uint64_t file_size = bytes.size();
  ByteReader r(bytes.subspan(static_cast<std::size_t>(base)), std::string(name), base);
  const auto damaged = [&](const std::string& what) {
    fail(ErrorCode::corrupt, "{}: damaged HDF5 superblock at offset {}: {}", name, base, what);
  };
  Superblock sb;
  sb.base = base;
  r.skip(8);
  sb.version = r.u8();
  if (sb.version > 3) damaged(fmt::format("version {} (HDF5 defines 0 to 3)", sb.version));

  std::uint64_t undefined = 0;
  const auto address = [&]() { return r.uint(static_cast<std::size_t>(sb.offset_size)); };
  // A relative address must be defined and fall inside the file, like `what` needs.
  const auto check_inside = [&](std::uint64_t addr, const char* what, bool may_be_undefined) {
    if (addr == undefined) {
      if (may_be_undefined) return;
      damaged(fmt::format("the {} address is undefined", what));
    }
    if (addr >= file_size - base) {
      damaged(fmt::format("the {} address {} lies outside the {}-byte file", what, addr + base,
                          file_size));
    }
  };

  std::uint64_t eof = 0, root = 0;
  if (sb.version <= 1) {
    r.skip(4);  // free-space and root symbol-table versions, reserved, shared-header version
    sb.offset_size = r.u8();
    sb.length_size = r.u8();
    r.skip(1);
    if (!valid_size(sb.offset_size) || !valid_size(sb.length_size)) {
      damaged(fmt::format("sizes of offsets {} and lengths {} (expected 2, 4 or 8)", sb.offset_size,
                          sb.length_size));
    }
    undefined =
        sb.offset_size == 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * sb.offset_size)) - 1;
    const std::uint16_t leaf_k = r.u16();
    const std::uint16_t internal_k = r.u16();
    if (leaf_k == 0 || internal_k == 0) damaged("a group B-tree rank of 0");
    sb.group_leaf_k = leaf_k;
    sb.group_internal_k = internal_k;
    r.skip(4);  // file consistency flags
    if (sb.version == 1) {
      if (r.u16() == 0) damaged("an indexed-storage B-tree rank of 0");
      r.skip(2);
    }
    address();  // base address: libhdf5 uses the signature's offset, as we do
    check_inside(address(), "free-space", true);
    eof = address();
    check_inside(address(), "driver information block", true);
    // Root group symbol-table entry.
    address();  // link name offset in the (empty) root heap
    root = address();
    const std::uint32_t cache_type = r.u32();
    r.skip(4);
    if (cache_type > 2) damaged(fmt::format("root cache type {} (expected 0, 1 or 2)", cache_type));
    if (cache_type == 1) {
      check_inside(address(), "root group B-tree", false);
      check_inside(address(), "root group heap", false);
    }
  } else {
    sb.offset_size = r.u8();
    sb.length_size = r.u8();
    if (!valid_size(sb.offset_size) || !valid_size(sb.length_size)) {
      damaged(fmt::format("sizes of offsets {} and lengths {} (expected 2, 4 or 8)", sb.offset_size,
                          sb.length_size));
    }
    undefined =
        sb.offset_size == 8 ? ~std::uint64_t{0} : (std::uint64_t{1} << (8 * sb.offset_size)) - 1;
    r.skip(1);  // file consistency flags
    address();  // base address
    check_inside(address(), "superblock extension", true);
    eof = address();
    root = address();
    const std::size_t covered = r.offset();
    const std::uint32_t stored = r.u32();
    const std::uint32_t computed =
        lookup3_checksum(bytes.subspan(static_cast<std::size_t>(base), covered));
    if (stored != computed) {
      damaged(fmt::format("checksum {:#010x} does not match its contents ({:#010x})", stored,
                          computed));
    }
  }
  // libhdf5 stores the end-of-file address counting the user block, unlike every other address
  // (checked on files written with a user block).
  if (eof == undefined) damaged("the end-of-file address is undefined");
  if (eof > file_size) {
    fail(ErrorCode::corrupt, "{}: file is truncated: the superblock says {} bytes, the file has {}",
         name, eof, file_size);
  }
  check_inside(root, "root group object header", false);
  if (root + base >= eof) {
    damaged(
        fmt::format("the root group object header address {} is past the end-of-file address {}",
                    root + base, eof));
  }
  sb.end_of_file = eof;
  sb.root_object_header = root + base;
  return sb;
}

}  // namespace nnload::io::hdf5
