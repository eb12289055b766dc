// The one interface to HDF5 files: open (after validating the superblock ourselves), walk
// groups, read attributes, and map or read datasets. Only src/io/hdf5 includes <hdf5.h>.
//
// Every libhdf5 call runs under one process-wide mutex, with HDF5's own error printing off;
// libhdf5 failures become Error(corrupt) naming the file, the object path and HDF5's innermost
// message. Files can never make nnload follow external links, read external raw-data files or
// virtual datasets, or load HDF5 filter plugins. Where libhdf5 1.10.8 crashed or hung on damaged
// files in our fuzz tests, our own bounds-checked code runs first: the superblock is validated
// before libhdf5 opens the file, attribute messages are checked before libhdf5 decodes them,
// and variable-length string attributes are read from the object header and global heap by
// our own reader (raw.hpp) instead of libhdf5.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "nnload/tensor.hpp"

namespace nnload::io::hdf5 {

// A dataset or attribute whose data would take more than ReadLimits::max_expansion times the
// file's size plus 1 MiB is refused before reading (chunked and compressed data may legitimately
// exceed the file size; contiguous data never may): core/read_limits.hpp.

class Group;
class Dataset;

// An open HDF5 file; Groups and Datasets share its ownership, so the file closes when the last
// handle to it goes.
class File : public std::enable_shared_from_this<File> {
 public:
  struct Impl;
  explicit File(std::unique_ptr<Impl> impl);
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File();

  // The path or label given at open, used in every message.
  const std::string& name() const;
  std::uint64_t size() const;
  Group root() const;

  const Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

// Validates the file's signature and superblock, then opens it read-only with libhdf5.
// Error(not_found) / Error(invalid_argument) as MappedFile::open; Error(unknown_format) when it
// is not an HDF5 file; Error(corrupt) when truncated or damaged.
std::shared_ptr<File> open(const std::filesystem::path& path);
// The same for an HDF5 file held in memory that `keep_alive` owns (e.g. a stored zip entry);
// `name` labels it in messages. libhdf5 reads a private copy; Dataset::read() views still point
// into `bytes`.
std::shared_ptr<File> open_image(std::shared_ptr<const void> keep_alive,
                                 std::span<const std::byte> bytes, std::string name);

// A group, dataset or attribute holder inside an open file.
class Object {
 public:
  // Absolute path inside the file, "/" for the root.
  const std::string& path() const noexcept { return path_; }
  const File& file() const noexcept { return *file_; }
  // The object's header address: equal for two paths to the same object. Hard links can make
  // a group its own descendant, so a recursive walk must track these to stop.
  std::uint64_t address() const;

  // Attribute names in creation order when the file tracks it, else in name order.
  std::vector<std::string> attribute_names() const;
  bool has_attribute(const std::string& name) const;
  // True when the attribute holds strings (fixed or variable length).
  bool attribute_is_string(const std::string& name) const;
  // Shape of an attribute ({} for a scalar).
  Shape attribute_shape(const std::string& name) const;
  // One string: a scalar or one-element attribute, fixed or variable length, ASCII or UTF-8
  // (returned as stored). Error(not_found) when absent, Error(corrupt) when it is not one string.
  std::string string_attribute(const std::string& name) const;
  // Every string of a string attribute, flattened in row-major order (a scalar gives one).
  // An empty attribute of any type gives {} (h5py writes [] as an empty float64 array).
  std::vector<std::string> string_list_attribute(const std::string& name) const;
  // A numeric attribute as an owned tensor, with the dtype rules of Dataset::dtype().
  Tensor tensor_attribute(const std::string& name) const;

 protected:
  Object(std::shared_ptr<const File> file, std::string path)
      : file_(std::move(file)), path_(std::move(path)) {}

  std::shared_ptr<const File> file_;
  std::string path_;
};

class Group : public Object {
 public:
  // Link names, in creation order when the file tracks it, else in name order. Error(corrupt)
  // for a name HDF5 cannot write ("", ".", one with '/').
  std::vector<std::string> children() const;
  // Whether `relative_path` ("a/b", or "/a/b" from the root) names a group / a dataset. Never
  // throws for a missing path; Error(corrupt) when the file is damaged.
  bool has_group(const std::string& relative_path) const;
  bool has_dataset(const std::string& relative_path) const;
  // Error(not_found) naming the path when there is no such group / dataset.
  Group group(const std::string& relative_path) const;
  Dataset dataset(const std::string& relative_path) const;

 private:
  friend class File;
  Group(std::shared_ptr<const File> file, std::string path)
      : Object(std::move(file), std::move(path)) {}
};

class Dataset : public Object {
 public:
  // The element type read() returns: float16/32/64, int8/16/32/64, uint8, bool (h5py's
  // FALSE/TRUE enum), bfloat16 (a 2-byte float with bfloat16's fields). Unsigned integers
  // widen exactly: uint16 -> int32, uint32 -> int64, uint64 -> int64 (values above INT64_MAX
  // are Error(unsupported) at read()). Error(unsupported) naming the stored type for anything
  // else (strings, compounds, other float layouts, ...).
  DType dtype() const;
  Shape shape() const noexcept { return shape_; }
  // HDF5 layout: "contiguous", "chunked", "compact" or "virtual".
  const std::string& layout() const noexcept { return layout_; }

  // The data: a zero-copy view into the file when it is contiguous, unfiltered, stored in
  // native little-endian order with the dtype's exact layout, aligned and inside the file;
  // otherwise an owned copy read through libhdf5 (converting byte order and widening).
  Tensor read() const;

 private:
  friend class Group;
  Dataset(std::shared_ptr<const File> file, std::string path);

  Shape shape_;
  std::string layout_;
};

}  // namespace nnload::io::hdf5
