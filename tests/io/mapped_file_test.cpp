#include "io/mapped_file.hpp"
#include "support/error_capture.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstring>
#include <functional>

#include "io/io_test_support.hpp"

namespace nnload::io {
namespace {

using nnload::testing::code_of;

using nnload::testing::TempDir;
using nnload::testing::write_bytes;

std::vector<std::byte> float_file_bytes(std::size_t prefix, const std::vector<float>& values) {
  std::vector<std::byte> out(prefix + values.size() * 4, std::byte{0xAA});
  std::memcpy(out.data() + prefix, values.data(), values.size() * 4);
  return out;
}

TEST(MappedFile, MapsBytesAndViewsWithoutCopying) {
  TempDir dir;
  write_bytes(dir / "w.bin", float_file_bytes(16, {1, 2, 3, 4, 5, 6}));
  auto file = MappedFile::open(dir / "w.bin");
  EXPECT_EQ(file->size(), 16u + 24u);
  EXPECT_EQ(file->path(), dir / "w.bin");
  Tensor t = file->view(16, DType::f32, {2, 3});
  EXPECT_TRUE(t.is_view());
  EXPECT_FALSE(t.writable());
  EXPECT_EQ(t.raw(), static_cast<const void*>(file->bytes().data() + 16));
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_EQ(t.values<float>()[5], 6.0f);
  EXPECT_THROW(t.mutable_raw(), Error);
}

TEST(MappedFile, ViewKeepsMappingAlive) {
  TempDir dir;
  write_bytes(dir / "w.bin", float_file_bytes(0, {7, 8}));
  Tensor t;
  {
    auto file = MappedFile::open(dir / "w.bin");
    t = file->view(0, DType::f32, {2});
  }
  std::filesystem::remove(dir / "w.bin");
  EXPECT_EQ(t.values<float>()[1], 8.0f);
}

TEST(MappedFile, MisalignedOffsetGivesOwnedCopy) {
  TempDir dir;
  write_bytes(dir / "w.bin", float_file_bytes(3, {1.5f, -2.5f}));
  auto file = MappedFile::open(dir / "w.bin");
  Tensor t = file->view(3, DType::f32, {2});
  EXPECT_FALSE(t.is_view());
  EXPECT_EQ(t.values<float>()[0], 1.5f);
  EXPECT_EQ(t.values<float>()[1], -2.5f);
  // One-byte types are always aligned.
  EXPECT_TRUE(file->view(3, DType::u8, {4}).is_view());
}

TEST(MappedFile, BooleansOtherThanZeroOrOneAreNormalisedInACopy) {
  TempDir dir;
  write_bytes(dir / "b.bin", {std::byte{0}, std::byte{1}, std::byte{0}, std::byte{7}});
  auto file = MappedFile::open(dir / "b.bin");
  EXPECT_TRUE(file->view(0, DType::boolean, {3}).is_view());
  Tensor t = file->view(0, DType::boolean, {4});
  EXPECT_FALSE(t.is_view());
  EXPECT_EQ(t.value_as_double(3), 1.0);
  EXPECT_EQ(static_cast<const std::uint8_t*>(t.raw())[3], 1);
}

TEST(MappedFile, OutOfBoundsViewsThrowCorruptWithFacts) {
  TempDir dir;
  write_bytes(dir / "model.h5", std::vector<std::byte>(1000));
  auto file = MappedFile::open(dir / "model.h5");
  try {
    file->view(900, DType::f32, {32}, "tensor 'dense/kernel'");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::corrupt);
    const std::string msg = e.what();
    EXPECT_NE(
        msg.find(
            "model.h5: tensor 'dense/kernel' needs 128 bytes at offset 900, file ends at 1000"),
        std::string::npos)
        << msg;
  }
  EXPECT_NO_THROW(file->view(872, DType::f32, {32}));
  EXPECT_THROW(file->view(1001, DType::u8, {0}), Error);
  EXPECT_NO_THROW(file->view(1000, DType::u8, {0}));
  // Offsets and sizes near 2^64 must not wrap around.
  EXPECT_THROW(file->view(~std::uint64_t{0} - 3, DType::u8, {8}), Error);
  EXPECT_THROW(file->view(8, DType::f64, {std::int64_t{1} << 62}), Error);
  EXPECT_THROW(file->view(0, DType::f64, {std::int64_t{1} << 40, std::int64_t{1} << 40}), Error);
  EXPECT_THROW(file->view(0, DType::f32, {-1}), Error);
}

TEST(MappedFile, EmptyFileMaps) {
  TempDir dir;
  write_bytes(dir / "empty", {});
  auto file = MappedFile::open(dir / "empty");
  EXPECT_EQ(file->size(), 0u);
  EXPECT_TRUE(file->bytes().empty());
  EXPECT_EQ(file->view(0, DType::f32, {0, 3}).numel(), 0);
  EXPECT_THROW(file->view(0, DType::f32, {1}), Error);
}

TEST(MappedFile, OpenErrors) {
  TempDir dir;
  EXPECT_EQ(code_of([&] { MappedFile::open(dir / "missing.h5"); }), ErrorCode::not_found);
  EXPECT_EQ(code_of([&] { MappedFile::open(dir / "missing" / "x.h5"); }), ErrorCode::not_found);
  EXPECT_EQ(code_of([&] { MappedFile::open(dir.path()); }), ErrorCode::invalid_argument);
  ASSERT_EQ(::mkfifo((dir / "fifo").c_str(), 0600), 0);
  EXPECT_EQ(code_of([&] { MappedFile::open(dir / "fifo"); }), ErrorCode::invalid_argument);
  try {
    MappedFile::open(dir / "missing.h5");
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("missing.h5"), std::string::npos);
  }
}

TEST(CopyTensor, CopiesAndChecksSize) {
  const std::vector<std::byte> data(8, std::byte{1});
  Tensor t = copy_tensor(data, DType::i32, {2});
  EXPECT_FALSE(t.is_view());
  EXPECT_EQ(t.values<std::int32_t>()[0], 0x01010101);
  EXPECT_THROW(copy_tensor(data, DType::i32, {3}), Error);
}

}  // namespace
}  // namespace nnload::io
