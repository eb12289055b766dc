// read_chunk_blocks (chunk_blocks.hpp): bounds libhdf5's per-read chunk bookkeeping.
#include "io/hdf5/chunk_blocks.hpp"

#include <algorithm>
#include <vector>

namespace nnload::io::hdf5 {

namespace {

// Closes a dataspace id when it goes (the caller holds the HDF5 lock).
struct Space {
  hid_t id;
  ~Space() {
    if (id >= 0) H5Sclose(id);
  }
};

}  // namespace

herr_t read_chunk_blocks(hid_t dataset, hid_t memory_type, std::span<const hsize_t> shape,
                         std::span<const hsize_t> chunk, void* buffer) {
  const std::size_t rank = shape.size();
  // Chunks along each dimension, and their product (saturating: only its size matters).
  std::vector<hsize_t> grid(rank);
  std::uint64_t chunks = 1;
  for (std::size_t i = 0; i < rank; ++i) {
    if (shape[i] == 0 || chunk[i] == 0) return 0;  // no elements: nothing to read
    grid[i] = (shape[i] - 1) / chunk[i] + 1;
    chunks = std::min<std::uint64_t>(chunks * std::min<std::uint64_t>(grid[i], kChunksPerRead + 1),
                                     kChunksPerRead + 1);
  }
  if (chunks <= kChunksPerRead)
    return H5Dread(dataset, memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);

  // A box of chunks, filled from the last (fastest) dimension: whole rows of chunks where they
  // fit, so that each box is as contiguous in memory as the budget allows.
  std::vector<hsize_t> box(rank);
  std::uint64_t budget = kChunksPerRead;
  for (std::size_t i = rank; i-- > 0;) {
    box[i] = std::min<std::uint64_t>(grid[i], budget);
    budget /= box[i];
  }
  const Space file_space{H5Dget_space(dataset)};
  const Space memory_space{H5Screate_simple(static_cast<int>(rank), shape.data(), nullptr)};
  if (file_space.id < 0 || memory_space.id < 0) return -1;

  std::vector<hsize_t> index(rank, 0), start(rank), count(rank);  // index: box, in boxes
  for (;;) {
    for (std::size_t i = 0; i < rank; ++i) {
      start[i] = index[i] * box[i] * chunk[i];
      count[i] = std::min<hsize_t>(box[i] * chunk[i], shape[i] - start[i]);
    }
    if (H5Sselect_hyperslab(file_space.id, H5S_SELECT_SET, start.data(), nullptr, count.data(),
                            nullptr) < 0 ||
        H5Sselect_hyperslab(memory_space.id, H5S_SELECT_SET, start.data(), nullptr, count.data(),
                            nullptr) < 0 ||
        H5Dread(dataset, memory_type, memory_space.id, file_space.id, H5P_DEFAULT, buffer) < 0)
      return -1;
    // Next box, last dimension fastest.
    std::size_t i = rank;
    for (; i > 0; --i) {
      if (start[i - 1] + count[i - 1] < shape[i - 1]) {
        ++index[i - 1];
        break;
      }
      index[i - 1] = 0;
    }
    if (i == 0) return 0;  // past the last box
  }
}

}  // namespace nnload::io::hdf5
