#include "io/npz.hpp"
#include "support/error_capture.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "io/io_test_support.hpp"
#include "io/npy.hpp"
#include "support/fixtures.hpp"

namespace nnload::io {
namespace {

using nnload::testing::code_of;

using nnload::testing::project_fixture;
using nnload::testing::TempDir;

// make_fixtures.py: a = arange (2,3) f4 * 0.5, b = arange (4,) i8, c = 0.0 f8, big = (2,2) >f4.
void expect_fixture_arrays(const std::vector<NamedTensor>& arrays) {
  ASSERT_EQ(arrays.size(), 4u);
  EXPECT_EQ(arrays[0].name, "a");
  EXPECT_EQ(arrays[1].name, "b");
  EXPECT_EQ(arrays[2].name, "c");
  EXPECT_EQ(arrays[3].name, "big");
  EXPECT_EQ(arrays[0].tensor.shape(), (Shape{2, 3}));
  EXPECT_EQ(arrays[0].tensor.values<float>()[5], 2.5f);
  EXPECT_EQ(arrays[1].tensor.values<std::int64_t>()[3], 3);
  EXPECT_EQ(arrays[2].tensor.shape(), Shape{});
  EXPECT_EQ(arrays[2].tensor.item<double>(), 0.0);
  EXPECT_EQ(arrays[3].tensor.dtype(), DType::f32);
  EXPECT_EQ(arrays[3].tensor.values<float>()[3], 1.5f);
}

TEST(Npz, ReadsNumpySavezStoredDeflatedAndZip64) {
  expect_fixture_arrays(load_npz(project_fixture("io/stored.npz")));
  expect_fixture_arrays(load_npz(project_fixture("io/deflated.npz")));
  expect_fixture_arrays(load_npz(project_fixture("io/zip64.npz")));
  expect_fixture_arrays(load_npz(project_fixture("io/zip64_deflated.npz")));
  const auto deflated = load_npz(project_fixture("io/deflated.npz"));
  for (const auto& nt : deflated) EXPECT_FALSE(nt.tensor.is_view()) << nt.name;
}

TEST(Npz, RoundTripIsZeroCopyAndAligned) {
  TempDir dir;
  std::vector<NamedTensor> arrays;
  arrays.push_back({"w", Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {2, 3})});
  arrays.push_back({"layer/bias", Tensor::from_vector<double>({-1, 1}, {2})});
  arrays.push_back({"ids", Tensor::from_vector<std::int64_t>({7}, {1})});
  arrays.push_back({"odd_name_1234567", Tensor::from_vector<std::int16_t>({1, 2, 3}, {3})});
  arrays.push_back({"mask", Tensor::from_vector<bool>({true, false}, {2})});
  arrays.push_back({"empty", Tensor::zeros(DType::f32, {0, 4})});
  arrays.push_back({"half", Tensor::from_vector<Float16>({Float16{0x3c00}}, {1})});
  save_npz(dir / "w.npz", arrays);
  EXPECT_EQ(dir.listing(), std::vector<std::string>{"w.npz"});

  const auto back = load_npz(dir / "w.npz");
  ASSERT_EQ(back.size(), arrays.size());
  for (std::size_t i = 0; i < arrays.size(); ++i) {
    EXPECT_EQ(back[i].name, arrays[i].name);
    EXPECT_EQ(back[i].tensor.dtype(), arrays[i].tensor.dtype());
    ASSERT_EQ(back[i].tensor.shape(), arrays[i].tensor.shape());
    for (std::int64_t k = 0; k < arrays[i].tensor.numel(); ++k) {
      EXPECT_EQ(back[i].tensor.value_as_double(k), arrays[i].tensor.value_as_double(k));
    }
    // Our writer aligns every array's data to 64 bytes, so each one maps without a copy.
    if (back[i].tensor.numel() > 0) {
      EXPECT_TRUE(back[i].tensor.is_view()) << back[i].name;
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(back[i].tensor.raw()) % 64, 0u) << back[i].name;
    }
  }
}

TEST(Npz, WrittenArchiveHasStoredEntriesWithValidCrcs) {
  TempDir dir;
  save_npz(dir / "x.npz", {{"a", Tensor::from_vector<float>({1, 2}, {2})},
                           {"b", Tensor::from_vector<std::int32_t>({3}, {1})}});
  const ZipReader zip = ZipReader::open(dir / "x.npz");
  ASSERT_EQ(zip.entries().size(), 2u);
  for (const ZipEntry& e : zip.entries()) {
    EXPECT_TRUE(e.stored());
    EXPECT_NO_THROW(zip.check_crc(e));
    EXPECT_NO_THROW(zip.read(e, 1 << 20));
  }
  EXPECT_EQ(zip.entries()[0].name, "a.npy");
}

TEST(Npz, SavingTwiceGivesIdenticalFiles) {
  TempDir dir;
  const std::vector<NamedTensor> arrays{{"a", Tensor::from_vector<float>({1, 2}, {2})}};
  save_npz(dir / "1.npz", arrays);
  save_npz(dir / "2.npz", arrays);
  EXPECT_EQ(nnload::testing::read_bytes(dir / "1.npz"), nnload::testing::read_bytes(dir / "2.npz"));
}

TEST(Npz, OverwritesAnExistingFileAtomically) {
  TempDir dir;
  save_npz(dir / "x.npz", {{"old", Tensor::scalar<float>(1)}});
  save_npz(dir / "x.npz", {{"new", Tensor::scalar<float>(2)}});
  const auto back = load_npz(dir / "x.npz");
  ASSERT_EQ(back.size(), 1u);
  EXPECT_EQ(back[0].name, "new");
  EXPECT_EQ(dir.listing(), std::vector<std::string>{"x.npz"});
}

