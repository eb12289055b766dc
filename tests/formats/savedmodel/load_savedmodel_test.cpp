// Whole-directory problems through load_savedmodel and the public load(): missing or chunked
// model files, tag sets, text protos, damaged variables.
#include "formats/savedmodel/load_savedmodel.hpp"

#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include "formats/savedmodel/savedmodel_test_util.hpp"
#include "keras_metadata.pb.h"
#include "nnload/model.hpp"
#include "support/error_capture.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::formats::savedmodel {
namespace {

namespace fs = std::filesystem;
using testing::code_of;
using testing::make;
using testing::message_of;

fs::path shard_of(const fs::path& dir) {
  return dir / "variables" / "variables.data-00000-of-00001";
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(SavedModelLoad, MissingSavedModelPb) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  testing::TempDir tmp;
  const fs::path dir = testing::copy_fixture("times_two_int", tmp);
  fs::remove(dir / "saved_model.pb");
  const auto read = [&] { load_savedmodel(dir, {}); };
  EXPECT_EQ(code_of(read), ErrorCode::not_found);
  EXPECT_TRUE(contains(message_of(read), "no saved_model.pb or saved_model.pbtxt"))
      << message_of(read);
  // The public entry point refuses the directory too, naming what is missing.
  const auto open = [&] { nnload::load(dir); };
  EXPECT_NE(code_of(open), ErrorCode::internal);
  EXPECT_TRUE(contains(message_of(open), "saved_model.pb")) << message_of(open);
}

TEST(SavedModelLoad, ChunkedModelIsNotSupportedYet) {
  testing::TempDir tmp;
  testing::write_bytes(tmp / "saved_model.cpb", testing::to_bytes("chunked"));
  const auto read = [&] { load_savedmodel(tmp.path(), {}); };
  EXPECT_EQ(code_of(read), ErrorCode::unsupported);
  EXPECT_TRUE(contains(message_of(read), "chunked SavedModels (over 2 GB) are not supported yet"))
      << message_of(read);
}

TEST(SavedModelLoad, GarbageSavedModelPbIsCorrupt) {
  testing::TempDir tmp;
  testing::write_bytes(tmp / "saved_model.pb",
                       testing::to_bytes(std::string("\xff\xff\xff\xff garbage", 12)));
  EXPECT_EQ(code_of([&] { load_savedmodel(tmp.path(), {}); }), ErrorCode::corrupt);
  testing::write_bytes(tmp / "saved_model.pb", {});
  // An empty file is a valid empty message: no meta graphs.
  EXPECT_EQ(code_of([&] { load_savedmodel(tmp.path(), {}); }), ErrorCode::corrupt);
}

TEST(SavedModelLoad, UnknownTagSetListsThePresentOnes) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  LoadOptions options;
  options.tags = {"serve", "gpu"};
  const auto open = [&] { nnload::load(testing::savedmodel_fixture("times_two_int"), options); };
  EXPECT_EQ(code_of(open), ErrorCode::not_found);
  EXPECT_TRUE(contains(message_of(open), "no meta graph has the tags {gpu, serve}"))
      << message_of(open);
  EXPECT_TRUE(contains(message_of(open), "tag sets present: {serve}")) << message_of(open);
}

TEST(SavedModelLoad, TagsMatchAsASet) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  testing::TempDir tmp;
  const fs::path dir = testing::copy_fixture("times_two_int", tmp);
  tf::SavedModel proto = testing::read_proto(dir);
  proto.mutable_meta_graphs(0)->mutable_meta_info_def()->add_tags("gpu");
  tf::MetaGraphDef* train = proto.add_meta_graphs();
  train->mutable_meta_info_def()->add_tags("train");
  testing::write_proto(dir, proto);
  LoadOptions options;
  options.tags = {"gpu", "serve", "gpu"};
  const Model model = nnload::load(dir, options);
  const auto out = model.signature().run({{"x", make<std::int32_t>({5}, {1})}});
  EXPECT_TRUE(testing::tensors_close(out.at("output_0"), make<std::int32_t>({10}, {1})));
  const auto serve_only = [&] { nnload::load(dir); };  // {serve} alone matches neither set
  EXPECT_EQ(code_of(serve_only), ErrorCode::not_found);
  EXPECT_TRUE(contains(message_of(serve_only), "{gpu, serve}; {train}")) << message_of(serve_only);
}

