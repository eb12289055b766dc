// MappedFile: a read-only memory map of a whole file, and bounds-checked zero-copy tensor views
// into it (or into any bytes some owner keeps alive).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "nnload/tensor.hpp"

namespace nnload::io {

// The mapping is private and read-only. A file truncated by another process while mapped
// raises SIGBUS when the lost pages are touched; nnload never writes files it has mapped.
class MappedFile : public std::enable_shared_from_this<MappedFile> {
 public:
  // Maps `path` read-only. Error(not_found) when it does not exist, Error(invalid_argument) for a
  // directory or another non-regular file or one that cannot be opened. Empty files map fine.
  static std::shared_ptr<const MappedFile> open(const std::filesystem::path& path);

  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::span<const std::byte> bytes() const noexcept { return {data_, size_}; }
  const std::filesystem::path& path() const noexcept { return path_; }
  std::uint64_t size() const noexcept { return size_; }
  // The path as text, for error messages.
  std::string name() const { return path_.string(); }

  // A read-only view of `shape` elements of `dtype` at `offset`, keeping the mapping alive.
  // Error(corrupt) when the bytes do not lie inside the file. Falls back to an owned copy when
  // the offset is not aligned for the dtype, or (booleans) when a byte is neither 0 nor 1.
  // `what` names the tensor in messages ("tensor 'dense/kernel'"); empty gives "tensor".
  Tensor view(std::uint64_t offset, DType dtype, Shape shape, std::string_view what = {}) const;

 private:
  MappedFile(std::filesystem::path path, const std::byte* data, std::size_t size);

  std::filesystem::path path_;
  const std::byte* data_ = nullptr;
  std::size_t size_ = 0;
};

// Hands back to the kernel the pages of [data, data + bytes) that lie in a live MappedFile,
// once a kernel has copied what it needs (weights packed into another layout): they leave the
// process's resident memory, and a later read of them faults them in again from the file, so
// nothing that still reads the view breaks. Bytes outside any mapping (owned tensors, caller
// buffers) are left alone. Thread-safe.
void release_mapped_pages(const void* data, std::size_t bytes) noexcept;

// Byte count of `shape` elements of `dtype`; Error(corrupt) naming `file` on a negative dimension
// or when the count does not fit 64 bits (shapes read from files).
std::uint64_t checked_nbytes(DType dtype, const Shape& shape, std::string_view file);

// The view logic of MappedFile::view over any bytes that `keep_alive` owns (a mapping, a buffer).
// `file` names the file in messages.
Tensor view_bytes(std::shared_ptr<const void> keep_alive, std::span<const std::byte> bytes,
                  std::uint64_t offset, DType dtype, Shape shape, std::string_view file,
                  std::string_view what = {});

// An owned tensor holding a copy of `data` (data.size() must equal the shape's byte count);
// booleans are normalised to 0/1, since any other byte is not a valid C++ bool.
Tensor copy_tensor(std::span<const std::byte> data, DType dtype, Shape shape);

}  // namespace nnload::io
