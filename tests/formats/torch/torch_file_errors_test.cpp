// Damaged, hostile and out-of-limit torch files: each a clear Error, never a crash, a hang or a
// giant allocation.
#include <gtest/gtest.h>

#include <filesystem>

#include "formats/torch/torch_file.hpp"
#include "io/pickle/pickle_test_support.hpp"
#include "support/error_capture.hpp"
#include "support/fixtures.hpp"
#include "support/temp_files.hpp"

namespace nnload::formats::torch {
namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;
using testing::binunicode;
using testing::code_of;
using testing::message_of;

fs::path fixture(const std::string& name) {
  return testing::project_fixture("pickle/torch/" + name);
}

std::string le64(std::int64_t v) {
  std::string out;
  for (int i = 0; i < 8; ++i)
    out += static_cast<char>((static_cast<std::uint64_t>(v) >> (8 * i)) & 0xFF);
  return out;
}

// The legacy stream: magic number, protocol 1001, sys_info, then the given pickles and bytes.
std::string legacy_file(const std::string& object, const std::string& keys,
                        const std::string& storages) {
  const std::string magic = "\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19."s;
  const std::string protocol = "\x80\x02M\xe9\x03."s;
  const std::string sys_info = "\x80\x02}."s;
  return magic + protocol + sys_info + object + keys + storages;
}

// {'w': _rebuild_tensor_v2(('storage', FloatStorage, key, 'cpu', numel), offset, (size,), (1,))}
std::string tensor_pickle(const std::string& key, int numel, int size, int offset = 0) {
  return "\x80\x02}"s + binunicode("w") + "ctorch._utils\n_rebuild_tensor_v2\n((" +
         binunicode("storage") + "ctorch\nFloatStorage\n" + binunicode(key) + binunicode("cpu") +
         "K" + static_cast<char>(numel) + "NtQK" + static_cast<char>(offset) + "K" +
         static_cast<char>(size) + "\x85K\x01\x85\x89}tRs.";
}

std::string keys_pickle(const std::vector<std::string>& keys) {
  std::string p = "\x80\x02](";
  for (const auto& k : keys) p += binunicode(k);
  return p + "e.";
}

std::string floats(std::int64_t count, std::vector<float> values) {
  std::string out = le64(count);
  out.append(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float));
  return out;
}

fs::path write(const testing::TempDir& dir, const std::string& name, const std::string& bytes) {
  const fs::path p = dir / name;
  testing::write_bytes(p, testing::to_bytes(bytes));
  return p;
}

TEST(TorchFileErrors, HandMadeLegacyFileReads) {
  testing::TempDir dir;
  const fs::path p =
      write(dir, "ok.pt",
            legacy_file(tensor_pickle("0", 4, 4), keys_pickle({"0"}), floats(4, {1, 2, 3, 4})));
  const TorchFile f = read_torch_file(p);
  ASSERT_EQ(f.tensors.size(), 1u);
  EXPECT_EQ(f.tensors[0].name, "w");
  const auto v = f.tensors[0].value.values<float>();
  EXPECT_EQ(std::vector<float>(v.begin(), v.end()), (std::vector<float>{1, 2, 3, 4}));
}

TEST(TorchFileErrors, LegacyStorageViewsAndARootTensor) {
  testing::TempDir dir;
  // torch.save(tensor): a tensor on a view ('v', offset 1, 2 elements) of storage '0'.
  const std::string object =
      "\x80\x02"
      "ctorch._utils\n_rebuild_tensor_v2\n(("s +
      binunicode("storage") + "ctorch\nFloatStorage\n" + binunicode("0") + binunicode("cpu") +
      "K\x04(" + binunicode("v") + "K\x01K\x02ttQK\x01K\x01\x85K\x01\x85\x89}tR.";
  const fs::path p =
      write(dir, "view.pt", legacy_file(object, keys_pickle({"0"}), floats(4, {1, 2, 3, 4})));
  const TorchFile f = read_torch_file(p);
  ASSERT_EQ(f.tensors.size(), 1u);
  EXPECT_EQ(f.tensors[0].name, "");
  // Offset 1 inside the view, which starts at element 1: element 2 of the storage.
  EXPECT_EQ(f.tensors[0].value.values<float>()[0], 3.0f);
  // A view reaching past its root storage.
  std::string bad = object;
  bad.replace(bad.find("K\x01K\x02t"), 5, "K\x03K\x02t");
  const fs::path q =
      write(dir, "bad_view.pt", legacy_file(bad, keys_pickle({"0"}), floats(4, {1, 2, 3, 4})));
  EXPECT_EQ(code_of([&] { read_torch_file(q); }), ErrorCode::corrupt);
  EXPECT_NE(message_of([&] { read_torch_file(q); }).find("does not fit storage '0'"),
            std::string::npos);
}

