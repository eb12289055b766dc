// Randomly damaged copies of a real SavedModel (its proto, index and data): loading and running
// either works or throws nnload::Error; nothing else escapes, nothing crashes.
#include <gtest/gtest.h>

#include <random>

#include "formats/savedmodel/savedmodel_test_util.hpp"
#include "nnload/model.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload {
namespace {

namespace fs = std::filesystem;

void damage_and_load(const std::string& fixture, const fs::path& relative, int rounds,
                     unsigned seed) {
  testing::TempDir tmp;
  const fs::path dir = testing::copy_fixture(fixture, tmp);
  const std::vector<std::byte> original = testing::read_bytes(dir / relative);
  std::mt19937 rng(seed);
  const Tensor x = testing::make<float>({0.1f, 0.2f, 0.3f, 0.4f, 0.5f}, {1, 5});
  int loaded = 0;
  for (int round = 0; round < rounds; ++round) {
    std::vector<std::byte> bytes = original;
    const int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      const std::size_t at = rng() % bytes.size();
      bytes[at] = std::byte(static_cast<unsigned char>(rng()));
    }
    if (rng() % 8 == 0) bytes.resize(rng() % bytes.size());
    testing::write_bytes(dir / relative, bytes);
    try {
      const Model model = load(dir);
      ++loaded;
      for (const SignatureInfo& s : model.signatures()) {
        try {
          std::map<std::string, Tensor> inputs;
          for (const SignatureTensor& in : s.inputs) inputs[in.key] = x;
          model.signature(s.name).run(inputs);
        } catch (const Error&) {
        }
      }
    } catch (const Error&) {
    } catch (const std::exception& e) {
      ADD_FAILURE() << relative << " round " << round << ": non-nnload exception " << e.what();
    }
  }
  ::testing::Test::RecordProperty(relative.string() + "_loaded", loaded);
}

TEST(SavedModelDamage, SavedModelProto) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  damage_and_load("tfrust_keras_single_input_saved_model", "saved_model.pb", 300, 1);
}

TEST(SavedModelDamage, BundleIndex) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  damage_and_load("tfrust_keras_single_input_saved_model",
                  fs::path("variables") / "variables.index", 200, 2);
}

TEST(SavedModelDamage, BundleData) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  damage_and_load("tfrust_keras_single_input_saved_model",
                  fs::path("variables") / "variables.data-00000-of-00001", 100, 3);
}

}  // namespace
}  // namespace nnload
