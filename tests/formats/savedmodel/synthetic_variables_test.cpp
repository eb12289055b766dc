// Variables on small SavedModels written here (graph and bundle): TF1 VariableV2 restored by
// name, TF2 resource handles read by ReadVariableOp and ResourceGather, a bundle split over two
// shards. Needs no shared fixtures.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <cstring>

#include "formats/savedmodel/crc32c.hpp"
#include "formats/savedmodel/savedmodel_test_util.hpp"
#include "formats/savedmodel/tf_types.hpp"
#include "nnload/model.hpp"
#include "support/error_capture.hpp"
#include "support/tensor_matchers.hpp"
#include "tensor_bundle.pb.h"

namespace nnload::formats::savedmodel {
namespace {

namespace fs = std::filesystem;
using testing::code_of;
using testing::make;
using testing::message_of;

// Writes `tensors` as a tensor bundle at dir/variables/, entry i into shard i % shards.
void write_bundle(const fs::path& dir, const std::map<std::string, Tensor>& tensors,
                  int shards = 1) {
  fs::create_directories(dir / "variables");
  std::vector<std::vector<std::byte>> data(static_cast<std::size_t>(shards));
  std::map<std::string, std::string> rows;
  tf::BundleHeaderProto header;
  header.set_num_shards(shards);
  rows[""] = header.SerializeAsString();
  int i = 0;
  for (const auto& [key, t] : tensors) {
    const int shard = i++ % shards;
    std::vector<std::byte>& out = data[static_cast<std::size_t>(shard)];
    tf::BundleEntryProto e;
    e.set_dtype(static_cast<tf::DataType>(tf_dtype_of(t.dtype())));
    for (std::int64_t d : t.shape()) e.mutable_shape()->add_dim()->set_size(d);
    e.set_shard_id(shard);
    e.set_offset(static_cast<std::int64_t>(out.size()));
    e.set_size(static_cast<std::int64_t>(t.nbytes()));
    const auto* p = static_cast<const std::byte*>(t.raw());
    out.insert(out.end(), p, p + t.nbytes());
    e.set_crc32c(crc32c_mask(crc32c({p, t.nbytes()})));
    rows[key] = e.SerializeAsString();
  }
  testing::write_table(dir / "variables" / "variables.index", rows);
  for (int s = 0; s < shards; ++s) {
    testing::write_bytes(
        dir / "variables" / fmt::format("variables.data-{:05d}-of-{:05d}", s, shards),
        data[static_cast<std::size_t>(s)]);
  }
}

tf::NodeDef* node(tf::MetaGraphDef& meta, const std::string& name, const std::string& op,
                  std::vector<std::string> inputs) {
  tf::NodeDef* n = meta.mutable_graph_def()->add_node();
  n->set_name(name);
  n->set_op(op);
  for (auto& i : inputs) n->add_input(i);
  return n;
}

void set_type(tf::NodeDef* n, const std::string& attr, tf::DataType t) {
  (*n->mutable_attr())[attr].set_type(t);
}

tf::SavedModel base_model(tf::DataType input_type) {
  tf::SavedModel model;
  tf::MetaGraphDef& meta = *model.add_meta_graphs();
  meta.mutable_meta_info_def()->add_tags("serve");
  tf::NodeDef* x = node(meta, "x", "Placeholder", {});
  set_type(x, "dtype", input_type);
  return model;
}

void add_signature(tf::MetaGraphDef& meta, const std::string& name, const std::string& input,
                   tf::DataType input_type, const std::string& output) {
  tf::SignatureDef& sig = (*meta.mutable_signature_def())[name];
  tf::TensorInfo& in = (*sig.mutable_inputs())["x"];
  in.set_name(input);
  in.set_dtype(input_type);
  in.mutable_tensor_shape()->set_unknown_rank(true);
  tf::TensorInfo& out = (*sig.mutable_outputs())["y"];
  out.set_name(output);
  out.set_dtype(tf::DT_FLOAT);
}

TEST(SavedModelSyntheticVariables, Tf1VariablesAcrossTwoShards) {
  testing::TempDir tmp;
  tf::SavedModel model = base_model(tf::DT_FLOAT);
  tf::MetaGraphDef& meta = *model.mutable_meta_graphs(0);
  node(meta, "w", "VariableV2", {});
  node(meta, "w/read", "Identity", {"w"});
  node(meta, "b", "VariableV2", {});
  node(meta, "b/read", "Identity", {"b"});
  node(meta, "mul", "Mul", {"x", "w/read"});
  node(meta, "y", "Add", {"mul", "b/read"});
  add_signature(meta, "serving_default", "x:0", tf::DT_FLOAT, "y:0");
  testing::write_proto(tmp.path(), model);
  write_bundle(tmp.path(), {{"w", make<float>({2, 3}, {2})}, {"b", make<float>({10, 20}, {2})}}, 2);
  ASSERT_TRUE(fs::exists(tmp / "variables/variables.data-00001-of-00002"));
  const Model m = load(tmp.path());
  const auto out = m.signature().run({{"x", make<float>({1, 1, 2, 2}, {2, 2})}});
  EXPECT_TRUE(testing::tensors_close(out.at("y"), make<float>({12, 23, 14, 26}, {2, 2})));
  EXPECT_EQ(m.weights().size(), 2u);
  EXPECT_TRUE(testing::tensors_close(m.weight("b"), make<float>({10, 20}, {2})));

  fs::remove(tmp / "variables/variables.data-00001-of-00002");
  const auto open = [&] { load(tmp.path()); };
  EXPECT_EQ(code_of(open), ErrorCode::not_found);
  EXPECT_NE(message_of(open).find("variables.data-00001-of-00002"), std::string::npos)
      << message_of(open);
}

TEST(SavedModelSyntheticVariables, ResourceGatherIsAnEmbeddingLookup) {
  testing::TempDir tmp;
  tf::SavedModel model = base_model(tf::DT_INT32);
  tf::MetaGraphDef& meta = *model.mutable_meta_graphs(0);
  tf::NodeDef* handle = node(meta, "emb", "VarHandleOp", {});
  (*handle->mutable_attr())["shared_name"].set_s("embeddings");
  set_type(handle, "dtype", tf::DT_FLOAT);
  node(meta, "lookup", "ResourceGather", {"emb", "x"});
  add_signature(meta, "serving_default", "x:0", tf::DT_INT32, "lookup:0");
  testing::write_proto(tmp.path(), model);
  write_bundle(tmp.path(), {{"embeddings", make<float>({0, 0, 1, 1, 2, 2}, {3, 2})}});
  const Model m = load(tmp.path());
  const auto out = m.signature().run({{"x", make<std::int32_t>({2, 0, 1}, {3})}});
  EXPECT_TRUE(testing::tensors_close(out.at("y"), make<float>({2, 2, 0, 0, 1, 1}, {3, 2})));
}

TEST(SavedModelSyntheticVariables, ReadVariableOpChecksTheDtype) {
  testing::TempDir tmp;
  tf::SavedModel model = base_model(tf::DT_FLOAT);
  tf::MetaGraphDef& meta = *model.mutable_meta_graphs(0);
  node(meta, "v", "VarHandleOp", {});  // no shared_name: bound by its node name
  set_type(node(meta, "read", "ReadVariableOp", {"v"}), "dtype", tf::DT_INT64);
  node(meta, "y", "Mul", {"x", "read"});
  add_signature(meta, "serving_default", "x:0", tf::DT_FLOAT, "y:0");
  node(meta, "read_ok", "ReadVariableOp", {"v"});
  node(meta, "y_ok", "Mul", {"x", "read_ok"});
  add_signature(meta, "untyped_read", "x:0", tf::DT_FLOAT, "y_ok:0");
  node(meta, "use_handle", "Mul", {"x", "v"});
  add_signature(meta, "handle_as_tensor", "x:0", tf::DT_FLOAT, "use_handle:0");
  testing::write_proto(tmp.path(), model);
  write_bundle(tmp.path(), {{"v", make<float>({4}, {1})}});
  const Model m = load(tmp.path());
  const auto wrong = [&] { m.signature().run({{"x", make<float>({1}, {1})}}); };
  EXPECT_EQ(code_of(wrong), ErrorCode::corrupt);
  EXPECT_NE(message_of(wrong).find("as int64, the checkpoint holds float32"), std::string::npos)
      << message_of(wrong);
  const auto out = m.signature("untyped_read").run({{"x", make<float>({2}, {1})}});
  EXPECT_TRUE(testing::tensors_close(out.at("y"), make<float>({8}, {1})));
  const auto misuse = [&] { m.signature("handle_as_tensor").run({{"x", make<float>({2}, {1})}}); };
  EXPECT_EQ(code_of(misuse), ErrorCode::unsupported);
  EXPECT_NE(message_of(misuse).find("only ReadVariableOp and ResourceGather read variables"),
            std::string::npos)
      << message_of(misuse);
}

TEST(SavedModelSyntheticVariables, StringConstantsAndInputsAreRefused) {
  testing::TempDir tmp;
  tf::SavedModel model = base_model(tf::DT_FLOAT);
  tf::MetaGraphDef& meta = *model.mutable_meta_graphs(0);
  tf::NodeDef* s = node(meta, "s", "Const", {});
  set_type(s, "dtype", tf::DT_STRING);
  tf::TensorProto* t = (*s->mutable_attr())["value"].mutable_tensor();
  t->set_dtype(tf::DT_STRING);
  t->add_string_val("hello");
  node(meta, "y", "Mul", {"x", "s"});
  add_signature(meta, "serving_default", "x:0", tf::DT_FLOAT, "y:0");
  add_signature(meta, "strings_in", "x:0", tf::DT_STRING, "x:0");
  add_signature(meta, "complex_in", "x:0", tf::DT_COMPLEX64, "x:0");
  testing::write_proto(tmp.path(), model);
  const Model m = load(tmp.path());
  const auto run = [&] { m.signature().run({{"x", make<float>({1}, {1})}}); };
  EXPECT_EQ(code_of(run), ErrorCode::unsupported);
  EXPECT_NE(message_of(run).find("the string constant 's'"), std::string::npos) << message_of(run);
  EXPECT_NE(message_of([&] {
              m.signature("strings_in").run({{"x", make<float>({1}, {1})}});
            }).find("input 'x' is a string tensor"),
            std::string::npos);
  EXPECT_NE(message_of([&] {
              m.signature("complex_in").run({{"x", make<float>({1}, {1})}});
            }).find("input 'x' is a complex64 tensor"),
            std::string::npos);
}

}  // namespace
}  // namespace nnload::formats::savedmodel
