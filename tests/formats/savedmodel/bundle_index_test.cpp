// Our reader of the bundle index's LevelDB-format table: the same rows as libleveldb reads from
// every fixture and from tables libleveldb's builder writes, and Error, never an allocation the
// file declares, on tables assembled byte by byte with the damage a builder would never write.
#include "formats/savedmodel/bundle_index.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/read_limits.hpp"
#include "formats/savedmodel/crc32c.hpp"
#include "formats/savedmodel/savedmodel_test_util.hpp"
#include "support/error_capture.hpp"
#include "support/fixtures.hpp"

namespace nnload::formats::savedmodel {
namespace {

namespace fs = std::filesystem;
using testing::code_of;
using testing::message_of;

using Bytes = std::vector<std::byte>;

void put_varint(Bytes& out, std::uint64_t v) {
  for (; v >= 0x80; v >>= 7) out.push_back(std::byte(static_cast<std::uint8_t>(v | 0x80)));
  out.push_back(std::byte(static_cast<std::uint8_t>(v)));
}

void put_u32(Bytes& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(std::byte(static_cast<std::uint8_t>(v >> (8 * i))));
}

void put_text(Bytes& out, const std::string& s) {
  for (char c : s) out.push_back(std::byte(static_cast<std::uint8_t>(c)));
}

// One block entry: `shared` bytes of the previous key, then `key`, then `value`.
Bytes entry(std::uint64_t shared, const std::string& key, const Bytes& value) {
  Bytes out;
  put_varint(out, shared);
  put_varint(out, key.size());
  put_varint(out, value.size());
  put_text(out, key);
  out.insert(out.end(), value.begin(), value.end());
  return out;
}

struct Handle {
  std::uint64_t offset = 0;
  std::uint64_t size = 0;
  Bytes encoded() const {
    Bytes out;
    put_varint(out, offset);
    put_varint(out, size);
    return out;
  }
};

// A LevelDB-format table assembled byte by byte.
struct RawTable {
  Bytes bytes;

  // Appends a block of `entries` and `restarts` with its trailer (compression `type`, masked
  // CRC-32C); returns its handle.
  Handle add_block(const Bytes& entries, const std::vector<std::uint32_t>& restarts = {0},
                   std::uint8_t type = 0) {
    Handle h{bytes.size(), 0};
    Bytes block = entries;
    for (std::uint32_t r : restarts) put_u32(block, r);
    put_u32(block, static_cast<std::uint32_t>(restarts.size()));
    h.size = block.size();
    block.push_back(std::byte{type});
    const std::uint32_t crc = crc32c_mask(crc32c(block));
    put_u32(block, crc);
    bytes.insert(bytes.end(), block.begin(), block.end());
    return h;
  }

  // An index block listing `data` blocks, an empty metaindex and the footer.
  const Bytes& finish(const std::vector<Handle>& data) {
    Bytes index_entries;
    for (std::size_t i = 0; i < data.size(); ++i) {
      const Bytes e = entry(0, "k" + std::to_string(i), data[i].encoded());
      index_entries.insert(index_entries.end(), e.begin(), e.end());
    }
    const Handle meta = add_block({});
    const Handle index = add_block(index_entries);
    return finish_with(meta, index);
  }

