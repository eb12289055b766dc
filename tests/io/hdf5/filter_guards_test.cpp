// The guards in front of libhdf5's deflate, scale-offset, n-bit, Fletcher-32 and szip decoders:
// valid chunks decode as before; chunks shorter than what they declare, parameters that disagree
// with the dataset's chunks, deflate chunks inflating past the chunk's size, chunks decoding (or
// stored, unfiltered) short of a whole chunk, a layout whose element size is not the datatype's,
// and szip are refused with Error instead of being read past their buffers or into what they ask
// for
// (tests/fixtures/hdf5/damaged_filters.h5, made by make_filter_damage_fixtures.py).
#include "io/hdf5/filter_guards.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "io/hdf5/h5_test_support.hpp"
#include "io/hdf5/hdf5.hpp"
#include "support/error_capture.hpp"
#include "support/fixtures.hpp"

namespace nnload::io::hdf5 {
namespace {

using testing::code_of;
using testing::message_of;

std::shared_ptr<File> damaged_filters() {
  return open(testing::project_fixture("hdf5/damaged_filters.h5"));
}

TEST(Hdf5FilterGuards, ValidChunksDecodeAsWritten) {
  const auto file = damaged_filters();
  for (const char* name : {"scaleoffset_int_ok", "nbit_ok", "deflate_ok"}) {
    SCOPED_TRACE(name);
    const Tensor t = file->root().dataset(name).read();
    ASSERT_EQ(t.numel(), 64);
    for (std::int64_t i = 0; i < 64; ++i) EXPECT_EQ(t.data<std::int32_t>()[i], i * 3 - 50);
  }
}

TEST(Hdf5FilterGuards, DamagedChunksAreRefused) {
  const auto file = damaged_filters();
  for (const auto& [name, expected] : std::vector<std::pair<const char*, const char*>>{
           {"scaleoffset_short_chunk",
            "damaged scale-offset chunk: 64 elements of 20 bits need 181 bytes, the chunk holds "
            "29"},
           {"scaleoffset_header_only", "10 bytes, shorter than its 21-byte header"},
           {"scaleoffset_too_many_bits", "40 bits per 4-byte element"},
           {"nbit_short_chunk",
            "damaged n-bit chunk: 64 elements of 12 bits need 96 bytes, the chunk holds 10"},
           {"fletcher32_short_chunk",
            "damaged Fletcher-32 chunk: 2 bytes, shorter than its 4-byte checksum"},
           {"szip", "szip-compressed chunk: not supported"},
           {"deflate_bomb",
            "damaged deflate chunk: it inflates past the dataset's 256-byte chunks"},
           {"deflate_truncated", "damaged deflate chunk"},
           {"shuffle_short_output",
            "damaged chunk: it decodes to 8 bytes, the dataset's chunks hold 256"},
           {"filters_skipped_short_chunk",
            "a chunk at 0,0 holds 8 bytes that no filter decodes; the dataset's chunks hold 256"},
           {"unfiltered_short_chunk",
            "a chunk at 0,0 holds 8 bytes that no filter decodes; the dataset's chunks hold 256"},
           {"chunk_stored_past_the_file",
            "a chunk at 0,0 is stored in 4294967295 bytes at address"},
           {"chunk_element_size_mismatch", "chunks of 2-byte elements for a datatype of 4 bytes"},
           {"scaleoffset_count_mismatch",
            "the scale-offset filter decodes chunks of 4096 elements of 4 bytes; the dataset's "
            "chunks hold 64 of 4 bytes"}}) {
    SCOPED_TRACE(name);
    const std::string dataset = name;  // clang 14 can't capture a structured binding
    const auto read = [&] { file->root().dataset(dataset).read(); };
    EXPECT_EQ(code_of(read), ErrorCode::corrupt);
    EXPECT_NE(message_of(read).find(expected), std::string::npos) << message_of(read);
  }
}

// The client values h5py writes for a 64-element chunk of int32 and of float32 (3 decimal
// digits), and for 12-bit n-bit int32 (tests/fixtures/hdf5/structures_*.h5).
const std::vector<unsigned> kScaleOffsetInt = {2, 0, 64, 0, 4, 1, 0, 1, 0, 0,
                                               0, 0, 0,  0, 0, 0, 0, 0, 0, 0};
const std::vector<unsigned> kScaleOffsetFloat = {0, 3, 64, 1, 4, 0, 0, 1, 0, 0,
                                                 0, 0, 0,  0, 0, 0, 0, 0, 0, 0};
const std::vector<unsigned> kNbit = {8, 0, 64, 1, 4, 0, 12, 0};

std::vector<std::byte> scaleoffset_chunk(std::uint32_t minbits, std::size_t packed_bytes) {
  std::vector<std::byte> chunk(21 + packed_bytes);
  for (int i = 0; i < 4; ++i) chunk[i] = std::byte(static_cast<std::uint8_t>(minbits >> (8 * i)));
  chunk[4] = std::byte{8};
  return chunk;
}

TEST(Hdf5FilterGuards, ScaleOffsetNeedsItsHeaderAndPackedBits) {
  EXPECT_FALSE(scaleoffset_input_problem(kScaleOffsetInt, scaleoffset_chunk(5, 40)));
  EXPECT_TRUE(scaleoffset_input_problem(kScaleOffsetInt, scaleoffset_chunk(5, 39)));
  EXPECT_FALSE(scaleoffset_input_problem(kScaleOffsetFloat, scaleoffset_chunk(13, 104)));
  EXPECT_TRUE(scaleoffset_input_problem(kScaleOffsetFloat, scaleoffset_chunk(13, 103)));
  // Full precision is copied whole; no bits (all values equal) reads nothing after the header.
  EXPECT_FALSE(scaleoffset_input_problem(kScaleOffsetInt, scaleoffset_chunk(32, 256)));
  EXPECT_TRUE(scaleoffset_input_problem(kScaleOffsetInt, scaleoffset_chunk(32, 255)));
  EXPECT_FALSE(scaleoffset_input_problem(kScaleOffsetInt, scaleoffset_chunk(0, 0)));
  EXPECT_TRUE(scaleoffset_input_problem(kScaleOffsetInt, scaleoffset_chunk(33, 400)));
  EXPECT_TRUE(scaleoffset_input_problem(kScaleOffsetInt, std::vector<std::byte>(20)));
}

TEST(Hdf5FilterGuards, ScaleOffsetTypesLibhdf5CannotDecodeAreRefused) {
  std::vector<unsigned> cd = kScaleOffsetInt;
  cd[4] = 3;  // 3-byte integers
  EXPECT_TRUE(scaleoffset_input_problem(cd, scaleoffset_chunk(5, 40)));
  cd = kScaleOffsetFloat;
  cd[4] = 2;  // half floats
  EXPECT_TRUE(scaleoffset_input_problem(cd, scaleoffset_chunk(5, 40)));
  cd = kScaleOffsetInt;
  cd[3] = 7;  // no such class
  EXPECT_TRUE(scaleoffset_input_problem(cd, scaleoffset_chunk(5, 40)));
}

// Parameters libhdf5 refuses, or passes the chunk through for, before it reads the chunk.
TEST(Hdf5FilterGuards, ScaleOffsetParametersLibhdf5HandlesAreLeftToIt) {
  const std::vector<std::byte> short_chunk(3);
  std::vector<unsigned> cd = kScaleOffsetInt;
  cd[1] = 32;  // minimum bits = full precision: no processing
  EXPECT_FALSE(scaleoffset_input_problem(cd, short_chunk));
  cd = kScaleOffsetFloat;
  cd[0] = 1;  // E-scaling: refused by libhdf5
  EXPECT_FALSE(scaleoffset_input_problem(cd, short_chunk));
  EXPECT_FALSE(scaleoffset_input_problem(std::vector<unsigned>(19, 0), short_chunk));
}

TEST(Hdf5FilterGuards, NbitNeedsItsPackedBits) {
  EXPECT_FALSE(nbit_input_problem(kNbit, std::vector<std::byte>(96)));
  EXPECT_TRUE(nbit_input_problem(kNbit, std::vector<std::byte>(95)));
  std::vector<unsigned> cd = kNbit;
  cd[6] = 33;  // precision past the element
  EXPECT_TRUE(nbit_input_problem(cd, std::vector<std::byte>(1000)));
  cd = kNbit;
  cd[7] = 21;  // 12 bits at offset 21 end past bit 32
  EXPECT_TRUE(nbit_input_problem(cd, std::vector<std::byte>(1000)));
  cd = kNbit;
  cd[6] = 0;
  EXPECT_TRUE(nbit_input_problem(cd, std::vector<std::byte>(1000)));
  cd = kNbit;
  cd[1] = 1;  // "nothing to do": passed through without reading
  EXPECT_FALSE(nbit_input_problem(cd, std::vector<std::byte>(0)));
}

// Array and compound types make libhdf5 walk further client values without a bound.
TEST(Hdf5FilterGuards, NbitOnlyForAtomicTypes) {
  std::vector<unsigned> compound = {9, 0, 64, 3, 8, 1, 0, 1, 0};
  const auto problem = nbit_input_problem(compound, std::vector<std::byte>(1000));
  ASSERT_TRUE(problem);
  EXPECT_NE(problem->find("only integer and float types"), std::string::npos);
}

}  // namespace
}  // namespace nnload::io::hdf5
