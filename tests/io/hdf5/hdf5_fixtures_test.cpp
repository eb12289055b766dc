// Every real HDF5 file under ../shared/fixtures opens and reads completely.
#include <gtest/gtest.h>

#include "io/hdf5/h5_test_support.hpp"
#include "io/hdf5/hdf5.hpp"
#include "support/fixtures.hpp"

namespace nnload::io::hdf5 {
namespace {

TEST(Hdf5Fixtures, EverySharedH5FileReadsCompletely) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  int files = 0;
  nnload::testing::WalkStats total;
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator(nnload::testing::shared_fixtures())) {
    if (!entry.is_regular_file() || entry.path().extension() != ".h5") continue;
    ++files;
    SCOPED_TRACE(entry.path().string());
    nnload::testing::WalkStats stats;
    try {
      const auto file = open(entry.path());
      nnload::testing::walk(file->root(), stats);
    } catch (const Error& e) {
      ADD_FAILURE() << e.what();
      continue;
    }
    EXPECT_EQ(stats.unsupported, 0);
    EXPECT_GT(stats.groups, 0);
    total.groups += stats.groups;
    total.datasets += stats.datasets;
    total.attributes += stats.attributes;
    total.views += stats.views;
    total.elements += stats.elements;
  }
  EXPECT_GT(files, 100);
  std::printf(
      "%d files: %d groups, %d datasets (%d mapped without copying), %d attributes, %lld "
      "elements\n",
      files, total.groups, total.datasets, total.views, total.attributes,
      static_cast<long long>(total.elements));
}

TEST(Hdf5Fixtures, KerasLegacyFileLayout) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const auto file = open(nnload::testing::shared_fixtures() / "keras3" / "cnn.h5");
  const Group root = file->root();
  EXPECT_NE(root.string_attribute("model_config").find("\"class_name\""), std::string::npos);
  EXPECT_FALSE(root.string_attribute("keras_version").empty());
  const Group weights = root.group("model_weights");
  const auto layers = weights.string_list_attribute("layer_names");
  ASSERT_FALSE(layers.empty());
  EXPECT_NE(std::find(layers.begin(), layers.end(), "conv2d"), layers.end());
  const auto names = weights.group("conv2d").string_list_attribute("weight_names");
  ASSERT_EQ(names.size(), 2u);
  const Dataset kernel = weights.group("conv2d").dataset(names[0]);
  EXPECT_EQ(kernel.shape(), (Shape{3, 3, 3, 8}));
  EXPECT_EQ(kernel.dtype(), DType::f32);
  EXPECT_TRUE(kernel.read().is_view());
  // Layers without weights store an empty float64 array.
  EXPECT_TRUE(weights.group("dropout").string_list_attribute("weight_names").empty());
}

}  // namespace
}  // namespace nnload::io::hdf5