TEST(SavedModelLoad, TextProtoVariantBehavesLikeTheBinary) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  testing::TempDir tmp;
  const fs::path dir = testing::copy_fixture("tfrust_keras_single_input_saved_model", tmp);
  std::string text;
  ASSERT_TRUE(google::protobuf::TextFormat::PrintToString(testing::read_proto(dir), &text));
  // TensorFlow's own text has fields our minimal protos don't declare, by name.
  text = "unknown_top_level { anything: 1 nested { deeper: \"x\" } }\n" + text;
  const std::size_t op = text.find("op {");
  ASSERT_NE(op, std::string::npos);
  text.insert(op + 4, " is_stateful: true ");
  fs::remove(dir / "saved_model.pb");
  testing::write_bytes(dir / "saved_model.pbtxt", testing::to_bytes(text));
  const Model from_text = nnload::load(dir);
  const Model from_binary =
      nnload::load(testing::savedmodel_fixture("tfrust_keras_single_input_saved_model"));
  const Tensor x = make<float>({0.1f, 0.2f, 0.3f, 0.4f, 0.5f}, {1, 5});
  EXPECT_TRUE(testing::tensors_close(from_text.predict({x})[0], from_binary.predict({x})[0], 0, 0));
  EXPECT_EQ(from_text.weights().size(), from_binary.weights().size());

  testing::write_bytes(dir / "saved_model.pbtxt",
                       testing::to_bytes("meta_graphs { meta_info_def { tags: [1, 2 } }"));
  const auto broken = [&] { load_savedmodel(dir, {}); };
  EXPECT_EQ(code_of(broken), ErrorCode::corrupt);
  EXPECT_TRUE(contains(message_of(broken), "line 1")) << message_of(broken);
}

// Found by fuzz_savedmodel_pb: an object graph binding more captured variables to a function than
// the function takes inputs made the converter index its input list at -9.
TEST(SavedModelLoad, MoreCapturedVariablesThanFunctionInputsIsCorrupt) {
  testing::TempDir tmp;
  const fs::path dir = tmp / "keras_mlp";
  fs::copy(testing::project_fixture("savedmodel/keras_mlp"), dir, fs::copy_options::recursive);
  tf::SavedModel model = testing::read_proto(dir);
  auto& functions =
      *model.mutable_meta_graphs(0)->mutable_object_graph_def()->mutable_concrete_functions();
  ASSERT_FALSE(functions.empty());
  for (auto& [name, function] : functions) {
    while (function.bound_inputs_size() < 64) function.add_bound_inputs(0);
  }
  testing::write_proto(dir, model);
  // The weights still load; every signature is refused with the reason.
  const auto loaded = load_savedmodel(dir, {});
  ASSERT_FALSE(loaded.signatures.empty());
  for (const auto& signature : loaded.signatures) {
    EXPECT_EQ(signature.graph, nullptr);
    EXPECT_EQ(signature.error_code, ErrorCode::corrupt);
    EXPECT_TRUE(contains(signature.error_message, "binds 64 captured variables to function"))
        << signature.error_message;
  }
  EXPECT_FALSE(loaded.weights.empty());
}

TEST(SavedModelLoad, MissingVariablesShardNamesIt) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  testing::TempDir tmp;
  const fs::path dir = testing::copy_fixture("times_three_float", tmp);
  fs::remove(shard_of(dir));
  const auto open = [&] { nnload::load(dir); };
  EXPECT_EQ(code_of(open), ErrorCode::not_found);
  EXPECT_TRUE(contains(message_of(open), "variables.data-00000-of-00001")) << message_of(open);
}

TEST(SavedModelLoad, MissingIndexBesideDataIsNotFound) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  testing::TempDir tmp;
  const fs::path dir = testing::copy_fixture("times_three_float", tmp);
  fs::remove(dir / "variables" / "variables.index");
  const auto open = [&] { nnload::load(dir); };
  EXPECT_EQ(code_of(open), ErrorCode::not_found);
  EXPECT_TRUE(contains(message_of(open), "variables.index")) << message_of(open);
}

TEST(SavedModelLoad, TruncatedShardIsCorrupt) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  testing::TempDir tmp;
  const fs::path dir = testing::copy_fixture("tfrust_keras_single_input_saved_model", tmp);
  fs::resize_file(shard_of(dir), 200);
  const auto open = [&] { nnload::load(dir); };
  EXPECT_EQ(code_of(open), ErrorCode::corrupt);
  EXPECT_TRUE(contains(message_of(open), "the shard holds 200 bytes")) << message_of(open);
}

