// The shared Keras 3 models with recurrent and attention layers: text_rnn and text_rnn_masked
// (Embedding with mask_zero, LSTM, GRU, Bidirectional, Keras 3's NotEqual op) and
// transformer_block (MultiHeadAttention). Each as .keras, as .weights.h5 with the .keras's
// config and with the .h5's model_config, against Keras' stored predictions.
#include <gtest/gtest.h>

#include "formats/keras/keras3_test_support.hpp"
#include "formats/keras/layers/layers.hpp"

namespace nnload {
namespace {

using testing::keras3_fixture;

class Keras3RecurrentAttentionForms : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    NNLOAD_REQUIRE_SHARED_FIXTURES();
  }
};

TEST_P(Keras3RecurrentAttentionForms, KerasArchivePredictsLikeKeras) {
  const Model model = load(keras3_fixture(GetParam() + ".keras"));
  EXPECT_EQ(testing::printed_total(model, "Total params"), testing::manifest_params(GetParam()));
  EXPECT_TRUE(testing::predicts_like_keras(model, GetParam()));
}

TEST_P(Keras3RecurrentAttentionForms, WeightsFileWithTheKerasArchivesConfig) {
  EXPECT_TRUE(
      testing::predicts_like_keras(load_keras(keras3_fixture(GetParam() + ".keras").string(),
                                              keras3_fixture(GetParam() + ".weights.h5")),
                                   GetParam()));
}

TEST_P(Keras3RecurrentAttentionForms, WeightsFileWithTheH5sModelConfig) {
  EXPECT_TRUE(testing::predicts_like_keras(load_keras(keras3_fixture(GetParam() + ".h5").string(),
                                                      keras3_fixture(GetParam() + ".weights.h5")),
                                           GetParam()));
}

INSTANTIATE_TEST_SUITE_P(Shared, Keras3RecurrentAttentionForms,
                         ::testing::Values("text_rnn", "text_rnn_masked", "transformer_block"));

}  // namespace
}  // namespace nnload
