// Internals shared by the HDF5 sources: the global lock, id ownership, error translation and
// element-type classification. Only files in src/io/hdf5 include this (it includes <hdf5.h>).
#pragma once

#include <hdf5.h>

#include <mutex>
#include <span>
#include <string>
#include <string_view>

#include "io/hdf5/hdf5.hpp"
#include "io/hdf5/superblock.hpp"

namespace nnload::io::hdf5 {

// Holds the process-wide HDF5 mutex; the first lock on a thread also silences HDF5's automatic
// error printing there (HDF5 keeps error stacks per thread).
class Lock {
 public:
  Lock();

 private:
  std::lock_guard<std::recursive_mutex> guard_;
};

// A link-access property list that refuses to traverse external links.
hid_t safe_lapl();

// Owns one HDF5 id; closes it (under the lock the caller holds) when it goes.
class Id {
 public:
  using Closer = herr_t (*)(hid_t);
  Id() = default;
  Id(hid_t id, Closer close) : id_(id), close_(close) {}
  Id(Id&& other) noexcept : id_(other.id_), close_(other.close_) { other.id_ = -1; }
  Id& operator=(Id&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = other.id_;
      close_ = other.close_;
      other.id_ = -1;
    }
    return *this;
  }
  Id(const Id&) = delete;
  Id& operator=(const Id&) = delete;
  ~Id() { reset(); }

  hid_t get() const noexcept { return id_; }
  operator hid_t() const noexcept { return id_; }
  void reset() {
    if (id_ >= 0 && close_ != nullptr) close_(id_);
    id_ = -1;
  }

 private:
  hid_t id_ = -1;
  Closer close_ = nullptr;
};

struct File::Impl {
  hid_t id = -1;
  std::shared_ptr<const void> keep_alive;
  std::span<const std::byte> bytes;
  std::string name;
  Superblock superblock;
  // Bytes made so far by reads that copy (decompressed or converted data, not views of the
  // file), under the HDF5 lock: bounded like one declared size, see Dataset::read.
  mutable std::uint64_t bytes_copied = 0;
};

// Throws Error(corrupt): "<file>: <path>: <action> failed: <HDF5's innermost message>", and
// clears HDF5's error stack.
[[noreturn]] void h5_fail(const File& file, std::string_view path, std::string_view action);

// Returns `id` when valid, else h5_fail(...).
Id checked(hid_t id, Id::Closer close, const File& file, std::string_view path,
           std::string_view action);
void checked(herr_t status, const File& file, std::string_view path, std::string_view action);

// How an HDF5 element type is read into a Tensor.
struct ElementType {
  DType dtype = DType::f32;  // what the caller gets
  Id memory_type;            // the type handed to H5Dread / H5Aread
  bool exact = false;        // stored bytes already are `dtype` in native little-endian layout
  bool from_uint64 = false;  // read as uint64, range-checked, then reinterpreted as int64
  bool is_bool = false;      // h5py's FALSE/TRUE enum over int8
};

// Error(unsupported) naming `where` and the stored type when it has no DType.
ElementType classify(hid_t type, const File& file, std::string_view where);
// "string", "compound", "unsigned 16-bit integer", ... for messages.
std::string describe_type(hid_t type);

// Opens the object at an absolute path.
Id open_object(const File& file, const std::string& path);

// Refuses (Error(corrupt)) data of `bytes` beyond max_declared_bytes(file size) (read_limits.hpp).
void check_plausible_size(const File& file, std::string_view where, std::uint64_t bytes);

}  // namespace nnload::io::hdf5
