#include "formats/savedmodel/bundle_index.hpp"

#include <cstdint>
#include <cstring>

#include "core/fail.hpp"
#include "core/read_limits.hpp"
#include "formats/savedmodel/crc32c.hpp"
#include "io/byte_reader.hpp"

namespace nnload::formats::savedmodel {

namespace {

// LevelDB's table format (table/format.h): a 48-byte footer of two block handles (varints,
// padded to 40 bytes) and this magic number; each block followed by a 5-byte trailer, its
// compression type and the masked CRC-32C of the block and that type byte.
constexpr std::size_t kFooterSize = 48;
constexpr std::uint64_t kTableMagic = 0xdb4775248b80fb57ull;
constexpr std::size_t kTrailerSize = 5;
constexpr std::uint8_t kNoCompression = 0;
constexpr std::uint8_t kSnappyCompression = 1;

struct BlockHandle {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
};

class IndexReader {
 public:
  IndexReader(std::span<const std::byte> bytes, const std::string& name)
      : bytes_(bytes), name_(name), max_row_bytes_(max_declared_bytes(bytes.size())) {}

  IndexRows read() {
    if (bytes_.size() < kFooterSize)
      damaged(fmt::format("{} bytes, no table footer", bytes_.size()));
    io::ByteReader footer(bytes_.subspan(bytes_.size() - kFooterSize), name_,
                          bytes_.size() - kFooterSize);
    io::ByteReader handles = footer.sub(kFooterSize - 8);
    if (footer.u64() != kTableMagic) damaged("not a LevelDB table (bad magic number)");
    handle(handles);  // the metaindex block: only filters live there, and TensorFlow writes none
    const std::span<const std::byte> index = block(handle(handles), "index");

    // The index block's values are the data blocks' handles, in file order. Data blocks that
    // overlap (or one listed twice) are refused, so that checking and decoding them costs at most
    // the file's size.
    std::uint64_t data_end = 0;
    for_each_entry(index, "index", [&](const std::string&, std::span<const std::byte> value) {
      io::ByteReader value_reader(value, name_);
      const BlockHandle data = handle(value_reader);
      const std::span<const std::byte> contents = block(data, "data");
      if (data.offset < data_end) {
        damaged(fmt::format("data block at offset {} overlaps the one before it (ending at {})",
                            data.offset, data_end));
      }
      data_end = data.offset + data.size + kTrailerSize;
      for_each_entry(contents, "data", [&](const std::string& key, std::span<const std::byte> row) {
        add(key, row);
      });
    });
    return std::move(rows_);
  }

 private:
  [[noreturn]] void damaged(const std::string& what) const {
    fail(ErrorCode::corrupt, "{}: damaged tensor bundle index: {}", name_, what);
  }

  BlockHandle handle(io::ByteReader& reader) const {
    BlockHandle h;
    h.offset = reader.varint();
    h.size = reader.varint();
    return h;
  }

  // The contents of the block at `h`, after its bounds, compression type and checksum are
  // checked: nothing is allocated for what a handle declares.
  std::span<const std::byte> block(const BlockHandle& h, const char* what) const {
    if (h.offset > bytes_.size() || h.size > bytes_.size() - h.offset ||
        bytes_.size() - h.offset - h.size < kTrailerSize) {
      damaged(fmt::format("the {} block ({} bytes at offset {}) runs past the {}-byte file", what,
                          h.size, h.offset, bytes_.size()));
    }
    const auto at = static_cast<std::size_t>(h.offset);
    const auto size = static_cast<std::size_t>(h.size);
    const auto type = static_cast<std::uint8_t>(bytes_[at + size]);
    if (type == kSnappyCompression) {
      fail(ErrorCode::unsupported, "{}: compressed tensor bundle index blocks are not supported",
           name_);
    }
    if (type != kNoCompression) {
      damaged(fmt::format("the {} block at offset {} has unknown compression type {}", what,
                          h.offset, type));
    }
    std::uint32_t stored = 0;
    std::memcpy(&stored, bytes_.data() + at + size + 1, 4);
    if (crc32c_mask(crc32c(bytes_.subspan(at, size + 1))) != stored) {
      damaged(fmt::format("the {} block at offset {} fails its checksum", what, h.offset));
    }
    return bytes_.subspan(at, size);
  }

  // Calls visit(key, value) for each entry of a block in order. An entry's key is the first
  // `shared` bytes of the previous key followed by its own; the restart array at the block's end
  // only speeds up seeking, and is not followed.
  template <class Visit>
  void for_each_entry(std::span<const std::byte> block, const char* what, Visit&& visit) {
    if (block.size() < 4) damaged(fmt::format("{} block shorter than its restart count", what));
    std::uint32_t restarts = 0;
    std::memcpy(&restarts, block.data() + block.size() - 4, 4);
    if (restarts > (block.size() - 4) / 4)
      damaged(fmt::format("{} block restart count past the block", what));
    const std::size_t entries_size = block.size() - 4 - std::size_t{restarts} * 4;
    io::ByteReader entries(block.first(entries_size), name_,
                           static_cast<std::uint64_t>(block.data() - bytes_.data()));
    std::string key;
    while (!entries.at_end()) {
      const std::uint64_t shared = entries.varint();
      const std::uint64_t unshared = entries.varint();
      const std::uint64_t value_size = entries.varint();
      if (shared > key.size() || unshared > entries.remaining() ||
          value_size > entries.remaining() - unshared) {
        damaged(fmt::format("{} block entry at offset {} runs past its block or key", what,
                            entries.absolute_offset()));
      }
      key.resize(static_cast<std::size_t>(shared));
      key.append(entries.chars(static_cast<std::size_t>(unshared)));
      visit(key, entries.bytes(static_cast<std::size_t>(value_size)));
    }
  }

  void add(const std::string& key, std::span<const std::byte> value) {
    // Shared prefixes let a few bytes per entry stand for a long key: n entries of 4 bytes can
    // make n^2/2 bytes of keys.
    row_bytes_ += key.size() + value.size();
    if (row_bytes_ > max_row_bytes_) {
      damaged(
          fmt::format("its keys and values take more than {} bytes (ReadLimits::max_expansion "
                      "is {})",
                      max_row_bytes_, read_limits().max_expansion));
    }
    const auto [it, inserted] =
        rows_.emplace(key, std::string(reinterpret_cast<const char*>(value.data()), value.size()));
    if (!inserted) damaged(fmt::format("key '{}' is listed twice", key));
  }

  std::span<const std::byte> bytes_;
  const std::string& name_;
  std::uint64_t max_row_bytes_;
  std::uint64_t row_bytes_ = 0;
  IndexRows rows_;
};

}  // namespace

IndexRows read_index_rows(std::span<const std::byte> bytes, const std::string& name) {
  return IndexReader(bytes, name).read();
}

}  // namespace nnload::formats::savedmodel
