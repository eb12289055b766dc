// Helpers for the Keras 3 format tests: the shared keras3 fixtures, their stored predictions, and
// a minimal zip writer (stored entries) to assemble damaged or edited .keras archives.
#pragma once

#include <gtest/gtest.h>

#include <array>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "io/npz.hpp"
#include "io/zip_reader.hpp"
#include "nnload/model.hpp"
#include "support/fixtures.hpp"
#include "support/keras_fixture_check.hpp"

namespace nnload::testing {

inline std::filesystem::path keras3_fixture(const std::string& name) {
  return shared_fixtures() / "keras3" / name;
}

// The entries of a zip, by name.
inline std::map<std::string, std::string> zip_entries(const std::filesystem::path& path) {
  const io::ZipReader zip = io::ZipReader::open(path);
  std::map<std::string, std::string> out;
  for (const io::ZipEntry& e : zip.entries()) {
    const std::vector<std::byte> bytes = zip.read(e, std::uint64_t{1} << 30);
    out[e.name] = std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  }
  return out;
}

inline std::uint32_t crc32_of(const std::string& data) {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  std::uint32_t crc = 0xFFFFFFFFu;
  for (unsigned char ch : data) crc = table[(crc ^ ch) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

// Writes `entries` (name, data) as a zip of stored entries, in the given order.
inline void write_zip(const std::filesystem::path& path,
                      const std::vector<std::pair<std::string, std::string>>& entries) {
  std::string out, directory;
  auto u16 = [](std::string& s, std::uint16_t v) {
    s += static_cast<char>(v & 0xFF);
    s += static_cast<char>(v >> 8);
  };
  auto u32 = [&](std::string& s, std::uint32_t v) {
    u16(s, static_cast<std::uint16_t>(v & 0xFFFF));
    u16(s, static_cast<std::uint16_t>(v >> 16));
  };
  for (const auto& [name, data] : entries) {
    const auto offset = static_cast<std::uint32_t>(out.size());
    const std::uint32_t crc = crc32_of(data);
    const auto size = static_cast<std::uint32_t>(data.size());
    u32(out, 0x04034b50);
    u16(out, 20);
    u16(out, 0);
    u16(out, 0);  // stored
    u16(out, 0);
    u16(out, 0x21);  // 1980-01-01
    u32(out, crc);
    u32(out, size);
    u32(out, size);
    u16(out, static_cast<std::uint16_t>(name.size()));
    u16(out, 0);
    out += name;
    out += data;
    u32(directory, 0x02014b50);
    u16(directory, 20);
    u16(directory, 20);
    u16(directory, 0);
    u16(directory, 0);
    u16(directory, 0);
    u16(directory, 0x21);
    u32(directory, crc);
    u32(directory, size);
    u32(directory, size);
    u16(directory, static_cast<std::uint16_t>(name.size()));
    u16(directory, 0);
    u16(directory, 0);
    u16(directory, 0);
    u16(directory, 0);
    u32(directory, 0);
    u32(directory, offset);
    directory += name;
  }
  const auto dir_offset = static_cast<std::uint32_t>(out.size());
  out += directory;
  u32(out, 0x06054b50);
  u16(out, 0);
  u16(out, 0);
  u16(out, static_cast<std::uint16_t>(entries.size()));
  u16(out, static_cast<std::uint16_t>(entries.size()));
  u32(out, static_cast<std::uint32_t>(directory.size()));
  u32(out, dir_offset);
  u16(out, 0);
  std::ofstream(path, std::ios::binary).write(out.data(), static_cast<std::streamsize>(out.size()));
}

// NAME.npz of the keras3 fixtures: x / y, or x__<input> / y__<output>.
struct StoredPrediction {
  std::map<std::string, Tensor> inputs, outputs;
};

inline StoredPrediction stored_prediction(const std::string& model) {
  StoredPrediction p;
  for (const io::NamedTensor& t : io::load_npz(keras3_fixture(model + ".npz"))) {
    if (t.name == "x") p.inputs["x"] = t.tensor;
    if (t.name == "y") p.outputs["y"] = t.tensor;
    if (t.name.rfind("x__", 0) == 0) p.inputs[t.name.substr(3)] = t.tensor;
    if (t.name.rfind("y__", 0) == 0) p.outputs[t.name.substr(3)] = t.tensor;
  }
  return p;
}

inline const Tensor& pick(const std::map<std::string, Tensor>& m, const std::string& name) {
  if (m.size() == 1) return m.begin()->second;
  auto it = m.find(name);
  if (it == m.end()) throw std::runtime_error("no stored tensor for " + name);
  return it->second;
}

// Runs `model` on the stored inputs and compares every output with Keras' prediction.
inline ::testing::AssertionResult predicts_like_keras(const Model& model,
                                                      const std::string& fixture) {
  const StoredPrediction p = stored_prediction(fixture);
  std::vector<Tensor> inputs;
  for (const TensorInfo& in : model.inputs()) inputs.push_back(pick(p.inputs, in.name));
  const std::vector<Tensor> outputs = model.predict(inputs);
  if (outputs.size() != p.outputs.size())
    return ::testing::AssertionFailure()
           << outputs.size() << " outputs, Keras has " << p.outputs.size();
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    const auto r = matches_keras(outputs[i], pick(p.outputs, model.outputs()[i].name));
    if (!r) return ::testing::AssertionFailure() << model.outputs()[i].name << ": " << r.message();
  }
  return ::testing::AssertionSuccess();
}

inline std::int64_t manifest_params(const std::string& model) {
  std::ifstream in(keras3_fixture("manifest.json"));
  const nlohmann::json manifest = nlohmann::json::parse(in);
  return manifest["models"][model]["num_params"].get<std::int64_t>();
}

}  // namespace nnload::testing