TEST(Npz, FailingWriteLeavesNoFileAndNoTemporary) {
  TempDir dir;
  const Tensor t = Tensor::from_vector<float>({1, 2, 3}, {3});
  // Each fails after the first entries were written to the temporary file.
  EXPECT_EQ(code_of([&] {
              save_npz(dir / "dup.npz", {{"a", t}, {"b", t}, {"a", t}});
            }),
            ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] {
              save_npz(dir / "undef.npz", {{"a", t}, {"b", Tensor()}});
            }),
            ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] {
              save_npz(dir / "empty_name.npz", {{"a", t}, {"", t}});
            }),
            ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] {
              save_npz(dir / "nul.npz", {{std::string("a\0b", 3), t}});
            }),
            ErrorCode::invalid_argument);
  EXPECT_TRUE(dir.listing().empty()) << dir.listing().size() << " files left";

  // A failure must not damage an existing file either.
  save_npz(dir / "keep.npz", {{"a", t}});
  EXPECT_THROW(save_npz(dir / "keep.npz", {{"a", t}, {"a", t}}), Error);
  EXPECT_EQ(dir.listing(), std::vector<std::string>{"keep.npz"});
  EXPECT_EQ(load_npz(dir / "keep.npz").size(), 1u);

  EXPECT_EQ(code_of([&] {
              save_npz(dir / "missing_dir" / "x.npz", {{"a", t}});
            }),
            ErrorCode::not_found);
  EXPECT_EQ(code_of([&] { save_npz(dir.path(), {{"a", t}}); }), ErrorCode::invalid_argument);
}

TEST(Npz, BFloat16IsWrittenAsFloat32) {
  TempDir dir;
  Tensor bf = Tensor::from_vector<BFloat16>(
      {BFloat16{float_to_bfloat16(1.5f)}, BFloat16{float_to_bfloat16(-2.0f)}}, {2});
  save_npz(dir / "bf.npz", {{"x", bf}});
  const auto back = load_npz(dir / "bf.npz");
  EXPECT_EQ(back[0].tensor.dtype(), DType::f32);
  EXPECT_EQ(back[0].tensor.values<float>()[0], 1.5f);
  EXPECT_EQ(back[0].tensor.values<float>()[1], -2.0f);
}

TEST(Npz, EntryThatIsNotNpyIsNamedInTheError) {
  const auto zip_bytes =
      nnload::testing::make_stored_zip({{"notes.txt", nnload::testing::to_bytes("hello")}});
  auto owned = std::make_shared<std::vector<std::byte>>(zip_bytes);
  try {
    read_npz(ZipReader(owned, *owned, "x.npz"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("x.npz: entry 'notes.txt'"), std::string::npos)
        << e.what();
  }
}

TEST(Npz, TruncatedNpyInsideAnEntryIsCorrupt) {
  auto npy = npy_bytes(Tensor::from_vector<float>({1, 2, 3, 4}, {4}));
  npy.resize(npy.size() - 4);
  auto owned =
      std::make_shared<std::vector<std::byte>>(nnload::testing::make_stored_zip({{"a.npy", npy}}));
  EXPECT_EQ(code_of([&] { read_npz(ZipReader(owned, *owned, "x.npz")); }), ErrorCode::corrupt);
}

TEST(Npz, MisalignedStoredEntriesAreCopied) {
  auto npy = npy_bytes(Tensor::from_vector<float>({1, 2, 3, 4}, {4}));
  // 30 + 5 + 1 = 36 bytes of local header put the npy header at 36 and its data at 36 + 128.
  nnload::testing::RawZipEntry e{"a.npy", npy, 1};
  auto owned = std::make_shared<std::vector<std::byte>>(nnload::testing::make_stored_zip({e}));
  const auto arrays = read_npz(ZipReader(owned, *owned, "x.npz"));
  ASSERT_EQ(arrays.size(), 1u);
  EXPECT_EQ(arrays[0].tensor.values<float>()[3], 4.0f);
}

TEST(Npz, DeflatedEntryLimit) {
  EXPECT_EQ(code_of([] { load_npz(project_fixture("io/deflated.npz"), 100); }),
            ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace nnload::io

namespace nnload::io {
namespace {

// Random damage to real numpy archives: every case reads or throws nnload::Error (in process:
// these readers are ours, so a crash here is a bug to fix, not a library to guard).
TEST(Npz, RandomDamageReadsOrThrowsError) {
  for (const char* name :
       {"io/stored.npz", "io/deflated.npz", "io/zip64.npz", "io/zip64_deflated.npz"}) {
    const auto good = nnload::testing::read_bytes(project_fixture(name));
    std::mt19937_64 rng(99);
    int loaded = 0, errors = 0;
    for (int k = 0; k < 400; ++k) {
      auto bytes = std::make_shared<std::vector<std::byte>>(good);
      if (k % 4 == 3) {
        bytes->resize(rng() % bytes->size());
      } else {
        for (int f = 0; f <= k % 3; ++f)
          (*bytes)[rng() % bytes->size()] ^= std::byte(1 + rng() % 255);
      }
      try {
        const auto arrays = read_npz(ZipReader(bytes, *bytes, "fuzz.npz"));
        for (const auto& a : arrays) {
          for (std::int64_t i = 0; i < a.tensor.numel(); ++i) a.tensor.value_as_double(i);
        }
        ++loaded;
      } catch (const Error&) {
        ++errors;
      }
    }
    EXPECT_EQ(loaded + errors, 400) << name;
    EXPECT_GT(errors, 0) << name;
  }
}

}  // namespace
}  // namespace nnload::io
