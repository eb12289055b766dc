// Every SavedModel under ../shared/fixtures/real/savedmodel, through the public API, against
// the behaviour ../shared/README.md states. The directory is enumerated: a fixture without
// stated behaviour must still load and list its signatures.
#include <gtest/gtest.h>

#include <cmath>

#include "formats/savedmodel/savedmodel_test_util.hpp"
#include "formats/savedmodel/tf_types.hpp"
#include "nnload/model.hpp"
#include "support/error_capture.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload {
namespace {

namespace fs = std::filesystem;
using testing::code_of;
using testing::make;
using testing::message_of;

struct Case {
  std::string signature;
  std::map<std::string, Tensor> inputs;
  std::map<std::string, Tensor> expected;
};

// ../shared/README.md, fixture by fixture.
std::map<std::string, std::vector<Case>> stated_behaviour() {
  const auto f32 = [](std::vector<float> v, Shape s) { return make<float>(v, s); };
  const auto i32 = [](std::vector<std::int32_t> v, Shape s) { return make<std::int32_t>(v, s); };
  return {
      {"times_three_float",
       {{"serving_default", {{"x", f32({1, 2, 3}, {3})}}, {{"output_0", f32({3, 6, 9}, {3})}}}}},
      {"times_two_int",
       {{"serving_default", {{"x", i32({1, 2, 3}, {3})}}, {{"output_0", i32({2, 4, 6}, {3})}}}}},
      {"module_with_multiple_signatures",
       {{"serving_default", {{"x", f32({1, 2, 3}, {3})}}, {{"output_0", f32({3, 6, 9}, {3})}}},
        {"timestwo", {{"x", f32({1, 2, 3}, {3})}}, {{"output_0", f32({2, 4, 6}, {3})}}}}},
      {"model_single_input_multi_output",
       {{"serving_default",
         {{"x", i32({1, 2, 3}, {3})}},
         {{"output_0", i32({2, 4, 6}, {3})}, {"output_1", i32({1, 2, 3}, {3})}}}}},
      {"model_multi_output",
       {{"serving_default",
         {{"x", i32({1, 2, 3}, {3})}, {"y", i32({1, 2, 3}, {3})}},
         {{"output_0", i32({2, 4, 6}, {3})}, {"output_1", i32({1, 2, 3}, {3})}}}}},
      {"int64_multiply",
       {{"serving_default",
         {{"x", make<std::int64_t>({3, 4}, {2})}},
         {{"output_0", make<std::int64_t>({18, 24}, {2})}}}}},
      {"uint8_multiply",
       {{"serving_default",
         {{"x", make<std::uint8_t>({3}, {1})}},
         {{"output_0", i32({18}, {1})}}}}},
      {"tf1_half_plus_two",
       {{"serving_default", {{"x", f32({1, 2, 3}, {3, 1})}}, {{"y", f32({2.5, 3, 3.5}, {3, 1})}}},
        {"regress_x2_to_y3",
         {{"inputs", f32({1, 2, 3}, {3, 1})}},
         {{"outputs", f32({3.5, 4, 4.5}, {3, 1})}}},
        {"classify_x2_to_y3",
         {{"inputs", f32({2, 4}, {2, 1})}},
         {{"scores", f32({4, 5}, {2, 1})}}}}},
      {"tf1_half_plus_three",
       {{"serving_default", {{"x", f32({1, 2, 3}, {3})}}, {{"y", f32({3.5, 4, 4.5}, {3})}}}}},
  };
}

std::vector<std::string> fixture_names() {
  std::vector<std::string> names;
  const fs::path root = testing::shared_fixtures() / "real" / "savedmodel";
  if (!fs::is_directory(root)) return names;
  for (const auto& e : fs::directory_iterator(root)) {
    if (fs::exists(e.path() / "saved_model.pb") || fs::exists(e.path() / "saved_model.pbtxt"))
      names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

void expect_outputs(const std::map<std::string, Tensor>& got,
                    const std::map<std::string, Tensor>& expected, const std::string& what) {
  ASSERT_EQ(got.size(), expected.size()) << what;
  for (const auto& [key, want] : expected) {
    auto it = got.find(key);
    ASSERT_NE(it, got.end()) << what << ": no output " << key;
    EXPECT_EQ(it->second.dtype(), want.dtype()) << what << ": " << key;
    EXPECT_TRUE(testing::tensors_close(it->second, want, 1e-6, 1e-6)) << what << ": " << key;
  }
}

TEST(SavedModelSharedFixtures, EveryFixtureBehavesAsStated) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const auto stated = stated_behaviour();
  const std::vector<std::string> names = fixture_names();
  EXPECT_GE(names.size(), stated.size());
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    const Model model = load(testing::savedmodel_fixture(name));
    EXPECT_EQ(model.info().format, "TensorFlow SavedModel");
    EXPECT_FALSE(model.signatures().empty());
    auto it = stated.find(name);
    if (it == stated.end()) continue;
    for (const Case& c : it->second) {
      const std::string what = name + " " + c.signature;
      std::map<std::string, Tensor> got;
      try {
        got = model.signature(c.signature).run(c.inputs);
      } catch (const Error& e) {
        ADD_FAILURE() << what << ": " << e.what();
        continue;
      }
      expect_outputs(got, c.expected, what);
      if (c.signature == "serving_default") {
        expect_outputs(model.predict(c.inputs), c.expected, what + " (predict by name)");
        std::vector<Tensor> ordered;
        for (const TensorInfo& in : model.inputs()) ordered.push_back(c.inputs.at(in.name));
        const std::vector<Tensor> outputs = model.predict(ordered);
        ASSERT_EQ(outputs.size(), model.outputs().size());
        for (std::size_t i = 0; i < outputs.size(); ++i)
          EXPECT_TRUE(testing::tensors_close(outputs[i], c.expected.at(model.outputs()[i].name)));
      }
    }
  }
}

// Signatures as listed match the SignatureDefs read straight from the proto.
TEST(SavedModelSharedFixtures, SignaturesMatchTheSignatureDefs) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  for (const std::string& name : fixture_names()) {
    SCOPED_TRACE(name);
    const tf::SavedModel proto = testing::read_proto(testing::savedmodel_fixture(name));
    const tf::MetaGraphDef& meta = proto.meta_graphs(0);
    const Model model = load(testing::savedmodel_fixture(name));
    std::size_t listed = 0;
    for (const auto& [sig_name, def] : meta.signature_def()) {
      if (sig_name.rfind("__saved_model_", 0) == 0) continue;
      ++listed;
      const SignatureInfo& info = model.signature(sig_name).info();
      EXPECT_EQ(info.method_name, def.method_name());
      ASSERT_EQ(info.inputs.size(), static_cast<std::size_t>(def.inputs_size()));
      ASSERT_EQ(info.outputs.size(), static_cast<std::size_t>(def.outputs_size()));
      const auto check = [&](const std::vector<SignatureTensor>& listed_tensors, const auto& map) {
        for (std::size_t i = 0; i < listed_tensors.size(); ++i) {
          const SignatureTensor& t = listed_tensors[i];
          if (i > 0) {
            EXPECT_LT(listed_tensors[i - 1].key, t.key);  // sorted by key
          }
          const tf::TensorInfo& ti = map.at(t.key);
          EXPECT_EQ(t.tensor_name, ti.name());
          if (ti.dtype() != tf::DT_STRING) {
            EXPECT_EQ(formats::savedmodel::tf_dtype_of(t.dtype), ti.dtype());
          }
          // A TensorInfo without a shape (TF 1.0) is taken as unknown rank.
          EXPECT_EQ(t.rank_known, ti.has_tensor_shape() && !ti.tensor_shape().unknown_rank());
          ASSERT_EQ(t.shape.size(), static_cast<std::size_t>(ti.tensor_shape().dim_size()));
          for (int d = 0; d < ti.tensor_shape().dim_size(); ++d)
            EXPECT_EQ(t.shape[static_cast<std::size_t>(d)], ti.tensor_shape().dim(d).size());
        }
      };
      check(info.inputs, def.inputs());
      check(info.outputs, def.outputs());
    }
    EXPECT_EQ(model.signatures().size(), listed);
  }
}

