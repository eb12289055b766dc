// ByteReader: a bounds-checked little-endian cursor over bytes from an untrusted file.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "core/fail.hpp"

namespace nnload::io {

static_assert(std::endian::native == std::endian::little,
              "nnload's readers assume a little-endian host");

// Every read checks the remaining length first and throws Error(corrupt) naming `what` (the file
// or entry) and the absolute offset, so no reader built on it can run past its input.
class ByteReader {
 public:
  // `base` is the absolute offset of bytes[0] in the file, used only in messages.
  explicit ByteReader(std::span<const std::byte> bytes, std::string what = {},
                      std::uint64_t base = 0)
      : bytes_(bytes), what_(std::move(what)), base_(base) {}

  std::size_t offset() const noexcept { return pos_; }
  std::uint64_t absolute_offset() const noexcept { return base_ + pos_; }
  std::size_t size() const noexcept { return bytes_.size(); }
  std::size_t remaining() const noexcept { return bytes_.size() - pos_; }
  bool at_end() const noexcept { return pos_ == bytes_.size(); }
  const std::string& what() const noexcept { return what_; }

  std::uint8_t u8() { return static_cast<std::uint8_t>(take(1)[0]); }
  std::uint16_t u16() { return static_cast<std::uint16_t>(uint(2)); }
  std::uint32_t u32() { return static_cast<std::uint32_t>(uint(4)); }
  std::uint64_t u64() { return uint(8); }
  std::int8_t i8() { return static_cast<std::int8_t>(u8()); }
  std::int16_t i16() { return static_cast<std::int16_t>(u16()); }
  std::int32_t i32() { return static_cast<std::int32_t>(u32()); }
  std::int64_t i64() { return static_cast<std::int64_t>(u64()); }
  float f32() { return std::bit_cast<float>(u32()); }
  double f64() { return std::bit_cast<double>(u64()); }

  // An unsigned little-endian integer of 1 to 8 bytes (HDF5's "size of offsets", pickle's LONG1).
  std::uint64_t uint(std::size_t width) {
    if (width == 0 || width > 8) {
      fail(ErrorCode::internal, "ByteReader::uint: width {} is not 1..8", width);
    }
    const std::span<const std::byte> b = take(width);
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < width; ++i) v |= std::uint64_t(std::uint8_t(b[i])) << (8 * i);
    return v;
  }

  // A protobuf base-128 varint: at most 10 bytes, and the 10th may only hold the top bit.
  std::uint64_t varint() {
    const std::uint64_t start = absolute_offset();
    std::uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
      const std::uint8_t byte = u8();
      if (shift == 63 && byte > 1) {
        fail(ErrorCode::corrupt, "{}: varint at offset {} does not fit 64 bits", name(), start);
      }
      v |= std::uint64_t(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return v;
    }
    fail(ErrorCode::corrupt, "{}: varint at offset {} is longer than 10 bytes", name(), start);
  }

  std::span<const std::byte> bytes(std::size_t n) { return take(n); }
  std::string_view chars(std::size_t n) {
    const std::span<const std::byte> b = take(n);
    return {reinterpret_cast<const char*>(b.data()), b.size()};
  }
  void skip(std::size_t n) { take(n); }
  void seek(std::size_t offset) {
    if (offset > bytes_.size()) {
      fail(ErrorCode::corrupt, "{}: offset {} is past the end at {}", name(), base_ + offset,
           base_ + bytes_.size());
    }
    pos_ = offset;
  }
  // A reader over the next n bytes (consumed here); its messages keep absolute offsets.
  ByteReader sub(std::size_t n) {
    const std::uint64_t start = absolute_offset();
    return ByteReader(take(n), what_, start);
  }
  // The bytes not read yet, without consuming them.
  std::span<const std::byte> rest() const noexcept { return bytes_.subspan(pos_); }

 private:
  std::string_view name() const noexcept {
    return what_.empty() ? std::string_view("input") : what_;
  }

  std::span<const std::byte> take(std::size_t n) {
    if (n > remaining()) {
      fail(ErrorCode::corrupt, "{}: needs {} bytes at offset {}, only {} left", name(), n,
           absolute_offset(), remaining());
    }
    const std::span<const std::byte> out = bytes_.subspan(pos_, n);
    pos_ += n;
    return out;
  }

  std::span<const std::byte> bytes_;
  std::string what_;
  std::uint64_t base_ = 0;
  std::size_t pos_ = 0;
};

}  // namespace nnload::io
