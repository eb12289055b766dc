#include "io/hdf5/raw.hpp"

#include <cstring>
#include <map>
#include <set>

#include "core/fail.hpp"
#include "io/byte_reader.hpp"
#include "io/hdf5/datatype_check.hpp"

namespace nnload::io::hdf5 {

namespace {

constexpr std::uint16_t kContinuation = 0x0010;
constexpr std::uint16_t kAttribute = 0x000C;
constexpr std::uint16_t kAttributeInfo = 0x0015;
constexpr std::uint16_t kSymbolTable = 0x0011;
constexpr std::uint16_t kDatatype = 0x0003;
constexpr std::size_t kMaxTreeNodes = 1 << 16;  // B-tree and symbol-table nodes per group
constexpr std::size_t kMaxBlocks = 4096;        // continuation blocks followed per header

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

}  // namespace

namespace {

// An old-style group's link names: its local heap's data segment, and the check libhdf5 does not
// make (1.10.8 strdup()s a name at any offset below the segment's size, reading past the segment
// when no NUL follows: a heap overflow in our fuzz tests).
class LinkNames {
 public:
  LinkNames(const RawFile& raw, std::uint64_t heap) : raw_(raw) {
    ByteReader r = raw.at(heap, 8, "local heap");
    if (r.chars(4) != "HEAP") raw.damaged(heap, "local heap without its HEAP signature");
    ByteReader sizes = raw.rest_from(heap + 8, "local heap");
    const std::uint64_t size = raw.length(sizes);
    const std::uint64_t free_list = raw.length(sizes);
    const std::uint64_t data = raw.address(sizes);
    names_ = raw.at(data, size, "local heap data").rest();
    address_ = heap;
    check_free_list(free_list);
  }
  void check(std::uint64_t offset, std::uint64_t where) const {
    if (offset >= names_.size() ||
        std::memchr(names_.data() + offset, 0, names_.size() - offset) == nullptr) {
      raw_.damaged(where, fmt::format("link name at offset {} of the local heap at {} is not a "
                                      "NUL-terminated string inside its {}-byte data segment",
                                      offset, address_, names_.size()));
    }
  }

 private:
  // libhdf5 1.10.8 follows the free list without looking for a cycle, allocating a node per
  // step until memory runs out (in our fuzz tests). Each block holds the next block's offset and
  // its own size; 1 ends the list.
  void check_free_list(std::uint64_t offset) const {
    const auto length_size = static_cast<std::size_t>(raw_.superblock().length_size);
    std::set<std::uint64_t> seen;
    while (offset != 1) {
      if (offset > names_.size() || names_.size() - offset < 2 * length_size ||
          !seen.insert(offset).second) {
        raw_.damaged(address_, fmt::format("local heap free list reaches offset {} of its "
                                           "{}-byte data segment again or past its end",
                                           offset, names_.size()));
      }
      ByteReader block(names_.subspan(static_cast<std::size_t>(offset)), "local heap", offset);
      const std::uint64_t next = block.uint(length_size);
      if (block.uint(length_size) > names_.size() - offset)
        raw_.damaged(address_, "local heap free block runs past its data segment");
      offset = next;
    }
  }

  const RawFile& raw_;
  std::span<const std::byte> names_;
  std::uint64_t address_ = 0;
};

// Walks the group B-tree (v1, type 0) of a symbol table message down to its symbol-table nodes,
// checking that every key and link name is a string of the group's local heap.
void check_symbol_table(const RawFile& raw, const Message& m, std::string_view file) {
  ByteReader r(m.data, std::string(file), m.offset);
  const std::uint64_t root = raw.address(r);
  const LinkNames names(raw, raw.address(r));
  std::vector<std::uint64_t> pending{root};
  std::set<std::uint64_t> seen;
  while (!pending.empty()) {
    const std::uint64_t node = pending.back();
    pending.pop_back();
    if (!seen.insert(node).second) raw.damaged(node, "group B-tree node reached twice");
    if (seen.size() > kMaxTreeNodes) raw.damaged(node, "group B-tree with too many nodes");
    ByteReader n = raw.rest_from(node, "group B-tree node");
    const std::string_view signature = n.chars(4);
    if (signature == "SNOD") {
      n.skip(2);  // version, reserved
      const std::uint16_t count = n.u16();
      // libhdf5 decodes the entries into an array of 2K without comparing.
      if (count > 2 * raw.superblock().group_leaf_k)
        raw.damaged(node, fmt::format("symbol-table node with {} entries (at most {})", count,
                                      2 * raw.superblock().group_leaf_k));
      for (std::uint16_t i = 0; i < count; ++i) {
        names.check(raw.address(n), n.absolute_offset());
        n.skip(static_cast<std::size_t>(raw.address_size()) + 24);  // header, cache, scratch
      }
      continue;
    }
    if (signature != "TREE" || n.u8() != 0) raw.damaged(node, "not a group B-tree node");
    n.u8();  // level: children of level 0 are SNOD nodes, which the signature tells apart
    const std::uint16_t entries = n.u16();
    if (entries > 2 * raw.superblock().group_internal_k)
      raw.damaged(node, fmt::format("group B-tree node with {} entries (at most {})", entries,
                                    2 * raw.superblock().group_internal_k));
    raw.address(n);  // siblings
    raw.address(n);
    for (std::uint16_t i = 0; i < entries; ++i) {
      names.check(raw.length(n), n.absolute_offset());
      pending.push_back(raw.address(n));
    }
    names.check(raw.length(n), n.absolute_offset());
  }
}

}  // namespace

void validate_object_header(std::span<const std::byte> bytes, const Superblock& sb,
                            std::uint64_t header_address, std::string_view file) {
  const RawFile raw(bytes, sb, file);
  for (const Message& m : raw.messages(header_address)) {
    if (m.flags & 0x02) continue;  // shared messages live elsewhere
    if (m.type == kSymbolTable) check_symbol_table(raw, m, file);
    if (m.type == kDatatype) {
      ByteReader type(m.data, std::string(file), m.offset);
      check_datatype(type);
    }
  }
}

void validate_attribute_messages(std::span<const std::byte> bytes, const Superblock& sb,
                                 std::uint64_t header_address, std::string_view file) {
  const RawFile raw(bytes, sb, file);
  for (const Message& m : raw.messages(header_address)) {
    if (m.type != kAttribute || (m.flags & 0x02)) continue;  // shared messages live elsewhere
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
      const std::string_view name = r.chars(padded(name_size)).substr(0, name_size - 1u);
      ByteReader type(r.bytes(padded(type_size)), std::string(file), m.offset);
      ByteReader space(r.bytes(padded(space_size)), std::string(file), m.offset);
      if (!(flags & 0x01)) {
        ByteReader checked = type;
        check_datatype(checked);
      }
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