TEST(SavedModelSharedFixtures, KerasModelMatchesArithmeticOnItsOwnWeights) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const Model model = load(testing::savedmodel_fixture("tfrust_keras_single_input_saved_model"));
  const auto weight = [&](int layer, const char* what) {
    return model.weight("layer_with_weights-" + std::to_string(layer) + "/" + what +
                        "/.ATTRIBUTES/VARIABLE_VALUE");
  };
  // y = sigmoid(relu(relu(x W0 + b0) W1 + b1) W2 + b2), computed here in double.
  std::vector<double> h = {0.1, 0.2, 0.3, 0.4, 0.5};
  for (int layer = 0; layer < 3; ++layer) {
    const Tensor w = weight(layer, "kernel");
    const Tensor b = weight(layer, "bias");
    ASSERT_EQ(w.rank(), 2);
    ASSERT_EQ(w.dim(0), static_cast<std::int64_t>(h.size()));
    std::vector<double> next(static_cast<std::size_t>(w.dim(1)));
    for (std::int64_t j = 0; j < w.dim(1); ++j) {
      double s = b.value_as_double(j);
      for (std::int64_t i = 0; i < w.dim(0); ++i)
        s += h[static_cast<std::size_t>(i)] * w.value_as_double(i * w.dim(1) + j);
      next[static_cast<std::size_t>(j)] = layer < 2 ? std::max(s, 0.0) : 1.0 / (1.0 + std::exp(-s));
    }
    h = next;
  }
  ASSERT_EQ(h.size(), 1u);
  const Tensor x = make<float>({0.1f, 0.2f, 0.3f, 0.4f, 0.5f}, {1, 5});
  const auto out = model.signature("serving_default").run({{"test_in_input", x}});
  ASSERT_EQ(out.count("test_out"), 1u);
  EXPECT_TRUE(testing::tensors_close(out.at("test_out"),
                                     make<float>({static_cast<float>(h[0])}, {1, 1}), 1e-6, 1e-5));
  EXPECT_TRUE(testing::tensors_close(model.predict({x})[0], out.at("test_out"), 0, 0));
  // The batch dimension is free.
  const Tensor x3 = make<float>(
      {0.1f, 0.2f, 0.3f, 0.4f, 0.5f, 0, 0, 0, 0, 0, 0.1f, 0.2f, 0.3f, 0.4f, 0.5f}, {3, 5});
  const Tensor y3 = model.predict({x3})[0];
  EXPECT_EQ(y3.shape(), (Shape{3, 1}));
  EXPECT_EQ(y3.value_as_double(0), y3.value_as_double(2));

  // Weights: every variable of the bundle by checkpoint key, trainable as the object graph says.
  std::map<std::string, WeightInfo> weights;
  for (const WeightInfo& w : model.weights()) weights[w.name] = w;
  EXPECT_EQ(weights.size(), 27u);
  EXPECT_TRUE(weights.at("layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE").trainable);
  EXPECT_EQ(weights.at("layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE").shape,
            (Shape{5, 5}));
  EXPECT_FALSE(weights.at("optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE").trainable);
  EXPECT_EQ(weights.at("optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE").dtype, DType::i64);
  EXPECT_EQ(weights.count("_CHECKPOINTABLE_OBJECT_GRAPH"), 0u);

  // Keras' layer metadata, for the layer table.
  EXPECT_EQ(model.info().producer_version, "2.3.0");
  const std::string& keras = model.info().metadata.at("keras_metadata");
  EXPECT_NE(keras.find("\"_tf_keras_sequential\""), std::string::npos);
  EXPECT_NE(keras.find("root.layer_with_weights-0"), std::string::npos);
  EXPECT_NE(keras.find("\"Dense\""), std::string::npos);
}

