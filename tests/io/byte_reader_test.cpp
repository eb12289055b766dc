#include "io/byte_reader.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace nnload::io {
namespace {

std::vector<std::byte> bytes(std::initializer_list<int> values) {
  std::vector<std::byte> out;
  for (int v : values) out.push_back(std::byte(v));
  return out;
}

TEST(ByteReader, ReadsLittleEndianIntegersAndFloats) {
  const auto data = bytes({0x01, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 0xef, 0xcd, 0xab,
                           0x89, 0x67, 0x45, 0x23, 0x01, 0x00, 0x00, 0xc0, 0x3f, 0xff});
  ByteReader r(data, "t.bin");
  EXPECT_EQ(r.u8(), 0x01);
  EXPECT_EQ(r.u16(), 0x1234);
  EXPECT_EQ(r.u32(), 0x12345678u);
  EXPECT_EQ(r.u64(), 0x0123456789abcdefull);
  EXPECT_EQ(r.f32(), 1.5f);
  EXPECT_EQ(r.remaining(), 1u);
  EXPECT_EQ(r.i8(), -1);
  EXPECT_TRUE(r.at_end());
}

TEST(ByteReader, SignedValuesAndWidths) {
  const auto data = bytes({0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x02, 0x03});
  ByteReader r(data);
  EXPECT_EQ(r.i64(), -2);
  EXPECT_EQ(r.uint(3), 0x030201u);
  EXPECT_THROW(r.uint(9), Error);
}

TEST(ByteReader, OverrunThrowsCorruptWithOffsetAndName) {
  const auto data = bytes({1, 2, 3});
  ByteReader r(data, "model.bin", 100);
  r.skip(2);
  try {
    r.u32();
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::corrupt);
    const std::string msg = e.what();
    EXPECT_NE(msg.find("model.bin"), std::string::npos) << msg;
    EXPECT_NE(msg.find("offset 102"), std::string::npos) << msg;
    EXPECT_NE(msg.find("only 1 left"), std::string::npos) << msg;
  }
  EXPECT_EQ(r.offset(), 2u);  // a failed read consumes nothing
  EXPECT_THROW(r.bytes(2), Error);
  EXPECT_THROW(r.skip(std::size_t(-1)), Error);
  EXPECT_THROW(r.seek(4), Error);
  r.seek(3);
  EXPECT_TRUE(r.at_end());
  EXPECT_THROW(r.u8(), Error);
}

TEST(ByteReader, SubReaderKeepsAbsoluteOffsets) {
  const auto data = bytes({1, 2, 3, 4, 5});
  ByteReader r(data, "f", 10);
  r.skip(1);
  ByteReader sub = r.sub(2);
  EXPECT_EQ(r.offset(), 3u);
  EXPECT_EQ(sub.absolute_offset(), 11u);
  EXPECT_EQ(sub.u16(), 0x0302);
  try {
    sub.u8();
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("offset 13"), std::string::npos) << e.what();
  }
  EXPECT_THROW(r.sub(3), Error);
}

TEST(ByteReader, Varints) {
  const auto data =
      bytes({0x96, 0x01, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01});
  ByteReader r(data);
  EXPECT_EQ(r.varint(), 150u);
  EXPECT_EQ(r.varint(), 0u);
  EXPECT_EQ(r.varint(), ~std::uint64_t{0});
  EXPECT_TRUE(r.at_end());

  const auto too_long = bytes({0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02});
  ByteReader bad(too_long);
  EXPECT_THROW(bad.varint(), Error);
  const auto eleven = bytes({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01});
  ByteReader worse(eleven);
  EXPECT_THROW(worse.varint(), Error);
  const auto cut = bytes({0x80});
  ByteReader truncated(cut);
  EXPECT_THROW(truncated.varint(), Error);
}

TEST(ByteReader, EmptyInput) {
  ByteReader r({});
  EXPECT_TRUE(r.at_end());
  EXPECT_EQ(r.bytes(0).size(), 0u);
  EXPECT_THROW(r.u8(), Error);
}

}  // namespace
}  // namespace nnload::io
