// Damaged .keras archives and Keras 3 .weights.h5 files: random bytes changed in the archive, in
// its model.weights.h5 (re-zipped with a correct CRC, so the HDF5 reader sees the damage) and in
// config.json, and the weights file given with its config. Each load either succeeds (damage in
// weight values can't be seen) or throws nnload::Error: never another exception, never a crash.
#include <gtest/gtest.h>

#include <fstream>
#include <random>

#include "formats/keras/keras3_test_support.hpp"
#include "support/temp_files.hpp"

namespace nnload {
namespace {

namespace fs = std::filesystem;

using testing::read_text;

void write_text(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary)
      .write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string damaged(std::string bytes, std::mt19937& rng, int changes) {
  for (int k = 0; k < changes; ++k) {
    bytes[std::uniform_int_distribution<std::size_t>(0, bytes.size() - 1)(rng)] =
        static_cast<char>(std::uniform_int_distribution<int>(0, 255)(rng));
  }
  return bytes;
}

// Loads `path` (with `config` when given); true when it loaded, false for an nnload::Error.
bool loads(const fs::path& path, const std::string& config = "") {
  try {
    if (config.empty()) {
      load(path);
    } else {
      load_keras(config, path);
    }
    return true;
  } catch (const Error&) {
    return false;
  }
}

const fs::path kArchive = testing::project_fixture("keras/functional_nested.k3.keras");

TEST(KerasArchiveDamage, RandomBytesInTheArchive) {
  testing::TempDir dir;
  const std::string original = read_text(kArchive);
  std::mt19937 rng(7);
  int refused = 0;
  for (int round = 0; round < 40; ++round) {
    write_text(dir / "d.keras", damaged(original, rng, 6));
    refused += loads(dir / "d.keras") ? 0 : 1;
  }
  EXPECT_GT(refused, 0);
}

TEST(KerasArchiveDamage, RandomBytesInsideTheWeightsAndTheConfig) {
  testing::TempDir dir;
  auto entries = testing::zip_entries(kArchive);
  std::mt19937 rng(11);
  for (int round = 0; round < 60; ++round) {
    const bool in_weights = round % 3 != 0;
    const std::string weights =
        in_weights ? damaged(entries["model.weights.h5"], rng, 4) : entries["model.weights.h5"];
    const std::string config =
        in_weights ? entries["config.json"] : damaged(entries["config.json"], rng, 3);
    testing::write_zip(dir / "d.keras", {{"metadata.json", entries["metadata.json"]},
                                         {"config.json", config},
                                         {"model.weights.h5", weights}});
    loads(dir / "d.keras");
  }
}

TEST(KerasArchiveDamage, DamagedWeightsFileWithItsConfig) {
  testing::TempDir dir;
  const std::string config =
      testing::project_fixture("keras/functional_nested.k3.config.json").string();
  const std::string original =
      read_text(testing::project_fixture("keras/functional_nested.k3.weights.h5"));
  std::mt19937 rng(13);
  for (int round = 0; round < 40; ++round) {
    write_text(dir / "d.weights.h5", damaged(original, rng, 6));
    loads(dir / "d.weights.h5", config);
  }
  // Truncated files.
  for (std::size_t keep : {std::size_t{0}, std::size_t{100}, original.size() / 2}) {
    write_text(dir / "t.weights.h5", original.substr(0, keep));
    EXPECT_FALSE(loads(dir / "t.weights.h5", config)) << keep;
  }
}

}  // namespace
}  // namespace nnload
