#include "formats/savedmodel/tensor_bundle.hpp"

#include <google/protobuf/stubs/logging.h>
#include <leveldb/env.h>
#include <leveldb/iterator.h>
#include <leveldb/options.h>
#include <leveldb/table.h>

#include <cstring>
#include <set>

#include "core/byte_ranges.hpp"
#include "core/fail.hpp"
#include "formats/savedmodel/crc32c.hpp"
#include "formats/savedmodel/tf_types.hpp"

namespace nnload::formats::savedmodel {

namespace {

// LevelDB reads the index through this view of our mapping: no copies, bounds checked.
class MappedTableFile final : public leveldb::RandomAccessFile {
 public:
  explicit MappedTableFile(std::span<const std::byte> bytes) : bytes_(bytes) {}
  leveldb::Status Read(std::uint64_t offset, std::size_t n, leveldb::Slice* result,
                       char* /*scratch*/) const override {
    if (offset > bytes_.size() || n > bytes_.size() - offset) {
      return leveldb::Status::Corruption("read past the end of the index");
    }
    *result = leveldb::Slice(reinterpret_cast<const char*>(bytes_.data()) + offset, n);
    return leveldb::Status::OK();
  }

 private:
  std::span<const std::byte> bytes_;
};

// The index's entries, header included (under the empty key).
std::map<std::string, std::string, std::less<>> read_table(const io::MappedFile& file) {
  MappedTableFile source(file.bytes());
  leveldb::Options options;
  options.paranoid_checks = true;
  leveldb::Table* raw = nullptr;
  leveldb::Status status = leveldb::Table::Open(options, &source, file.size(), &raw);
  if (!status.ok()) {
    fail(ErrorCode::corrupt, "{}: not a readable tensor bundle index ({})", file.name(),
         status.ToString());
  }
  std::unique_ptr<leveldb::Table> table(raw);
  leveldb::ReadOptions read;
  read.verify_checksums = true;
  read.fill_cache = false;
  std::unique_ptr<leveldb::Iterator> it(table->NewIterator(read));
  std::map<std::string, std::string, std::less<>> rows;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    rows.emplace(it->key().ToString(), it->value().ToString());
  }
  if (!it->status().ok()) {
    fail(ErrorCode::corrupt, "{}: damaged tensor bundle index ({})", file.name(),
         it->status().ToString());
  }
  return rows;
}

// Reads a base-128 varint; false when it runs past `end` or beyond 64 bits.
bool read_varint(const std::byte*& p, const std::byte* end, std::uint64_t& value) {
  value = 0;
  for (int shift = 0; shift < 64 && p < end; shift += 7) {
    const auto b = static_cast<std::uint8_t>(*p++);
    value |= static_cast<std::uint64_t>(b & 0x7fu) << shift;
    if ((b & 0x80u) == 0) return true;
  }
  return false;
}

struct BlockHandle {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
};

// LevelDB allocates every block it reads at the size the table declares (new char[2^56] for a
// damaged footer in our fuzz tests) and would inflate snappy blocks to a declared length. So
// before LevelDB opens the index, its footer's handles and the index block's data-block handles
// are checked to lie inside the file, and compressed blocks (TensorFlow writes none) refused.
void check_table_layout(const io::MappedFile& file) {
  constexpr std::size_t kFooterSize = 48;    // two handles padded to 40 bytes, 8-byte magic
  constexpr std::uint64_t kTrailerSize = 5;  // compression type, masked CRC-32C
  const std::span<const std::byte> bytes = file.bytes();
  const auto damaged = [&](const std::string& what) {
    fail(ErrorCode::corrupt, "{}: damaged tensor bundle index: {}", file.name(), what);
  };
  if (bytes.size() < kFooterSize) damaged(fmt::format("{} bytes, no table footer", bytes.size()));
  const auto handle = [&](const std::byte*& p, const std::byte* end, const char* what) {
    BlockHandle h;
    if (!read_varint(p, end, h.offset) || !read_varint(p, end, h.size))
      damaged(fmt::format("unreadable {} handle", what));
    if (h.offset > bytes.size() || h.size > bytes.size() - h.offset ||
        bytes.size() - h.offset - h.size < kTrailerSize) {
      damaged(fmt::format("the {} block ({} bytes at offset {}) runs past the {}-byte file", what,
                          h.size, h.offset, bytes.size()));
    }
    if (bytes[static_cast<std::size_t>(h.offset + h.size)] != std::byte{0}) {
      fail(ErrorCode::unsupported, "{}: compressed tensor bundle index blocks are not supported",
           file.name());
    }
    return h;
  };
  const std::byte* footer = bytes.data() + bytes.size() - kFooterSize;
  handle(footer, bytes.data() + bytes.size() - 8, "metaindex");
  const BlockHandle index = handle(footer, bytes.data() + bytes.size() - 8, "index");
  // The index block: entries (shared and unshared key lengths, value length, key suffix, value =
  // a data block's handle), then the restart offsets and their count.
  if (index.size < 4) damaged("index block shorter than its restart count");
  const std::byte* p = bytes.data() + index.offset;
  const std::byte* block_end = p + index.size;
  std::uint32_t restarts = 0;
  std::memcpy(&restarts, block_end - 4, 4);
  if (restarts > (index.size - 4) / 4) damaged("index block restart count past the block");
  const std::byte* entries_end = block_end - 4 - std::size_t{restarts} * 4;
  while (p < entries_end) {
    std::uint64_t shared = 0, unshared = 0, value_size = 0;
    if (!read_varint(p, entries_end, shared) || !read_varint(p, entries_end, unshared) ||
        !read_varint(p, entries_end, value_size) ||
        unshared > static_cast<std::uint64_t>(entries_end - p) ||
        value_size > static_cast<std::uint64_t>(entries_end - p) - unshared) {
      damaged("index block entry runs past the block");
    }
    p += unshared;
    const std::byte* value = p;
    p += value_size;
    handle(value, p, "data");
  }
}

constexpr int kMaxShards = 1 << 16;

}  // namespace

