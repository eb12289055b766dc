#include "formats/torch/torch_file.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "formats/torch/object_tree.hpp"
#include "formats/torch/torch_expected.hpp"
#include "support/error_capture.hpp"
#include "support/fixtures.hpp"

namespace nnload::formats::torch {
namespace {

namespace fs = std::filesystem;

fs::path fixture(const std::string& name) {
  return testing::project_fixture("pickle/torch/" + name);
}

const TorchTensor& tensor_named(const TorchFile& f, const std::string& name) {
  const auto it = std::find_if(f.tensors.begin(), f.tensors.end(),
                               [&](const TorchTensor& t) { return t.name == name; });
  if (it == f.tensors.end()) throw std::runtime_error("no tensor " + name);
  return *it;
}

bool has_note(const TorchFile& f, const std::string& fragment) {
  return std::any_of(f.notes.begin(), f.notes.end(),
                     [&](const std::string& n) { return n.find(fragment) != std::string::npos; });
}

// Every file under ../shared/fixtures/real/pytorch reads as torch.load read it.
TEST(TorchSharedFixtures, EveryRealFileReadsAsTorchReadsIt) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  int files = 0;
  for (const auto& e :
       fs::recursive_directory_iterator(testing::shared_fixtures() / "real" / "pytorch")) {
    if (e.path().extension() != ".pt" && e.path().extension() != ".pth") continue;
    SCOPED_TRACE(e.path().string());
    TorchFile f;
    try {
      f = read_torch_file(e.path());
    } catch (const Error& err) {
      ADD_FAILURE() << err.what();
      continue;
    }
    EXPECT_EQ(f.format, "zip");
    testing::expect_matches_expected(e.path(), f);
    ++files;
  }
  EXPECT_GE(files, 49);
}

TEST(TorchSharedFixtures, StateDictsAreFoundInCheckpoints) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  const fs::path dir = testing::shared_fixtures() / "real" / "pytorch" / "burn_reader_test_data";
  const auto checkpoint = find_state_dict(read_torch_file(dir / "checkpoint.pt"));
  ASSERT_EQ(checkpoint.size(), 4u);
  EXPECT_EQ(checkpoint[0].first, "fc1.weight");
  EXPECT_EQ(checkpoint[0].second.shape(), (Shape{10, 5}));
  const auto bare = find_state_dict(read_torch_file(dir / "state_dict.pt"));
  EXPECT_EQ(bare.size(), 4u);
  const std::string msg =
      testing::message_of([&] { find_state_dict(read_torch_file(dir / "complex_structure.pt")); });
  EXPECT_EQ(
      testing::code_of([&] { find_state_dict(read_torch_file(dir / "complex_structure.pt")); }),
      ErrorCode::not_found);
  EXPECT_NE(msg.find("[metadata, state, config]"), std::string::npos) << msg;
}

TEST(TorchFile, ZipViewsSharedStoragesAndEveryDtype) {
  const TorchFile f = read_torch_file(fixture("views.pt"));
  testing::expect_matches_expected(fixture("views.pt"), f);
  EXPECT_EQ(f.format, "zip");
  EXPECT_EQ(f.byteorder, "little");
  // Contiguous tensors are zero-copy views into the mapped file, sharing their storage.
  const Tensor& base = tensor_named(f, "base").value;
  const Tensor& slice = tensor_named(f, "slice").value;
  EXPECT_TRUE(base.is_view());
  EXPECT_TRUE(slice.is_view());
  EXPECT_EQ(static_cast<const float*>(slice.raw()), static_cast<const float*>(base.raw()) + 4);
  EXPECT_EQ(static_cast<const float*>(tensor_named(f, "scalar").value.raw()),
            static_cast<const float*>(base.raw()) + 5);
  // Strided ones are materialised.
  EXPECT_FALSE(tensor_named(f, "transposed").value.is_view());
  EXPECT_FALSE(tensor_named(f, "expanded").value.is_view());
  EXPECT_TRUE(tensor_named(f, "param").is_parameter);
  EXPECT_TRUE(has_note(f, "tensor 'complex' is complex64"));
}

TEST(TorchFile, LegacyFormatReadsTheSameObjects) {
  const TorchFile f = read_torch_file(fixture("legacy.pt"));
  EXPECT_EQ(f.format, "legacy");
  EXPECT_EQ(f.version, "1001");
  testing::expect_matches_expected(fixture("legacy.pt"), f);
  const TorchFile m = read_torch_file(fixture("legacy_module.pt"));
  testing::expect_matches_expected(fixture("legacy_module.pt"), m);
  // Module classes come through ('module', class, source file, source) ids.
  EXPECT_TRUE(root_value(m).is_object_of("torch.nn.modules.container", "Sequential"));
  EXPECT_TRUE(has_note(m, "whole-module file"));
}