TEST(SavedModelSharedFixtures, Tf1ExampleSignaturesRefuseClearly) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const Model model = load(testing::savedmodel_fixture("tf1_half_plus_two"));
  EXPECT_EQ(model.info().producer_version, "1.1.0-rc2");
  for (const char* name : {"classify_x_to_y", "regress_x_to_y", "regress_x_to_y2"}) {
    SCOPED_TRACE(name);
    const Signature sig = model.signature(name);
    ASSERT_EQ(sig.info().inputs.size(), 1u);
    EXPECT_EQ(sig.info().inputs[0].tensor_name, "tf_example:0");
    EXPECT_FALSE(sig.info().inputs[0].rank_known);
    const auto run = [&] { sig.run({{"inputs", make<float>({1}, {1})}}); };
    EXPECT_EQ(code_of(run), ErrorCode::unsupported);
    EXPECT_NE(message_of(run).find(
                  "input 'inputs' is a string tensor (serialized tf.Example): ParseExample is not "
                  "supported"),
              std::string::npos)
        << message_of(run);
  }
  std::map<std::string, WeightInfo> weights;
  for (const WeightInfo& w : model.weights()) weights[w.name] = w;
  EXPECT_EQ(weights.size(), 3u);
  EXPECT_EQ(model.weight("a").item<float>(), 0.5f);
  EXPECT_EQ(model.info().metadata.at("object_graph"), "no (TensorFlow 1)");
}

// TF 1.0 declared the tf.Example input as float: the graph behind it (ParseExample) is what
// refuses.
TEST(SavedModelSharedFixtures, Tf1RegressSignatureNamesParseExample) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const Model model = load(testing::savedmodel_fixture("tf1_half_plus_three"));
  const Signature sig = model.signature("tensorflow/serving/regress");
  const auto run = [&] { sig.run({{"inputs", make<float>({1}, {1})}}); };
  EXPECT_EQ(code_of(run), ErrorCode::unsupported);
  EXPECT_NE(message_of(run).find("op 'ParseExample' (node 'ParseExample/ParseExample')"),
            std::string::npos)
      << message_of(run);
}

TEST(SavedModelSharedFixtures, ModelInfo) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const Model model = load(testing::savedmodel_fixture("module_with_multiple_signatures"));
  EXPECT_EQ(model.info().producer, "TensorFlow");
  EXPECT_EQ(model.info().producer_version, "2.0.0-beta1");
  EXPECT_EQ(model.info().metadata.at("tags"), "serve");
  EXPECT_EQ(model.info().metadata.at("saved_model_schema_version"), "1");
  ASSERT_EQ(model.signatures().size(), 2u);
  EXPECT_EQ(model.signatures()[0].name, "serving_default");
  EXPECT_EQ(model.signatures()[1].name, "timestwo");
  EXPECT_EQ(model.signature().info().name, "serving_default");
  ASSERT_EQ(model.inputs().size(), 1u);
  EXPECT_EQ(model.inputs()[0].name, "x");
  ASSERT_EQ(model.outputs().size(), 1u);
  EXPECT_EQ(model.outputs()[0].name, "output_0");
}

}  // namespace
}  // namespace nnload