TensorBundle TensorBundle::open(const std::filesystem::path& prefix) {
  TensorBundle bundle;
  bundle.prefix_ = prefix;
  std::filesystem::path index_path = prefix;
  index_path += ".index";
  const std::shared_ptr<const io::MappedFile> index = io::MappedFile::open(index_path);
  check_table_layout(*index);
  auto rows = read_table(*index);
  const google::protobuf::LogSilencer quiet;  // parse failures become our Error

  auto header_row = rows.find(std::string_view{});
  if (header_row == rows.end())
    fail(ErrorCode::corrupt, "{}: no bundle header (the entry under the empty key)", index->name());
  tf::BundleHeaderProto header;
  if (!header.ParseFromString(header_row->second))
    fail(ErrorCode::corrupt, "{}: the bundle header does not parse", index->name());
  if (header.endianness() == tf::BundleHeaderProto::BIG) {
    fail(ErrorCode::unsupported, "{}: big-endian tensor bundles are not supported", index->name());
  }
  if (header.num_shards() < 1 || header.num_shards() > kMaxShards) {
    fail(ErrorCode::corrupt, "{}: the header declares {} shards", index->name(),
         header.num_shards());
  }
  bundle.num_shards_ = header.num_shards();
  rows.erase(header_row);

  std::set<int> used;
  for (auto& [key, bytes] : rows) {
    tf::BundleEntryProto entry;
    if (!entry.ParseFromString(bytes))
      fail(ErrorCode::corrupt, "{}: the entry of '{}' does not parse", index->name(), key);
    if (entry.slices_size() == 0) {
      if (entry.shard_id() < 0 || entry.shard_id() >= bundle.num_shards_) {
        fail(ErrorCode::corrupt, "{}: variable '{}' is in shard {}, the bundle has {}",
             index->name(), key, entry.shard_id(), bundle.num_shards_);
      }
      if (entry.offset() < 0 || entry.size() < 0) {
        fail(ErrorCode::corrupt, "{}: variable '{}' has offset {} and size {}", index->name(), key,
             entry.offset(), entry.size());
      }
      used.insert(entry.shard_id());
    }
    bundle.entries_.emplace(key, std::move(entry));
  }
  for (int shard : used) {
    std::shared_ptr<const io::MappedFile> file;
    try {
      file = io::MappedFile::open(bundle.shard_name(shard));
    } catch (const Error& e) {
      if (e.code() != ErrorCode::not_found) throw;
      fail(ErrorCode::not_found,
           "{}: the variables shard is missing (the index lists variables in it)",
           bundle.shard_name(shard));
    }
    bundle.shards_.emplace(shard, std::move(file));
  }
  // Bounds are checked up front so that a truncated shard is reported when the model loads.
  for (const auto& [key, entry] : bundle.entries_) {
    if (entry.slices_size() == 0) bundle.entry_bytes(key, entry);
  }
  bundle.check_no_overlap();
  return bundle;
}