TEST(TorchFile, TarFormat) {
  const TorchFile f = read_torch_file(fixture("tar_format.pt"));
  EXPECT_EQ(f.format, "tar");
  testing::expect_matches_expected(fixture("tar_format.pt"), f);
}

TEST(TorchFile, CheckpointWithForeignObjectsLoadsItsTensors) {
  const TorchFile f = read_torch_file(fixture("checkpoint_objects.pt"));
  testing::expect_matches_expected(fixture("checkpoint_objects.pt"), f);
  EXPECT_TRUE(has_note(f, "GLOBAL argparse.Namespace"));
  EXPECT_TRUE(has_note(f, "GLOBAL __main__.CustomBlock"));
  EXPECT_TRUE(has_note(f, "GLOBAL numpy.core.multiarray._reconstruct"));
  // The DataParallel "module." prefix goes; names are relative to the state_dict.
  const auto sd = find_state_dict(f);
  ASSERT_EQ(sd.size(), 4u);
  EXPECT_EQ(sd[0].first, "0.weight");
  EXPECT_EQ(sd[3].first, "2.bias");
}

TEST(TorchFile, WholeModulePicklesFlattenLikeTheirStateDict) {
  const TorchFile f = read_torch_file(fixture("whole_module.pt"));
  testing::expect_matches_expected(fixture("whole_module.pt"), f);
  const auto sd = find_state_dict(f);
  ASSERT_EQ(sd.size(), 9u);
  EXPECT_EQ(sd[0].first, "0.weight");
  EXPECT_EQ(sd[6].first, "2.num_batches_tracked");
  // The object tree: Sequential -> _modules -> '0' (Linear) -> _parameters -> weight.
  const io::pickle::Value& root = root_value(f);
  ASSERT_TRUE(root.is_object_of("torch.nn.modules.container", "Sequential"));
  const io::pickle::Value* linear = root.state->get("_modules")->get("0");
  ASSERT_NE(linear, nullptr);
  EXPECT_TRUE(linear->is_object_of("torch.nn.modules.linear", "Linear"));
  EXPECT_EQ(linear->state->get("in_features")->integer, 4);
  const ObjectTensor* weight = tensor_of(f, *linear->state->get("_parameters")->get("weight"));
  ASSERT_NE(weight, nullptr);
  EXPECT_TRUE(weight->is_parameter);
  EXPECT_EQ(weight->value.raw(), tensor_named(f, "0.weight").value.raw());
  EXPECT_EQ(tensor_of(f, root), nullptr);
}

TEST(TorchFile, CudaStoragesLoadOnTheCpuAndKeepTheirLocation) {
  const TorchFile f = read_torch_file(fixture("cuda.pt"));
  testing::expect_matches_expected(fixture("cuda.pt"), f);
  EXPECT_EQ(tensor_named(f, "w").location, "cuda:0");
}

TEST(TorchFile, BigEndianArchivesAreSwappedIntoOwnedCopies) {
  const TorchFile f = read_torch_file(fixture("big_endian.pt"));
  EXPECT_EQ(f.byteorder, "big");
  testing::expect_matches_expected(fixture("big_endian.pt"), f);
}

TEST(TorchFile, TorchScriptArchivesGiveTheirParameters) {
  const TorchFile f = read_torch_file(fixture("torchscript.pt"));
  testing::expect_matches_expected(fixture("torchscript.pt"), f, /*exact_names=*/false);
  EXPECT_TRUE(has_note(f, "TorchScript archive"));
}

TEST(TorchFile, MaliciousGlobalsStayInert) {
  const nlohmann::json expected = testing::expected_json(fixture("malicious.pt"));
  const fs::path marker = expected["marker"].get<std::string>();
  fs::remove(marker);
  const TorchFile f = read_torch_file(fixture("malicious.pt"));
  EXPECT_FALSE(fs::exists(marker));
  ASSERT_EQ(f.values.size(), 2u);
  EXPECT_EQ(f.values[0].name, "weights");
  EXPECT_EQ(f.values[0].repr, expected["weights"].get<std::string>());
  EXPECT_EQ(f.values[1].repr, expected["evil"].get<std::string>());
  EXPECT_TRUE(has_note(f, "GLOBAL os.system"));
  EXPECT_TRUE(has_note(f, "GLOBAL builtins.eval"));
  EXPECT_EQ(testing::code_of([&] { find_state_dict(f); }), ErrorCode::not_found);
}

}  // namespace
}  // namespace nnload::formats::torch