  const Bytes& finish_with(const Handle& meta, const Handle& index) {
    Bytes footer = meta.encoded();
    const Bytes i = index.encoded();
    footer.insert(footer.end(), i.begin(), i.end());
    footer.resize(40);
    put_u32(footer, 0x8b80fb57u);  // LevelDB's magic number, little-endian
    put_u32(footer, 0xdb477524u);
    bytes.insert(bytes.end(), footer.begin(), footer.end());
    return bytes;
  }
};

Bytes header_value() { return Bytes{std::byte{0x08}, std::byte{0x01}}; }  // num_shards: 1

std::map<std::string, std::string> as_map(const IndexRows& rows) {
  return {rows.begin(), rows.end()};
}

void expect_same_rows_as_leveldb(const fs::path& index) {
  const Bytes bytes = testing::read_bytes(index);
  EXPECT_EQ(as_map(read_index_rows(bytes, index.string())), testing::read_table(index)) << index;
}

TEST(BundleIndex, ReadsEveryProjectFixtureAsLevelDbDoes) {
  int indexes = 0;
  for (const auto& e : fs::recursive_directory_iterator(testing::project_fixture("savedmodel"))) {
    if (e.path().extension() != ".index") continue;
    expect_same_rows_as_leveldb(e.path());
    ++indexes;
  }
  EXPECT_GE(indexes, 10);
}

TEST(BundleIndex, ReadsEverySharedFixtureAsLevelDbDoes) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  int indexes = 0;
  for (const auto& e : fs::recursive_directory_iterator(testing::shared_fixtures() / "real")) {
    if (e.path().extension() != ".index") continue;
    expect_same_rows_as_leveldb(e.path());
    ++indexes;
  }
  EXPECT_GE(indexes, 5);
}

// libleveldb's builder: 4 kB data blocks, keys sharing prefixes within each restart interval.
TEST(BundleIndex, ReadsManyBlocksWrittenByLevelDb) {
  testing::TempDir tmp;
  std::map<std::string, std::string> rows;
  for (int i = 0; i < 3000; ++i) {
    rows[fmt::format("layer_with_weights-{}/kernel/.ATTRIBUTES/VARIABLE_VALUE", i)] =
        std::string(static_cast<std::size_t>(i % 37), static_cast<char>('a' + i % 26));
  }
  rows[""] = "\x08\x01";
  testing::write_table(tmp / "t.index", rows);
  const Bytes bytes = testing::read_bytes(tmp / "t.index");
  ASSERT_GT(bytes.size(), 40'000u);  // many data blocks
  EXPECT_EQ(as_map(read_index_rows(bytes, "t.index")), rows);
}

TEST(BundleIndex, SharedPrefixesRebuildKeys) {
  Bytes entries = entry(0, "dense/bias", {std::byte{1}});
  const Bytes second = entry(6, "kernel", {std::byte{2}});  // "dense/" + "kernel"
  entries.insert(entries.end(), second.begin(), second.end());
  RawTable t;
  const Handle data = t.add_block(entries);
  const IndexRows rows = read_index_rows(t.finish({data}), "t.index");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows.at("dense/kernel"), "\x02");
}

// The restart array points into the first entry's key, where bytes that decode as an entry hold a
// handle to 2^35 bytes: libleveldb decoded from there and allocated 32 GB (fuzz_tensor_bundle in
// CI). Entries are read from the block's start; restarts are not followed.
TEST(BundleIndex, RestartArrayIsNotFollowed) {
  RawTable t;
  const Handle data = t.add_block(entry(0, "", header_value()));
  const Handle meta = t.add_block({});
  Bytes fake_handle;
  put_varint(fake_handle, 0);
  put_varint(fake_handle, std::uint64_t{1} << 35);
  Bytes fake_entry = entry(0, "z", fake_handle);
  const std::string key(reinterpret_cast<const char*>(fake_entry.data()), fake_entry.size());
  const Handle index = t.add_block(entry(0, key, data.encoded()), {3});
  const IndexRows rows = read_index_rows(t.finish_with(meta, index), "t.index");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows.begin()->first, "");
}

TEST(BundleIndex, DataBlockOutsideTheFileIsCorrupt) {
  RawTable t;
  t.add_block(entry(0, "", header_value()));
  const Bytes& bytes = t.finish({Handle{0, std::uint64_t{1} << 56}});
  EXPECT_EQ(code_of([&] { read_index_rows(bytes, "t.index"); }), ErrorCode::corrupt);
  EXPECT_NE(message_of([&] {
              read_index_rows(bytes, "t.index");
            }).find("the data block (72057594037927936 bytes at offset 0) runs past"),
            std::string::npos);
}

// Listing one block many times would make checking and decoding it cost its size each time.
TEST(BundleIndex, OverlappingDataBlocksAreCorrupt) {
  RawTable t;
  const Handle data = t.add_block(entry(0, "", header_value()));
  const Bytes& bytes = t.finish({data, data});
  const auto read = [&] { read_index_rows(bytes, "t.index"); };
  EXPECT_EQ(code_of(read), ErrorCode::corrupt);
  EXPECT_NE(message_of(read).find("overlaps the one before it"), std::string::npos)
      << message_of(read);
}

