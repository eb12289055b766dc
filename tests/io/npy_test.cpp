#include "io/npy.hpp"
#include "support/error_capture.hpp"

#include <gtest/gtest.h>

#include <cstring>
#include <functional>

#include "core/dtype_dispatch.hpp"
#include "io/io_test_support.hpp"
#include "support/fixtures.hpp"

namespace nnload::io {
namespace {

using nnload::testing::code_of;
using nnload::testing::message_of;

using nnload::testing::project_fixture;
using nnload::testing::TempDir;
using nnload::testing::to_bytes;

// The fixtures hold arange(n) (times 0.5 for floats) in C order.
void expect_arange(const Tensor& t, DType dtype, const Shape& shape) {
  ASSERT_EQ(t.dtype(), dtype);
  ASSERT_EQ(t.shape(), shape);
  const double scale = is_floating(dtype) ? 0.5 : 1.0;
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    ASSERT_EQ(t.value_as_double(i), static_cast<double>(i) * scale) << "element " << i;
  }
}

std::vector<std::byte> npy_with_header(const std::string& dict, int major = 1) {
  std::vector<std::byte> out = to_bytes(std::string("\x93NUMPY", 6));
  out.push_back(std::byte(major));
  out.push_back(std::byte{0});
  const std::string header = dict + "\n";
  out.push_back(std::byte(header.size() & 0xff));
  out.push_back(std::byte(header.size() >> 8));
  if (major != 1) {
    out.push_back(std::byte{0});
    out.push_back(std::byte{0});
  }
  auto h = to_bytes(header);
  out.insert(out.end(), h.begin(), h.end());
  return out;
}

TEST(Npy, ReadsNumpyFixtures) {
  expect_arange(load_npy(project_fixture("io/be_f4.npy")), DType::f32, {2, 3});
  expect_arange(load_npy(project_fixture("io/be_i8.npy")), DType::i64, {5});
  expect_arange(load_npy(project_fixture("io/be_f2.npy")), DType::f16, {4});
  expect_arange(load_npy(project_fixture("io/fortran_f8.npy")), DType::f64, {2, 3, 4});
  expect_arange(load_npy(project_fixture("io/fortran_be_i2.npy")), DType::i16, {3, 2});
  expect_arange(load_npy(project_fixture("io/v2_i4.npy")), DType::i32, {2, 2});
  expect_arange(load_npy(project_fixture("io/v3_u1.npy")), DType::u8, {6});
  expect_arange(load_npy(project_fixture("io/py2_long_shape.npy")), DType::f32, {2, 3});
  Tensor b = load_npy(project_fixture("io/bool.npy"));
  ASSERT_EQ(b.dtype(), DType::boolean);
  EXPECT_EQ(b.value_as_double(0), 1.0);
  EXPECT_EQ(b.value_as_double(1), 0.0);
}

TEST(Npy, LittleEndianCOrderFilesAreMappedWithoutCopying) {
  TempDir dir;
  const Tensor t = Tensor::from_vector<float>({1, 2, 3, 4, 5, 6}, {3, 2});
  save_npy(dir / "x.npy", t);
  Tensor back = load_npy(dir / "x.npy");
  EXPECT_TRUE(back.is_view());
  EXPECT_EQ(back.shape(), (Shape{3, 2}));
  EXPECT_EQ(back.values<float>()[5], 6.0f);
  // Converted arrays are owned.
  EXPECT_FALSE(load_npy(project_fixture("io/be_f4.npy")).is_view());
  EXPECT_FALSE(load_npy(project_fixture("io/fortran_f8.npy")).is_view());
}

TEST(Npy, RoundTripsAllDtypes) {
  TempDir dir;
  for (DType dtype : {DType::f32, DType::f16, DType::bf16, DType::f64, DType::i8, DType::i16,
                      DType::i32, DType::i64, DType::u8, DType::boolean}) {
    Tensor t = Tensor::empty(dtype, {2, 3});
    for (std::int64_t i = 0; i < 6; ++i) {
      const double v = dtype == DType::boolean ? (i % 2) : static_cast<double>(i) - 2;
      convert_elements(&v, DType::f64,
                       static_cast<std::byte*>(t.mutable_raw()) + i * dtype_size(dtype), dtype, 1);
    }
    const auto path = dir / (std::string(dtype_name(dtype)) + ".npy");
    save_npy(path, t);
    const Tensor back = load_npy(path);
    // bfloat16 has no numpy dtype: it comes back as the float32 it converts to exactly.
    EXPECT_EQ(back.dtype(), dtype == DType::bf16 ? DType::f32 : dtype) << dtype_name(dtype);
    ASSERT_EQ(back.shape(), t.shape());
    for (std::int64_t i = 0; i < 6; ++i)
      EXPECT_EQ(back.value_as_double(i), t.value_as_double(i)) << dtype_name(dtype);
  }
}

TEST(Npy, WritesNumpysHeaderLayout) {
  const auto bytes = npy_bytes(Tensor::from_vector<float>({1, 2, 3}, {3}));
  const std::string s(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  EXPECT_EQ(s.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  EXPECT_NE(s.find("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }"), std::string::npos);
  const std::size_t header = 10 + (std::uint8_t(bytes[8]) | std::uint8_t(bytes[9]) << 8);
  EXPECT_EQ(header % 64, 0u);
  EXPECT_EQ(s[header - 1], '\n');
  EXPECT_EQ(bytes.size(), header + 12);

  const auto scalar = npy_bytes(Tensor::scalar<std::int64_t>(5));
  EXPECT_NE(
      std::string(reinterpret_cast<const char*>(scalar.data()), scalar.size()).find("'shape': ()"),
      std::string::npos);
  EXPECT_EQ(read_npy(scalar, "s").shape(), Shape{});
  EXPECT_EQ(read_npy(scalar, "s").item<std::int64_t>(), 5);
}

TEST(Npy, ManyDimensionsAndVersion2Headers) {
  Shape shape(40, 1);
  shape[0] = 3;
  const auto bytes = npy_bytes(Tensor::zeros(DType::f32, shape));
  EXPECT_EQ(std::uint8_t(bytes[6]), 1);
  EXPECT_EQ(read_npy(bytes, "x").shape(), shape);
  auto v2 = npy_with_header("{'descr': '<i2', 'fortran_order': False, 'shape': (2,), }", 2);
  v2.push_back(std::byte{7});
  v2.push_back(std::byte{0});
  v2.push_back(std::byte{0xff});
  v2.push_back(std::byte{0xff});
  Tensor t = read_npy(v2, "v2");
  EXPECT_EQ(t.values<std::int16_t>()[0], 7);
  EXPECT_EQ(t.values<std::int16_t>()[1], -1);
}

TEST(Npy, UnsupportedDtypesNameTheDtype) {
  EXPECT_EQ(code_of([] { load_npy(project_fixture("io/u2.npy")); }), ErrorCode::unsupported);
  EXPECT_NE(message_of([] { load_npy(project_fixture("io/u2.npy")); }).find("'<u2'"),
            std::string::npos);
  EXPECT_EQ(code_of([] { load_npy(project_fixture("io/complex.npy")); }), ErrorCode::unsupported);
  for (const char* descr : {"<u4", "<u8", "|S5", "<U3", "|O", "<M8[s]", "|V4", "<c16", "|f4"}) {
    const auto bytes = npy_with_header(
        fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': (0,), }}", descr));
    EXPECT_EQ(code_of([&] { read_npy(bytes, "x"); }), ErrorCode::unsupported) << descr;
  }
  const auto structured =
      npy_with_header("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (0,), }");
  EXPECT_EQ(code_of([&] { read_npy(structured, "x"); }), ErrorCode::unsupported);
}

TEST(Npy, DeclaredSizeLargerThanDataIsCorrupt) {
  auto bytes = npy_bytes(Tensor::from_vector<float>({1, 2, 3, 4}, {4}));
  bytes.resize(bytes.size() - 1);
  EXPECT_EQ(code_of([&] { read_npy(bytes, "x.npy"); }), ErrorCode::corrupt);
  EXPECT_NE(message_of([&] { read_npy(bytes, "x.npy"); }).find("16 bytes of data"),
            std::string::npos);
  const auto huge = npy_with_header(
      "{'descr': '<f8', 'fortran_order': False, 'shape': (4611686018427387904, 4), }");
  EXPECT_EQ(code_of([&] { read_npy(huge, "x"); }), ErrorCode::corrupt);
  const auto overflow = npy_with_header(
      "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }");
  EXPECT_EQ(code_of([&] { read_npy(overflow, "x"); }), ErrorCode::corrupt);
}

TEST(Npy, MalformedHeadersAreCorrupt) {
  const char* bad[] = {
      "{'descr': '<f4', 'fortran_order': False}",                               // no shape
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'extra': 1}",    // unknown key
      "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': ()}",  // duplicate
      "{'descr': '<f4', 'fortran_order': maybe, 'shape': ()}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (-1,)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (1 2)}",
      "{'descr': '<f4', 'fortran_order': False, 'shape': ()} trailing",
      "{'descr': '<f4', 'fortran_order': False, 'shape': (",
      "{'descr': '<f\\x34', 'fortran_order': False, 'shape': ()}",
      "['descr', '<f4']",
      "",
  };
  for (const char* header : bad) {
    EXPECT_EQ(code_of([&] { read_npy(npy_with_header(header), "x"); }), ErrorCode::corrupt)
        << header;
  }
  // Not .npy at all, bad version, header longer than the file.
  EXPECT_EQ(code_of([] { read_npy(to_bytes("PK\x03\x04 not npy"), "x"); }),
            ErrorCode::unknown_format);
  auto v9 = npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': ()}");
  v9[6] = std::byte{9};
  EXPECT_EQ(code_of([&] { read_npy(v9, "x"); }), ErrorCode::unsupported);
  auto long_header = npy_with_header("{'descr': '<f4', 'fortran_order': False, 'shape': ()}");
  long_header[8] = std::byte{0xff};
  EXPECT_EQ(code_of([&] { read_npy(long_header, "x"); }), ErrorCode::corrupt);
  const auto cut = to_bytes(std::string("\x93NUMPY\x01", 7));
  EXPECT_EQ(code_of([&] { read_npy(cut, "x"); }), ErrorCode::corrupt);
}

TEST(Npy, EveryTruncationOfAValidFileThrows) {
  const auto full = npy_bytes(Tensor::from_vector<double>({1, 2, 3}, {3}));
  for (std::size_t n = 0; n < full.size(); ++n) {
    const std::vector<std::byte> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_THROW(read_npy(cut, "x"), Error) << n;
  }
}

TEST(Npy, FortranOrderIsTransposedToCOrder) {
  // shape (2, 3) in Fortran order: memory holds columns [a00 a10 a01 a11 a02 a12].
  auto bytes = npy_with_header("{'descr': '<i4', 'fortran_order': True, 'shape': (2, 3), }");
  for (std::int32_t v : {0, 3, 1, 4, 2, 5}) {
    const auto* p = reinterpret_cast<const std::byte*>(&v);
    bytes.insert(bytes.end(), p, p + 4);
  }
  const Tensor t = read_npy(bytes, "f");
  for (int i = 0; i < 6; ++i) EXPECT_EQ(t.values<std::int32_t>()[i], i);
}

TEST(Npy, SaveErrors) {
  TempDir dir;
  EXPECT_EQ(code_of([&] { save_npy(dir / "x.npy", Tensor()); }), ErrorCode::invalid_argument);
  EXPECT_EQ(code_of([&] { save_npy(dir / "no" / "x.npy", Tensor::scalar<float>(1)); }),
            ErrorCode::not_found);
  EXPECT_EQ(code_of([&] { save_npy(dir.path(), Tensor::scalar<float>(1)); }),
            ErrorCode::invalid_argument);
  EXPECT_TRUE(dir.listing().empty());
}

}  // namespace
}  // namespace nnload::io
