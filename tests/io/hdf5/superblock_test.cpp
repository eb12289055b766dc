#include "io/hdf5/superblock.hpp"
#include "support/error_capture.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "nnload/error.hpp"

namespace nnload::io::hdf5 {
namespace {

using nnload::testing::code_of;

std::span<const std::byte> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

TEST(Lookup3, MatchesJenkinsTestVectors) {
  // From lookup3.c's driver5().
  EXPECT_EQ(lookup3_checksum(as_bytes(""), 0), 0xdeadbeefu);
  EXPECT_EQ(lookup3_checksum(as_bytes(""), 0xdeadbeef), 0xbd5b7ddeu);
  EXPECT_EQ(lookup3_checksum(as_bytes("Four score and seven years ago"), 0), 0x17770551u);
  EXPECT_EQ(lookup3_checksum(as_bytes("Four score and seven years ago"), 1), 0xcd628161u);
}

// A version-2 superblock with 8-byte offsets, followed by `extra` bytes of file.
std::vector<std::byte> v2_file(std::uint64_t eof, std::uint64_t root, std::size_t extra) {
  std::vector<std::byte> out;
  const auto put = [&](std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) out.push_back(std::byte((v >> (8 * i)) & 0xff));
  };
  const unsigned char sig[8] = {0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};
  for (unsigned char c : sig) out.push_back(std::byte(c));
  put(2, 1);
  put(8, 1);
  put(8, 1);
  put(0, 1);
  put(0, 8);      // base
  put(~0ull, 8);  // no superblock extension
  put(eof, 8);
  put(root, 8);
  put(lookup3_checksum(out), 4);
  out.resize(out.size() + extra);
  return out;
}

TEST(Superblock, ParsesAVersion2Superblock) {
  const auto bytes = v2_file(148, 48, 100);
  const Superblock sb = validate_superblock(bytes, "x.h5");
  EXPECT_EQ(sb.version, 2);
  EXPECT_EQ(sb.offset_size, 8);
  EXPECT_EQ(sb.base, 0u);
  EXPECT_EQ(sb.end_of_file, 148u);
  EXPECT_EQ(sb.root_object_header, 48u);
}

TEST(Superblock, RejectsLiesAboutSizeAndAddresses) {
  EXPECT_EQ(code_of([] { validate_superblock(v2_file(1000, 48, 100), "x"); }),
            ErrorCode::corrupt);  // truncated
  EXPECT_EQ(code_of([] { validate_superblock(v2_file(148, 500, 100), "x"); }),
            ErrorCode::corrupt);  // root outside
  EXPECT_EQ(code_of([] { validate_superblock(v2_file(~0ull, 48, 100), "x"); }), ErrorCode::corrupt);
  auto bad_sum = v2_file(148, 48, 100);
  bad_sum[44] ^= std::byte{1};
  EXPECT_EQ(code_of([&] { validate_superblock(bad_sum, "x"); }), ErrorCode::corrupt);
  const auto cut = v2_file(148, 48, 0);
  EXPECT_EQ(code_of([&] { validate_superblock(std::span(cut).first(20), "x"); }),
            ErrorCode::corrupt);
}

TEST(Superblock, FindsTheSignatureAfterAUserBlock) {
  const auto sb_bytes = v2_file(1024 + 148, 48, 100);
  const auto after = [&](std::size_t prefix) {
    std::vector<std::byte> out(prefix + sb_bytes.size());
    std::copy(sb_bytes.begin(), sb_bytes.end(), out.begin() + static_cast<std::ptrdiff_t>(prefix));
    return out;
  };
  const auto bytes = after(1024);
  // The checksum covers the superblock only, so the v2 block is valid at any base.
  const Superblock sb = validate_superblock(bytes, "x");
  EXPECT_EQ(sb.base, 1024u);
  EXPECT_EQ(sb.root_object_header, 1024u + 48u);
  // Not at 1000: only 0, 512, 1024, 2048, ... are searched.
  const auto shifted = after(1000);
  EXPECT_EQ(code_of([&] { validate_superblock(shifted, "x"); }), ErrorCode::unknown_format);
}

TEST(Superblock, NotHdf5) {
  EXPECT_EQ(code_of([] { validate_superblock({}, "x"); }), ErrorCode::unknown_format);
  EXPECT_EQ(code_of([] { validate_superblock(as_bytes("PK\x03\x04 a zip, not HDF5"), "x"); }),
            ErrorCode::unknown_format);
}

}  // namespace
}  // namespace nnload::io::hdf5