TEST(TorchFileErrors, TruncatedLegacyFilesAreCorrupt) {
  testing::TempDir dir;
  const std::string whole =
      legacy_file(tensor_pickle("0", 4, 4), keys_pickle({"0"}), floats(4, {1, 2, 3, 4}));
  for (std::size_t n = 1; n < whole.size(); ++n) {
    const fs::path p = write(dir, "cut.pt", whole.substr(0, n));
    const ErrorCode code = code_of([&] { read_torch_file(p); });
    EXPECT_TRUE(code == ErrorCode::corrupt || code == ErrorCode::unknown_format)
        << n << " bytes: " << message_of([&] { read_torch_file(p); });
  }
  const std::string msg =
      message_of([&] { read_torch_file(write(dir, "cut.pt", whole.substr(0, whole.size() - 1))); });
  EXPECT_NE(msg.find("storage '0' declares 4 elements"), std::string::npos) << msg;
  // A real legacy file cut anywhere.
  const auto real = testing::read_bytes(fixture("legacy.pt"));
  for (std::size_t n = 1; n < real.size(); n += 37) {
    testing::write_bytes(dir / "real.pt", std::vector<std::byte>(real.begin(), real.begin() + n));
    const ErrorCode code = code_of([&] { read_torch_file(dir / "real.pt"); });
    EXPECT_TRUE(code == ErrorCode::corrupt || code == ErrorCode::unknown_format) << n;
  }
}

TEST(TorchFileErrors, LegacyStorageListsMustMatchThePickle) {
  testing::TempDir dir;
  const std::string object = tensor_pickle("0", 4, 4);
  const auto fails = [&](const std::string& keys, const std::string& storages) {
    const fs::path p = write(dir, "bad.pt", legacy_file(object, keys, storages));
    EXPECT_EQ(code_of([&] { read_torch_file(p); }), ErrorCode::corrupt);
    return message_of([&] { read_torch_file(p); });
  };
  EXPECT_NE(fails(keys_pickle({"0"}), floats(1000, {1, 2, 3, 4})).find("declares 1000 elements"),
            std::string::npos);
  EXPECT_NE(fails(keys_pickle({"0", "9"}), floats(4, {1, 2, 3, 4}) + floats(0, {}))
                .find("storage '9' is listed but no tensor"),
            std::string::npos);
  EXPECT_NE(
      fails(keys_pickle({}), "").find("storage '0' is used by the pickle but not in the file"),
      std::string::npos);
  EXPECT_NE(fails(keys_pickle({"0"}), floats(2, {1, 2})).find("holds 2 elements"),
            std::string::npos);
}

TEST(TorchFileErrors, MaliciousLegacyPickleRunsNothing) {
  testing::TempDir dir;
  const fs::path marker = dir / "pwned";
  const std::string object = "\x80\x02}"s + binunicode("x") + "cos\nsystem\n" +
                             binunicode("echo pwned > " + marker.string()) + "\x85Rs.";
  const fs::path p = write(dir, "evil.pt", legacy_file(object, keys_pickle({}), ""));
  const TorchFile f = read_torch_file(p);
  EXPECT_FALSE(fs::exists(marker));
  ASSERT_EQ(f.values.size(), 1u);
  EXPECT_EQ(f.values[0].repr, "<object of class os.system>");
  ASSERT_FALSE(f.notes.empty());
  EXPECT_NE(f.notes.back().find("GLOBAL os.system"), std::string::npos);
}

TEST(TorchFileErrors, DeepNestingIsAnErrorNotAStackOverflow) {
  testing::TempDir dir;
  const int n = 100'000;
  const std::string deep = "\x80\x02"s + std::string(n, ']') + std::string(n - 1, 'a') + ".";
  const fs::path p = write(dir, "deep.pt", legacy_file(deep, keys_pickle({}), ""));
  EXPECT_EQ(code_of([&] { read_torch_file(p); }), ErrorCode::corrupt);
  EXPECT_NE(message_of([&] { read_torch_file(p); }).find("deeper than 1000 levels"),
            std::string::npos);
}

