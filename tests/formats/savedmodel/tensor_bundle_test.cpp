// The tensor bundle reader on the real fixtures' variables/ and on damaged copies of them.
#include "formats/savedmodel/tensor_bundle.hpp"

#include <gtest/gtest.h>

#include "formats/savedmodel/crc32c.hpp"
#include "formats/savedmodel/savedmodel_test_util.hpp"
#include "formats/savedmodel/variables.hpp"
#include "support/error_capture.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::formats::savedmodel {
namespace {

namespace fs = std::filesystem;
using testing::code_of;
using testing::message_of;

fs::path prefix_of(const fs::path& dir) { return dir / "variables" / "variables"; }
fs::path index_of(const fs::path& dir) { return dir / "variables" / "variables.index"; }
fs::path shard_of(const fs::path& dir) {
  return dir / "variables" / "variables.data-00000-of-00001";
}

tf::BundleEntryProto parse_entry(const std::string& bytes) {
  tf::BundleEntryProto e;
  EXPECT_TRUE(e.ParseFromString(bytes));
  return e;
}

TEST(SavedModelBundle, ReadsTf1VariablesByName) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const TensorBundle b =
      TensorBundle::open(prefix_of(testing::savedmodel_fixture("tf1_half_plus_two")));
  EXPECT_EQ(b.keys(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(b.tensor("a").item<float>(), 0.5f);
  EXPECT_EQ(b.tensor("b").item<float>(), 2.0f);
  EXPECT_EQ(b.tensor("c").item<float>(), 3.0f);
  EXPECT_EQ(b.tensor("a").dtype(), DType::f32);
  EXPECT_EQ(b.tensor("a").shape(), Shape{});
}

TEST(SavedModelBundle, TensorsAreViewsIntoTheMappedShard) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const TensorBundle b = TensorBundle::open(
      prefix_of(testing::savedmodel_fixture("tfrust_keras_single_input_saved_model")));
  const Tensor kernel = b.tensor("layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE");
  EXPECT_EQ(kernel.shape(), (Shape{5, 5}));
  EXPECT_TRUE(kernel.is_view());
  EXPECT_FALSE(kernel.writable());
  const Tensor iter = b.tensor("optimizer/iter/.ATTRIBUTES/VARIABLE_VALUE");
  EXPECT_EQ(iter.dtype(), DType::i64);
}

// TensorFlow stores each entry's CRC-32C masked (LevelDB's mask), checked here on the real
// files independently of the reader: an unmasked comparison would fail.
TEST(SavedModelBundle, StoredChecksumsAreMaskedCrc32c) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const fs::path dir = testing::savedmodel_fixture("int64_multiply");
  const auto rows = testing::read_table(index_of(dir));
  const std::vector<std::byte> shard = testing::read_bytes(shard_of(dir));
  int numeric = 0;
  for (const auto& [key, value] : rows) {
    if (key.empty()) continue;
    const tf::BundleEntryProto e = parse_entry(value);
    if (e.dtype() == tf::DT_STRING) continue;
    const std::span<const std::byte> data(shard.data() + e.offset(),
                                          static_cast<std::size_t>(e.size()));
    EXPECT_EQ(e.crc32c(), crc32c_mask(crc32c(data))) << key;
    EXPECT_NE(e.crc32c(), crc32c(data)) << key;
    ++numeric;
  }
  EXPECT_EQ(numeric, 2);
}

TEST(SavedModelBundle, ReadsTheCheckpointObjectGraphString) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const TensorBundle b =
      TensorBundle::open(prefix_of(testing::savedmodel_fixture("int64_multiply")));
  const std::vector<std::string> blob = b.strings(kObjectGraphKey);
  ASSERT_EQ(blob.size(), 1u);
  tf::TrackableObjectGraph graph;
  ASSERT_TRUE(graph.ParseFromString(blob[0]));
  ASSERT_GE(graph.nodes_size(), 3);
  EXPECT_EQ(graph.nodes(1).attributes(0).checkpoint_key(), "v1/.ATTRIBUTES/VARIABLE_VALUE");
  // Both variables are named "Variable" here, while the graph's handles are "Variable" and
  // "Variable_1": names alone can't bind them (see variables.hpp).
  EXPECT_EQ(graph.nodes(1).attributes(0).full_name(), "Variable");
  EXPECT_EQ(graph.nodes(2).attributes(0).full_name(), "Variable");
  EXPECT_EQ(code_of([&] { b.tensor(kObjectGraphKey); }), ErrorCode::unsupported);
}

TEST(SavedModelBundle, UnknownKeyIsNotFound) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const TensorBundle b =
      TensorBundle::open(prefix_of(testing::savedmodel_fixture("tf1_half_plus_two")));
  EXPECT_EQ(code_of([&] { b.tensor("d"); }), ErrorCode::not_found);
  EXPECT_EQ(b.find("d"), nullptr);
}

TEST(SavedModelBundle, MissingIndexIsNotFound) {
  testing::TempDir tmp;
  EXPECT_EQ(code_of([&] { TensorBundle::open(tmp / "variables"); }), ErrorCode::not_found);
}

