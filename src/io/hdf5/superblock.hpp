// Our own check of an HDF5 file's signature and superblock, run before libhdf5 sees the file:
// libhdf5 1.10 crashes or hangs on some damaged files, and most damage shows up here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace nnload::io::hdf5 {

struct Superblock {
  std::uint64_t base = 0;  // absolute offset of the superblock (after any user block)
  int version = 0;
  int offset_size = 8;
  int length_size = 8;
  std::uint64_t end_of_file = 0;         // as stored: it counts the user block
  std::uint64_t root_object_header = 0;  // absolute
  // Half the entries a group's symbol-table node (leaf) and B-tree node (internal) hold: stored
  // in version 0 and 1 superblocks, HDF5's defaults otherwise.
  int group_leaf_k = 4;
  int group_internal_k = 16;
};

// Finds the signature at 0, 512, 1024, 2048, ... and checks the superblock (version 0-3, field
// sizes, checksum for versions 2 and 3, every address it holds inside the file).
// Error(unknown_format) when there is no signature; Error(corrupt) naming `name` otherwise.
Superblock validate_superblock(std::span<const std::byte> bytes, std::string_view name);

// Jenkins' lookup3 hashlittle(), which HDF5 uses for metadata checksums.
std::uint32_t lookup3_checksum(std::span<const std::byte> data, std::uint32_t initval = 0);

}  // namespace nnload::io::hdf5
