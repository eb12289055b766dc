// Bad input never crashes nnload: each case gives an nnload::Error with the right code and a
// message that says what is wrong.
#include <gtest/gtest.h>

#include <random>

#include "nnload/model.hpp"
#include "support/fixtures.hpp"
#include "support/temp_files.hpp"

namespace nnload {
namespace {

namespace fs = std::filesystem;

using testing::TempDir;

void write_bytes(const fs::path& p, const std::string& bytes) {
  testing::write_bytes(p, testing::to_bytes(bytes));
}

// Loads `path` expecting an Error with `code` whose message contains `text`.
void expect_load_error(const fs::path& path, ErrorCode code, const std::string& text) {
  try {
    load(path);
    ADD_FAILURE() << path << " loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), code) << e.what();
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

const fs::path kExample = fs::path(NNLOAD_SOURCE_DIR) / "examples/models/digits_cnn.h5";

TEST(LoadErrors, MissingPath) {
  expect_load_error("/no/such/model.h5", ErrorCode::not_found, "no such file");
}

TEST(LoadErrors, DirectoryThatIsNotASavedModel) {
  TempDir dir;
  expect_load_error(dir.path(), ErrorCode::invalid_argument, "is a directory");
}

TEST(LoadErrors, NonModelFiles) {
  TempDir dir;
  write_bytes(dir / "notes.h5", "these are my notes, not a model\n");
  expect_load_error(dir / "notes.h5", ErrorCode::unknown_format, "not a model file");
  write_bytes(dir / "empty.h5", "");
  expect_load_error(dir / "empty.h5", ErrorCode::unknown_format, "not a model file");
}

TEST(LoadErrors, TruncatedH5AtEveryTenthOfItsLength) {
  TempDir dir;
  const std::string bytes = testing::read_text(kExample);
  ASSERT_GT(bytes.size(), 1000u);
  for (int tenth = 1; tenth < 10; ++tenth) {
    const fs::path cut = dir / ("cut" + std::to_string(tenth) + ".h5");
    write_bytes(cut, bytes.substr(0, bytes.size() * static_cast<std::size_t>(tenth) / 10));
    try {
      load(cut);
      ADD_FAILURE() << "a file cut to " << tenth << "/10 loaded";
    } catch (const Error& e) {
      EXPECT_TRUE(e.code() == ErrorCode::corrupt || e.code() == ErrorCode::unknown_format)
          << e.what();
    }
  }
}

TEST(LoadErrors, CorruptedModelConfigJson) {
  TempDir dir;
  std::string bytes = testing::read_text(kExample);
  const auto at = bytes.find("{\"class_name\"");
  ASSERT_NE(at, std::string::npos);
  bytes[at] = '#';  // the JSON no longer parses
  write_bytes(dir / "bad_json.h5", bytes);
  expect_load_error(dir / "bad_json.h5", ErrorCode::corrupt, "model_config is not valid JSON");
}

TEST(LoadErrors, RandomByteDamageNeverCrashes) {
  TempDir dir;
  const std::string original = testing::read_text(kExample);
  std::mt19937 rng(42);
  int loaded = 0, refused = 0;
  for (int round = 0; round < 40; ++round) {
    std::string bytes = original;
    for (int k = 0; k < 8; ++k) {
      bytes[std::uniform_int_distribution<std::size_t>(0, bytes.size() - 1)(rng)] =
          static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
    }
    const fs::path damaged = dir / "damaged.h5";
    write_bytes(damaged, bytes);
    try {
      const Model model = load(damaged);
      ++loaded;  // damage inside weight values is not detectable; loading is fine
    } catch (const Error&) {
      ++refused;
    }
  }
  EXPECT_EQ(loaded + refused, 40);
}

TEST(LoadErrors, WeightsOnlyFile) {
  expect_load_error(testing::project_fixture("keras/weights_only.tf2.h5"),
                    ErrorCode::invalid_argument, "holds weights only; no architecture");
}

TEST(LoadErrors, UnknownLayerClassNamesLayerClassAndWhatToDo) {
  try {
    load(testing::project_fixture("keras/unknown_layer.k3.h5"));
    FAIL() << "loaded";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_EQ(e.code(), ErrorCode::custom_layer_missing);
    EXPECT_NE(m.find("MyFancyLayer"), std::string::npos) << m;
    EXPECT_NE(m.find("layer '"), std::string::npos) << m;
    EXPECT_NE(m.find("Supported layer classes: "), std::string::npos) << m;
    EXPECT_NE(m.find("Dense"), std::string::npos) << m;
    EXPECT_NE(m.find("Custom layers"), std::string::npos) << m;
  }
}

TEST(LoadErrors, LambdaLayerExplainsPythonCodeCannotRun) {
  try {
    load(testing::project_fixture("keras/lambda_layer.tf2.h5"));
    FAIL() << "loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::custom_layer_missing);
    EXPECT_NE(std::string(e.what()).find("Lambda"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("can't run outside Python"), std::string::npos)
        << e.what();
  }
}

class PredictErrors : public ::testing::Test {
 protected:
  Model model = load(kExample);  // input (None, 8, 8, 1) float32
};

TEST_F(PredictErrors, WrongShapeSaysExpectedAndGot) {
  try {
    model.predict({Tensor::zeros(DType::f32, {1, 8, 8, 3})});
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::shape);
    EXPECT_NE(std::string(e.what()).find("must have shape (None, 8, 8, 1), got (1, 8, 8, 3)"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW(model.predict({Tensor::zeros(DType::f32, {8, 8, 1})}), Error);  // rank
}

TEST_F(PredictErrors, WrongDtypeSaysExpectedAndGot) {
  try {
    model.predict({Tensor::zeros(DType::f64, {1, 8, 8, 1})});
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::shape);
    EXPECT_NE(std::string(e.what()).find("must be float32, got float64"), std::string::npos)
        << e.what();
  }
}

TEST_F(PredictErrors, WrongInputCountAndNames) {
  EXPECT_THROW(model.predict(std::vector<Tensor>{}), Error);
  EXPECT_THROW(model.predict({Tensor::zeros(DType::f32, {1, 8, 8, 1}),
                              Tensor::zeros(DType::f32, {1, 8, 8, 1})}),
               Error);
  EXPECT_THROW(model.predict(std::map<std::string, Tensor>{
                   {"nope", Tensor::zeros(DType::f32, {1, 8, 8, 1})}}),
               Error);
  EXPECT_THROW(model.predict({Tensor()}), Error);
}

TEST_F(PredictErrors, BatchSizesOtherThanTheFirstStillWork) {
  const auto one = model.predict({Tensor::zeros(DType::f32, {1, 8, 8, 1})});
  const auto five = model.predict({Tensor::zeros(DType::f32, {5, 8, 8, 1})});
  EXPECT_EQ(five[0].shape(), (Shape{5, 10}));
  for (int b = 0; b < 5; ++b) {
    for (int k = 0; k < 10; ++k)
      EXPECT_FLOAT_EQ(five[0].value_as_double(b * 10 + k), one[0].value_as_double(k));
  }
}

}  // namespace
}  // namespace nnload