TEST(BundleIndex, KeyListedTwiceIsCorrupt) {
  RawTable t;
  const Handle a = t.add_block(entry(0, "w", header_value()));
  const Handle b = t.add_block(entry(0, "w", header_value()));
  const Bytes& bytes = t.finish({a, b});
  const auto read = [&] { read_index_rows(bytes, "t.index"); };
  EXPECT_EQ(code_of(read), ErrorCode::corrupt);
  EXPECT_NE(message_of(read).find("key 'w' is listed twice"), std::string::npos)
      << message_of(read);
}

TEST(BundleIndex, SharedPrefixLongerThanThePreviousKeyIsCorrupt) {
  RawTable t;
  const Handle data = t.add_block(entry(3, "x", header_value()));
  const Bytes& bytes = t.finish({data});
  EXPECT_EQ(code_of([&] { read_index_rows(bytes, "t.index"); }), ErrorCode::corrupt);
}

TEST(BundleIndex, EntryRunningPastItsBlockIsCorrupt) {
  Bytes entries = entry(0, "key", header_value());
  entries[2] = std::byte{100};  // value size
  RawTable t;
  const Handle data = t.add_block(entries);
  const Bytes& bytes = t.finish({data});
  EXPECT_EQ(code_of([&] { read_index_rows(bytes, "t.index"); }), ErrorCode::corrupt);
}

// n entries of a few bytes, each sharing all of the previous key and adding one byte, stand for
// n^2/2 bytes of keys: 5,000 entries in 30 kB stand for 12.5 MB (past 64 x 30 kB + 1 MiB).
TEST(BundleIndex, KeysExpandingPastTheLimitAreCorrupt) {
  Bytes entries = entry(0, "k", {});
  for (std::uint64_t shared = 1; shared < 5000; ++shared) {
    const Bytes e = entry(shared, "k", {});
    entries.insert(entries.end(), e.begin(), e.end());
  }
  RawTable t;
  const Handle data = t.add_block(entries);
  const Bytes& bytes = t.finish({data});
  const auto read = [&] { read_index_rows(bytes, "t.index"); };
  EXPECT_EQ(code_of(read), ErrorCode::corrupt);
  EXPECT_NE(message_of(read).find("ReadLimits::max_expansion"), std::string::npos)
      << message_of(read);
  ReadLimits generous;
  generous.max_expansion = 10'000;
  const ScopedReadLimits scoped(generous);
  EXPECT_EQ(read_index_rows(bytes, "t.index").size(), 5000u);
}

TEST(BundleIndex, CompressedBlocksAreUnsupported) {
  RawTable t;
  const Handle data = t.add_block(entry(0, "", header_value()), {0}, 1);  // snappy
  const Bytes& bytes = t.finish({data});
  EXPECT_EQ(code_of([&] { read_index_rows(bytes, "t.index"); }), ErrorCode::unsupported);
  RawTable unknown;
  const Handle odd = unknown.add_block(entry(0, "", header_value()), {0}, 7);
  EXPECT_EQ(code_of([&] { read_index_rows(unknown.finish({odd}), "t.index"); }),
            ErrorCode::corrupt);
}

TEST(BundleIndex, ChecksumMismatchIsCorrupt) {
  RawTable t;
  const Handle data = t.add_block(entry(0, "", header_value()));
  Bytes bytes = t.finish({data});
  bytes[3] ^= std::byte{0x01};  // inside the data block's value
  const auto read = [&] { read_index_rows(bytes, "t.index"); };
  EXPECT_EQ(code_of(read), ErrorCode::corrupt);
  EXPECT_NE(message_of(read).find("fails its checksum"), std::string::npos) << message_of(read);
}

TEST(BundleIndex, BadFooterIsCorrupt) {
  RawTable t;
  const Handle data = t.add_block(entry(0, "", header_value()));
  Bytes bytes = t.finish({data});
  EXPECT_EQ(read_index_rows(bytes, "t.index").size(), 1u);
  Bytes bad_magic = bytes;
  bad_magic.back() ^= std::byte{0x01};
  EXPECT_NE(message_of([&] { read_index_rows(bad_magic, "t.index"); }).find("bad magic number"),
            std::string::npos);
  const Bytes short_file(bytes.end() - 47, bytes.end());
  EXPECT_EQ(code_of([&] { read_index_rows(short_file, "t.index"); }), ErrorCode::corrupt);
  EXPECT_EQ(code_of([&] { read_index_rows(Bytes(60, std::byte{0xff}), "t.index"); }),
            ErrorCode::corrupt);
}

}  // namespace
}  // namespace nnload::formats::savedmodel
