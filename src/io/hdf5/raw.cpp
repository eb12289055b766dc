#include "io/hdf5/raw.hpp"

#include <cstring>
#include <map>
#include <set>

#include "core/fail.hpp"
#include "io/byte_reader.hpp"
#include "io/hdf5/datatype_check.hpp"
#include "io/hdf5/raw_file.hpp"

namespace nnload::io::hdf5 {

namespace {

constexpr std::uint16_t kAttribute = 0x000C;
constexpr std::uint16_t kAttributeInfo = 0x0015;

// Object index -> bytes of one global heap collection, every object checked to lie inside it.
std::map<std::uint32_t, std::span<const std::byte>> read_collection(const RawFile& raw,
                                                                    std::uint64_t address,
                                                                    int length_size) {
  ByteReader head = raw.rest_from(address, "global heap collection");
  if (head.remaining() < 8 || std::memcmp(head.bytes(4).data(), "GCOL", 4) != 0) {
    raw.damaged(address, "no global heap collection (GCOL) where a string points");
  }
  if (head.u8() != 1) raw.damaged(address, "global heap collection version is not 1");
  head.skip(3);
  const std::uint64_t size = head.uint(static_cast<std::size_t>(length_size));
  const std::uint64_t header = 8 + static_cast<std::uint64_t>(length_size);
  if (size < header)
    raw.damaged(address, fmt::format("global heap collection size {} is too small", size));
  ByteReader r = raw.at(address, size, "global heap collection");
  r.skip(static_cast<std::size_t>(header));
  std::map<std::uint32_t, std::span<const std::byte>> objects;
  while (r.remaining() >= header) {
    const std::uint64_t at = r.absolute_offset();
    const std::uint16_t index = r.u16();
    r.skip(2 + 4);  // reference count, reserved
    const std::uint64_t object_size = r.uint(static_cast<std::size_t>(length_size));
    if (index == 0) break;  // free space runs to the end
    const std::uint64_t padded = (object_size + 7) / 8 * 8;
    if (object_size > r.remaining() || padded > r.remaining()) {
      raw.damaged(at, fmt::format("global heap object {} of {} bytes overruns its collection",
                                  index, object_size));
    }
    const std::span<const std::byte> data = r.bytes(static_cast<std::size_t>(padded));
    if (!objects.emplace(index, data.first(static_cast<std::size_t>(object_size))).second) {
      raw.damaged(at, fmt::format("global heap object index {} appears twice", index));
    }
  }
  return objects;
}

}  // namespace

// Element count of a dataspace message (versions 1 and 2); std::nullopt when it overflows.
std::optional<std::uint64_t> dataspace_elements(ByteReader r, int length_size) {
  const std::uint8_t version = r.u8();
  const std::uint8_t rank = r.u8();
  r.u8();  // flags
  std::uint8_t type = 1;
  if (version == 1) {
    r.skip(5);
    if (rank == 0) type = 0;
  } else if (version == 2) {
    type = r.u8();
  } else {
    return std::nullopt;
  }
  if (type == 2) return 0;  // null dataspace
  if (type == 0) return 1;  // scalar
  if (rank > 32) return std::nullopt;
  std::uint64_t n = 1;
  for (int d = 0; d < rank; ++d) {
    const std::uint64_t dim = r.uint(static_cast<std::size_t>(length_size));
    if (dim != 0 && n > ~std::uint64_t{0} / dim) return std::nullopt;
    n *= dim;
  }
  return n;
}

std::optional<std::size_t> dataspace_rank(ByteReader r) {
  const std::uint8_t version = r.u8();
  const std::uint8_t rank = r.u8();
  if (version == 1) return rank;  // rank 0 is a scalar dataspace
  if (version != 2) return std::nullopt;
  r.u8();  // flags
  const std::uint8_t type = r.u8();
  return type == 1 ? std::optional<std::size_t>(rank) : std::optional<std::size_t>(0);
}

void check_shared_encoding(std::span<const std::byte> data, std::uint64_t offset,
                           std::string_view file) {
  ByteReader r(data, std::string(file), offset);
  const std::uint8_t version = r.u8();
  const std::uint8_t type = r.u8();
  if (version < 1 || version > 3) {
    fail(ErrorCode::corrupt, "{}: shared message at offset {} has encoding version {}", file,
         offset, version);
  }
  // libhdf5 reads the type byte from version 2 on (asserting, in debug builds only, that the
  // heap needs version 3).
  if (version >= 2 && type == 1) {
    fail(ErrorCode::unsupported,
         "{}: the message at offset {} is kept in the file's shared-message heap (HDF5's "
         "H5Pset_shared_mesg_nindexes), which nnload does not read; h5py and Keras do not write "
         "it",
         file, offset);
  }
}

void validate_attribute_messages(std::span<const std::byte> bytes, const Superblock& sb,
                                 std::uint64_t header_address, std::string_view file) {
  const RawFile raw(bytes, sb, file);
  for (const Message& m : raw.messages(header_address)) {
    if (m.type != kAttribute) continue;
    if (m.flags & 0x02) {
      // HDF5 shares attributes only through a shared-message heap (refused here by name). Any
      // other shared form points at another object header for the attribute, which libhdf5
      // 1.10.8 then fails to decode and, freeing the half-made attribute, dereferences a null
      // pointer (fuzz_hdf5).
      check_shared_encoding(m.data, m.offset, file);
      raw.damaged(m.offset, "attribute message flagged as shared outside a shared-message heap");
    }
    try {
      ByteReader r(m.data, std::string(file), m.offset);
      const std::uint8_t version = r.u8();
      if (version < 1 || version > 3)
        raw.damaged(m.offset, fmt::format("attribute message version {}", version));
      const std::uint8_t flags = r.u8();
      const std::uint16_t name_size = r.u16();
      const std::uint16_t type_size = r.u16();
      const std::uint16_t space_size = r.u16();
      if (version == 3) r.skip(1);
      const auto padded = [&](std::uint16_t n) -> std::size_t {
        return version == 1 ? (n + 7u) / 8u * 8u : n;
      };
      if (name_size == 0) raw.damaged(m.offset, "attribute without a name");
      const std::string_view stored = r.chars(padded(name_size));
      const std::string_view name = stored.substr(0, name_size - 1u);
      // libhdf5 1.10.8 strdup()s the name up to its first NUL, wherever that is, and then trusts
      // name_size (a wild pointer freed in H5A__close in our fuzz tests); later releases refuse
      // such a name too.
      if (name.find('\0') != std::string_view::npos || stored[name_size - 1u] != '\0')
        raw.damaged(m.offset, "attribute name without its NUL at the stated length");
      ByteReader type(r.bytes(padded(type_size)), std::string(file), m.offset);
      ByteReader space(r.bytes(padded(space_size)), std::string(file), m.offset);
      if (!(flags & 0x01)) {
        ByteReader checked = type;
        check_datatype(checked);
      }
      if (flags & 0x01) check_shared_encoding(type.rest(), m.offset, file);
      if (flags & 0x02) check_shared_encoding(space.rest(), m.offset, file);
      if (flags & 0x03) continue;  // shared datatype or dataspace: sizes are elsewhere
      type.skip(4);
      const std::uint32_t element = type.u32();
      const std::optional<std::uint64_t> count = dataspace_elements(space, sb.length_size);
      if (!count || (element != 0 && *count > r.remaining() / element)) {
        raw.damaged(m.offset,
                    fmt::format("attribute '{}' declares more data than its message holds", name));
      }
    } catch (const Error& e) {
      if (e.code() != ErrorCode::corrupt) throw;
      fail(ErrorCode::corrupt, "{}: damaged attribute message at offset {}: {}", file, m.offset,
           e.what());
    }
  }
}

std::optional<std::vector<std::string>> read_vlen_string_attribute(
    std::span<const std::byte> bytes, const Superblock& sb, std::uint64_t header_address,
    std::string_view name, std::uint64_t count, std::string_view file) {
  const RawFile raw(bytes, sb, file);
  const std::vector<Message> messages = raw.messages(header_address);
  for (const Message& m : messages) {
    if (m.type == kAttributeInfo) {
      // Dense attribute storage (fractal heap + B-tree): checked only if the attribute is not
      // found among the header's own messages.
      continue;
    }
    if (m.type != kAttribute) continue;
    if (m.flags & 0x02) return std::nullopt;  // a shared message
    ByteReader r(m.data, std::string(file), m.offset);
    const std::uint8_t version = r.u8();
    if (version < 1 || version > 3)
      raw.damaged(m.offset, fmt::format("attribute message version {}", version));
    const std::uint8_t flags = r.u8();
    const std::uint16_t name_size = r.u16();
    const std::uint16_t type_size = r.u16();
    const std::uint16_t space_size = r.u16();
    if (version == 3) r.skip(1);  // name encoding
    const auto padded = [&](std::uint16_t n) -> std::size_t {
      return version == 1 ? (n + 7u) / 8u * 8u : n;
    };
    const std::string_view stored = r.chars(padded(name_size));
    const std::string_view attr_name =
        stored.substr(0, std::min<std::size_t>(stored.find('\0'), name_size));
    if (attr_name != name) continue;
    if (flags & 0x03) return std::nullopt;  // shared datatype or dataspace
    ByteReader type(r.bytes(padded(type_size)), std::string(file), m.offset);
    r.skip(padded(space_size));
    const std::uint8_t class_and_version = type.u8();
    const std::uint8_t bits0 = type.u8();
    if ((class_and_version & 0x0f) != 9 || (bits0 & 0x0f) != 1) {
      raw.damaged(m.offset, fmt::format("attribute '{}' is not a variable-length string", name));
    }
    const std::uint64_t element = 4 + static_cast<std::uint64_t>(sb.offset_size) + 4;
    if (count > r.remaining() / element) {
      raw.damaged(m.offset, fmt::format("attribute '{}' holds {} strings in {} bytes", name, count,
                                        r.remaining()));
    }
    std::map<std::uint64_t, std::map<std::uint32_t, std::span<const std::byte>>> heaps;
    std::vector<std::string> out;
    out.reserve(static_cast<std::size_t>(count));
    for (std::uint64_t i = 0; i < count; ++i) {
      const std::uint32_t len = r.u32();
      const std::uint64_t heap = raw.address(r);
      const std::uint32_t index = r.u32();
      if (len == 0) {
        out.emplace_back();
        continue;
      }
      if (heap == raw.undefined() || heap == 0) {
        raw.damaged(m.offset,
                    fmt::format("string {} of attribute '{}' has no heap address", i, name));
      }
      auto it = heaps.find(heap);
      if (it == heaps.end())
        it = heaps.emplace(heap, read_collection(raw, heap, sb.length_size)).first;
      const auto object = it->second.find(index);
      if (object == it->second.end() || object->second.size() < len) {
        raw.damaged(
            heap, fmt::format("string {} of attribute '{}' names a missing or short heap object {}",
                              i, name, index));
      }
      out.emplace_back(reinterpret_cast<const char*>(object->second.data()), len);
    }
    return out;
  }
  return std::nullopt;
}

}  // namespace nnload::io::hdf5
