// Reading a Keras HDF5 file's weights by layer_names and weight_names: every layer and weight
// once. A layer listed twice, or one dataset reached by two weights (HDF5 hard links), is
// refused: each would be read again (a compressed kernel listed 10,000 times: 40 GB).
#include "formats/keras/weights.hpp"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "support/error_capture.hpp"
#include "support/temp_files.hpp"

namespace nnload::formats::keras {
namespace {

namespace fs = std::filesystem;

const fs::path kModel = fs::path(NNLOAD_SOURCE_DIR) / "examples/models/digits_cnn.h5";

// A copy of the example model, opened read-write for `edit`.
fs::path edited_model(const testing::TempDir& dir, const std::function<void(hid_t)>& edit) {
  const fs::path path = dir / "edited.h5";
  fs::copy_file(kModel, path, fs::copy_options::overwrite_existing);
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  edit(file);
  H5Fclose(file);
  return path;
}

// Replaces model_weights' layer_names with `names` (fixed-length strings, as h5py writes them).
void set_layer_names(hid_t file, const std::vector<std::string>& names) {
  const hid_t group = H5Gopen2(file, "model_weights", H5P_DEFAULT);
  H5Adelete(group, "layer_names");
  std::size_t width = 1;
  for (const auto& n : names) width = std::max(width, n.size());
  std::string packed;
  for (const auto& n : names) packed += n + std::string(width - n.size(), '\0');
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, width);
  H5Tset_strpad(type, H5T_STR_NULLPAD);
  const hsize_t count = names.size();
  const hid_t space = H5Screate_simple(1, &count, nullptr);
  const hid_t attr = H5Acreate2(group, "layer_names", type, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(attr, type, packed.data());
  H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
  H5Gclose(group);
}

std::string weights_error(const fs::path& path) {
  return testing::message_of(
      [&] { read_layer_weights(io::hdf5::open(path)->root().group("model_weights")); });
}

TEST(KerasWeights, EveryListedLayerAndWeightIsReadOnce) {
  const LayerWeights weights =
      read_layer_weights(io::hdf5::open(kModel)->root().group("model_weights"));
  ASSERT_EQ(weights.layers.size(), 5u);
  ASSERT_NE(weights.find("dense"), nullptr);
  ASSERT_EQ(weights.find("dense")->size(), 2u);
  EXPECT_EQ((*weights.find("dense"))[1].name, "digits_cnn/dense/bias");
  EXPECT_TRUE(weights.find("max_pooling2d")->empty());
}

TEST(KerasWeights, ALayerListedTwiceIsCorrupt) {
  testing::TempDir dir;
  const fs::path path = edited_model(dir, [](hid_t file) {
    set_layer_names(file, {"conv2d", "max_pooling2d", "conv2d", "dense"});
  });
  EXPECT_NE(weights_error(path).find("layer_names lists 'conv2d' twice"), std::string::npos)
      << weights_error(path);
}

TEST(KerasWeights, OneDatasetForTwoWeightsIsCorrupt) {
  testing::TempDir dir;
  const fs::path path = edited_model(dir, [](hid_t file) {
    H5Ldelete(file, "model_weights/dense/digits_cnn/dense/bias", H5P_DEFAULT);
    H5Lcreate_hard(file, "model_weights/conv2d/digits_cnn/conv2d/bias", file,
                   "model_weights/dense/digits_cnn/dense/bias", H5P_DEFAULT, H5P_DEFAULT);
  });
  EXPECT_NE(weights_error(path).find("layer 'dense' lists weight 'digits_cnn/dense/bias', a "
                                     "dataset already read for another weight"),
            std::string::npos)
      << weights_error(path);
}

}  // namespace
}  // namespace nnload::formats::keras
