#include "formats/savedmodel/tensor_bundle.hpp"

#include <google/protobuf/stubs/logging.h>

#include <cstring>
#include <set>

#include "core/byte_ranges.hpp"
#include "core/fail.hpp"
#include "formats/savedmodel/bundle_index.hpp"
#include "formats/savedmodel/crc32c.hpp"
#include "formats/savedmodel/tf_types.hpp"
#include "io/byte_reader.hpp"

namespace nnload::formats::savedmodel {

namespace {

constexpr int kMaxShards = 1 << 16;

}  // namespace

TensorBundle TensorBundle::open(const std::filesystem::path& prefix) {
  TensorBundle bundle;
  bundle.prefix_ = prefix;
  std::filesystem::path index_path = prefix;
  index_path += ".index";
  const std::shared_ptr<const io::MappedFile> index = io::MappedFile::open(index_path);
  IndexRows rows = read_index_rows(index->bytes(), index->name());
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
  io::ByteReader lengths_reader(bytes, fmt::format("{}: string variable '{}'", shard, key));
  std::vector<std::uint64_t> lengths(static_cast<std::size_t>(count));
  std::uint32_t crc = 0;
  for (std::uint64_t& length : lengths) {
    length = lengths_reader.varint();
    const auto length32 = static_cast<std::uint32_t>(length);
    std::byte le[4];
    std::memcpy(le, &length32, 4);
    crc = crc32c_extend(crc, le);
  }
  const std::byte* p = bytes.data() + lengths_reader.offset();
  const std::byte* end = bytes.data() + bytes.size();
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
