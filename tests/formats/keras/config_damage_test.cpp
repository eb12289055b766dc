// A model_config with values of the wrong type, out-of-range numbers or missing keys must give an
// nnload::Error naming the layer, never a crash or a foreign exception. Each case rewrites one
// value of one layer of the example model's config and loads the result.
#include <gtest/gtest.h>
#include <hdf5.h>

#include <nlohmann/json.hpp>

#include "formats/keras/keras_h5.hpp"
#include "io/hdf5/hdf5.hpp"
#include "support/temp_files.hpp"

namespace nnload::formats::keras {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

const fs::path kModel = fs::path(NNLOAD_SOURCE_DIR) / "examples/models/digits_cnn.h5";

// Copies the example model to `path` with `config` as its model_config attribute.
void write_with_config(const fs::path& path, const Json& config) {
  fs::copy_file(kModel, path, fs::copy_options::overwrite_existing);
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  ASSERT_GE(file, 0);
  H5Adelete(file, "model_config");
  const std::string text = config.dump();
  const hid_t type = H5Tcopy(H5T_C_S1);
  H5Tset_size(type, text.size());
  const hid_t space = H5Screate(H5S_SCALAR);
  const hid_t attr = H5Acreate2(file, "model_config", type, space, H5P_DEFAULT, H5P_DEFAULT);
  H5Awrite(attr, type, text.data());
  H5Aclose(attr);
  H5Sclose(space);
  H5Tclose(type);
  H5Fclose(file);
}

Json original_config() {
  const auto file = io::hdf5::open(kModel);
  return Json::parse(file->root().string_attribute("model_config"));
}

TEST(KerasConfigDamage, EveryValueReplacedByGarbageGivesAnErrorOrLoads) {
  testing::TempDir dir;
  const Json config = original_config();
  const std::vector<Json> garbage = {Json("text"),
                                     Json(-7),
                                     Json(0),
                                     Json(nullptr),
                                     Json::array({1, "x"}),
                                     Json(1e300),
                                     Json(int64_t{1} << 62),
                                     Json::object()};
  int errors = 0, loads = 0;
  const Json& layers = config["config"]["layers"];
  for (std::size_t l = 0; l < layers.size(); ++l) {
    for (const auto& [key, value] : layers[l]["config"].items()) {
      for (const Json& bad : garbage) {
        Json damaged = config;
        damaged["config"]["layers"][l]["config"][key] = bad;
        const fs::path path = dir / "damaged.h5";
        write_with_config(path, damaged);
        try {
          load_h5(path);
          ++loads;  // keys nnload does not read (initializers, regularizers...) change nothing
        } catch (const Error& e) {
          ++errors;
          EXPECT_FALSE(std::string(e.what()).empty());
        } catch (const std::exception& e) {
          ADD_FAILURE() << "layer " << l << " key " << key << " = " << bad.dump()
                        << ": foreign exception " << e.what();
        }
      }
    }
  }
  EXPECT_GT(errors, 20);
  EXPECT_GT(loads, 20);
}

TEST(KerasConfigDamage, StructuralDamageIsCorrupt) {
  testing::TempDir dir;
  const Json config = original_config();
  auto expect_corrupt = [&](const Json& damaged, const std::string& what) {
    write_with_config(dir / "d.h5", damaged);
    try {
      load_h5(dir / "d.h5");
      ADD_FAILURE() << what << ": loaded";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::corrupt) << what << ": " << e.what();
    }
  };
  Json no_layers = config;
  no_layers["config"].erase("layers");
  expect_corrupt(no_layers, "no layer list");
  Json no_class = config;
  no_class["config"]["layers"][1].erase("class_name");
  expect_corrupt(no_class, "a layer without class_name");
  expect_corrupt(Json::array({1, 2}), "a config that is a list");
  Json empty = config;
  empty["config"]["layers"] = Json::array();
  expect_corrupt(empty, "no layers");
}

// Keras requires unique layer names in a model and finds weights by them: two layers named
// alike would share one layer's weights (each packed anew to predict: 1.2 GB from a 66 kB file
// naming one 4 MB layer 300 times).
TEST(KerasConfigDamage, LayersSharingANameAreCorrupt) {
  testing::TempDir dir;
  Json config = original_config();
  Json& layers = config["config"]["layers"];
  layers.insert(layers.begin() + 3, layers[2]);
  write_with_config(dir / "d.h5", config);
  try {
    load_h5(dir / "d.h5");
    ADD_FAILURE() << "loaded a model with two layers of one name";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::corrupt) << e.what();
    EXPECT_NE(std::string(e.what()).find("has two layers named '" +
                                         layers[2]["config"]["name"].get<std::string>() + "'"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace nnload::formats::keras