// TensorFlow writes each variable's bytes after the previous one's. Entries sharing bytes would
// be checksummed (and, misaligned, copied) once each: a small index naming one large range
// thousands of times. Empty variables take no bytes.
void TensorBundle::check_no_overlap() const {
  std::map<int, std::vector<TaggedRange<const std::string*>>> by_shard;
  for (const auto& [key, entry] : entries_) {
    if (entry.slices_size() == 0) {
      by_shard[entry.shard_id()].push_back({static_cast<std::uint64_t>(entry.offset()),
                                            static_cast<std::uint64_t>(entry.size()), &key});
    }
  }
  for (auto& [shard, ranges] : by_shard) {
    if (const auto pair = first_overlap(std::move(ranges))) {
      fail(ErrorCode::corrupt, "{}: variables '{}' and '{}' overlap (damaged index)",
           shard_name(shard), *pair->first, *pair->second);
    }
  }
}

std::string TensorBundle::shard_name(int shard) const {
  std::filesystem::path p = prefix_;
  p += fmt::format(".data-{:05d}-of-{:05d}", shard, num_shards_);
  return p.string();
}

std::vector<std::string> TensorBundle::keys() const {
  std::vector<std::string> out;
  out.reserve(entries_.size());
  for (const auto& [key, entry] : entries_) out.push_back(key);
  return out;
}

const tf::BundleEntryProto* TensorBundle::find(std::string_view key) const {
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : &it->second;
}

const tf::BundleEntryProto& TensorBundle::entry(const std::string& key) const {
  const tf::BundleEntryProto* e = find(key);
  if (!e) {
    fail(ErrorCode::not_found, "{}.index: no variable '{}' ({} variables)", prefix_.string(), key,
         entries_.size());
  }
  if (e->slices_size() > 0) {
    fail(ErrorCode::unsupported,
         "{}.index: variable '{}' is saved in {} slices (a partitioned variable): not supported",
         prefix_.string(), key, e->slices_size());
  }
  return *e;
}

std::span<const std::byte> TensorBundle::entry_bytes(const std::string& key,
                                                     const tf::BundleEntryProto& e) const {
  const io::MappedFile& shard = *shards_.at(e.shard_id());
  const auto offset = static_cast<std::uint64_t>(e.offset());
  const auto size = static_cast<std::uint64_t>(e.size());
  if (offset > shard.size() || size > shard.size() - offset) {
    fail(ErrorCode::corrupt,
         "{}: variable '{}' needs {} bytes at offset {}, the shard holds {} bytes (truncated or "
         "damaged)",
         shard.name(), key, size, offset, shard.size());
  }
  return shard.bytes().subspan(static_cast<std::size_t>(offset), static_cast<std::size_t>(size));
}

