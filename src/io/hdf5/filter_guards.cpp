#include "io/hdf5/filter_guards.hpp"

#include <fmt/format.h>
#include <hdf5.h>
#include <zlib.h>

#include <fmt/ranges.h>

#include <cstdint>
#include <cstring>
#include <iterator>
#include <vector>

namespace nnload::io::hdf5 {

// libhdf5's own filter classes and its internal registration (the public H5Zregister refuses
// ids below 256): exported by libhdf5.so, though not declared in its public headers.
extern "C" {
extern const H5Z_class2_t H5Z_SCALEOFFSET[1];
extern const H5Z_class2_t H5Z_NBIT[1];
extern const H5Z_class2_t H5Z_FLETCHER32[1];
extern const H5Z_class2_t H5Z_SZIP[1];
extern const H5Z_class2_t H5Z_DEFLATE[1];
extern const H5Z_class2_t H5Z_SHUFFLE[1];
herr_t H5Z_register(const H5Z_class2_t* cls);
}

namespace {

// H5Zscaleoffset.c: 20 client values; a chunk starts with a 21-byte header (minbits as 4
// little-endian bytes, the size of minval, minval) followed by `minbits` bits per element.
constexpr std::size_t kScaleOffsetParms = 20;
constexpr std::size_t kScaleOffsetHeader = 21;
constexpr unsigned kClassInteger = 0, kClassFloat = 1;
constexpr unsigned kScaleFloatD = 0, kScaleInteger = 2;

// H5Znbit.c: cd[0] the count of client values, cd[1] "nothing to do", cd[2] the element count,
// cd[3] the type's class code, then (atomic types) size, order, precision, offset.
constexpr std::size_t kNbitAtomicParms = 8;
constexpr unsigned kNbitAtomic = 1;

// Where both filters keep the element count and size they decode a chunk into.
constexpr std::size_t kElementCountIndex = 2;
constexpr std::size_t kElementSizeIndex = 4;

bool g_guarded = false;  // set once, under the HDF5 lock, before any file is opened
thread_local std::uint64_t t_chunk_bytes = 0;  // ScopedChunkBytes; 0: none
thread_local int t_last_on_read = -1;          // ScopedChunkBytes: the pipeline's first filter

// The id of the dataset's i-th pipeline filter, or -1.
H5Z_filter_t pipeline_filter(hid_t dcpl, int i) {
  unsigned flags = 0;
  std::size_t count = 0;
  return H5Pget_filter2(dcpl, static_cast<unsigned>(i), &flags, &count, nullptr, 0, nullptr,
                        nullptr);
}

// The filters nnload registers guards for (szip's refuses every chunk).
bool is_guarded(H5Z_filter_t id) {
  return id == H5Z_FILTER_DEFLATE || id == H5Z_FILTER_SHUFFLE || id == H5Z_FILTER_FLETCHER32 ||
         id == H5Z_FILTER_SZIP || id == H5Z_FILTER_NBIT || id == H5Z_FILTER_SCALEOFFSET;
}

void push_filter_error(const std::string& message) {
  H5Epush2(H5E_DEFAULT, __FILE__, __func__, __LINE__, H5E_ERR_CLS, H5E_PLINE, H5E_CANTFILTER, "%s",
           message.c_str());
}

// libhdf5 1.10.8 copies a whole chunk out of the buffer its filters leave, whatever that
// buffer's size (fuzz_hdf5: shuffle left 8 bytes of a 256-byte chunk). After a filter decodes,
// its buffer is grown to the chunk's size (zeros past its output); the filter that runs last on
// reading must have produced the whole chunk, as every filter does on an undamaged one.
size_t fit_to_chunk(H5Z_filter_t id, size_t produced, size_t* buf_size, void** buf) {
  if (produced == 0 || t_chunk_bytes == 0) return produced;
  if (id == t_last_on_read && produced < t_chunk_bytes) {
    push_filter_error(
        fmt::format("damaged chunk: it decodes to {} bytes, the dataset's chunks "
                    "hold {}",
                    produced, t_chunk_bytes));
    return 0;
  }
  if (*buf_size < t_chunk_bytes) {
    void* grown = H5resize_memory(*buf, static_cast<std::size_t>(t_chunk_bytes));
    if (grown == nullptr) {
      push_filter_error(fmt::format("no memory for a {}-byte chunk", t_chunk_bytes));
      return 0;
    }
    std::memset(static_cast<char*>(grown) + *buf_size, 0,
                static_cast<std::size_t>(t_chunk_bytes - *buf_size));
    *buf = grown;
    *buf_size = static_cast<std::size_t>(t_chunk_bytes);
  }
  return produced;
}

// Deflate's reverse direction with the output bounded by the chunk being read: zlib's stream
// inflated in one call into a buffer of the chunk's size plus room for the headers of filters
// applied after deflate on writing (scale-offset's 22 bytes, a nested deflate's block headers).
size_t bounded_inflate(unsigned flags, size_t cd_nelmts, const unsigned cd_values[], size_t nbytes,
                       size_t* buf_size, void** buf) {
  const std::uint64_t cap = t_chunk_bytes == 0 ? 0 : t_chunk_bytes + t_chunk_bytes / 256 + 64;
  if ((flags & H5Z_FLAG_REVERSE) == 0 || cap == 0 || cap > UINT32_MAX || nbytes > UINT32_MAX)
    return H5Z_DEFLATE[0].filter(flags, cd_nelmts, cd_values, nbytes, buf_size, buf);
  void* out = H5allocate_memory(static_cast<std::size_t>(cap), false);
  if (out == nullptr) {
    push_filter_error(fmt::format("no memory for a {}-byte chunk", cap));
    return 0;
  }
  z_stream z{};
  z.next_in = static_cast<Bytef*>(*buf);
  z.avail_in = static_cast<uInt>(nbytes);
  z.next_out = static_cast<Bytef*>(out);
  z.avail_out = static_cast<uInt>(cap);
  int status = inflateInit(&z);
  if (status == Z_OK) {
    status = inflate(&z, Z_FINISH);
    inflateEnd(&z);
  }
  if (status != Z_STREAM_END) {
    push_filter_error(
        z.avail_out == 0 && status != Z_DATA_ERROR
            ? fmt::format("damaged deflate chunk: it inflates past the dataset's {}-byte chunks",
                          t_chunk_bytes)
            : fmt::format("damaged deflate chunk ({})", z.msg != nullptr ? z.msg : "truncated"));
    H5free_memory(out);
    return 0;
  }
  H5free_memory(*buf);
  *buf = out;
  *buf_size = static_cast<std::size_t>(cap);
  return fit_to_chunk(H5Z_FILTER_DEFLATE, z.total_out, buf_size, buf);
}

std::uint64_t packed_bytes(std::uint64_t elements, std::uint64_t bits) {
  return (elements * bits + 7) / 8;  // elements < 2^32, bits <= 64: no overflow
}

}  // namespace

std::optional<std::string> scaleoffset_input_problem(std::span<const unsigned> cd,
                                                     std::span<const std::byte> input) {
  if (cd.size() != kScaleOffsetParms) return std::nullopt;  // libhdf5 refuses it before reading
  const unsigned scale_type = cd[0];
  const auto scale_factor = static_cast<int>(cd[1]);
  const std::uint64_t elements = cd[kElementCountIndex];
  const unsigned cls = cd[3];
  const std::uint64_t size = cd[kElementSizeIndex];
  if (cls == kClassInteger) {
    if (size != 1 && size != 2 && size != 4 && size != 8)
      return fmt::format("{}-byte integers", size);
    // Other scale types, and minimum bits at or past the type's, are refused or passed through
    // by libhdf5 without reading the chunk.
    if (scale_type != kScaleInteger || scale_factor >= static_cast<int>(size * 8))
      return std::nullopt;
  } else if (cls == kClassFloat) {
    if (size != 4 && size != 8) return fmt::format("{}-byte floats", size);
    if (scale_type != kScaleFloatD) return std::nullopt;
  } else {
    return fmt::format("type class {}", cls);
  }
  if (input.size() < kScaleOffsetHeader)
    return fmt::format("{} bytes, shorter than its {}-byte header", input.size(),
                       kScaleOffsetHeader);
  std::uint32_t minbits = 0;
  for (int i = 0; i < 4; ++i) minbits |= std::uint32_t(std::uint8_t(input[i])) << (8 * i);
  if (minbits > size * 8) return fmt::format("{} bits per {}-byte element", minbits, size);
  const std::uint64_t needed =
      kScaleOffsetHeader +
      (minbits == size * 8 ? elements * size : packed_bytes(elements, minbits));
  if (input.size() < needed) {
    return fmt::format("{} elements of {} bits need {} bytes, the chunk holds {}", elements,
                       minbits, needed, input.size());
  }
  return std::nullopt;
}

std::optional<std::string> nbit_input_problem(std::span<const unsigned> cd,
                                              std::span<const std::byte> input) {
  // A count that disagrees, or "nothing to do", is refused or passed through before reading.
  if (cd.size() < 3 || cd[0] != cd.size() || cd[1] != 0) return std::nullopt;
  // Array and compound types walk further client values, each read without a bound; only the
  // atomic types h5py and H5Pset_nbit write for numbers are decoded.
  if (cd.size() != kNbitAtomicParms || cd[3] != kNbitAtomic)
    return std::string("only integer and float types are supported with the n-bit filter");
  const std::uint64_t elements = cd[kElementCountIndex];
  const std::uint64_t size = cd[kElementSizeIndex];
  const std::uint64_t precision = cd[6];
  const std::uint64_t offset = cd[7];
  if (size == 0 || size > 8) return fmt::format("{}-byte elements", size);
  if (precision == 0 || precision > size * 8 || offset > size * 8 - precision) {
    return fmt::format("precision {} at bit offset {} in {}-byte elements", precision, offset,
                       size);
  }
  const std::uint64_t needed = packed_bytes(elements, precision);
  if (input.size() < needed) {
    return fmt::format("{} elements of {} bits need {} bytes, the chunk holds {}", elements,
                       precision, needed, input.size());
  }
  return std::nullopt;
}

namespace {

struct Guard {
  const H5Z_class2_t* original;  // its id too
  const char* refusal;           // what the error says before the problem
  std::optional<std::string> (*problem)(std::span<const unsigned>, std::span<const std::byte>);
};

constexpr Guard kScaleOffsetGuard{H5Z_SCALEOFFSET, "damaged scale-offset chunk",
                                  scaleoffset_input_problem};
constexpr Guard kNbitGuard{H5Z_NBIT, "damaged n-bit chunk", nbit_input_problem};
constexpr Guard kFletcher32Guard{H5Z_FLETCHER32, "damaged Fletcher-32 chunk",
                                 fletcher32_input_problem};
constexpr Guard kSzipGuard{H5Z_SZIP, "szip-compressed chunk", szip_input_problem};
constexpr Guard kShuffleGuard{H5Z_SHUFFLE, "damaged shuffled chunk", nullptr};

// The filter function registered for G's id: decoding checks the input first; encoding (nnload
// writes no HDF5) is left to libhdf5.
template <const Guard& G>
size_t guarded(unsigned flags, size_t cd_nelmts, const unsigned cd_values[], size_t nbytes,
               size_t* buf_size, void** buf) {
  if ((flags & H5Z_FLAG_REVERSE) == 0)
    return G.original->filter(flags, cd_nelmts, cd_values, nbytes, buf_size, buf);
  if (G.problem != nullptr) {
    if (const auto problem =
            G.problem({cd_values, cd_nelmts}, {static_cast<std::byte*>(*buf), nbytes})) {
      push_filter_error(std::string(G.refusal) + ": " + *problem);
      return 0;
    }
  }
  const size_t produced = G.original->filter(flags, cd_nelmts, cd_values, nbytes, buf_size, buf);
  return fit_to_chunk(G.original->id, produced, buf_size, buf);
}

bool register_filter(const H5Z_class2_t& original, H5Z_func_t filter) {
  H5Z_class2_t cls = original;
  cls.filter = filter;
  return H5Z_register(&cls) >= 0;
}

}  // namespace

std::optional<std::string> fletcher32_input_problem(std::span<const unsigned>,
                                                    std::span<const std::byte> input) {
  // libhdf5 reads the checksum from the chunk's last 4 bytes and sums the rest: a shorter chunk
  // put both before the buffer.
  if (input.size() < 4)
    return fmt::format("{} bytes, shorter than its 4-byte checksum", input.size());
  return std::nullopt;
}

std::optional<std::string> szip_input_problem(std::span<const unsigned>,
                                              std::span<const std::byte>) {
  // libhdf5 allocates the size a chunk's first 4 bytes declare before decoding it, and h5py and
  // Keras write szip only when asked to (it is not among the formats nnload reads).
  return std::string(
      "not supported (nnload reads deflate, shuffle, Fletcher-32, scale-offset and n-bit)");
}

std::optional<std::string> filter_parameters_problem(hid_t dcpl, std::uint64_t chunk_elements,
                                                     std::uint64_t element_size) {
  const int filters = H5Pget_nfilters(dcpl);
  for (int i = 0; i < filters; ++i) {
    unsigned flags = 0;
    unsigned cd[32] = {0};
    std::size_t count = std::size(cd);
    const H5Z_filter_t id =
        H5Pget_filter2(dcpl, static_cast<unsigned>(i), &flags, &count, cd, 0, nullptr, nullptr);
    if (id != H5Z_FILTER_SCALEOFFSET && id != H5Z_FILTER_NBIT) continue;
    const char* name = id == H5Z_FILTER_NBIT ? "n-bit" : "scale-offset";
    if (!g_guarded) {
      return fmt::format("libhdf5's {} decoder could not be guarded (see filter_guards.hpp)", name);
    }
    if (count <= kElementSizeIndex)
      return fmt::format("the {} filter has {} parameters", name, count);
    if (cd[kElementCountIndex] != chunk_elements || cd[kElementSizeIndex] != element_size) {
      return fmt::format(
          "the {} filter decodes chunks of {} elements of {} bytes; the dataset's chunks hold {} "
          "of {} bytes",
          name, cd[kElementCountIndex], cd[kElementSizeIndex], chunk_elements, element_size);
    }
  }
  return std::nullopt;
}

ScopedChunkBytes::ScopedChunkBytes(hid_t dcpl, std::uint64_t chunk_bytes)
    : previous_bytes_(t_chunk_bytes), previous_last_(t_last_on_read) {
  t_chunk_bytes = chunk_bytes;
  // Filters run in reverse order on reading: the pipeline's first runs last. Used only when it
  // appears once (a filter used twice also decodes an inner stream, shorter than a chunk).
  t_last_on_read = -1;
  const int filters = H5Pget_nfilters(dcpl);
  if (filters > 0) {
    const H5Z_filter_t first = pipeline_filter(dcpl, 0);
    int uses = 0;
    for (int i = 0; i < filters; ++i) uses += pipeline_filter(dcpl, i) == first ? 1 : 0;
    if (uses == 1) t_last_on_read = first;
  }
}

ScopedChunkBytes::~ScopedChunkBytes() {
  t_chunk_bytes = previous_bytes_;
  t_last_on_read = previous_last_;
}

std::optional<std::string> chunk_storage_problem(hid_t dataset, hid_t dcpl,
                                                 std::span<const hsize_t> shape,
                                                 std::span<const hsize_t> chunk,
                                                 std::uint64_t chunk_bytes,
                                                 std::uint64_t file_bytes) {
  const int filters = H5Pget_nfilters(dcpl);
  unsigned guarded_bits = 0;  // bit i: pipeline filter i is one nnload guards
  for (int i = 0; i < filters && i < 32; ++i) {
    if (is_guarded(pipeline_filter(dcpl, i))) guarded_bits |= 1u << i;
  }
  const std::size_t rank = shape.size();
  std::vector<hsize_t> offset(rank, 0);
  for (;;) {
    unsigned mask = 0;
    haddr_t address = HADDR_UNDEF;
    hsize_t stored = 0;
    if (H5Dget_chunk_info_by_coord(dataset, offset.data(), &mask, &address, &stored) < 0) {
      H5Eclear2(H5E_DEFAULT);  // libhdf5 reports the chunk at the read, naming its reason
    } else if (address != HADDR_UNDEF) {
      if (address > file_bytes || stored > file_bytes - address) {
        return fmt::format(
            "a chunk at {} is stored in {} bytes at address {}, past the end of "
            "the {}-byte file",
            fmt::join(offset, ","), stored, address, file_bytes);
      }
      if ((guarded_bits & ~mask) == 0 && stored < chunk_bytes) {
        return fmt::format(
            "a chunk at {} holds {} bytes that no filter decodes; the dataset's "
            "chunks hold {}",
            fmt::join(offset, ","), stored, chunk_bytes);
      }
    }
    std::size_t i = rank;
    for (; i > 0; --i) {
      offset[i - 1] += chunk[i - 1];
      if (offset[i - 1] < shape[i - 1]) break;
      offset[i - 1] = 0;
    }
    if (i == 0) return std::nullopt;
  }
}

void guard_builtin_filters() {
  // The filter table is filled when libhdf5 first initialises its filter package; registering
  // an id already in it replaces that entry, so the package is initialised first.
  H5Zfilter_avail(H5Z_FILTER_SCALEOFFSET);
  g_guarded = register_filter(H5Z_SCALEOFFSET[0], guarded<kScaleOffsetGuard>) &&
              register_filter(H5Z_NBIT[0], guarded<kNbitGuard>) &&
              register_filter(H5Z_FLETCHER32[0], guarded<kFletcher32Guard>) &&
              register_filter(H5Z_SZIP[0], guarded<kSzipGuard>) &&
              register_filter(H5Z_SHUFFLE[0], guarded<kShuffleGuard>) &&
              register_filter(H5Z_DEFLATE[0], bounded_inflate);
  H5Eclear2(H5E_DEFAULT);
}

}  // namespace nnload::io::hdf5