// {key: {key: ... {"b": 1, key: {...}} ...}}, `depth` dicts deep, `key` written once and then
// referred to by BINGET at every level: each level's path repeats the whole key.
std::string deep_shared_key_pickle(const std::string& key, int depth) {
  std::string p =
      "\x80\x02"s + binunicode(key) + "q\x00"s + "0" + binunicode("b") + "q\x03" + "0" + "}q\x01";
  for (int i = 0; i < depth; ++i) p += "h\x00}q\x02s0h\x02h\x03K\x01s"s;
  return p + "0h\x01.";
}

// [text, text, ...]: `text` written once and referred to `count` times.
std::string shared_string_list_pickle(const std::string& text, int count) {
  std::string p = "\x80\x02"s + binunicode(text) + "q\x00"s + "0" + "](";
  for (int i = 0; i < count; ++i) p += "h\x00"s;
  return p + "e.";
}

// A pickle names a string once and refers to it in two bytes: a 30 kB file expanded into 13 GB of
// paths (a 16 kB key at each of 900 levels) and a 125 kB one into 3.9 GB of values (a 64 kB
// string 30,000 times) before the flattened names and texts were bounded by max_expansion.
TEST(TorchFileErrors, LongStringsRepeatedByReferenceAreBounded) {
  testing::TempDir dir;
  const std::pair<std::string, std::string> hostile[] = {
      {"deep_keys.pt", deep_shared_key_pickle(std::string(16384, 'k'), 900)},
      {"shared_strings.pt", shared_string_list_pickle(std::string(65536, 's'), 30'000)},
  };
  for (const auto& [name, pickle] : hostile) {
    const fs::path p = write(dir, name, legacy_file(pickle, keys_pickle({}), ""));
    EXPECT_EQ(code_of([&] { read_torch_file(p); }), ErrorCode::corrupt) << name;
    EXPECT_NE(message_of([&] { read_torch_file(p); }).find("names and values come to more than"),
              std::string::npos)
        << name;
  }
  // The same shapes with short strings read whole.
  const TorchFile deep = read_torch_file(
      write(dir, "deep_ok.pt", legacy_file(deep_shared_key_pickle("k", 300), keys_pickle({}), "")));
  ASSERT_EQ(deep.values.size(), 300u);  // every level's "b"
  std::string deepest;
  for (int i = 0; i < 300; ++i) deepest += "k.";
  EXPECT_EQ(deep.values.back().name, deepest + "b");
  EXPECT_EQ(deep.values.back().repr, "1");
  const TorchFile shared = read_torch_file(
      write(dir, "shared_ok.pt",
            legacy_file(shared_string_list_pickle("abc", 30'000), keys_pickle({}), "")));
  ASSERT_EQ(shared.values.size(), 30'000u);
  EXPECT_EQ(shared.values.back().name, "29999");
  EXPECT_EQ(shared.values.back().repr, "'abc'");
}

TEST(TorchFileErrors, DamagedAndHostileZipFiles) {
  struct Case {
    const char* file;
    ErrorCode code;
    const char* fragment;
  };
  const Case cases[] = {
      {"missing_storage", ErrorCode::corrupt, "storage '7' (missing_storage/data/7) is missing"},
      {"overrun_size", ErrorCode::corrupt,
       "tensor 'w': size [10] with stride [1] at offset 0 reaches element 9, its storage '0' holds "
       "4 elements"},
      {"overrun_stride", ErrorCode::corrupt, "reaches element 8, its storage '0' holds 8"},
      {"overrun_offset", ErrorCode::corrupt, "reaches element 4"},
      {"huge_size", ErrorCode::corrupt, "too many elements"},
      {"negative_stride", ErrorCode::corrupt, "negative size or stride"},
      {"short_record", ErrorCode::corrupt, "holds 16 bytes, the pickle declares 100 elements"},
      {"unknown_storage_type", ErrorCode::unsupported, "storage type torch.FloatTensor"},
      {"not_a_storage", ErrorCode::corrupt, "its storage is 42, expected a storage"},
      {"bad_opcode", ErrorCode::corrupt, "unknown pickle opcode 0xff at offset 5"},
      {"huge_string", ErrorCode::corrupt, "declares 1152921504606846976 bytes"},
      // 2^30 leaves by shared references: their paths pass the names' bound first
      // (LimitsAreEnforced reaches the entry count's).
      {"blowup", ErrorCode::corrupt, "names and values come to more than"},
  };
  for (const Case& c : cases) {
    const fs::path p = fixture(std::string("bad/") + c.file + ".pt");
    EXPECT_EQ(code_of([&] { read_torch_file(p); }), c.code) << c.file;
    const std::string msg = message_of([&] { read_torch_file(p); });
    EXPECT_NE(msg.find(c.fragment), std::string::npos) << c.file << ": " << msg;
  }
}

TEST(TorchFileErrors, CyclicStructuresAreRefused) {
  EXPECT_EQ(code_of([&] { read_torch_file(fixture("bad/cyclic.pt")); }), ErrorCode::corrupt);
  const std::string msg = message_of([&] { read_torch_file(fixture("bad/cyclic.pt")); });
  EXPECT_NE(msg.find("'loop.0' refers back to a container that holds it"), std::string::npos)
      << msg;
}

TEST(TorchFileErrors, TruncatedZipsAreCorrupt) {
  testing::TempDir dir;
  const auto whole = testing::read_bytes(fixture("views.pt"));
  for (std::size_t n = 4; n < whole.size(); n += 41) {
    testing::write_bytes(dir / "cut.pt", std::vector<std::byte>(whole.begin(), whole.begin() + n));
    EXPECT_EQ(code_of([&] { read_torch_file(dir / "cut.pt"); }), ErrorCode::corrupt) << n;
  }
}

// Every byte of a small archive damaged in turn: an Error or a successful read, nothing else.
TEST(TorchFileErrors, EveryDamagedByteGivesAnErrorOrAResult) {
  testing::TempDir dir;
  const auto whole = testing::read_bytes(fixture("cuda.pt"));
  int errors = 0;
  for (std::size_t i = 0; i < whole.size(); ++i) {
    auto damaged = whole;
    damaged[i] ^= std::byte{0xA5};
    testing::write_bytes(dir / "d.pt", damaged);
    try {
      read_torch_file(dir / "d.pt");
    } catch (const Error&) {
      ++errors;
    }
  }
  EXPECT_GT(errors, 0);
}

TEST(TorchFileErrors, LimitsAreEnforced) {
  ReadLimits small_pickle;
  small_pickle.max_pickle_bytes = 100;
  EXPECT_EQ(code_of([&] { read_torch_file(fixture("views.pt"), small_pickle); }),
            ErrorCode::invalid_argument);
  ReadLimits shallow;
  shallow.max_depth = 2;
  EXPECT_EQ(code_of([&] { read_torch_file(fixture("views.pt"), shallow); }), ErrorCode::corrupt);
  ReadLimits few;
  few.max_objects = 50;
  EXPECT_EQ(code_of([&] { read_torch_file(fixture("views.pt"), few); }), ErrorCode::corrupt);
  // max_objects also bounds the entries shared references expand into.
  ReadLimits few_entries;
  few_entries.max_objects = 5000;
  EXPECT_NE(message_of([&] {
              read_torch_file(fixture("bad/blowup.pt"), few_entries);
            }).find("expands to more than 5000 entries"),
            std::string::npos);
}

TEST(TorchFileErrors, OtherFilesAreNotTorchFiles) {
  testing::TempDir dir;
  EXPECT_EQ(code_of([&] { read_torch_file(write(dir, "a.txt", "hello")); }),
            ErrorCode::unknown_format);
  EXPECT_EQ(code_of([&] { read_torch_file(write(dir, "empty.pt", "")); }),
            ErrorCode::unknown_format);
  EXPECT_EQ(code_of([&] { read_torch_file(write(dir, "p.pkl", "\x80\x02K\x01."s)); }),
            ErrorCode::unknown_format);
  EXPECT_EQ(code_of([&] { read_torch_file(testing::project_fixture("io/deflated.npz")); }),
            ErrorCode::unknown_format);
  EXPECT_EQ(code_of([&] { read_torch_file(dir / "missing.pt"); }), ErrorCode::not_found);
  const std::string wrong_protocol =
      "\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19."s + "\x80\x02M\xea\x03."s;
  EXPECT_EQ(code_of([&] { read_torch_file(write(dir, "v.pt", wrong_protocol)); }),
            ErrorCode::version);
}

}  // namespace
}  // namespace nnload::formats::torch
