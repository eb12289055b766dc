// Internal to src/io/hdf5: reading a chunked dataset a block of chunks at a time.
#pragma once

#include <hdf5.h>

#include <cstdint>
#include <span>

namespace nnload::io::hdf5 {

// Chunks one H5Dread may touch. libhdf5 1.10.8 keeps about 4 kB of bookkeeping for every chunk
// a read touches, stored or not: one read of a 1 MB dataset in one-byte chunks, from an 8 kB
// file, took it 4 GB (and a damaged file in our fuzz tests more). 1,024 chunks keep that near
// 4 MB whatever the chunk shape.
inline constexpr std::uint64_t kChunksPerRead = 1024;

// Reads the whole chunked `dataset` (dataspace dimensions `shape`, chunks `chunk`, one entry
// per dimension) into `buffer` in C order, as one H5Dread when it has at most kChunksPerRead
// chunks, else box by box, each box at most kChunksPerRead whole chunks. Returns the first
// negative status of libhdf5, or 0.
herr_t read_chunk_blocks(hid_t dataset, hid_t memory_type, std::span<const hsize_t> shape,
                         std::span<const hsize_t> chunk, void* buffer);

}  // namespace nnload::io::hdf5
