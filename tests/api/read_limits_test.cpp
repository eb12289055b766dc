// LoadOptions::limits: each limit stops a file that goes past it with Error(corrupt) naming the
// limit, the defaults let real models through, and a load's limits end with it.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/read_limits.hpp"
#include "nnload/nnload.hpp"

namespace nnload {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = NNLOAD_SOURCE_DIR;
const fs::path kKerasModel = kSource / "examples/models/digits_cnn.h5";
const fs::path kTorchFile = kSource / "tests/fixtures/torch/checkpoint_extras.pth";

// Runs `load` expecting Error(corrupt) whose message names `limit`.
template <class Load>
void expect_limit_error(Load load, const std::string& limit) {
  try {
    load();
    ADD_FAILURE() << "loaded past " << limit;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::corrupt) << e.what();
    EXPECT_NE(std::string(e.what()).find(limit), std::string::npos) << e.what();
  }
}

TEST(ReadLimits, DefaultsLoadRealModels) {
  EXPECT_NO_THROW(load(kKerasModel));
  EXPECT_NO_THROW(load(kTorchFile));
}

TEST(ReadLimits, DepthBoundsKerasConfigs) {
  LoadOptions options;
  options.limits.max_depth = 3;  // digits_cnn's config nests deeper than that
  expect_limit_error([&] { load(kKerasModel, options); }, "ReadLimits::max_depth");
}

TEST(ReadLimits, DeeplyNestedJsonIsRefusedNotRecursed) {
  // 200,000 levels: destroying such a document recursively would overflow the stack.
  std::string config;
  for (int i = 0; i < 200'000; ++i) config += "{\"a\":";
  config += "1" + std::string(200'000, '}');
  expect_limit_error([&] { load_keras(config, kKerasModel); }, "ReadLimits::max_depth");
}

TEST(ReadLimits, ObjectCountBoundsJsonAndPickles) {
  LoadOptions options;
  options.limits.max_objects = 10;
  expect_limit_error([&] { load(kKerasModel, options); }, "ReadLimits::max_objects");
  expect_limit_error([&] { load(kTorchFile, options); }, "ReadLimits::max_objects");
}

TEST(ReadLimits, ExpansionBoundsDeclaredSizes) {
  ScopedReadLimits scope([] {
    ReadLimits l;
    l.max_expansion = 4;
    return l;
  }());
  EXPECT_EQ(max_declared_bytes(1000), 4000u + (1u << 20));
  EXPECT_EQ(max_declared_bytes(UINT64_MAX / 2), UINT64_MAX);  // saturates
}

TEST(ReadLimits, ALoadsLimitsEndWithIt) {
  LoadOptions options;
  options.limits.max_depth = 3;
  EXPECT_THROW(load(kKerasModel, options), Error);
  EXPECT_EQ(read_limits().max_depth, ReadLimits{}.max_depth);
  EXPECT_NO_THROW(load(kKerasModel));
}

}  // namespace
}  // namespace nnload