Tensor TensorBundle::tensor(const std::string& key) const {
  const tf::BundleEntryProto& e = entry(key);
  const std::optional<DType> dtype = dtype_from_tf(e.dtype());
  if (!dtype) {
    fail(ErrorCode::unsupported,
         "{}.index: variable '{}' is a {} tensor, which nnload does not hold", prefix_.string(),
         key, tf_dtype_name(e.dtype()));
  }
  const std::optional<Shape> shape = shape_from_tf(e.shape());
  const std::string shard = shard_name(e.shard_id());
  if (!shape) fail(ErrorCode::corrupt, "{}: variable '{}' has no shape", shard, key);
  const std::uint64_t nbytes = io::checked_nbytes(*dtype, *shape, shard);
  if (nbytes != static_cast<std::uint64_t>(e.size())) {
    fail(ErrorCode::corrupt, "{}: variable '{}' of shape {} ({}) needs {} bytes, the index says {}",
         shard, key, shape_to_list(*shape), dtype_name(*dtype), nbytes, e.size());
  }
  const std::span<const std::byte> bytes = entry_bytes(key, e);
  if (crc32c_mask(crc32c(bytes)) != e.crc32c()) {
    fail(ErrorCode::corrupt, "{}: variable '{}' fails its checksum (the data is damaged)", shard,
         key);
  }
  return shards_.at(e.shard_id())
      ->view(static_cast<std::uint64_t>(e.offset()), *dtype, *shape,
             fmt::format("variable '{}'", key));
}

// On disk: one varint64 length per element, the masked CRC-32C of the lengths (as 32-bit
// little-endian numbers, not as the varints), then the elements' bytes. The entry's checksum
// covers the same 32-bit lengths, the stored length checksum and the bytes.
std::vector<std::string> TensorBundle::strings(const std::string& key) const {
  const tf::BundleEntryProto& e = entry(key);
  const std::string shard = shard_name(e.shard_id());
  if (e.dtype() != tf::DT_STRING)
    fail(ErrorCode::invalid_argument, "{}: variable '{}' is not a string tensor", shard, key);
  const std::optional<Shape> shape = shape_from_tf(e.shape());
  if (!shape) fail(ErrorCode::corrupt, "{}: variable '{}' has no shape", shard, key);
  const std::uint64_t count = io::checked_nbytes(DType::u8, *shape, shard);
  const std::span<const std::byte> bytes = entry_bytes(key, e);
  if (count > bytes.size()) {
    fail(ErrorCode::corrupt, "{}: string variable '{}' has {} elements in {} bytes", shard, key,
         count, bytes.size());
  }
  const std::byte* p = bytes.data();
  const std::byte* end = p + bytes.size();
  std::vector<std::uint64_t> lengths(static_cast<std::size_t>(count));
  std::uint32_t crc = 0;
  for (std::uint64_t& length : lengths) {
    if (!read_varint(p, end, length))
      fail(ErrorCode::corrupt, "{}: string variable '{}': damaged lengths", shard, key);
    const auto length32 = static_cast<std::uint32_t>(length);
    std::byte le[4];
    std::memcpy(le, &length32, 4);
    crc = crc32c_extend(crc, le);
  }
  std::uint32_t stored = 0;
  if (end - p < 4) fail(ErrorCode::corrupt, "{}: string variable '{}' is truncated", shard, key);
  std::memcpy(&stored, p, 4);
  if (crc32c_mask(crc) != stored) {
    fail(ErrorCode::corrupt, "{}: string variable '{}' fails its length checksum", shard, key);
  }
  crc = crc32c_extend(crc, std::span<const std::byte>(p, 4));
  p += 4;
  const std::byte* data_begin = p;
  std::vector<std::string> out;
  out.reserve(lengths.size());
  for (std::uint64_t length : lengths) {
    if (length > static_cast<std::uint64_t>(end - p))
      fail(ErrorCode::corrupt, "{}: string variable '{}' is truncated", shard, key);
    out.emplace_back(reinterpret_cast<const char*>(p), static_cast<std::size_t>(length));
    p += length;
  }
  if (p != end) {
    fail(ErrorCode::corrupt, "{}: string variable '{}' has {} bytes after its elements", shard, key,
         end - p);
  }
  crc = crc32c_extend(crc, std::span<const std::byte>(data_begin, p));
  if (crc32c_mask(crc) != e.crc32c()) {
    fail(ErrorCode::corrupt, "{}: variable '{}' fails its checksum (the data is damaged)", shard,
         key);
  }
  return out;
}

}  // namespace nnload::formats::savedmodel
