// HDF5 layouts Keras rarely writes but files from elsewhere hold (tests/fixtures/hdf5, made by
// make_layout_fixtures.py with h5py): new-style object headers, dense link and attribute storage,
// every chunk index, the built-in filters and integers with padding bits read with the values
// that were written; and the example Keras model rewritten with these layouts predicts what the
// original does.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "io/hdf5/h5_test_support.hpp"
#include "io/hdf5/hdf5.hpp"
#include "io/npy.hpp"
#include "nnload/model.hpp"
#include "support/fixtures.hpp"
#include "support/temp_files.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::io::hdf5 {
namespace {

// Reads every dataset under `group`, checking its values' sum against the one recorded when it
// was written; the number of datasets read.
int check_datasets(const Group& group) {
  int count = 0;
  for (const std::string& name : group.children()) {
    SCOPED_TRACE(group.path() + "/" + name);
    if (group.has_group(name)) {
      count += check_datasets(group.group(name));
      continue;
    }
    const Dataset dataset = group.dataset(name);
    EXPECT_NEAR(testing::tensor_sum(dataset.read()),
                testing::number_attribute(dataset, "expected_sum"),
                testing::number_attribute(dataset, "tolerance") + 1e-6);
    ++count;
  }
  return count;
}

class Hdf5Layouts : public ::testing::TestWithParam<std::string> {};

TEST_P(Hdf5Layouts, EveryChunkIndexAndFilterReadsTheValuesWritten) {
  const auto file = open(nnload::testing::project_fixture("hdf5/structures_" + GetParam() + ".h5"));
  const Group root = file->root();
  EXPECT_EQ(check_datasets(root),
            static_cast<int>(testing::number_attribute(root, "dataset_count")));
  for (const char* name :
       {"single_chunk", "implicit", "fixed_array", "extensible_array", "v2_btree",
        "filters/deflate_shuffle_fletcher32", "filters/scaleoffset_float",
        "filters/scaleoffset_int", "filters/nbit"}) {
    ASSERT_TRUE(root.has_dataset(name)) << name;
    EXPECT_EQ(root.dataset(name).layout(), "chunked") << name;
  }
  EXPECT_EQ(root.dataset("padded_int16").dtype(), DType::i16);
}

TEST_P(Hdf5Layouts, LinksAndAttributesInDenseStorage) {
  const auto file = open(nnload::testing::project_fixture("hdf5/structures_" + GetParam() + ".h5"));
  const Group group = file->root().group("many_links");
  EXPECT_EQ(group.children().size(), 24u);
  const std::vector<std::string> names = group.attribute_names();
  ASSERT_EQ(names.size(), 24u);
  for (int i = 0; i < 24; ++i) {
    const std::string name = "attribute_" + std::string(i < 10 ? "0" : "") + std::to_string(i);
    SCOPED_TRACE(name);
    const Tensor values = group.tensor_attribute(name);
    ASSERT_EQ(values.numel(), i + 1);
    for (int j = 0; j <= i; ++j) EXPECT_EQ(values.value_as_double(j), j);
  }
}

// Found by fuzz_hdf5: libhdf5 leaked a dataset's filter pipeline when it refused a chunk of
// 4 GiB or more. nnload refuses such a layout message before libhdf5 reads it.
TEST(Hdf5Layouts, ChunkOf4GiBOrMoreIsRefusedFirst) {
  std::vector<std::byte> bytes =
      nnload::testing::read_bytes(nnload::testing::project_fixture("hdf5/structures_earliest.h5"));
  // Version 3 chunked layout messages of rank 2 with 8 x 8 chunks of 4-byte elements.
  const std::vector<std::uint8_t> dims = {8, 0, 0, 0, 8, 0, 0, 0, 4, 0, 0, 0};
  int patched = 0;
  for (std::size_t at = 0; at + 23 <= bytes.size(); ++at) {
    if (std::to_integer<int>(bytes[at]) != 3 || std::to_integer<int>(bytes[at + 1]) != 2 ||
        std::to_integer<int>(bytes[at + 2]) != 3 ||
        !std::equal(dims.begin(), dims.end(), bytes.begin() + static_cast<std::ptrdiff_t>(at + 11),
                    [](std::uint8_t a, std::byte b) { return a == std::to_integer<int>(b); }))
      continue;
    for (std::size_t i = 0; i < 4; ++i) bytes[at + 11 + i] = std::byte{0xFF};  // 2^32 - 1 rows
    ++patched;
  }
  ASSERT_GT(patched, 0) << "the fixture no longer holds the layout this test patches";
  nnload::testing::TempDir dir;
  nnload::testing::write_bytes(dir / "damaged.h5", bytes);
  const auto file = open(dir / "damaged.h5");
  int refused = 0;
  for (const char* name :
       {"fixed_array", "implicit", "filters/deflate_shuffle_fletcher32",
        "filters/scaleoffset_float", "filters/scaleoffset_int", "filters/nbit"}) {
    try {
      file->root().dataset(name).read();
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::corrupt) << e.what();
      if (std::string(e.what()).find("over 4 GiB") != std::string::npos) ++refused;
    }
  }
  EXPECT_EQ(refused, patched);
}

// Found by fuzz_hdf5 from structures_latest.h5: a damaged dense link index listing fewer links
// than its header counts made libhdf5 free uninitialised table entries (a wild free) when asked
// for the links in creation order. nnload first walks the index in a way that needs no table
// (here that walk finds the damage: a B-tree node's checksum).
TEST(Hdf5Layouts, DenseLinkIndexShorterThanItsCountIsCorrupt) {
  const auto file = open(nnload::testing::project_fixture(
      "fuzz_regressions/hdf5/dense_link_index_shorter_than_its_count.h5"));
  try {
    file->root().group("many_links").children();
    ADD_FAILURE() << "listed the links of a damaged index";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::corrupt) << e.what();
    EXPECT_NE(std::string(e.what()).find("many_links"), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Formats, Hdf5Layouts, ::testing::Values("latest", "earliest"));

TEST(Hdf5Layouts, KerasModelWithChunkedFilteredWeightsPredictsLikeTheOriginal) {
  const auto examples = std::filesystem::path(NNLOAD_SOURCE_DIR) / "examples" / "models";
  const Tensor sample = io::load_npy(examples / "digits_sample.npy");
  const Tensor expected = nnload::load(examples / "digits_cnn.h5").predict({sample})[0];
  // Lossless layouts give the same numbers; scale-offset keeps 5 decimals of each weight.
  for (const auto& [name, atol] :
       std::vector<std::pair<std::string, double>>{{"digits_cnn_latest_gzip.h5", 0.0},
                                                   {"digits_cnn_latest_growable.h5", 0.0},
                                                   {"digits_cnn_earliest_scaleoffset.h5", 1e-4}}) {
    SCOPED_TRACE(name);
    const Tensor actual =
        nnload::load(nnload::testing::project_fixture("hdf5/" + name)).predict({sample})[0];
    EXPECT_TRUE(nnload::testing::tensors_close(actual, expected, atol, 0));
  }
}

}  // namespace
}  // namespace nnload::io::hdf5
