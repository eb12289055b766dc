// Keras metadata from the object graph of a SavedModel without keras_metadata.pb: each node's
// path, and the bound on their total (a chain of objects makes paths grow with its square).
#include "formats/savedmodel/keras_metadata.hpp"

#include <gtest/gtest.h>

#include <string>

#include "io/json_text.hpp"
#include "support/error_capture.hpp"
#include "support/temp_files.hpp"

namespace nnload::formats::savedmodel {
namespace {

// Root, then `length` Keras layers each the only child of the one before, all named `name`.
tf::MetaGraphDef chain_of_layers(int length, const std::string& name) {
  tf::MetaGraphDef meta;
  tf::SavedObjectGraph& graph = *meta.mutable_object_graph_def();
  for (int i = 0; i <= length; ++i) {
    tf::SavedObject& node = *graph.add_nodes();
    node.mutable_user_object()->set_identifier("_tf_keras_layer");
    node.mutable_user_object()->set_metadata(R"({"name": "x"})");
    if (i < length) {
      tf::ObjectReference& child = *node.add_children();
      child.set_node_id(i + 1);
      child.set_local_name(name);
    }
  }
  return meta;
}

TEST(KerasMetadata, ObjectGraphNodesAreNamedByTheirPath) {
  testing::TempDir dir;  // no keras_metadata.pb: the object graph's metadata is read
  const io::Json nodes =
      io::parse_json(keras_metadata_json(dir.path(), chain_of_layers(3, "layer-0")), "test");
  ASSERT_EQ(nodes.size(), 4u);
  EXPECT_EQ(nodes[0].at("node_path"), "root");
  EXPECT_EQ(nodes[3].at("node_path"), "root.layer-0.layer-0.layer-0");
  EXPECT_EQ(nodes[3].at("identifier"), "_tf_keras_layer");
  EXPECT_EQ(nodes[3].at("metadata").at("name"), "x");
}

// 5,000 nested layers with 20-character names: 260 MB of paths from a ~200 kB graph.
TEST(KerasMetadata, PathsOfALongChainAreBounded) {
  testing::TempDir dir;
  const tf::MetaGraphDef meta = chain_of_layers(5000, "layer_with_weights-0");
  EXPECT_EQ(testing::code_of([&] { keras_metadata_json(dir.path(), meta); }), ErrorCode::corrupt);
  EXPECT_NE(testing::message_of([&] {
              keras_metadata_json(dir.path(), meta);
            }).find("the object graph's paths come to more than"),
            std::string::npos);
}

}  // namespace
}  // namespace nnload::formats::savedmodel
