// Keras 3's weight paths for layers with sub-objects (RNN cells, Bidirectional's forward_layer /
// backward_layer, TimeDistributed's layer, ConvLSTM2D's cell, MultiHeadAttention's query/key/
// value/output EinsumDense layers, a registered custom layer): for every family the project has
// both as a Keras 3 legacy .h5 and as a .keras archive of the same model, the weights found by
// reproducing Keras 3's paths in the archive must be, layer by layer and in order, the weights
// the .h5 lists for that layer (its weight_names order). This checks the path mapping without
// building the layers, so it holds on a build that lacks the recurrent or attention builders.
// The real Keras 3.15 files of ../shared/fixtures/keras3 are checked the same way.
#include <gtest/gtest.h>

#include "formats/keras/keras3_weights.hpp"
#include "formats/keras/keras_archive.hpp"
#include "io/hdf5/hdf5.hpp"
#include "support/keras_manifest.hpp"

namespace nnload {
namespace {

namespace km = testing::keras_manifest;
using namespace formats::keras;

// A .keras archive and a Keras 3 legacy .h5 of one model.
struct Twin {
  std::string name;
  std::filesystem::path keras, h5;
};

// Families with a .k3.h5 and a .k3.keras of one model.
std::vector<std::string> twin_families() {
  std::set<std::string> h5, keras, out;
  for (const std::string& name : km::entry_names("issue5")) {
    const nlohmann::json& e = km::manifest()["issue5"][name];
    if (e.value("flavour", "") != "k3" || e.value("family", "") == "errors") continue;
    if (e["files"].contains("h5")) h5.insert(e["family"].get<std::string>());
    if (e["files"].contains("keras")) keras.insert(e["family"].get<std::string>());
  }
  for (const std::string& f : h5) {
    if (keras.count(f)) out.insert(f);
  }
  return {out.begin(), out.end()};
}

// The project's twins, then the real Keras 3.15 files of ../shared/fixtures/keras3.
std::vector<Twin> twins() {
  std::vector<Twin> out;
  for (const std::string& f : twin_families())
    out.push_back({f, km::fixture(f + ".k3.keras"), km::fixture(f + ".k3.h5")});
  if (testing::have_shared_fixtures()) {
    const auto dir = testing::shared_fixtures() / "keras3";
    for (const char* m : {"cnn", "custom_layer", "functional_multi", "mlp", "mlp_compiled",
                          "mobile_blocks", "text_rnn", "text_rnn_masked", "transformer_block"}) {
      const auto keras = dir / (std::string(m) + ".keras"), h5 = dir / (std::string(m) + ".h5");
      if (std::filesystem::exists(keras) && std::filesystem::exists(h5))
        out.push_back({std::string("shared_") + m, keras, h5});
    }
  }
  return out;
}

class Keras3Paths : public ::testing::TestWithParam<Twin> {};

TEST_P(Keras3Paths, ArchiveWeightsAreTheLegacyH5Weights) {
  const KerasArchive archive = read_keras_archive(GetParam().keras);
  const ModelConfig config = parse_model_config(archive.config);
  const LayerWeights mapped = map_keras3_weights(config, archive.variables);

  const auto file = io::hdf5::open(GetParam().h5);
  const LayerWeights legacy = read_layer_weights(file->root().group("model_weights"));

  std::size_t compared = 0;
  for (const auto& [layer, expected] : legacy.layers) {
    const std::vector<LayerWeight>* got = mapped.find(layer);
    const std::size_t got_count = got ? got->size() : 0;
    ASSERT_EQ(got_count, expected.size()) << "layer " << layer;
    for (std::size_t i = 0; i < expected.size(); ++i) {
      const Tensor& a = (*got)[i].value;
      const Tensor& b = expected[i].value;
      ASSERT_EQ(a.shape(), b.shape()) << layer << " weight " << i << " (" << expected[i].name
                                      << ", archive " << (*got)[i].name << ")";
      for (std::int64_t k = 0; k < a.numel(); ++k) {
        ASSERT_EQ(a.value_as_double(k), b.value_as_double(k))
            << layer << " weight " << i << " (" << expected[i].name << ") element " << k;
      }
      ++compared;
    }
  }
  // The archive holds nothing the .h5 does not.
  for (const auto& [layer, list] : mapped.layers) {
    if (!list.empty()) {
      EXPECT_NE(legacy.find(layer), nullptr) << layer;
    }
  }
  EXPECT_GT(compared, 0u);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, Keras3Paths, ::testing::ValuesIn(twins()),
                         [](const ::testing::TestParamInfo<Twin>& info) {
                           return info.param.name;
                         });

TEST(Keras3PathsFamilies, CoverTheCompositeLayers) {
  const std::vector<std::string> families = twin_families();
  for (const char* f :
       {"rnn_bidirectional", "time_distributed", "attention_mha", "conv_lstm2d", "custom_scale"}) {
    EXPECT_NE(std::find(families.begin(), families.end(), f), families.end()) << f;
  }
}

}  // namespace
}  // namespace nnload
