// detach_initializer_raw_data: the stripped message is the model without the main graph's
// initializer raw_data, and each payload's range points at its bytes in the file; anything
// unexpected falls back to a plain parse (nullopt).
#include "formats/onnx/detached_raw_data.hpp"

#include <gtest/gtest.h>

#include "onnx_model_builder.hpp"

namespace nnload::formats::onnx {
namespace {

namespace build = testing::onnx_build;

std::span<const std::byte> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::byte*>(s.data()), s.size()};
}

build::pb::ModelProto two_initializers() {
  build::pb::ModelProto m = build::model();
  build::pb::GraphProto* g = m.mutable_graph();
  build::add_input(g, "x", {2});
  build::add_float_initializer(g, "w", {2}, {1.5f, -2.0f});
  build::pb::TensorProto* typed = g->add_initializer();  // typed field, no raw_data
  typed->set_name("b");
  typed->set_data_type(build::pb::TensorProto::FLOAT);
  typed->add_dims(2);
  typed->add_float_data(0.25f);
  typed->add_float_data(4.0f);
  build::add_node(g, "Mul", {"x", "w"}, {"xw"});
  build::add_node(g, "Add", {"xw", "b"}, {"y"});
  build::add_output(g, "y", {2});
  return m;
}

TEST(DetachedRawData, StripsOnlyInitializerRawDataAndPointsAtIt) {
  const build::pb::ModelProto original = two_initializers();
  const std::string file = original.SerializeAsString();
  const auto detached = detach_initializer_raw_data(as_bytes(file));
  ASSERT_TRUE(detached.has_value());

  build::pb::ModelProto expected = original;
  expected.mutable_graph()->mutable_initializer(0)->clear_raw_data();
  EXPECT_EQ(detached->stripped, expected.SerializeAsString());

  ASSERT_EQ(detached->initializer_raw_data.size(), 2u);
  ASSERT_TRUE(detached->initializer_raw_data[0].has_value());
  EXPECT_FALSE(detached->initializer_raw_data[1].has_value());
  const ByteRange r = *detached->initializer_raw_data[0];
  EXPECT_EQ(file.substr(r.offset, r.size), original.graph().initializer(0).raw_data());
}

TEST(DetachedRawData, FallsBackOnWhatItDoesNotExpect) {
  const std::string file = two_initializers().SerializeAsString();
  // Truncated inside the graph: a length that runs past the end.
  EXPECT_FALSE(detach_initializer_raw_data(as_bytes(file.substr(0, file.size() - 3))));
  // Two graph fields: protobuf merges them, so the splitter leaves that to protobuf.
  build::pb::ModelProto second;
  second.mutable_graph()->set_name("again");
  EXPECT_FALSE(detach_initializer_raw_data(as_bytes(file + second.SerializeAsString())));
  // A deprecated group (wire type 3) at the top level.
  EXPECT_FALSE(detach_initializer_raw_data(as_bytes(file + std::string("\x0b", 1))));
  // An unterminated varint.
  EXPECT_FALSE(detach_initializer_raw_data(as_bytes(std::string(12, '\xff'))));
  // The empty message is fine: nothing to detach.
  const auto empty = detach_initializer_raw_data({});
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->stripped.empty());
}

}  // namespace
}  // namespace nnload::formats::onnx
