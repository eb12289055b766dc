#include "io/zip_reader.hpp"
#include "support/error_capture.hpp"

#include <gtest/gtest.h>

#include <functional>

#include "io/io_test_support.hpp"
#include "support/fixtures.hpp"

namespace nnload::io {
namespace {

using nnload::testing::code_of;

using nnload::testing::make_stored_zip;
using nnload::testing::RawZipEntry;
using nnload::testing::TempDir;
using nnload::testing::to_bytes;

ZipReader in_memory(const std::vector<std::byte>& bytes, std::string name = "mem.zip") {
  auto owned = std::make_shared<std::vector<std::byte>>(bytes);
  return ZipReader(owned, *owned, std::move(name));
}

std::string text(std::span<const std::byte> bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

TEST(ZipReader, ListsAndReadsStoredEntries) {
  const ZipReader zip =
      in_memory(make_stored_zip({{"a.txt", to_bytes("hello")}, {"dir/b.bin", to_bytes("xyz!")}}));
  ASSERT_EQ(zip.entries().size(), 2u);
  const ZipEntry& a = zip.entries()[0];
  EXPECT_EQ(a.name, "a.txt");
  EXPECT_TRUE(a.stored());
  EXPECT_EQ(a.compressed_size, 5u);
  EXPECT_EQ(a.uncompressed_size, 5u);
  EXPECT_EQ(text(zip.read(a, 100)), "hello");
  EXPECT_EQ(text(zip.read(zip.entry("dir/b.bin"), 4)), "xyz!");
  EXPECT_EQ(zip.find("nope"), nullptr);
  EXPECT_EQ(code_of([&] { zip.entry("nope"); }), ErrorCode::not_found);
}

// Lookups go through a name index: each of many entries is found at its own position, a name
// listed twice gives the first, and a copied reader finds its own entries.
TEST(ZipReader, FindsEachOfManyEntriesByName) {
  std::vector<RawZipEntry> entries;
  for (int i = 0; i < 2000; ++i) entries.push_back({"e" + std::to_string(i), to_bytes("x")});
  entries.push_back({"e7", to_bytes("second")});
  const ZipReader zip = in_memory(make_stored_zip(entries));
  ASSERT_EQ(zip.entries().size(), 2001u);
  for (std::size_t i = 0; i < 2000; ++i) {
    ASSERT_EQ(zip.find("e" + std::to_string(i)), &zip.entries()[i]) << i;
  }
  EXPECT_EQ(text(zip.read(zip.entry("e7"), 10)), "x");
  const ZipReader copy = zip;
  EXPECT_EQ(copy.find("e1999"), &copy.entries()[1999]);
}

TEST(ZipReader, StoredDataOffsetPointsAtTheBytes) {
  // 30-byte local header + 5-byte name + 7 bytes of extra: data at 42.
  RawZipEntry e{"a.bin", to_bytes("0123456789"), 7};
  const ZipReader zip = in_memory(make_stored_zip({e}));
  EXPECT_EQ(zip.data_offset(zip.entries()[0]), 42u);
  EXPECT_EQ(text(zip.stored_data(zip.entries()[0])), "0123456789");
  EXPECT_NO_THROW(zip.check_crc(zip.entries()[0]));
}

TEST(ZipReader, ReadLimitIsEnforcedBeforeReading) {
  const ZipReader zip = in_memory(make_stored_zip({{"a", to_bytes("0123456789")}}));
  try {
    zip.read(zip.entries()[0], 9);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::invalid_argument);
    EXPECT_NE(std::string(e.what()).find("declares 10 bytes"), std::string::npos) << e.what();
  }
}

TEST(ZipReader, CrcMismatchIsCorrupt) {
  RawZipEntry e{"a", to_bytes("data"), 0};
  e.declared_crc = 1234;
  const ZipReader zip = in_memory(make_stored_zip({e}));
  EXPECT_EQ(code_of([&] { zip.read(zip.entries()[0], 100); }), ErrorCode::corrupt);
  EXPECT_EQ(code_of([&] { zip.check_crc(zip.entries()[0]); }), ErrorCode::corrupt);
  // The offset itself is fine; the CRC is the caller's to check.
  EXPECT_NO_THROW(zip.data_offset(zip.entries()[0]));
}

TEST(ZipReader, StoredEntryClaimingMoreThanTheFileIsCorrupt) {
  RawZipEntry e{"a", to_bytes("data"), 0};
  e.declared_size = 1 << 20;
  const ZipReader zip = in_memory(make_stored_zip({e}));
  EXPECT_EQ(code_of([&] { zip.data_offset(zip.entries()[0]); }), ErrorCode::corrupt);
  EXPECT_EQ(code_of([&] { zip.read(zip.entries()[0], 1u << 30); }), ErrorCode::corrupt);
}

// An overlapped zip bomb: many central records over one entry's bytes, so that one deflate
// stream inflates once per record (300 records over a 4 MB array: a 21 kB .npz loaded 1.2 GB).
// Real writers never overlap entries; Python's zipfile refuses them too.
TEST(ZipReader, OverlappingEntriesAreCorrupt) {
  RawZipEntry first{"a.npy", to_bytes("0123456789")};
  RawZipEntry again{"b.npy", to_bytes("0123456789")};
  again.shares_data_of = 0;
  const auto bytes = make_stored_zip({first, again});
  EXPECT_EQ(code_of([&] { in_memory(bytes); }), ErrorCode::corrupt);
  EXPECT_NE(nnload::testing::message_of([&] {
              in_memory(bytes);
            }).find("entries 'a.npy' and 'b.npy' overlap"),
            std::string::npos);
  // Entries one after the other, the smallest header apart, are fine.
  EXPECT_EQ(in_memory(make_stored_zip({{"", {}}, {"", {}}, {"c", to_bytes("x")}})).entries().size(),
            3u);
}

TEST(ZipReader, NotAZipIsUnknownFormat) {
  EXPECT_EQ(code_of([] { in_memory(to_bytes("this is plain text, long enough to search")); }),
            ErrorCode::unknown_format);
  EXPECT_EQ(code_of([] { in_memory({}); }), ErrorCode::unknown_format);
  TempDir dir;
  EXPECT_EQ(code_of([&] { ZipReader::open(dir / "missing.zip"); }), ErrorCode::not_found);
  EXPECT_EQ(code_of([&] { ZipReader::open(dir.path()); }), ErrorCode::invalid_argument);
}

TEST(ZipReader, EmptyArchive) {
  const ZipReader zip = in_memory(make_stored_zip({}));
  EXPECT_TRUE(zip.entries().empty());
}

TEST(ZipReader, TruncatedArchivesAreCorrupt) {
  const auto full =
      make_stored_zip({{"a.txt", to_bytes("hello world")}, {"b.txt", to_bytes("more")}});
  for (std::size_t cut :
       {std::size_t{4}, std::size_t{20}, std::size_t{60}, full.size() - 30, full.size() - 1}) {
    std::vector<std::byte> cut_bytes(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(cut));
    EXPECT_EQ(code_of([&] { in_memory(cut_bytes); }), ErrorCode::corrupt) << "cut at " << cut;
  }
}

TEST(ZipReader, DamagedLocalHeaderIsCorrupt) {
  auto bytes = make_stored_zip({{"a.txt", to_bytes("hello")}});
  bytes[0] = std::byte{'X'};  // local header signature
  const ZipReader zip = in_memory(bytes);
  EXPECT_EQ(code_of([&] { zip.read(zip.entries()[0], 100); }), ErrorCode::corrupt);
  EXPECT_EQ(code_of([&] { zip.data_offset(zip.entries()[0]); }), ErrorCode::corrupt);
}

TEST(ZipReader, DamagedCentralDirectoryIsCorrupt) {
  auto bytes = make_stored_zip({{"a.txt", to_bytes("hello")}, {"b.txt", to_bytes("x")}});
  // The second central record starts 46 + 5 bytes after the first; break its signature.
  const std::size_t central = 2 * 30 + 5 + 5 + 5 + 1;
  bytes[central + 46 + 5] = std::byte{0};
  EXPECT_EQ(code_of([&] { in_memory(bytes); }), ErrorCode::corrupt);
}

TEST(ZipReader, DeflatedEntriesFromNumpy) {
  const ZipReader zip = ZipReader::open(nnload::testing::project_fixture("io/deflated.npz"));
  ASSERT_EQ(zip.entries().size(), 4u);
  const ZipEntry& a = zip.entry("a.npy");
  EXPECT_EQ(a.method, 8);
  EXPECT_EQ(a.uncompressed_size, 152u);
  const auto data = zip.read(a, 1 << 20);
  ASSERT_EQ(data.size(), 152u);
  EXPECT_EQ(text(std::span(data).subspan(1, 5)), "NUMPY");
  EXPECT_EQ(code_of([&] { zip.data_offset(a); }), ErrorCode::invalid_argument);
}

TEST(ZipReader, DamagedDeflateDataIsCorrupt) {
  auto bytes = nnload::testing::read_bytes(nnload::testing::project_fixture("io/deflated.npz"));
  const ZipEntry a = ZipReader(nullptr, bytes, "x").entry("a.npy");
  // Flip bytes inside the first entry's compressed data (after the 30-byte header, the 5-byte
  // name and the 20-byte zip64 extra field Python writes).
  for (std::size_t i = 60; i < 60 + 8; ++i) bytes[i] ^= std::byte{0x5a};
  const ZipReader zip(nullptr, bytes, "damaged.npz");
  EXPECT_EQ(code_of([&] { zip.read(zip.entry("a.npy"), 1 << 20); }), ErrorCode::corrupt);
  (void)a;
}

TEST(ZipReader, Zip64ArchiveFromPython) {
  const ZipReader zip = ZipReader::open(nnload::testing::project_fixture("io/zip64.npz"));
  ASSERT_EQ(zip.entries().size(), 4u);
  EXPECT_EQ(zip.entries()[0].name, "a.npy");
  EXPECT_EQ(zip.entries()[0].uncompressed_size, 152u);
  const auto via_read = zip.read(zip.entries()[3], 1 << 20);
  const auto in_place = zip.stored_data(zip.entries()[3]);
  ASSERT_EQ(via_read.size(), in_place.size());
  EXPECT_TRUE(std::equal(via_read.begin(), via_read.end(), in_place.begin()));
}

TEST(ZipReader, EncryptedEntriesAreUnsupported) {
  auto bytes = make_stored_zip({{"a", to_bytes("data")}});
  bytes[6] = std::byte{1};  // local flags: encrypted
  const std::size_t central = 30 + 1 + 4;
  bytes[central + 8] = std::byte{1};  // central flags
  const ZipReader zip = in_memory(bytes);
  EXPECT_TRUE(zip.entries()[0].encrypted);
  EXPECT_EQ(code_of([&] { zip.read(zip.entries()[0], 100); }), ErrorCode::unsupported);
}

}  // namespace
}  // namespace nnload::io
