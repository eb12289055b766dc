// validate_object_header (raw.hpp): the checks of an object header made before libhdf5 loads it.
#include <cstring>
#include <optional>
#include <set>

#include "core/fail.hpp"
#include "io/hdf5/datatype_check.hpp"
#include "io/hdf5/raw.hpp"
#include "io/hdf5/raw_file.hpp"

namespace nnload::io::hdf5 {

namespace {

constexpr std::uint16_t kDataspace = 0x0001;
constexpr std::uint16_t kDatatype = 0x0003;
constexpr std::uint16_t kLayout = 0x0008;
constexpr std::uint16_t kSymbolTable = 0x0011;
constexpr std::size_t kMaxTreeNodes = 1 << 16;  // B-tree and symbol-table nodes per group

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

// The bytes a compact layout message holds (versions 1 to 4), or nullopt for other layouts.
// Error(corrupt) when the data it declares runs past the message.
std::optional<std::uint64_t> compact_size(const RawFile& raw, const Message& m,
                                          std::string_view file) {
  ByteReader r(m.data, std::string(file), m.offset);
  const std::uint8_t version = r.u8();
  std::uint64_t size = 0;
  if (version == 1 || version == 2) {
    const std::uint8_t rank = r.u8();
    if (r.u8() != 0) return std::nullopt;
    r.skip(5 + 4 * std::size_t{rank});  // reserved, dimension sizes (no address when compact)
    size = r.u32();
  } else {
    if (r.u8() != 0) return std::nullopt;
    size = r.u16();
  }
  if (size > r.remaining())
    raw.damaged(m.offset, fmt::format("compact data of {} bytes in a layout message holding {}",
                                      size, r.remaining()));
  return size;
}

// A chunked layout message's chunk dimensions (versions 1 to 4; the last one is the element
// size): libhdf5 1.10.8 multiplies them into a 32-bit chunk size and, when it then refuses the
// layout, leaks the filter pipeline it had already copied (LeakSanitizer in our fuzz tests).
// HDF5 itself allows at most 32 dimensions plus the element size, none 0, under 4 GiB a chunk.
struct ChunkLayout {
  std::size_t rank = 0;            // chunk dimensions, the element size included; 0: not chunked
  std::uint64_t element_size = 0;  // the last "dimension"
};

// Returns the chunk dimensions' count and element size (rank 0 for other layouts).
ChunkLayout check_chunk_dimensions(const RawFile& raw, const Message& m, std::string_view file) {
  ByteReader r(m.data, std::string(file), m.offset);
  const std::uint8_t version = r.u8();
  std::size_t rank = 0, width = 4;
  if (version == 1 || version == 2) {
    rank = r.u8();
    if (r.u8() != 2) return {};  // not chunked
    r.skip(5);                   // reserved
    raw.address(r);
  } else if (version == 3) {
    if (r.u8() != 2) return {};
    rank = r.u8();
    raw.address(r);
  } else if (version == 4) {
    if (r.u8() != 2) return {};
    r.u8();  // flags
    rank = r.u8();
    width = r.u8();
    if (width == 0 || width > 8)
      raw.damaged(m.offset, fmt::format("chunk dimensions of {} bytes each", width));
  } else {
    return {};  // the version is libhdf5's to refuse
  }
  constexpr std::uint64_t kMaxChunkBytes = 0xFFFFFFFFu;
  if (rank < 2 || rank > 33)
    raw.damaged(m.offset, fmt::format("chunked layout with {} dimensions (2 to 33)", rank));
  std::uint64_t bytes = 1, dim = 0;
  for (std::size_t i = 0; i < rank; ++i) {
    dim = r.uint(width);
    if (dim == 0 || dim > kMaxChunkBytes / bytes) {
      raw.damaged(m.offset, fmt::format("chunk dimension {} of {} makes a chunk of 0 or over "
                                        "4 GiB, which HDF5 does not allow",
                                        i, dim));
    }
    bytes *= dim;
  }
  return {rank, dim};
}

}  // namespace

void validate_object_header(std::span<const std::byte> bytes, const Superblock& sb,
                            std::uint64_t header_address, std::string_view file) {
  const RawFile raw(bytes, sb, file);
  std::optional<std::uint64_t> elements, element_size, compact;
  std::optional<std::size_t> space_rank;
  ChunkLayout chunks;
  std::uint64_t layout_offset = 0;
  for (const Message& m : raw.messages(header_address)) {
    if (m.flags & 0x02) {  // shared messages live elsewhere
      check_shared_encoding(m.data, m.offset, file);
      continue;
    }
    if (m.type == kSymbolTable) check_symbol_table(raw, m, file);
    if (m.type == kDatatype) {
      ByteReader type(m.data, std::string(file), m.offset);
      check_datatype(type);
      ByteReader head(m.data, std::string(file), m.offset);
      head.skip(4);
      element_size = head.u32();
    }
    if (m.type == kDataspace) {
      elements =
          dataspace_elements(ByteReader(m.data, std::string(file), m.offset), sb.length_size);
      space_rank = dataspace_rank(ByteReader(m.data, std::string(file), m.offset));
    }
    if (m.type == kLayout) {
      compact = compact_size(raw, m, file);
      chunks = check_chunk_dimensions(raw, m, file);
      layout_offset = m.offset;
    }
  }
  // Chunks have the dataspace's dimensions plus the element size; libhdf5 1.10.8 does not compare
  // them when it opens a dataset, and reading a scalar dataset with 2-D chunks made it allocate
  // without end (fuzz_hdf5). libhdf5 never writes chunked scalar or null datasets.
  if (chunks.rank != 0 && space_rank && *space_rank + 1 != chunks.rank) {
    raw.damaged(layout_offset,
                fmt::format("chunks of {} dimensions for a dataspace of {} (they must match)",
                            chunks.rank - 1, *space_rank));
  }
  // libhdf5 1.10.8 sizes a chunk's buffer by the layout's element size and copies elements of
  // the datatype's: a layout of 1-byte elements for 4-byte floats read past each chunk
  // (fuzz_hdf5).
  if (chunks.rank != 0 && element_size && chunks.element_size != *element_size) {
    raw.damaged(layout_offset,
                fmt::format("chunks of {}-byte elements for a datatype of {} bytes (they must "
                            "match)",
                            chunks.element_size, *element_size));
  }
  // libhdf5 1.10.8 copies a compact dataset's elements from a buffer of the size the layout
  // states (a read from a null buffer in our fuzz tests when they differ).
  const auto expected = [&] {
    return *element_size != 0 && *elements > ~std::uint64_t{0} / *element_size
               ? ~std::uint64_t{0}
               : *elements * *element_size;
  };
  if (compact && elements && element_size && expected() != *compact) {
    raw.damaged(layout_offset,
                fmt::format("compact dataset of {} elements of {} bytes stores {} bytes", *elements,
                            *element_size, *compact));
  }
}

}  // namespace nnload::io::hdf5
