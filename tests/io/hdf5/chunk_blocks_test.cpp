// Chunked datasets of many small chunks (tests/fixtures/hdf5/many_chunks.h5, made by
// make_layout_fixtures.py): read box by box with the values written and the fill value elsewhere,
// in memory that does not grow with the number of chunks; and chunks whose rank does not match
// their dataspace are refused before libhdf5 reads them.
#include "io/hdf5/chunk_blocks.hpp"

#include <gtest/gtest.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "io/hdf5/h5_test_support.hpp"
#include "io/hdf5/hdf5.hpp"
#include "support/fixtures.hpp"

namespace nnload::io::hdf5 {
namespace {

std::shared_ptr<const File> many_chunks() {
  return open(nnload::testing::project_fixture("hdf5/many_chunks.h5"));
}

// This process's resident memory now, in kB.
long resident_kb() {
  std::ifstream statm("/proc/self/statm");
  long pages = 0, resident = 0;
  statm >> pages >> resident;
  return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

TEST(ChunkBlocks, OneByteChunksReadAsWrittenAndFilled) {
  const Dataset a = many_chunks()->root().dataset("a");  // 100,000 chunks of one byte
  ASSERT_EQ(a.shape(), (std::vector<std::int64_t>{100'000}));
  const Tensor values = a.read();
  EXPECT_EQ(testing::tensor_sum(values), testing::number_attribute(a, "expected_sum"));
  // Every 997th element i was written as i % 251; the others are the fill value, 7.
  for (const std::int64_t i : {0, 1, 996, 997, 998, 99'706, 99'707, 99'999}) {
    SCOPED_TRACE(i);
    EXPECT_EQ(values.value_as_double(i), i % 997 == 0 ? static_cast<double>(i % 251) : 7.0);
  }
}

TEST(ChunkBlocks, BoxesWithPartialEdgeChunksInThreeDimensions) {
  const Dataset b = many_chunks()->root().dataset("b");  // (40, 50, 60) in (1, 3, 7) chunks
  const Tensor values = b.read();
  EXPECT_EQ(testing::tensor_sum(values), testing::number_attribute(b, "expected_sum"));
  // b[:, 0:3, :] holds 0, 1, 2, ... in C order; the rest is the fill value, -3.
  const auto at = [&](std::int64_t i, std::int64_t j, std::int64_t k) {
    return values.value_as_double((i * 50 + j) * 60 + k);
  };
  EXPECT_EQ(at(0, 0, 0), 0);
  EXPECT_EQ(at(0, 2, 59), 179);
  EXPECT_EQ(at(39, 2, 59), 40 * 3 * 60 - 1);
  EXPECT_EQ(at(17, 1, 33), (17 * 3 + 1) * 60 + 33);
  EXPECT_EQ(at(0, 3, 0), -3);
  EXPECT_EQ(at(39, 49, 59), -3);  // in the partial chunks of both last dimensions
}

// AddressSanitizer keeps freed memory in a quarantine (256 MB by default) before reusing it, so
// there the boxes' allocations, each freed before the next box, still add up in RSS to that much.
#if defined(__SANITIZE_ADDRESS__)
constexpr long kQuarantineKb = 256 * 1024;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr long kQuarantineKb = 256 * 1024;
#else
constexpr long kQuarantineKb = 0;
#endif
#else
constexpr long kQuarantineKb = 0;
#endif

// One H5Dread of dataset "a" took libhdf5 ~380 MB (about 4 kB a chunk, all live at once); read
// box by box it must stay far below. Measured in a child process, whose peak starts from this
// process's memory; memory libhdf5 and malloc keep for reuse after earlier reads (in this process,
// when the tests run in one) is released first, else the child would reuse it unseen.
TEST(ChunkBlocks, MemoryDoesNotGrowWithTheNumberOfChunks) {
  const auto file = many_chunks();
  const double expected = testing::number_attribute(file->root().dataset("a"), "expected_sum");
  H5garbage_collect();
  malloc_trim(0);
  const long before_kb = resident_kb();
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) _exit(testing::tensor_sum(file->root().dataset("a").read()) == expected ? 0 : 1);
  int status = 0;
  rusage usage{};
  ASSERT_EQ(wait4(child, &status, 0, &usage), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the child read other values";
  EXPECT_LT(usage.ru_maxrss - before_kb, 128 * 1024 + kQuarantineKb)
      << "reading 100,000 chunks grew the peak by " << (usage.ru_maxrss - before_kb) << " kB";
}

// Found by fuzz_hdf5 from structures_earliest.h5: a scalar dataset whose layout declares 8 x 8
// chunks made libhdf5 1.10.8 allocate without end when read (6 million allocations, past 2 GiB).
TEST(ChunkBlocks, ChunksOfAnotherRankThanTheDataspaceAreCorrupt) {
  const auto file = open(
      nnload::testing::project_fixture("fuzz_regressions/hdf5/scalar_dataset_with_2d_chunks.h5"));
  try {
    file->root().dataset("filters/deflate_shuffle_fletcher32").read();
    ADD_FAILURE() << "read a scalar dataset with 2-D chunks";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::corrupt) << e.what();
    EXPECT_NE(std::string(e.what()).find("chunks of 2 dimensions for a dataspace of 0"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace nnload::io::hdf5
