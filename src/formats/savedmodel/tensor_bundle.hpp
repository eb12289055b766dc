// TensorFlow's tensor bundle (a SavedModel's variables/): `<prefix>.index`, a LevelDB-format
// table from variable name to BundleEntryProto, and the data shards
// `<prefix>.data-NNNNN-of-NNNNN` the entries point into. Tensors are zero-copy views into the
// memory-mapped shards where aligned; every read verifies the entry's CRC-32C.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "io/mapped_file.hpp"
#include "nnload/tensor.hpp"
#include "tensor_bundle.pb.h"

namespace nnload::formats::savedmodel {

class TensorBundle {
 public:
  TensorBundle() = default;  // empty: a SavedModel without variables

  // Reads `<prefix>.index` and maps the shards its entries use. Error(not_found) naming a
  // missing index or shard, Error(corrupt) for a damaged index, header or entry (bounds outside
  // its shard), Error(unsupported) for big-endian bundles.
  static TensorBundle open(const std::filesystem::path& prefix);

  bool empty() const { return entries_.empty(); }
  // Every key except the header's, sorted.
  std::vector<std::string> keys() const;
  const tf::BundleEntryProto* find(std::string_view key) const;

  // The tensor under `key`, its checksum verified. Error(not_found) for an unknown key,
  // Error(unsupported) for string tensors, sliced (partitioned) variables and dtypes nnload has
  // no equivalent of, Error(corrupt) for a checksum mismatch.
  Tensor tensor(const std::string& key) const;
  // The elements of a DT_STRING entry, checksums verified.
  std::vector<std::string> strings(const std::string& key) const;

  // "<dir>/variables/variables.data-00000-of-00001" for messages.
  std::string shard_name(int shard) const;

 private:
  std::span<const std::byte> entry_bytes(const std::string& key,
                                         const tf::BundleEntryProto& entry) const;
  const tf::BundleEntryProto& entry(const std::string& key) const;
  void check_no_overlap() const;

  std::filesystem::path prefix_;
  int num_shards_ = 0;
  std::map<std::string, tf::BundleEntryProto, std::less<>> entries_;
  std::map<int, std::shared_ptr<const io::MappedFile>> shards_;
};

}  // namespace nnload::formats::savedmodel
