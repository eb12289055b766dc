// Reading a Keras HDF5 file's weights by layer_names and weight_names: every layer and weight
// once. A layer listed twice, or one dataset reached by two weights (HDF5 hard links), is
// refused: each would be read again (a compressed kernel listed 10,000 times: 40 GB).
#include "formats/keras/weights.hpp"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "io/hdf5/h5_test_support.hpp"
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
  const testing::H5Id group(H5Gopen2(file, "model_weights", H5P_DEFAULT), H5Gclose);
  H5Adelete(group, "layer_names");
  testing::fixed_string_attribute(group, "layer_names", names, false);
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
