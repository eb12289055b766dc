// Damaged, truncated and hostile HDF5 files: every one must load or throw nnload::Error, never
// crash, hang or allocate far beyond the file.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <random>

#include "io/hdf5/h5_test_support.hpp"
#include "io/hdf5/hdf5.hpp"
#include "io/io_test_support.hpp"
#include "support/error_capture.hpp"
#include "support/fixtures.hpp"

namespace nnload::io::hdf5 {
namespace {

using nnload::testing::code_of;
using nnload::testing::message_of;

using nnload::testing::H5Id;
using nnload::testing::read_bytes;
using nnload::testing::TempDir;
using nnload::testing::write_bytes;

void open_and_walk(const std::filesystem::path& path) {
  const auto file = open(path);
  nnload::testing::WalkStats stats;
  nnload::testing::walk(file->root(), stats);
}

// A small file with groups, string attributes and contiguous and chunked datasets.
void make_small_file(const std::filesystem::path& path, bool latest = false) {
  H5Id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  if (latest) H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
  H5Id file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), H5Fclose);
  nnload::testing::fixed_string_attribute(file, "model_config", {"{\"layers\": []}"}, true);
  H5Id g(H5Gcreate2(file, "model_weights", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  nnload::testing::vlen_string_attribute(g, "layer_names", {"dense", "dense_1"}, false);
  std::vector<float> w(64);
  for (int i = 0; i < 64; ++i) w[i] = static_cast<float>(i);
  for (const char* name : {"dense", "dense_1"}) {
    H5Id layer(H5Gcreate2(g, name, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    nnload::testing::vlen_string_attribute(layer, "weight_names", {"kernel:0", "bias:0"}, false);
    nnload::testing::write_dataset(layer, "kernel:0", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, {8, 8},
                                   w.data());
    H5Id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    const hsize_t chunk = 4;
    H5Pset_chunk(dcpl, 1, &chunk);
    H5Pset_deflate(dcpl, 1);
    nnload::testing::write_dataset(layer, "bias:0", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, {8}, w.data(),
                                   dcpl);
  }
}

TEST(Hdf5Damage, NotHdf5Files) {
  TempDir dir;
  EXPECT_EQ(code_of([&] { open(dir / "missing.h5"); }), ErrorCode::not_found);
  EXPECT_EQ(code_of([&] { open(dir.path()); }), ErrorCode::invalid_argument);
  write_bytes(dir / "empty.h5", {});
  EXPECT_EQ(code_of([&] { open(dir / "empty.h5"); }), ErrorCode::unknown_format);
  EXPECT_NE(message_of([&] { open(dir / "empty.h5"); }).find("empty.h5"), std::string::npos);
  std::mt19937 rng(7);
  std::vector<std::byte> noise(4096);
  for (auto& b : noise) b = std::byte(rng() & 0xff);
  write_bytes(dir / "noise.h5", noise);
  EXPECT_EQ(code_of([&] { open(dir / "noise.h5"); }), ErrorCode::unknown_format);
  write_bytes(dir / "text.h5", nnload::testing::to_bytes("{\"class_name\": \"Sequential\"}"));
  EXPECT_EQ(code_of([&] { open(dir / "text.h5"); }), ErrorCode::unknown_format);
  // The signature alone, at 0 and after a 512-byte user block.
  auto sig = nnload::testing::to_bytes(std::string("\x89HDF\r\n\x1a\n", 8));
  write_bytes(dir / "sig.h5", sig);
  EXPECT_EQ(code_of([&] { open(dir / "sig.h5"); }), ErrorCode::corrupt);
  std::vector<std::byte> ub(512);
  ub.insert(ub.end(), sig.begin(), sig.end());
  write_bytes(dir / "ub.h5", ub);
  EXPECT_EQ(code_of([&] { open(dir / "ub.h5"); }), ErrorCode::corrupt);
}

TEST(Hdf5Damage, TruncatedCopiesAreCorrupt) {
  TempDir dir;
  make_small_file(dir / "full.h5");
  const auto full = read_bytes(dir / "full.h5");
  ASSERT_NO_THROW(open_and_walk(dir / "full.h5"));
  for (std::size_t cut : {std::size_t{9}, std::size_t{40}, std::size_t{96}, std::size_t{500},
                          std::size_t{1000}, full.size() / 2, full.size() - 100, full.size() - 1}) {
    write_bytes(dir / "cut.h5", std::vector<std::byte>(
                                    full.begin(), full.begin() + static_cast<std::ptrdiff_t>(cut)));
    EXPECT_EQ(code_of([&] { open(dir / "cut.h5"); }), ErrorCode::corrupt) << "cut at " << cut;
  }
  write_bytes(dir / "cut.h5", std::vector<std::byte>(full.begin(), full.end() - 1));
  EXPECT_NE(
      message_of([&] { open(dir / "cut.h5"); })
          .find(fmt::format("file is truncated: the superblock says {} bytes, the file has {}",
                            full.size(), full.size() - 1)),
      std::string::npos);
}

TEST(Hdf5Damage, DamagedVersion0SuperblockFields) {
  TempDir dir;
  make_small_file(dir / "ok.h5");
  const auto good = read_bytes(dir / "ok.h5");
  ASSERT_EQ(std::uint8_t(good[8]), 0);  // superblock version 0
  struct Patch {
    std::size_t offset;
    std::vector<std::uint8_t> bytes;
    const char* what;
  };
  const std::vector<Patch> patches = {
      {8, {7}, "version"},
      {13, {3}, "size of offsets"},
      {14, {0}, "size of lengths"},
      {16, {0, 0}, "group leaf K"},
      {40, {0xff, 0xff, 0xff, 0x7f}, "end-of-file address"},
      {64, {0xf0, 0xff, 0xff, 0x00}, "root object header address"},
      {64, {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, "undefined root address"},
      {72, {9}, "root cache type"},
  };
  for (const Patch& p : patches) {
    auto bytes = good;
    for (std::size_t i = 0; i < p.bytes.size(); ++i) bytes[p.offset + i] = std::byte(p.bytes[i]);
    write_bytes(dir / "bad.h5", bytes);
    EXPECT_EQ(code_of([&] { open(dir / "bad.h5"); }), ErrorCode::corrupt) << p.what;
  }
}

TEST(Hdf5Damage, EveryFlipInAVersion3SuperblockIsCaught) {
  TempDir dir;
  make_small_file(dir / "v3.h5", true);
  const auto good = read_bytes(dir / "v3.h5");
  ASSERT_EQ(std::uint8_t(good[8]), 3);
  ASSERT_NO_THROW(open_and_walk(dir / "v3.h5"));
  // 8 signature bytes, 4 of versions and sizes, 4 addresses of 8 bytes, a 4-byte checksum.
  for (std::size_t i = 0; i < 48; ++i) {
    auto bytes = good;
    bytes[i] ^= std::byte{0x10};
    write_bytes(dir / "bad.h5", bytes);
    const ErrorCode code = code_of([&] { open(dir / "bad.h5"); });
    EXPECT_TRUE(code == ErrorCode::corrupt || (i < 8 && code == ErrorCode::unknown_format))
        << "byte " << i;
  }
}

TEST(Hdf5Damage, HugeDeclaredDatasetsAreRefusedBeforeAllocating) {
  TempDir dir;
  {
    H5Id file(H5Fcreate((dir / "huge.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
              H5Fclose);
    // Declared but never written: 4 TB contiguous, 400 GB chunked.
    nnload::testing::write_dataset(file, "contiguous", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
                                   {1ull << 40}, nullptr);
    H5Id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    const hsize_t chunk = 1 << 20;
    H5Pset_chunk(dcpl, 1, &chunk);
    nnload::testing::write_dataset(file, "chunked", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT,
                                   {100ull << 30}, nullptr, dcpl);
  }
  const auto file = open(dir / "huge.h5");
  EXPECT_EQ(code_of([&] { file->root().dataset("contiguous").read(); }), ErrorCode::corrupt);
  EXPECT_NE(message_of([&] { file->root().dataset("contiguous").read(); }).find("/contiguous"),
            std::string::npos);
  EXPECT_EQ(code_of([&] { file->root().dataset("chunked").read(); }), ErrorCode::corrupt);
  EXPECT_EQ(file->root().dataset("chunked").shape(), Shape{std::int64_t{100} << 30});
}

// ---- fuzz-lite: deterministic random damage, each case in a child process ----

enum class Outcome { loaded, error, other_exception, crashed, hung };

Outcome run_isolated(const std::function<void()>& fn, unsigned timeout_s,
                     int* signal_out = nullptr) {
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid == 0) {
    // Room for reading a damaged small file, not for believing a lie about its size.
    long pages = 0;
    if (std::FILE* f = std::fopen("/proc/self/statm", "r")) {
      if (std::fscanf(f, "%ld", &pages) != 1) pages = 0;
      std::fclose(f);
    }
    const rlim_t limit = static_cast<rlim_t>(pages) * static_cast<rlim_t>(::sysconf(_SC_PAGESIZE)) +
                         (rlim_t{1} << 30);
    const rlimit rl{limit, limit};
    ::setrlimit(RLIMIT_AS, &rl);
    ::alarm(timeout_s);
    try {
      fn();
      ::_exit(0);
    } catch (const Error&) {
      ::_exit(1);
    } catch (...) {
      ::_exit(2);
    }
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (WIFEXITED(status)) {
    switch (WEXITSTATUS(status)) {
      case 0:
        return Outcome::loaded;
      case 1:
        return Outcome::error;
      default:
        return Outcome::other_exception;
    }
  }
  if (WIFSIGNALED(status) && signal_out != nullptr) *signal_out = WTERMSIG(status);
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) return Outcome::hung;
  return Outcome::crashed;
}

struct FuzzReport {
  int loaded = 0, error = 0, other = 0, crashed = 0, hung = 0;
  std::vector<std::string> bad_cases;
};

FuzzReport fuzz(const std::filesystem::path& source, const std::filesystem::path& scratch,
                int flips, int cuts) {
  const auto good = read_bytes(source);
  std::mt19937_64 rng(20240611);
  FuzzReport report;
  for (int k = 0; k < flips + cuts; ++k) {
    auto bytes = good;
    std::string label;
    if (k < flips) {
      const std::size_t at = rng() % bytes.size();
      const auto value = std::byte(1 + rng() % 255);
      bytes[at] ^= value;
      label = fmt::format("byte {} ^= {:#04x}", at, std::uint8_t(value));
    } else {
      bytes.resize(rng() % bytes.size());
      label = fmt::format("cut to {} bytes", bytes.size());
    }
    write_bytes(scratch, bytes);
    int signal = 0;
    const Outcome outcome = run_isolated([&] { open_and_walk(scratch); }, 10, &signal);
    if (signal != 0) label += fmt::format(" (signal {})", signal);
    switch (outcome) {
      case Outcome::loaded:
        ++report.loaded;
        break;
      case Outcome::error:
        ++report.error;
        break;
      case Outcome::other_exception:
        ++report.other;
        break;
      case Outcome::crashed:
        ++report.crashed;
        break;
      case Outcome::hung:
        ++report.hung;
        break;
    }
    if (outcome != Outcome::loaded && outcome != Outcome::error) {
      report.bad_cases.push_back(label);
      // Kept for debugging: the scratch directory goes away with the test.
      const auto keep = std::filesystem::temp_directory_path() / "nnload-hdf5-fuzz-failures";
      std::filesystem::create_directories(keep);
      std::filesystem::copy_file(scratch,
                                 keep / fmt::format("{}.case{}", scratch.filename().string(), k),
                                 std::filesystem::copy_options::overwrite_existing);
    }
  }
  return report;
}

void expect_clean(const FuzzReport& r, const std::string& name) {
  std::printf("fuzz %s: %d loaded, %d nnload::Error, %d other exceptions, %d crashed, %d hung\n",
              name.c_str(), r.loaded, r.error, r.other, r.crashed, r.hung);
  for (const auto& c : r.bad_cases) std::printf("  bad case: %s\n", c.c_str());
  EXPECT_EQ(r.other, 0);
  EXPECT_EQ(r.crashed, 0);
  EXPECT_EQ(r.hung, 0);
}

TEST(Hdf5Fuzz, OwnFileSurvivesRandomDamage) {
  TempDir dir;
  make_small_file(dir / "small.h5");
  expect_clean(fuzz(dir / "small.h5", dir / "case.h5", 150, 50), "generated v0 file");
  make_small_file(dir / "small3.h5", true);
  expect_clean(fuzz(dir / "small3.h5", dir / "case3.h5", 150, 50), "generated v3 file");
}

TEST(Hdf5Fuzz, RealKerasFileSurvivesRandomDamage) {
  NNLOAD_REQUIRE_SHARED_FIXTURES();
  TempDir dir;
  const auto source = nnload::testing::shared_fixtures() / "keras3" / "mlp_compiled.h5";
  ASSERT_TRUE(std::filesystem::exists(source));
  expect_clean(fuzz(source, dir / "case.h5", 150, 50), source.filename().string());
}

}  // namespace
}  // namespace nnload::io::hdf5
