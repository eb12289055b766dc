// numpy .npz: a zip of NAME.npy entries. Reading maps stored entries without copying; writing
// stores entries uncompressed with their data 64-byte aligned, atomically.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "io/zip_reader.hpp"
#include "nnload/tensor.hpp"

namespace nnload::io {

struct NamedTensor {
  std::string name;
  Tensor tensor;
};

// Largest deflated entry read into memory by default; stored entries are mapped, not read.
inline constexpr std::uint64_t kDefaultNpzMaxEntryBytes = std::uint64_t{16} << 30;

// Every .npy entry in archive order, named without the ".npy" suffix (directory entries are
// skipped). Stored entries are zero-copy views into the archive's memory when little-endian,
// C-ordered and aligned; deflated entries are decompressed (CRC checked) into owned tensors.
// Error(corrupt) naming the entry when one is not a valid .npy, Error(unsupported) for a
// dtype nnload does not read.
std::vector<NamedTensor> read_npz(const ZipReader& zip,
                                  std::uint64_t max_entry_bytes = kDefaultNpzMaxEntryBytes);
std::vector<NamedTensor> load_npz(const std::filesystem::path& path,
                                  std::uint64_t max_entry_bytes = kDefaultNpzMaxEntryBytes);

// Writes `tensors` as NAME.npy entries (stored, zip64 where needed, data 64-byte aligned by
// padding the local headers' extra field). The file appears only when everything succeeded:
// on any failure (an empty, duplicate or too long name, an undefined tensor, a write error)
// no output and no temporary file remain. Error(invalid_argument) for bad arguments.
void save_npz(const std::filesystem::path& path, const std::vector<NamedTensor>& tensors);

}  // namespace nnload::io