TEST(SavedModelBundle, MissingShardIsNotFoundAndNamed) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  testing::TempDir tmp;
  const fs::path dir = testing::copy_fixture("times_two_int", tmp);
  fs::remove(shard_of(dir));
  const auto open = [&] { TensorBundle::open(prefix_of(dir)); };
  EXPECT_EQ(code_of(open), ErrorCode::not_found);
  EXPECT_NE(message_of(open).find("variables.data-00000-of-00001"), std::string::npos)
      << message_of(open);
}

TEST(SavedModelBundle, TruncatedShardIsCorruptAndNamesVariableAndShard) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  testing::TempDir tmp;
  const fs::path dir = testing::copy_fixture("tf1_half_plus_two", tmp);
  fs::resize_file(shard_of(dir), 10);  // "c" lives at bytes 8..12
  const auto open = [&] { TensorBundle::open(prefix_of(dir)); };
  EXPECT_EQ(code_of(open), ErrorCode::corrupt);
  const std::string msg = message_of(open);
  EXPECT_NE(msg.find("'c'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("variables.data-00000-of-00001"), std::string::npos) << msg;
}

TEST(SavedModelBundle, EntryPointingOutsideTheShardIsCorrupt) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  testing::TempDir tmp;
  const fs::path dir = testing::copy_fixture("tf1_half_plus_two", tmp);
  auto rows = testing::read_table(index_of(dir));
  tf::BundleEntryProto b = parse_entry(rows.at("b"));
  b.set_offset(1'000'000);
  rows["b"] = b.SerializeAsString();
  testing::write_table(index_of(dir), rows);
  const auto open = [&] { TensorBundle::open(prefix_of(dir)); };
  EXPECT_EQ(code_of(open), ErrorCode::corrupt);
  EXPECT_NE(message_of(open).find("variable 'b' needs 4 bytes at offset 1000000"),
            std::string::npos)
      << message_of(open);
  // A rewritten index with the original entries reads fine: the damage above is the offset.
  rows["b"] =
      parse_entry(
          testing::read_table(index_of(testing::savedmodel_fixture("tf1_half_plus_two"))).at("b"))
          .SerializeAsString();
  testing::write_table(index_of(dir), rows);
  EXPECT_EQ(TensorBundle::open(prefix_of(dir)).tensor("b").item<float>(), 2.0f);
}

// TensorFlow gives each variable its own bytes; an index naming one range for many variables
// would have each checksummed (and, misaligned, copied) again.
TEST(SavedModelBundle, VariablesSharingBytesAreCorrupt) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  testing::TempDir tmp;
  const fs::path dir = testing::copy_fixture("tf1_half_plus_two", tmp);
  auto rows = testing::read_table(index_of(dir));
  tf::BundleEntryProto a = parse_entry(rows.at("a"));
  tf::BundleEntryProto b = parse_entry(rows.at("b"));
  ASSERT_NE(a.offset(), b.offset());
  b.set_offset(a.offset());
  b.set_crc32c(a.crc32c());
  rows["b"] = b.SerializeAsString();
  testing::write_table(index_of(dir), rows);
  const auto open = [&] { TensorBundle::open(prefix_of(dir)); };
  EXPECT_EQ(code_of(open), ErrorCode::corrupt);
  EXPECT_NE(message_of(open).find("variables 'a' and 'b' overlap"), std::string::npos)
      << message_of(open);
}

TEST(SavedModelBundle, NegativeOffsetOrSizeIsCorrupt) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  testing::TempDir tmp;
  const fs::path dir = testing::copy_fixture("tf1_half_plus_two", tmp);
  auto rows = testing::read_table(index_of(dir));
  tf::BundleEntryProto a = parse_entry(rows.at("a"));
  a.set_size(-4);
  rows["a"] = a.SerializeAsString();
  testing::write_table(index_of(dir), rows);
  EXPECT_EQ(code_of([&] { TensorBundle::open(prefix_of(dir)); }), ErrorCode::corrupt);
}

TEST(SavedModelBundle, SizeDisagreeingWithShapeIsCorrupt) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  testing::TempDir tmp;
  const fs::path dir = testing::copy_fixture("tf1_half_plus_two", tmp);
  auto rows = testing::read_table(index_of(dir));
  tf::BundleEntryProto a = parse_entry(rows.at("a"));
  a.mutable_shape()->add_dim()->set_size(3);  // 12 bytes wanted, entry holds 4
  rows["a"] = a.SerializeAsString();
  testing::write_table(index_of(dir), rows);
  const TensorBundle bundle = TensorBundle::open(prefix_of(dir));
  EXPECT_EQ(code_of([&] { bundle.tensor("a"); }), ErrorCode::corrupt);
}

TEST(SavedModelBundle, ChecksumMismatchIsCorrupt) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  testing::TempDir tmp;
  const fs::path dir = testing::copy_fixture("tf1_half_plus_two", tmp);
  std::vector<std::byte> data = testing::read_bytes(shard_of(dir));
  data[5] ^= std::byte{0x01};  // inside "b"
  testing::write_bytes(shard_of(dir), data);
  const TensorBundle b = TensorBundle::open(prefix_of(dir));
  EXPECT_EQ(b.tensor("a").item<float>(), 0.5f);
  const auto read = [&] { b.tensor("b"); };
  EXPECT_EQ(code_of(read), ErrorCode::corrupt);
  EXPECT_NE(message_of(read).find("checksum"), std::string::npos) << message_of(read);
}

