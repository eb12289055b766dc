// The ONNX reader on models built in the test: values, initializers in every encoding, external
// data, node order, If, sequences, metadata, and each damaged-file path giving a clear Error.
#include <gtest/gtest.h>

#include <fstream>

#include "formats/onnx/tensor_proto.hpp"
#include "nnload/nnload.hpp"
#include "onnx_model_builder.hpp"
#include "support/error_capture.hpp"
#include "support/temp_files.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload {
namespace {

namespace ob = testing::onnx_build;
using ob::pb::TensorProto;

// y = x + w, x: [2, 3] float, w an initializer.
ob::pb::ModelProto add_model() {
  ob::pb::ModelProto m = ob::model();
  ob::pb::GraphProto* g = m.mutable_graph();
  ob::add_input(g, "x", {-1, 3});
  ob::add_output(g, "y", {-1, 3});
  ob::add_float_initializer(g, "w", {3}, {1.F, 2.F, 3.F});
  ob::add_node(g, "Add", {"x", "w"}, {"y"}, "add");
  return m;
}

std::vector<Tensor> run(const std::filesystem::path& path, const Tensor& x) {
  return load(path).predict({x});
}

TEST(OnnxReader, RunsAModelWithARawDataInitializer) {
  testing::TempDir dir;
  ob::save(add_model(), dir / "m.onnx");
  const Model model = load(dir / "m.onnx");
  ASSERT_EQ(model.inputs().size(), 1U);
  EXPECT_EQ(model.inputs()[0].name, "x");
  EXPECT_EQ(model.inputs()[0].shape, (Shape{-1, 3}));
  EXPECT_EQ(model.info().format, "ONNX");
  EXPECT_EQ(model.info().producer, "nnload-tests");
  const Tensor x = testing::make<float>({0, 0, 0, 1, 1, 1}, {2, 3});
  EXPECT_TRUE(testing::tensors_close(model.predict({x})[0],
                                     testing::make<float>({1, 2, 3, 2, 3, 4}, {2, 3})));
  ASSERT_EQ(model.weights().size(), 1U);
  EXPECT_EQ(model.weights()[0].name, "w");
}

TEST(OnnxReader, ReadsTypedFieldInitializers) {
  testing::TempDir dir;
  ob::pb::ModelProto m = add_model();
  TensorProto* w = m.mutable_graph()->mutable_initializer(0);
  w->clear_raw_data();
  for (float v : {5.F, 6.F, 7.F}) w->add_float_data(v);
  ob::save(m, dir / "m.onnx");
  const Tensor x = testing::make<float>({1, 1, 1}, {1, 3});
  EXPECT_TRUE(
      testing::tensors_close(run(dir / "m.onnx", x)[0], testing::make<float>({6, 7, 8}, {1, 3})));
}

TEST(OnnxReader, InitializersListedAsInputsAreNotModelInputs) {
  testing::TempDir dir;
  ob::pb::ModelProto m = add_model();
  ob::add_input(m.mutable_graph(), "w", {3});  // IR 3 style: every weight is also an input
  ob::save(m, dir / "m.onnx");
  const Model model = load(dir / "m.onnx");
  ASSERT_EQ(model.inputs().size(), 1U);
  EXPECT_EQ(model.inputs()[0].name, "x");
  ASSERT_EQ(model.overridable_inputs().size(), 1U);
  EXPECT_EQ(model.overridable_inputs()[0].name, "w");
  EXPECT_EQ(model.overridable_inputs()[0].shape, (Shape{3}));

  // By name, the stored value can be replaced; left out, it is used.
  const Tensor x = testing::make<float>({1, 1, 1}, {1, 3});
  std::map<std::string, Tensor> overridden = model.predict(
      std::map<std::string, Tensor>{{"x", x}, {"w", testing::make<float>({10, 20, 30}, {3})}});
  EXPECT_TRUE(
      testing::tensors_close(overridden.at("y"), testing::make<float>({11, 21, 31}, {1, 3})));
  EXPECT_TRUE(testing::tensors_close(model.predict(std::map<std::string, Tensor>{{"x", x}}).at("y"),
                                     testing::make<float>({2, 3, 4}, {1, 3})));
  EXPECT_TRUE(
      testing::tensors_close(model.predict({x})[0], testing::make<float>({2, 3, 4}, {1, 3})));
}

TEST(OnnxReader, SortsNodesListedOutOfOrder) {
  testing::TempDir dir;
  ob::pb::ModelProto m = ob::model();
  ob::pb::GraphProto* g = m.mutable_graph();
  ob::add_input(g, "x", {2});
  ob::add_output(g, "z", {2});
  ob::add_node(g, "Neg", {"y"}, {"z"});
  ob::add_node(g, "Relu", {"x"}, {"y"});
  ob::save(m, dir / "m.onnx");
  EXPECT_TRUE(testing::tensors_close(run(dir / "m.onnx", testing::make<float>({-1, 2}, {2}))[0],
                                     testing::make<float>({0, -2}, {2})));
}

TEST(OnnxReader, ExternalDataIsMappedFromBesideTheModel) {
  testing::TempDir dir;
  ob::pb::ModelProto m = add_model();
  TensorProto* w = m.mutable_graph()->mutable_initializer(0);
  const std::string bytes = w->raw_data();
  w->clear_raw_data();
  w->set_data_location(TensorProto::EXTERNAL);
  const auto entry = [&](const std::string& key, const std::string& value) {
    ob::pb::StringStringEntryProto* e = w->add_external_data();
    e->set_key(key);
    e->set_value(value);
  };
  entry("location", "weights.bin");
  entry("offset", "16");
  entry("length", "12");
  testing::write_bytes(dir / "weights.bin", testing::to_bytes(std::string(16, '\0') + bytes));
  ob::save(m, dir / "m.onnx");
  const Model model = load(dir / "m.onnx");
  EXPECT_TRUE(testing::tensors_close(model.weight("w"), testing::make<float>({1, 2, 3}, {3})));

  // A file too short for offset + length.
  testing::write_bytes(dir / "weights.bin", testing::to_bytes(std::string(20, '\0')));
  EXPECT_EQ(testing::code_of([&] { load(dir / "m.onnx"); }), ErrorCode::corrupt);
  // A missing file.
  std::filesystem::remove(dir / "weights.bin");
  const std::string missing = testing::message_of([&] { load(dir / "m.onnx"); });
  EXPECT_NE(missing.find("weights.bin"), std::string::npos) << missing;
  EXPECT_EQ(testing::code_of([&] { load(dir / "m.onnx"); }), ErrorCode::not_found);
  // A location outside the model's folder.
  w->mutable_external_data(0)->set_value("../weights.bin");
  ob::save(m, dir / "m.onnx");
  EXPECT_NE(testing::message_of([&] { load(dir / "m.onnx"); }).find("leaves the model's directory"),
            std::string::npos);
}

// Writers give each external tensor its own range. Initializers sharing one (misaligned, so each
// is copied) could make a model of a few kB copy one big file once per initializer: the total
// read from one external file is bounded like a declared size.
TEST(OnnxReader, ExternalTensorsSharingOneRangeAreBounded) {
  testing::TempDir dir;
  const auto model_with = [&](int initializers) {
    ob::pb::ModelProto m = add_model();
    ob::pb::GraphProto* g = m.mutable_graph();
    for (int i = 0; i < initializers; ++i) {
      TensorProto* t = g->add_initializer();
      t->set_name("shared" + std::to_string(i));
      t->set_data_type(TensorProto::FLOAT);
      t->add_dims(16384);  // 64 kB, at offset 1
      t->set_data_location(TensorProto::EXTERNAL);
      for (const auto& [key, value] : {std::pair<std::string, std::string>{"location", "w.bin"},
                                       {"offset", "1"},
                                       {"length", "65536"}}) {
        ob::pb::StringStringEntryProto* e = t->add_external_data();
        e->set_key(key);
        e->set_value(value);
      }
    }
    ob::save(m, dir / "m.onnx");
    return dir / "m.onnx";
  };
  testing::write_bytes(dir / "w.bin", testing::to_bytes(std::string(65537, '\0')));
  EXPECT_NO_THROW(load(model_with(2)));
  // 100 x 64 kB from a 64 kB file: past 64 x its size + 1 MiB.
  const std::string refusal = testing::message_of([&] { load(model_with(100)); });
  EXPECT_NE(refusal.find("the tensors read from external data file 'w.bin' come to"),
            std::string::npos)
      << refusal;
}

TEST(OnnxReader, TruncatedProtobufIsCorrupt) {
  testing::TempDir dir;
  std::string bytes;
  add_model().SerializeToString(&bytes);
  // Cut inside the initializer's raw_data: a length-delimited field that runs past the end.
  const std::size_t at = bytes.find(std::string("\x00\x00\x80\x3f", 4));
  ASSERT_NE(at, std::string::npos);
  testing::write_bytes(dir / "m.onnx", testing::to_bytes(bytes.substr(0, at + 2)));
  const std::string message = testing::message_of([&] { load(dir / "m.onnx"); });
  EXPECT_NE(message.find("not a valid ONNX protobuf"), std::string::npos) << message;
  // Every shorter prefix fails cleanly or loads a smaller graph; none may crash.
  for (std::size_t n = 0; n < bytes.size(); n += 3) {
    testing::write_bytes(dir / "p.onnx", testing::to_bytes(bytes.substr(0, n)));
    try {
      load(dir / "p.onnx");
    } catch (const Error&) {
    }
  }
}

TEST(OnnxReader, InitializerShorterThanItsDimsIsCorrupt) {
  testing::TempDir dir;
  ob::pb::ModelProto m = add_model();
  m.mutable_graph()->mutable_initializer(0)->add_dims(2);  // [3, 2] needs 24 bytes, has 12
  ob::save(m, dir / "m.onnx");
  const std::string message = testing::message_of([&] { load(dir / "m.onnx"); });
  EXPECT_EQ(testing::code_of([&] { load(dir / "m.onnx"); }), ErrorCode::corrupt);
  EXPECT_NE(message.find("'w'"), std::string::npos) << message;
  // Typed fields too.
  TensorProto* w = m.mutable_graph()->mutable_initializer(0);
  w->clear_raw_data();
  w->add_float_data(1.F);
  ob::save(m, dir / "m.onnx");
  EXPECT_EQ(testing::code_of([&] { load(dir / "m.onnx"); }), ErrorCode::corrupt);
}

TEST(OnnxReader, CycleIsCorrupt) {
  testing::TempDir dir;
  ob::pb::ModelProto m = ob::model();
  ob::pb::GraphProto* g = m.mutable_graph();
  ob::add_input(g, "x", {2});
  ob::add_output(g, "b", {2});
  ob::add_node(g, "Add", {"x", "b"}, {"a"}, "first");
  ob::add_node(g, "Relu", {"a"}, {"b"}, "second");
  ob::save(m, dir / "m.onnx");
  const std::string message = testing::message_of([&] { load(dir / "m.onnx"); });
  EXPECT_NE(message.find("cycle"), std::string::npos) << message;
  EXPECT_EQ(testing::code_of([&] { load(dir / "m.onnx"); }), ErrorCode::corrupt);
}

TEST(OnnxReader, UnknownDomainAndOpAreNamed) {
  testing::TempDir dir;
  ob::pb::ModelProto m = add_model();
  m.mutable_graph()->mutable_node(0)->set_domain("com.example");
  ob::save(m, dir / "m.onnx");
  std::string message = testing::message_of([&] { load(dir / "m.onnx"); });
  EXPECT_NE(message.find("com.example"), std::string::npos) << message;
  EXPECT_EQ(testing::code_of([&] { load(dir / "m.onnx"); }), ErrorCode::unsupported);

  ob::pb::OperatorSetIdProto* id = m.add_opset_import();
  id->set_domain("com.example");
  id->set_version(1);
  ob::save(m, dir / "m.onnx");
  message = testing::message_of([&] { load(dir / "m.onnx"); });
  EXPECT_NE(message.find("domain 'com.example' is not supported"), std::string::npos) << message;

  ob::pb::ModelProto unknown = add_model();
  unknown.mutable_graph()->mutable_node(0)->set_op_type("FancyAdd");
  ob::save(unknown, dir / "m.onnx");
  message = testing::message_of([&] { load(dir / "m.onnx"); });
  EXPECT_NE(message.find("FancyAdd"), std::string::npos) << message;
  EXPECT_NE(message.find("'add'"), std::string::npos) << message;
}

TEST(OnnxReader, OpsetNewerThanSupportedIsRefused) {
  testing::TempDir dir;
  ob::pb::ModelProto m = add_model();
  m.mutable_opset_import(0)->set_version(99);
  ob::save(m, dir / "m.onnx");
  const std::string message = testing::message_of([&] { load(dir / "m.onnx"); });
  EXPECT_NE(message.find("opset 99"), std::string::npos) << message;
}

TEST(OnnxReader, OutputNothingProducesIsCorrupt) {
  testing::TempDir dir;
  ob::pb::ModelProto m = add_model();
  ob::add_output(m.mutable_graph(), "ghost", {3});
  ob::save(m, dir / "m.onnx");
  EXPECT_NE(testing::message_of([&] { load(dir / "m.onnx"); }).find("'ghost'"), std::string::npos);
}

TEST(OnnxReader, MetadataPropsReachModelInfo) {
  testing::TempDir dir;
  ob::pb::ModelProto m = add_model();
  ob::pb::StringStringEntryProto* p = m.add_metadata_props();
  p->set_key("author");
  p->set_value("someone");
  ob::save(m, dir / "m.onnx");
  const Model model = load(dir / "m.onnx");
  EXPECT_EQ(model.info().metadata.at("metadata_props.author"), "someone");
  EXPECT_EQ(model.info().metadata.at("opset_import"), "ai.onnx 17");
}

// y = If(c) then x + 1 else x * 2, the branches reading x from the outer graph.
ob::pb::ModelProto if_model() {
  ob::pb::ModelProto m = ob::model();
  ob::pb::GraphProto* g = m.mutable_graph();
  ob::add_input(g, "c", {}, TensorProto::BOOL);
  ob::add_input(g, "x", {2});
  ob::add_output(g, "y", {2});
  ob::add_float_initializer(g, "one", {}, {1.F});
  ob::add_float_initializer(g, "two", {}, {2.F});
  ob::pb::NodeProto* n = ob::add_node(g, "If", {"c"}, {"y"}, "choose");
  ob::pb::AttributeProto* then_attr = n->add_attribute();
  then_attr->set_name("then_branch");
  then_attr->set_type(ob::pb::AttributeProto::GRAPH);
  ob::pb::GraphProto* then_graph = then_attr->mutable_g();
  ob::add_node(then_graph, "Add", {"x", "one"}, {"t"});
  ob::add_output(then_graph, "t", {2});
  ob::pb::AttributeProto* else_attr = n->add_attribute();
  else_attr->set_name("else_branch");
  else_attr->set_type(ob::pb::AttributeProto::GRAPH);
  ob::pb::GraphProto* else_graph = else_attr->mutable_g();
  ob::add_node(else_graph, "Mul", {"x", "two"}, {"e"});
  ob::add_output(else_graph, "e", {2});
  return m;
}

TEST(OnnxReader, IfRunsTheBranchTheConditionPicks) {
  testing::TempDir dir;
  ob::save(if_model(), dir / "m.onnx");
  const Model model = load(dir / "m.onnx");
  const Tensor x = testing::make<float>({3, 4}, {2});
  EXPECT_TRUE(testing::tensors_close(model.predict({Tensor::scalar(true), x})[0],
                                     testing::make<float>({4, 5}, {2})));
  EXPECT_TRUE(testing::tensors_close(model.predict({Tensor::scalar(false), x})[0],
                                     testing::make<float>({6, 8}, {2})));
}

TEST(OnnxReader, SequencePositionKnownOnlyAtRunTimeIsExplained) {
  testing::TempDir dir;
  ob::pb::ModelProto m = ob::model();
  ob::pb::GraphProto* g = m.mutable_graph();
  ob::add_input(g, "x", {2});
  ob::add_input(g, "pos", {}, TensorProto::INT64);
  ob::add_output(g, "y", {2});
  ob::add_node(g, "SequenceConstruct", {"x", "x"}, {"s"});
  ob::add_node(g, "SequenceAt", {"s", "pos"}, {"y"});
  ob::save(m, dir / "m.onnx");
  const std::string message = testing::message_of([&] { load(dir / "m.onnx"); });
  EXPECT_NE(message.find("known only at run time"), std::string::npos) << message;
  EXPECT_EQ(testing::code_of([&] { load(dir / "m.onnx"); }), ErrorCode::unsupported);
}

TEST(OnnxReader, StringNormalizerRunsOnStringTensors) {
  testing::TempDir dir;
  ob::pb::ModelProto m = ob::model(10);
  ob::pb::GraphProto* g = m.mutable_graph();
  ob::add_input(g, "x", {-1}, TensorProto::STRING);
  ob::add_output(g, "y", {-1}, TensorProto::STRING);
  ob::pb::NodeProto* n = ob::add_node(g, "StringNormalizer", {"x"}, {"y"});
  ob::pb::AttributeProto* a = n->add_attribute();
  a->set_name("case_change_action");
  a->set_type(ob::pb::AttributeProto::STRING);
  a->set_s("UPPER");
  ob::pb::AttributeProto* s = n->add_attribute();
  s->set_name("stopwords");
  s->set_type(ob::pb::AttributeProto::STRINGS);
  s->add_strings("the");
  ob::save(m, dir / "m.onnx");
  const Model model = load(dir / "m.onnx");
  Tensor x = Tensor::empty(DType::string, {3});
  std::string* in = x.mutable_data<std::string>();
  in[0] = "The";
  in[1] = "quick";
  in[2] = "fox";
  const Tensor y = model.predict({x})[0];
  ASSERT_EQ(y.shape(), (Shape{2}));
  EXPECT_EQ(y.data<std::string>()[0], "QUICK");
  EXPECT_EQ(y.data<std::string>()[1], "FOX");
  // Another text, another output length, same model.
  in[1] = "the";
  EXPECT_EQ(model.predict({x})[0].shape(), (Shape{1}));
}

TEST(OnnxReader, StringTensorsAreRefusedByOpsThatMoveBytes) {
  // Concat copies elements as bytes; std::string objects must never take that path.
  testing::TempDir dir;
  ob::pb::ModelProto m = ob::model();
  ob::pb::GraphProto* g = m.mutable_graph();
  ob::add_input(g, "x", {2}, TensorProto::STRING);
  ob::add_output(g, "y", {4}, TensorProto::STRING);
  ob::pb::NodeProto* n = ob::add_node(g, "Concat", {"x", "x"}, {"y"});
  ob::pb::AttributeProto* a = n->add_attribute();
  a->set_name("axis");
  a->set_type(ob::pb::AttributeProto::INT);
  a->set_i(0);
  ob::save(m, dir / "m.onnx");
  const Model model = load(dir / "m.onnx");
  Tensor x = Tensor::empty(DType::string, {2});
  EXPECT_EQ(testing::code_of([&] { model.predict({x}); }), ErrorCode::unsupported);
  EXPECT_NE(testing::message_of([&] { model.predict({x}); }).find("string"), std::string::npos);
}

TEST(OnnxReader, TensorProtoFilesLoadAndDamagedOnesFail) {
  testing::TempDir dir;
  TensorProto t;
  t.set_name("input");
  t.set_data_type(TensorProto::INT64);
  t.add_dims(2);
  t.add_int64_data(7);
  t.add_int64_data(-1);
  std::string bytes;
  t.SerializeToString(&bytes);
  testing::write_bytes(dir / "t.pb", testing::to_bytes(bytes));
  const formats::onnx::NamedTensor loaded = formats::onnx::load_tensor_proto_file(dir / "t.pb");
  EXPECT_EQ(loaded.name, "input");
  EXPECT_EQ(loaded.value.values<std::int64_t>()[1], -1);
  testing::write_bytes(dir / "bad.pb", testing::to_bytes(std::string("\x0a\xff\xff\xff", 4)));
  EXPECT_EQ(testing::code_of([&] { formats::onnx::load_tensor_proto_file(dir / "bad.pb"); }),
            ErrorCode::corrupt);
  t.set_data_type(TensorProto::UINT32);
  t.SerializeToString(&bytes);
  testing::write_bytes(dir / "u.pb", testing::to_bytes(bytes));
  const std::string message =
      testing::message_of([&] { formats::onnx::load_tensor_proto_file(dir / "u.pb"); });
  EXPECT_NE(message.find("UINT32"), std::string::npos) << message;
}

}  // namespace
}  // namespace nnload

