#include "io/json_text.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "nnload/error.hpp"

namespace nnload::io {
namespace {

void expect_corrupt(const std::function<void()>& read, const std::string& what) {
  try {
    read();
    ADD_FAILURE() << "no error for " << what;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::corrupt) << e.what();
    EXPECT_NE(std::string(e.what()).find("out of the range"), std::string::npos) << e.what();
  }
}

// A floating-point number where a config wants an integer: integral values convert as before,
// values out of the integer's range are an Error (a plain cast would be undefined behaviour).
TEST(JsonText, FloatsConvertToIntegersOnlyWhenTheyFit) {
  const Json j = parse_json(R"({"units": 3.0, "big": 1e300, "neg": -1.0, "edge": 2147483648.0,
                               "list": [1, 2.5, 1e19], "nested": {"k": [-9.3e18]}})",
                            "test");
  EXPECT_EQ(j["units"].get<int>(), 3);
  EXPECT_EQ(j["neg"].get<std::int64_t>(), -1);
  EXPECT_EQ(j["edge"].get<std::int64_t>(), 2147483648);
  EXPECT_EQ(j["list"][1].get<int>(), 2);  // truncated toward zero, as before
  EXPECT_EQ(j["list"][2].get<std::uint64_t>(), 10000000000000000000u);
  expect_corrupt([&] { (void)j["big"].get<std::int64_t>(); }, "1e300 as int64");
  expect_corrupt([&] { (void)j["edge"].get<int>(); }, "2^31 as int");
  expect_corrupt([&] { (void)j["neg"].get<std::uint32_t>(); }, "-1 as uint32");
  expect_corrupt([&] { (void)j["list"].get<std::vector<std::int64_t>>(); }, "a list holding 1e19");
  expect_corrupt([&] { (void)j["nested"]["k"].get<std::vector<std::int64_t>>(); }, "-9.3e18");
  EXPECT_DOUBLE_EQ(j["big"].get<double>(), 1e300);  // floats stay what they are
}

TEST(JsonText, NotJsonIsCorrupt) {
  try {
    (void)parse_json("{\"a\": ", "config.json");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::corrupt);
    EXPECT_NE(std::string(e.what()).find("config.json is not valid JSON"), std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace nnload::io
