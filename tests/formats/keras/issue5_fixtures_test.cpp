// Every entry of the manifest's "issue5" section (tests/fixtures/keras/manifest.json), each loaded
// in its own form (.keras archive, Keras 3 .weights.h5 + config, tf.keras save_weights .h5 +
// config, full .h5) and checked like project_fixtures_test.cpp checks the first round's .h5 files:
// Keras' predictions, parameter totals and the layer table; the error files fail with the
// manifest's ErrorCode and message words. Custom layers and Lambdas are registered from the
// formulas the manifest documents. support/keras_manifest.hpp loads any entry of either section in
// any form; covered_families() can narrow the walk.
#include <gtest/gtest.h>

#include <cmath>

#include "nnload/keras.hpp"
#include "support/keras_manifest.hpp"
#include "support/temp_files.hpp"

namespace nnload {
namespace {

namespace km = testing::keras_manifest;
using Json = nlohmann::json;

// Every family of the section: the first round's in their new forms, the file-form, Keras 1 and
// custom-layer families, and those of the recurrent and attention layers. A family whose layers a
// build lacks fails here, naming the class.
std::set<std::string> covered_families() { return {}; }

// mypkg>Scale as the manifest documents it: y = x * scale + offset, weights scale and offset
// (features,), in that order.
class Scale final : public keras::CustomLayer {
 public:
  explicit Scale(const keras::LayerSpec& spec) {
    if (spec.weights.size() != 2) throw std::runtime_error("Scale holds 2 weights");
    scale_ = spec.weights[0].second.to(DType::f32);
    offset_ = spec.weights[1].second.to(DType::f32);
  }
  std::vector<Tensor> call(const std::vector<Tensor>& inputs) const override {
    const Tensor& x = inputs.at(0);
    const std::int64_t features = scale_.numel();
    if (x.numel() % features != 0) throw std::runtime_error("Scale: input width mismatch");
    Tensor y = Tensor::empty(DType::f32, x.shape());
    for (std::int64_t i = 0; i < x.numel(); ++i) {
      const std::int64_t f = i % features;
      y.mutable_data<float>()[i] =
          x.data<float>()[i] * scale_.data<float>()[f] + offset_.data<float>()[f];
    }
    return {y};
  }

 private:
  Tensor scale_, offset_;
};

// A Lambda of the form y = x * a + b.
class Affine final : public keras::CustomLayer {
 public:
  Affine(float a, float b) : a_(a), b_(b) {}
  std::vector<Tensor> call(const std::vector<Tensor>& inputs) const override {
    Tensor y = inputs.at(0).to(DType::f32).clone();
    for (std::int64_t i = 0; i < y.numel(); ++i)
      y.mutable_data<float>()[i] = y.data<float>()[i] * a_ + b_;
    return {y};
  }

 private:
  float a_, b_;
};

// Registers what the entry's custom layers and Lambdas need, from their documented formulas;
// a formula this test does not know fails the test instead of being guessed.
class EntryRegistrations {
 public:
  explicit EntryRegistrations(const Json& e) {
    if (e.contains("custom_layers")) {
      for (const auto& [name, doc] : e["custom_layers"].items()) {
        if (doc.value("formula", "") != "y = x * scale + offset") {
          ADD_FAILURE() << "no implementation for " << name << ": " << doc.dump();
          continue;
        }
        add(name, [](const keras::LayerSpec& spec) { return std::make_shared<Scale>(spec); });
      }
    }
    if (e.contains("lambda_functions")) {
      for (const auto& [name, doc] : e["lambda_functions"].items()) {
        if (doc.value("formula", "") != "y = x * 2 + 1") {
          ADD_FAILURE() << "no implementation for Lambda " << name << ": " << doc.dump();
          continue;
        }
        add("Lambda:" + name,
            [](const keras::LayerSpec&) { return std::make_shared<Affine>(2.0f, 1.0f); });
      }
    }
  }
  ~EntryRegistrations() {
    for (const std::string& name : names_) keras::unregister_layer(name);
  }
  EntryRegistrations(const EntryRegistrations&) = delete;
  EntryRegistrations& operator=(const EntryRegistrations&) = delete;