namespace nnload {
namespace {

// Random damage to valid models (byte flips, truncation) must end in an nnload::Error or a model
// that runs; nothing may crash. Loading and one prediction per damaged file.
TEST(OnnxReader, RandomDamageNeverCrashes) {
  testing::TempDir dir;
  std::vector<std::string> originals(2);
  add_model().SerializeToString(&originals[0]);
  if_model().SerializeToString(&originals[1]);
  std::uint32_t seed = 12345;
  const auto next = [&] {
    seed = seed * 1664525U + 1013904223U;
    return seed >> 8;
  };
  int loaded = 0;
  for (int round = 0; round < 400; ++round) {
    std::string bytes = originals[static_cast<std::size_t>(round % 2)];
    for (int k = 0; k < 1 + static_cast<int>(next() % 4); ++k)
      bytes[next() % bytes.size()] = static_cast<char>(next() & 0xff);
    if (round % 7 == 0) bytes.resize(next() % bytes.size());
    testing::write_bytes(dir / "m.onnx", testing::to_bytes(bytes));
    try {
      const Model model = load(dir / "m.onnx");
      ++loaded;
      std::vector<Tensor> inputs;
      for (const TensorInfo& info : model.inputs()) {
        Shape shape = info.shape;
        for (std::int64_t& d : shape) d = d < 0 ? 1 : std::min<std::int64_t>(d, 8);
        inputs.push_back(Tensor::zeros(info.dtype, shape));
      }
      model.predict(inputs);
    } catch (const Error&) {
    }
  }
  EXPECT_GT(loaded, 0) << "some damage (e.g. in a name) leaves a loadable model";
}

}  // namespace
}  // namespace nnload