TEST(SavedModelBundle, DamagedStringTensorIsCorrupt) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  testing::TempDir tmp;
  const fs::path dir = testing::copy_fixture("int64_multiply", tmp);
  const auto rows = testing::read_table(index_of(dir));
  const tf::BundleEntryProto e = parse_entry(rows.at(kObjectGraphKey));
  std::vector<std::byte> data = testing::read_bytes(shard_of(dir));
  data[static_cast<std::size_t>(e.offset() + e.size() - 1)] ^= std::byte{0x20};
  testing::write_bytes(shard_of(dir), data);
  const TensorBundle b = TensorBundle::open(prefix_of(dir));
  EXPECT_EQ(code_of([&] { b.strings(kObjectGraphKey); }), ErrorCode::corrupt);
  data[static_cast<std::size_t>(e.offset() + e.size() - 1)] ^= std::byte{0x20};
  data[static_cast<std::size_t>(e.offset())] ^= std::byte{0x01};  // the first length
  testing::write_bytes(shard_of(dir), data);
  EXPECT_EQ(code_of([&] { TensorBundle::open(prefix_of(dir)).strings(kObjectGraphKey); }),
            ErrorCode::corrupt);
}

TEST(SavedModelBundle, DamagedIndexIsCorrupt) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  testing::TempDir tmp;
  const fs::path dir = testing::copy_fixture("tf1_half_plus_two", tmp);
  std::vector<std::byte> index = testing::read_bytes(index_of(dir));
  for (std::size_t i = 0; i < index.size(); i += 7) {
    std::vector<std::byte> damaged = index;
    damaged[i] ^= std::byte{0x5a};
    testing::write_bytes(index_of(dir), damaged);
    try {
      const TensorBundle b = TensorBundle::open(prefix_of(dir));
      for (const std::string& key : b.keys()) b.tensor(key);  // may still be fine (padding bytes)
    } catch (const Error& e) {
      EXPECT_TRUE(e.code() == ErrorCode::corrupt || e.code() == ErrorCode::not_found ||
                  e.code() == ErrorCode::unsupported)
          << i << ": " << e.what();
    }
  }
  testing::write_bytes(index_of(dir), testing::to_bytes("not a table at all"));
  EXPECT_EQ(code_of([&] { TensorBundle::open(prefix_of(dir)); }), ErrorCode::corrupt);
}

TEST(SavedModelBundle, HeaderChecks) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  testing::TempDir tmp;
  const fs::path dir = testing::copy_fixture("tf1_half_plus_two", tmp);
  const auto original = testing::read_table(index_of(dir));
  tf::BundleHeaderProto header;
  ASSERT_TRUE(header.ParseFromString(original.at("")));

  auto rows = original;
  tf::BundleHeaderProto big = header;
  big.set_endianness(tf::BundleHeaderProto::BIG);
  rows[""] = big.SerializeAsString();
  testing::write_table(index_of(dir), rows);
  EXPECT_EQ(code_of([&] { TensorBundle::open(prefix_of(dir)); }), ErrorCode::unsupported);

  rows = original;
  rows.erase("");
  testing::write_table(index_of(dir), rows);
  EXPECT_EQ(code_of([&] { TensorBundle::open(prefix_of(dir)); }), ErrorCode::corrupt);

  rows = original;
  tf::BundleHeaderProto zero = header;
  zero.set_num_shards(0);
  rows[""] = zero.SerializeAsString();
  testing::write_table(index_of(dir), rows);
  EXPECT_EQ(code_of([&] { TensorBundle::open(prefix_of(dir)); }), ErrorCode::corrupt);

  rows = original;
  tf::BundleEntryProto a = parse_entry(rows.at("a"));
  a.set_shard_id(3);
  rows["a"] = a.SerializeAsString();
  testing::write_table(index_of(dir), rows);
  EXPECT_EQ(code_of([&] { TensorBundle::open(prefix_of(dir)); }), ErrorCode::corrupt);
}

TEST(SavedModelBundle, SlicedVariablesAreUnsupported) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  testing::TempDir tmp;
  const fs::path dir = testing::copy_fixture("tf1_half_plus_two", tmp);
  auto rows = testing::read_table(index_of(dir));
  tf::BundleEntryProto a = parse_entry(rows.at("a"));
  a.add_slices()->add_extent()->set_start(0);
  rows["a"] = a.SerializeAsString();
  testing::write_table(index_of(dir), rows);
  const TensorBundle b = TensorBundle::open(prefix_of(dir));
  const auto read = [&] { b.tensor("a"); };
  EXPECT_EQ(code_of(read), ErrorCode::unsupported);
  EXPECT_NE(message_of(read).find("partitioned"), std::string::npos) << message_of(read);
}

}  // namespace
}  // namespace nnload::formats::savedmodel