 private:
  void add(const std::string& name, keras::LayerFactory factory) {
    keras::register_layer(name, std::move(factory));
    names_.push_back(name);
  }
  std::vector<std::string> names_;
};

// The entry, with the custom layers and Lambdas documented on any entry of its family (the
// forms of one model document them once).
Json entry_with_family_docs(const std::string& name) {
  Json e = km::entry("issue5", name);
  for (const std::string& other : km::entry_names("issue5", {e.value("family", "")})) {
    const Json& o = km::manifest()["issue5"][other];
    for (const char* key : {"custom_layers", "lambda_functions"}) {
      if (!e.contains(key) && o.contains(key)) e[key] = o[key];
    }
  }
  return e;
}

class KerasIssue5Fixture : public ::testing::TestWithParam<std::string> {
 protected:
  Json entry() const { return entry_with_family_docs(GetParam()); }
};

TEST_P(KerasIssue5Fixture, LoadsLikeKerasOrFailsAsDocumented) {
  const Json e = entry();
  if (km::is_error(e)) {
    EXPECT_TRUE(km::fails_as_expected(e));
    return;
  }
  EntryRegistrations registrations(e);
  const Model model = km::load_entry(e);
  EXPECT_TRUE(km::totals_match(model, e));
  EXPECT_TRUE(km::layer_table_matches(model, e));
  EXPECT_TRUE(km::predicts_like_reference(model, e));
  if (e.value("expect_warning", false)) {
    EXPECT_FALSE(model.info().notes.empty()) << "a newer Keras' harmless key deserves a note";
  }
}

std::vector<std::string> covered_entries() { return km::entry_names("issue5", covered_families()); }

INSTANTIATE_TEST_SUITE_P(Manifest, KerasIssue5Fixture, ::testing::ValuesIn(covered_entries()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

// Every form of the first round's families is in the manifest and covered above.
TEST(KerasIssue5Fixtures, EveryNewFormOfTheFirstRoundIsCovered) {
  std::set<std::string> forms;
  for (const std::string& name : covered_entries())
    forms.insert(km::form_of(km::entry("issue5", name)));
  EXPECT_TRUE(forms.count("keras"));
  EXPECT_TRUE(forms.count("weights_h5"));
  EXPECT_TRUE(forms.count("legacy_weights_h5"));
  EXPECT_TRUE(forms.count("error"));
  EXPECT_GE(covered_entries().size(), 80u);
}

// A .keras archive is recognised by its content, whatever its name.
TEST(KerasIssue5Fixtures, ArchivesAreDetectedByContent) {
  const Json e = km::entry("issue5", "functional_nested.k3.keras");
  testing::TempDir dir;
  const auto renamed = dir / "model.bin";
  std::filesystem::copy_file(km::fixture(e["files"]["keras"]), renamed);
  const Model model = load(renamed);
  EXPECT_TRUE(km::predicts_like_reference(model, e));
  EXPECT_NE(model.info().format.find(".keras"), std::string::npos) << model.info().format;
}

// Without a registration, the custom layer and the Lambda fail naming what to register.
TEST(KerasIssue5Fixtures, CustomLayersWithoutRegistrationSayWhatToRegister) {
  for (const char* name : {"custom_scale.k3.keras", "custom_scale.k3.h5"}) {
    try {
      km::load_entry(km::entry("issue5", name));
      ADD_FAILURE() << name << " loaded without its custom layer";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::custom_layer_missing);
      const std::string message = e.what();
      EXPECT_NE(message.find("mypkg>Scale"), std::string::npos) << message;
      EXPECT_NE(message.find("register_layer"), std::string::npos) << message;
    }
  }
  for (const char* name : {"lambda_registry.k3.keras", "lambda_registry.tf2.h5"}) {
    try {
      km::load_entry(km::entry("issue5", name));
      ADD_FAILURE() << name << " loaded without a replacement for its Lambda";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::custom_layer_missing);
      EXPECT_NE(std::string(e.what()).find("Lambda:times_two_plus_one"), std::string::npos)
          << e.what();
    }
  }
}

// The Theano twin stores the same arrays; its npz convolves with the flipped kernel, so the two
// files must give different results on the same input, each matching its own reference.
TEST(KerasIssue5Fixtures, TheanoAndTensorflowTwinsDifferOnlyByTheFlip) {
  for (const char* family : {"keras1_conv", "keras1_conv_th"}) {
    const Json tf = km::entry("issue5", std::string(family) + ".k1.h5");
    const Json th = km::entry("issue5", std::string(family) + ".k1_theano.h5");
    const Model tf_model = km::load_entry(tf), th_model = km::load_entry(th);
    EXPECT_TRUE(km::predicts_like_reference(tf_model, tf));
    EXPECT_TRUE(km::predicts_like_reference(th_model, th));
    const std::vector<io::NamedTensor> npz = io::load_npz(km::fixture(tf["files"]["npz"]));
    std::vector<Tensor> inputs;
    for (const Json& in : tf["inputs"]) {
      for (const io::NamedTensor& t : npz) {
        if (t.name == in["npz_key"]) inputs.push_back(t.tensor);
      }
    }
    const auto a = tf_model.predict(inputs), b = th_model.predict(inputs);
    ASSERT_EQ(a.size(), b.size());
    double diff = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
      for (std::int64_t k = 0; k < a[i].numel(); ++k)
        diff = std::max(diff, std::abs(a[i].value_as_double(k) - b[i].value_as_double(k)));
    }
    EXPECT_GT(diff, 1e-3) << family << ": the Theano file must convolve with flipped kernels";
  }
}

}  // namespace
}  // namespace nnload
