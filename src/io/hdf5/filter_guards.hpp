// Guards in front of libhdf5's own chunk decoders. libhdf5 1.10.8 decodes a scale-offset or n-bit
// chunk without checking its length against what the filter's parameters and the chunk's own
// header say it holds (fuzz_hdf5 found a scale-offset chunk shorter than its packed bits read
// past its buffer: SEGV), reads a Fletcher-32 checksum from before a chunk of under 4 bytes, and
// allocates what an szip chunk declares. These filters are re-registered under their own ids
// with a function that checks the input first and then calls libhdf5's decoder unchanged (szip
// is refused). Deflate and shuffle bound their own reads.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>

namespace nnload::io::hdf5 {

// Replaces the deflate (1), shuffle (2), Fletcher-32 (3), szip (4), n-bit (5) and scale-offset (6)
// filters by their guarded versions. Called once, with the HDF5 lock held, before any file is
// opened.
void guard_builtin_filters();

// What is wrong with decoding `input` (a chunk as stored, after the filters applied before this
// one on reading) with the filter's client values `cd`, or nullopt when libhdf5's decoder reads
// and writes only inside its buffers (or refuses the parameters itself, before reading).
std::optional<std::string> scaleoffset_input_problem(std::span<const unsigned> cd,
                                                     std::span<const std::byte> input);
std::optional<std::string> nbit_input_problem(std::span<const unsigned> cd,
                                              std::span<const std::byte> input);
std::optional<std::string> fletcher32_input_problem(std::span<const unsigned> cd,
                                                    std::span<const std::byte> input);
// Always a problem: szip is refused (libhdf5 allocates what a chunk declares before decoding).
std::optional<std::string> szip_input_problem(std::span<const unsigned> cd,
                                              std::span<const std::byte> input);

// While one lives, deflate chunks read on this thread inflate into at most about `chunk_bytes`
// (the dataset's chunk size, with room for the headers of filters applied after deflate on
// writing): libhdf5's own inflate doubles its buffer until the stream ends, so a chunk's 1 kB of
// zeros could ask for a megabyte (deflate reaches ~1032:1), whatever the chunk's size. Without
// one, libhdf5's inflate runs as it is.
// Every guarded filter's output buffer is also grown to the chunk's size, and the filter that runs
// last on reading (the pipeline's first) must produce the whole chunk: libhdf5 1.10.8 copies a
// whole chunk out of whatever buffer its filters leave.
class ScopedChunkBytes {
 public:
  ScopedChunkBytes(hid_t dcpl, std::uint64_t chunk_bytes);
  ~ScopedChunkBytes();
  ScopedChunkBytes(const ScopedChunkBytes&) = delete;
  ScopedChunkBytes& operator=(const ScopedChunkBytes&) = delete;

 private:
  std::uint64_t previous_bytes_;
  int previous_last_;
};

// A chunk that no guarded filter will decode (its filter mask skips them all, or the pipeline
// holds none: an unfiltered dataset) is copied as stored, and libhdf5 1.10.8 sizes its buffer by
// the size its index record states (a record saying 0 bytes made it read a 32-byte chunk from an
// 8-byte buffer: fuzz_hdf5). The first such chunk stored in fewer bytes than a chunk holds, or
// nullopt. Also, libhdf5 allocates a chunk's stored size before reading it (a record of
// 0xFFFFFFFF bytes: 4 GiB): every allocated chunk must lie inside the file's `file_bytes`.
// Checked before reading a chunked dataset (one index lookup per chunk).
std::optional<std::string> chunk_storage_problem(hid_t dataset, hid_t dcpl,
                                                 std::span<const hsize_t> shape,
                                                 std::span<const hsize_t> chunk,
                                                 std::uint64_t chunk_bytes,
                                                 std::uint64_t file_bytes);

// Both filters decode a chunk into as many elements, of as many bytes, as their client values
// say (cd[2] and cd[4]), not as the dataset's chunk shape says. What is wrong with a dataset's
// scale-offset or n-bit parameters for chunks of `chunk_elements` elements of `element_size`
// bytes, or nullopt (also when it uses neither filter). Dataset::read checks this first.
std::optional<std::string> filter_parameters_problem(hid_t dcpl, std::uint64_t chunk_elements,
                                                     std::uint64_t element_size);

}  // namespace nnload::io::hdf5