TEST(SavedModelLoad, ChecksumMismatchFailsTheLoad) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  testing::TempDir tmp;
  const fs::path dir = testing::copy_fixture("tfrust_keras_single_input_saved_model", tmp);
  std::vector<std::byte> data = testing::read_bytes(shard_of(dir));
  data[10] ^= std::byte{0x40};  // inside layer_with_weights-0/kernel
  testing::write_bytes(shard_of(dir), data);
  const auto open = [&] { nnload::load(dir); };
  EXPECT_EQ(code_of(open), ErrorCode::corrupt);
  EXPECT_TRUE(contains(message_of(open), "layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE"))
      << message_of(open);
  EXPECT_TRUE(contains(message_of(open), "checksum")) << message_of(open);
}

TEST(SavedModelLoad, NoVariablesDirectoryIsFineWhenNothingReadsOne) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  testing::TempDir tmp;
  const fs::path dir = testing::copy_fixture("times_three_float", tmp);
  fs::remove_all(dir / "variables");
  const Model model = nnload::load(dir);  // loads; the signature reads a variable it lacks
  EXPECT_TRUE(model.weights().empty());
  const auto run = [&] { model.signature().run({{"x", make<float>({1}, {1})}}); };
  EXPECT_EQ(code_of(run), ErrorCode::corrupt);
  EXPECT_TRUE(contains(message_of(run), "which no variable of the checkpoint is bound to"))
      << message_of(run);
}

TEST(SavedModelLoad, SignatureOutputReadingAWriteOnlyNodeIsAnError) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  // A signature whose output is produced by AssignVariableOp (which has no outputs).
  testing::TempDir tmp;
  const fs::path dir = testing::copy_fixture("times_three_float", tmp);
  tf::SavedModel proto = testing::read_proto(dir);
  tf::MetaGraphDef& meta = *proto.mutable_meta_graphs(0);
  tf::NodeDef* assign = meta.mutable_graph_def()->add_node();
  assign->set_name("write");
  assign->set_op("AssignVariableOp");
  assign->add_input("Variable");
  assign->add_input("serving_default_x");
  tf::SignatureDef& sig = (*meta.mutable_signature_def())["writer"];
  sig.mutable_inputs()->insert({"x", meta.signature_def().at("serving_default").inputs().at("x")});
  (*sig.mutable_outputs())["y"].set_name("write:0");
  (*sig.mutable_outputs())["y"].set_dtype(tf::DT_FLOAT);
  testing::write_proto(dir, proto);
  const Model model = nnload::load(dir);
  const auto run = [&] { model.signature("writer").run({{"x", make<float>({1}, {1})}}); };
  EXPECT_EQ(code_of(run), ErrorCode::unsupported);
  EXPECT_TRUE(contains(message_of(run), "AssignVariableOp")) << message_of(run);
  EXPECT_TRUE(model.can_predict());
}

TEST(SavedModelLoad, KerasMetadataFileIsKeptForTheLayerTable) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  testing::TempDir tmp;
  const fs::path dir = testing::copy_fixture("times_two_int", tmp);
  tf::KerasSavedMetadata metadata;
  tf::KerasObjectMetadata* root = metadata.add_nodes();
  root->set_node_id(0);
  root->set_node_path("root");
  root->set_identifier("_tf_keras_model");
  root->set_metadata(R"({"name": "my_model", "class_name": "Functional"})");
  tf::KerasObjectMetadata* layer = metadata.add_nodes();
  layer->set_node_id(3);
  layer->set_node_path("root.layer-1");
  layer->set_identifier("_tf_keras_layer");
  layer->set_metadata("not json");
  testing::write_bytes(dir / "keras_metadata.pb", testing::to_bytes(metadata.SerializeAsString()));
  const Model model = nnload::load(dir);
  EXPECT_EQ(model.info().name, "my_model");
  const std::string& json = model.info().metadata.at("keras_metadata");
  EXPECT_TRUE(contains(json, R"("node_path":"root.layer-1")")) << json;
  EXPECT_TRUE(contains(json, R"("metadata":"not json")")) << json;
  EXPECT_TRUE(contains(json, R"("class_name":"Functional")")) << json;

  testing::write_bytes(dir / "keras_metadata.pb", testing::to_bytes("\xff\xff\xff"));
  const Model damaged = nnload::load(dir);  // still runs; the metadata is noted as ignored
  EXPECT_EQ(damaged.info().metadata.count("keras_metadata"), 0u);
  ASSERT_FALSE(damaged.info().notes.empty());
  EXPECT_TRUE(contains(damaged.info().notes.back(), "keras_metadata.pb"))
      << damaged.info().notes.back();
  const auto out = damaged.signature().run({{"x", make<std::int32_t>({5}, {1})}});
  EXPECT_TRUE(testing::tensors_close(out.at("output_0"), make<std::int32_t>({10}, {1})));
}

}  // namespace
}  // namespace nnload::formats::savedmodel
