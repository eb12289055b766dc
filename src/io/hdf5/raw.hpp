// Our own bounds-checked reading of the HDF5 structures behind variable-length string
// attributes: object headers (v1, v2), attribute messages and global heap collections.
// libhdf5 1.10.8 trusts global heap object sizes and indices (checked only by assertions) and
// crashed or looped on damaged heaps in our fuzz tests, so these strings never go through it.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "io/hdf5/superblock.hpp"

namespace nnload::io::hdf5 {

// The strings of variable-length string attribute `name` of the object whose header is at
// `header_address` (relative to the superblock, as libhdf5 reports it). std::nullopt when the
// attribute is stored in a way this reader does not parse (dense attribute storage, shared
// messages or datatypes), so the caller may fall back to libhdf5. Error(corrupt) naming `file`
// when a structure is damaged.
std::optional<std::vector<std::string>> read_vlen_string_attribute(
    std::span<const std::byte> bytes, const Superblock& sb, std::uint64_t header_address,
    std::string_view name, std::uint64_t count, std::string_view file);

// Follows the object header at `header_address`: its chunks and continuation blocks lie inside
// the file, v2 checksums match. libhdf5 1.10.8 allocates the size a header declares before it
// reads it (43 GB for a damaged root header in our fuzz tests), so every header is checked before
// libhdf5 loads it. Error(corrupt) naming `file`.
void validate_object_header(std::span<const std::byte> bytes, const Superblock& sb,
                            std::uint64_t header_address, std::string_view file);

// Checks every attribute message in the header at `header_address`: its name, datatype and
// dataspace lie inside the message and the data the dataspace and datatype size call for fits
// too. libhdf5 1.10.8 detects a short attribute but then frees an uninitialised table while
// cleaning up (a crash in our fuzz tests), so damaged attributes must be refused first.
// Error(corrupt) naming `file` and the attribute.
void validate_attribute_messages(std::span<const std::byte> bytes, const Superblock& sb,
                                 std::uint64_t header_address, std::string_view file);

}  // namespace nnload::io::hdf5
