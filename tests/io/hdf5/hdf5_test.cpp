#include "io/hdf5/hdf5.hpp"
#include "support/error_capture.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <functional>
#include <thread>

#include "io/hdf5/h5_test_support.hpp"
#include "io/io_test_support.hpp"

namespace nnload::io::hdf5 {
namespace {

using nnload::testing::code_of;
using nnload::testing::message_of;

using nnload::testing::H5Id;
using nnload::testing::TempDir;

struct FileOptions {
  hsize_t userblock = 0;
  bool latest_format = false;
  bool track_order = false;
};

// One file with everything the interface reads, laid out like a Keras model file.
void make_test_file(const std::filesystem::path& path, FileOptions options = {}) {
  H5Id fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
  if (options.userblock) H5Pset_userblock(fcpl, options.userblock);
  if (options.track_order)
    H5Pset_link_creation_order(fcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  H5Id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  H5Pset_alignment(fapl, 0, 64);  // every allocation 64-byte aligned: contiguous data maps
  if (options.latest_format) H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
  H5Id file(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, fcpl, fapl), H5Fclose);
  ASSERT_GE(file.id, 0);

  nnload::testing::fixed_string_attribute(file, "model_config",
                                          {"{\"class_name\": \"Sequential\"}"}, true);
  nnload::testing::vlen_string_attribute(file, "keras_version", {"2.13.1"}, true);
  nnload::testing::fixed_string_attribute(file, "one_element_array", {"tensorflow"}, false);
  nnload::testing::fixed_string_attribute(file, "spaced", {"ab  "}, true, H5T_STR_SPACEPAD);
  nnload::testing::fixed_string_attribute(file, "terminated", {"abc"}, true, H5T_STR_NULLTERM);

  H5Id gcpl(H5Pcreate(H5P_GROUP_CREATE), H5Pclose);
  if (options.track_order)
    H5Pset_link_creation_order(gcpl, H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  H5Id weights(H5Gcreate2(file, "model_weights", H5P_DEFAULT, gcpl, H5P_DEFAULT), H5Gclose);
  nnload::testing::fixed_string_attribute(weights, "layer_names",
                                          {"dense", "dropout", "batch_norm"}, false);
  nnload::testing::vlen_string_attribute(weights, "vlen_names", {"a", "bb", "ccc"}, false);
  nnload::testing::numeric_attribute<double>(weights, "empty_list", H5T_NATIVE_DOUBLE, {}, {0});
  nnload::testing::numeric_attribute<std::int64_t>(weights, "ints", H5T_NATIVE_INT64, {1, -2, 3},
                                                   {3});
  nnload::testing::numeric_attribute<float>(weights, "scale", H5T_NATIVE_FLOAT, {0.5f}, {});
  nnload::testing::numeric_attribute<std::uint16_t>(weights, "u16", H5T_STD_U16BE, {65535, 1}, {2});

  H5Id dense(H5Gcreate2(weights, "dense", H5P_DEFAULT, gcpl, H5P_DEFAULT), H5Gclose);
  H5Id inner(H5Gcreate2(dense, "dense", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  H5Id dropout(H5Gcreate2(weights, "dropout", H5P_DEFAULT, gcpl, H5P_DEFAULT), H5Gclose);
  H5Id bn(H5Gcreate2(weights, "batch_norm", H5P_DEFAULT, gcpl, H5P_DEFAULT), H5Gclose);
  nnload::testing::numeric_attribute<double>(dropout, "weight_names", H5T_NATIVE_DOUBLE, {}, {0});

  std::vector<float> kernel(6);
  for (int i = 0; i < 6; ++i) kernel[i] = 0.25f * i;
  nnload::testing::write_dataset(inner, "kernel:0", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, {2, 3},
                                 kernel.data());
  const std::vector<double> bias{1.5, -2.5, 3.5};
  nnload::testing::write_dataset(inner, "bias:0", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {3},
                                 bias.data());
  nnload::testing::vlen_string_attribute(dense, "weight_names", {"dense/kernel:0", "dense/bias:0"},
                                         false);

  H5Id f16(nnload::testing::h5py_float16(), H5Tclose);
  const std::vector<std::uint16_t> halves{0x3c00, 0xc000, 0x3800, 0x7c00};  // 1, -2, 0.5, inf
  nnload::testing::write_dataset(bn, "gamma", f16, f16, {4}, halves.data());
  const std::vector<std::int64_t> ids{-5, 0, 1LL << 40};
  nnload::testing::write_dataset(bn, "ids", H5T_STD_I64LE, H5T_NATIVE_INT64, {3}, ids.data());
  H5Id boolean(nnload::testing::h5py_bool(), H5Tclose);
  const std::vector<std::int8_t> mask{1, 0, 1};
  nnload::testing::write_dataset(bn, "mask", boolean, boolean, {3}, mask.data());

  H5Id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  const hsize_t chunk[2] = {4, 4};
  H5Pset_chunk(dcpl, 2, chunk);
  H5Pset_deflate(dcpl, 6);
  std::vector<float> big(10 * 10);
  for (int i = 0; i < 100; ++i) big[i] = static_cast<float>(i);
  nnload::testing::write_dataset(bn, "chunked", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, {10, 10},
                                 big.data(), dcpl);
  nnload::testing::write_dataset(bn, "big_endian", H5T_IEEE_F32BE, H5T_NATIVE_FLOAT, {2, 3},
                                 kernel.data());
  const std::vector<std::int32_t> be_ints{1, -1, 1 << 20};
  nnload::testing::write_dataset(bn, "big_endian_ints", H5T_STD_I32BE, H5T_NATIVE_INT32, {3},
                                 be_ints.data());
  const std::vector<std::uint16_t> u16{0, 65535};
  nnload::testing::write_dataset(bn, "u16", H5T_STD_U16LE, H5T_NATIVE_UINT16, {2}, u16.data());
  const std::vector<std::uint64_t> u64{7, 1ull << 63};
  nnload::testing::write_dataset(bn, "u64", H5T_STD_U64LE, H5T_NATIVE_UINT64, {2}, u64.data());
  const std::vector<std::uint64_t> u64_small{7, 1ull << 62};
  nnload::testing::write_dataset(bn, "u64_small", H5T_STD_U64LE, H5T_NATIVE_UINT64, {2},
                                 u64_small.data());
  const double scalar = 42;
  nnload::testing::write_dataset(bn, "scalar", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {}, &scalar);
  nnload::testing::write_dataset(bn, "empty", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, {0, 3}, nullptr);
  H5Id compact(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  H5Pset_layout(compact, H5D_COMPACT);
  nnload::testing::write_dataset(bn, "compact", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, {2, 3},
                                 kernel.data(), compact);
  H5Id str(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(str, 4);
  nnload::testing::write_dataset(bn, "strings", str, str, {2}, "abcdefgh");
  H5Id cplx(H5Tcreate(H5T_COMPOUND, 8), H5Tclose);
  H5Tinsert(cplx, "r", 0, H5T_NATIVE_FLOAT);
  H5Tinsert(cplx, "i", 4, H5T_NATIVE_FLOAT);
  const float c[2] = {1, 2};
  nnload::testing::write_dataset(bn, "complex", cplx, cplx, {1}, c);
  H5Lcreate_soft("/model_weights/dense/dense/kernel:0", weights, "kernel_link", H5P_DEFAULT,
                 H5P_DEFAULT);
  H5Lcreate_external("other.h5", "/x", weights, "elsewhere", H5P_DEFAULT, H5P_DEFAULT);
}

class Hdf5Test : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_ / "model.h5";
    make_test_file(path_);
    file_ = open(path_);
  }
  TempDir dir_;
  std::filesystem::path path_;
  std::shared_ptr<File> file_;
};

TEST_F(Hdf5Test, WalksGroups) {
  const Group root = file_->root();
  EXPECT_EQ(root.path(), "/");
  EXPECT_EQ(root.children(), std::vector<std::string>{"model_weights"});
  const Group weights = root.group("model_weights");
  EXPECT_EQ(weights.path(), "/model_weights");
  // Without creation-order tracking libhdf5 lists links by name.
  EXPECT_EQ(weights.children(), (std::vector<std::string>{"batch_norm", "dense", "dropout",
                                                          "elsewhere", "kernel_link"}));
  EXPECT_TRUE(root.has_group("model_weights/dense/dense"));
  EXPECT_TRUE(weights.has_group("dense"));
  EXPECT_TRUE(weights.has_group("/model_weights/dense"));
  EXPECT_FALSE(weights.has_group("dense/dense/kernel:0"));
  EXPECT_TRUE(weights.has_dataset("dense/dense/kernel:0"));
  EXPECT_FALSE(weights.has_dataset("dense"));
  EXPECT_FALSE(weights.has_group("nope"));
  EXPECT_FALSE(weights.has_group("nope/deeper"));
  EXPECT_FALSE(weights.has_dataset("dense/dense/kernel:0/below_a_dataset"));
  const Group nested = weights.group("dense").group("dense");
  EXPECT_EQ(nested.path(), "/model_weights/dense/dense");
  EXPECT_EQ(nested.children(), (std::vector<std::string>{"bias:0", "kernel:0"}));
}

TEST_F(Hdf5Test, MissingThingsAreNotFoundAndNamed) {
  const Group weights = file_->root().group("model_weights");
  EXPECT_EQ(code_of([&] { weights.group("nope"); }), ErrorCode::not_found);
  EXPECT_NE(message_of([&] { weights.group("nope"); }).find("no group '/model_weights/nope'"),
            std::string::npos);
  EXPECT_NE(message_of([&] { weights.group("nope"); }).find("model.h5"), std::string::npos);
  EXPECT_EQ(code_of([&] { weights.dataset("dense/dense/missing:0"); }), ErrorCode::not_found);
  EXPECT_EQ(code_of([&] { weights.dataset("dense"); }), ErrorCode::not_found);
  EXPECT_EQ(code_of([&] { weights.group("dense/dense/kernel:0"); }), ErrorCode::not_found);
  EXPECT_EQ(code_of([&] { weights.string_attribute("missing"); }), ErrorCode::not_found);
  EXPECT_NE(message_of([&] {
              weights.string_attribute("missing");
            }).find("/model_weights: no attribute 'missing'"),
            std::string::npos);
  EXPECT_EQ(code_of([&] { weights.tensor_attribute("missing"); }), ErrorCode::not_found);
  EXPECT_FALSE(weights.has_attribute("missing"));
}

TEST_F(Hdf5Test, StringAttributes) {
  const Group root = file_->root();
  EXPECT_EQ(root.string_attribute("model_config"), "{\"class_name\": \"Sequential\"}");
  EXPECT_EQ(root.string_attribute("keras_version"), "2.13.1");
  EXPECT_EQ(root.string_attribute("one_element_array"), "tensorflow");
  EXPECT_EQ(root.string_attribute("spaced"), "ab");
  EXPECT_EQ(root.string_attribute("terminated"), "abc");
  EXPECT_TRUE(root.attribute_is_string("model_config"));
  const Group weights = root.group("model_weights");
  EXPECT_EQ(weights.string_list_attribute("layer_names"),
            (std::vector<std::string>{"dense", "dropout", "batch_norm"}));
  EXPECT_EQ(weights.string_list_attribute("vlen_names"),
            (std::vector<std::string>{"a", "bb", "ccc"}));
  EXPECT_EQ(weights.group("dense").string_list_attribute("weight_names"),
            (std::vector<std::string>{"dense/kernel:0", "dense/bias:0"}));
  EXPECT_EQ(root.string_list_attribute("model_config").size(), 1u);
  // h5py writes an empty list as an empty float64 array.
  EXPECT_TRUE(weights.string_list_attribute("empty_list").empty());
  EXPECT_TRUE(weights.group("dropout").string_list_attribute("weight_names").empty());
  // Wrong kinds are errors, not garbage.
  EXPECT_EQ(code_of([&] { weights.string_attribute("layer_names"); }), ErrorCode::corrupt);
  EXPECT_EQ(code_of([&] { weights.string_attribute("ints"); }), ErrorCode::corrupt);
  EXPECT_EQ(code_of([&] { weights.string_list_attribute("ints"); }), ErrorCode::corrupt);
  EXPECT_EQ(code_of([&] { root.tensor_attribute("model_config"); }), ErrorCode::corrupt);
}

TEST_F(Hdf5Test, AttributeNames) {
  const Group root = file_->root();
  const auto names = root.attribute_names();
  EXPECT_EQ(names.size(), 5u);
  EXPECT_NE(std::find(names.begin(), names.end(), "keras_version"), names.end());
  EXPECT_TRUE(root.has_attribute("model_config"));
  EXPECT_EQ(root.group("model_weights/dense/dense").attribute_names().size(), 0u);
}

TEST_F(Hdf5Test, NumericAttributes) {
  const Group weights = file_->root().group("model_weights");
  const Tensor ints = weights.tensor_attribute("ints");
  EXPECT_EQ(ints.dtype(), DType::i64);
  EXPECT_EQ(ints.shape(), Shape{3});
  EXPECT_EQ(ints.values<std::int64_t>()[1], -2);
  const Tensor scale = weights.tensor_attribute("scale");
  EXPECT_EQ(scale.shape(), Shape{});
  EXPECT_EQ(scale.item<float>(), 0.5f);
  const Tensor u16 = weights.tensor_attribute("u16");  // big-endian uint16, widened exactly
  EXPECT_EQ(u16.dtype(), DType::i32);
  EXPECT_EQ(u16.values<std::int32_t>()[0], 65535);
  EXPECT_EQ(weights.tensor_attribute("empty_list").shape(), Shape{0});
  EXPECT_EQ(weights.attribute_shape("ints"), Shape{3});
}

TEST_F(Hdf5Test, ContiguousDatasetIsAZeroCopyView) {
  const Dataset kernel = file_->root().dataset("model_weights/dense/dense/kernel:0");
  EXPECT_EQ(kernel.path(), "/model_weights/dense/dense/kernel:0");
  EXPECT_EQ(kernel.dtype(), DType::f32);
  EXPECT_EQ(kernel.shape(), (Shape{2, 3}));
  EXPECT_EQ(kernel.layout(), "contiguous");
  const Tensor t = kernel.read();
  EXPECT_TRUE(t.is_view());
  EXPECT_FALSE(t.writable());
  for (int i = 0; i < 6; ++i) EXPECT_EQ(t.values<float>()[i], 0.25f * i);
  const Tensor bias = file_->root().dataset("model_weights/dense/dense/bias:0").read();
  EXPECT_TRUE(bias.is_view());
  EXPECT_EQ(bias.values<double>()[2], 3.5);
}

TEST_F(Hdf5Test, ViewOutlivesEveryHandle) {
  Tensor t = file_->root().dataset("model_weights/dense/dense/kernel:0").read();
  file_.reset();
  std::filesystem::remove(path_);
  EXPECT_EQ(t.values<float>()[5], 1.25f);
}

TEST_F(Hdf5Test, DtypesAndConversions) {
  const Group bn = file_->root().group("model_weights/batch_norm");
  const Tensor gamma = bn.dataset("gamma").read();
  EXPECT_EQ(gamma.dtype(), DType::f16);
  EXPECT_EQ(gamma.value_as_double(0), 1.0);
  EXPECT_EQ(gamma.value_as_double(1), -2.0);
  EXPECT_EQ(gamma.value_as_double(2), 0.5);
  EXPECT_TRUE(std::isinf(gamma.value_as_double(3)));
  EXPECT_TRUE(gamma.is_view());

  const Tensor ids = bn.dataset("ids").read();
  EXPECT_EQ(ids.dtype(), DType::i64);
  EXPECT_EQ(ids.values<std::int64_t>()[2], 1LL << 40);

  const Tensor mask = bn.dataset("mask").read();
  EXPECT_EQ(mask.dtype(), DType::boolean);
  EXPECT_EQ(mask.value_as_double(0), 1.0);
  EXPECT_EQ(mask.value_as_double(1), 0.0);

  const Tensor be = bn.dataset("big_endian").read();
  EXPECT_EQ(be.dtype(), DType::f32);
  EXPECT_FALSE(be.is_view());
  EXPECT_EQ(be.values<float>()[5], 1.25f);
  const Tensor be_ints = bn.dataset("big_endian_ints").read();
  EXPECT_EQ(be_ints.values<std::int32_t>()[2], 1 << 20);
  EXPECT_EQ(be_ints.values<std::int32_t>()[1], -1);

  const Tensor u16 = bn.dataset("u16").read();
  EXPECT_EQ(u16.dtype(), DType::i32);
  EXPECT_EQ(u16.values<std::int32_t>()[1], 65535);
  EXPECT_EQ(bn.dataset("u64").dtype(), DType::i64);
  EXPECT_EQ(code_of([&] { bn.dataset("u64").read(); }), ErrorCode::unsupported);
  EXPECT_EQ(bn.dataset("u64_small").read().values<std::int64_t>()[1], 1LL << 62);

  const Tensor scalar = bn.dataset("scalar").read();
  EXPECT_EQ(scalar.shape(), Shape{});
  EXPECT_EQ(scalar.item<double>(), 42.0);
  EXPECT_EQ(bn.dataset("empty").read().shape(), (Shape{0, 3}));
}

TEST_F(Hdf5Test, ChunkedCompressedAndCompactAreReadIntoOwnedTensors) {
  const Group bn = file_->root().group("model_weights/batch_norm");
  const Dataset chunked = bn.dataset("chunked");
  EXPECT_EQ(chunked.layout(), "chunked");
  const Tensor t = chunked.read();
  EXPECT_FALSE(t.is_view());
  EXPECT_EQ(t.shape(), (Shape{10, 10}));
  for (int i = 0; i < 100; ++i) ASSERT_EQ(t.values<float>()[i], static_cast<float>(i));
  const Dataset compact = bn.dataset("compact");
  EXPECT_EQ(compact.layout(), "compact");
  EXPECT_EQ(compact.read().values<float>()[4], 1.0f);
}

TEST_F(Hdf5Test, UnsupportedTypesNameTheType) {
  const Group bn = file_->root().group("model_weights/batch_norm");
  EXPECT_EQ(code_of([&] { bn.dataset("strings").read(); }), ErrorCode::unsupported);
  EXPECT_NE(message_of([&] { bn.dataset("strings").dtype(); }).find("string"), std::string::npos);
  EXPECT_NE(message_of([&] { bn.dataset("complex").read(); }).find("compound"), std::string::npos);
  EXPECT_NE(
      message_of([&] { bn.dataset("complex").read(); }).find("/model_weights/batch_norm/complex"),
      std::string::npos);
}

TEST_F(Hdf5Test, SoftLinksAreFollowedExternalLinksRefused) {
  const Group weights = file_->root().group("model_weights");
  EXPECT_TRUE(weights.has_dataset("kernel_link"));
  EXPECT_EQ(weights.dataset("kernel_link").read().values<float>()[1], 0.25f);
  EXPECT_FALSE(weights.has_dataset("elsewhere"));
  EXPECT_FALSE(weights.has_group("elsewhere"));
  EXPECT_EQ(code_of([&] { weights.dataset("elsewhere"); }), ErrorCode::unsupported);
  EXPECT_EQ(code_of([&] { weights.group("elsewhere"); }), ErrorCode::unsupported);
}

TEST_F(Hdf5Test, ConcurrentReadersAreSerialisedSafely) {
  std::vector<std::thread> threads;
  std::atomic<int> good{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) {
        const Group bn = file_->root().group("model_weights/batch_norm");
        if (bn.dataset("chunked").read().values<float>()[99] == 99.0f &&
            file_->root().string_attribute("keras_version") == "2.13.1") {
          ++good;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), 80);
}

TEST(Hdf5, CreationOrderIsUsedWhenTracked) {
  TempDir dir;
  make_test_file(dir / "ordered.h5", {.track_order = true});
  const auto file = open(dir / "ordered.h5");
  EXPECT_EQ(
      file->root().group("model_weights").children(),
      (std::vector<std::string>{"dense", "dropout", "batch_norm", "kernel_link", "elsewhere"}));
}

TEST(Hdf5, UserBlockAndLatestFormat) {
  TempDir dir;
  make_test_file(dir / "ub.h5", {.userblock = 1024});
  make_test_file(dir / "v3.h5", {.latest_format = true});
  for (const char* name : {"ub.h5", "v3.h5"}) {
    const auto file = open(dir / name);
    const Tensor t = file->root().dataset("model_weights/dense/dense/kernel:0").read();
    EXPECT_EQ(t.values<float>()[3], 0.75f) << name;
    EXPECT_EQ(file->root().string_attribute("keras_version"), "2.13.1") << name;
    nnload::testing::WalkStats stats;
    nnload::testing::walk(file->root(), stats);
    EXPECT_GT(stats.views, 0) << name;
  }
}

TEST(Hdf5, TwoByteFloatsByTheirFields) {
  TempDir dir;
  {
    H5Id file(H5Fcreate((dir / "f.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), H5Fclose);
    H5Id bf16(H5Tcopy(H5T_IEEE_F32LE), H5Tclose);
    H5Tset_fields(bf16, 15, 7, 8, 0, 7);
    H5Tset_size(bf16, 2);
    H5Tset_ebias(bf16, 127);
    const std::vector<std::uint16_t> bits{0x3fc0, 0xc000};  // 1.5, -2
    nnload::testing::write_dataset(file, "bf16", bf16, bf16, {2}, bits.data());
    H5Id odd(H5Tcopy(H5T_IEEE_F32LE), H5Tclose);
    H5Tset_fields(odd, 15, 9, 6, 0, 9);
    H5Tset_size(odd, 2);
    H5Tset_ebias(odd, 31);
    nnload::testing::write_dataset(file, "odd", odd, odd, {2}, bits.data());
  }
  const auto file = open(dir / "f.h5");
  const Tensor t = file->root().dataset("bf16").read();
  EXPECT_EQ(t.dtype(), DType::bf16);
  EXPECT_EQ(t.value_as_double(0), 1.5);
  EXPECT_EQ(t.value_as_double(1), -2.0);
  EXPECT_EQ(code_of([&] { file->root().dataset("odd").read(); }), ErrorCode::unsupported);
  EXPECT_NE(message_of([&] { file->root().dataset("odd").dtype(); }).find("16-bit float"),
            std::string::npos);
}

TEST(Hdf5, ManyAttributesInDenseStorage) {
  // The latest format moves more than 8 attributes into a fractal heap. Their names are listed
  // (libhdf5), but variable-length strings stored there are refused: our own string reader does
  // not parse dense storage, and libhdf5 does not check the global heap the strings point into
  // (fuzz_hdf5 made it read 169 MB past a heap collection). h5py and Keras write compact
  // attributes by default.
  TempDir dir;
  {
    H5Id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    H5Pset_libver_bounds(fapl, H5F_LIBVER_LATEST, H5F_LIBVER_LATEST);
    H5Id file(H5Fcreate((dir / "dense.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl), H5Fclose);
    for (int i = 0; i < 20; ++i) {
      const std::string name = "attr" + std::to_string(i);
      nnload::testing::vlen_string_attribute(file, name.c_str(), {"value " + std::to_string(i), ""},
                                             false);
    }
  }
  const auto file = open(dir / "dense.h5");
  const Group root = file->root();
  EXPECT_EQ(root.attribute_names().size(), 20u);
  try {
    (void)root.string_list_attribute("attr17");
    ADD_FAILURE() << "a string in dense attribute storage was read";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::unsupported);
    EXPECT_NE(std::string(e.what()).find("dense or shared attribute storage"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(root.address(), file->root().group("/").address());
}

// Each read is bounded by max_expansion on its own, and so is their sum per open file: reading
// compressed datasets again and again (a Keras layer listed many times) can't multiply memory.
// Eight 2 MB datasets of zeros, deflated to a ~40 kB file whose bound is ~3.6 MB.
TEST(Hdf5, DataCopiedFromOneFileIsBoundedInTotal) {
  TempDir dir;
  {
    H5Id file(H5Fcreate((dir / "zeros.h5").c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT),
              H5Fclose);
    const hsize_t dims[2] = {512, 1024};
    H5Id space(H5Screate_simple(2, dims, nullptr), H5Sclose);
    H5Id dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
    H5Pset_chunk(dcpl, 2, dims);
    H5Pset_deflate(dcpl, 9);
    const std::vector<float> zeros(512 * 1024, 0.0f);
    for (int i = 0; i < 8; ++i) {
      H5Id ds(H5Dcreate2(file, ("z" + std::to_string(i)).c_str(), H5T_IEEE_F32LE, space,
                         H5P_DEFAULT, dcpl, H5P_DEFAULT),
              H5Dclose);
      H5Dwrite(ds, H5T_NATIVE_FLOAT, H5S_ALL, H5S_ALL, H5P_DEFAULT, zeros.data());
    }
  }
  ASSERT_LT(std::filesystem::file_size(dir / "zeros.h5"), 64u * 1024);
  const auto file = open(dir / "zeros.h5");
  int read = 0;
  std::string refusal;
  for (int i = 0; i < 8 && refusal.empty(); ++i) {
    try {
      file->root().dataset("z" + std::to_string(i)).read();
      ++read;
    } catch (const Error& e) {
      refusal = e.what();
    }
  }
  EXPECT_GE(read, 1) << refusal;  // 2 MB is within one dataset's bound
  EXPECT_LT(read, 8);
  EXPECT_NE(refusal.find("brings the data decompressed or converted from this file to"),
            std::string::npos)
      << refusal;
  // The bound is per open file: opened again, it reads again.
  EXPECT_EQ(open(dir / "zeros.h5")->root().dataset("z7").read().numel(), 512 * 1024);
}

// Shared-message storage (H5Pset_shared_mesg_nindexes) keeps messages in a file-wide heap whose
// table libhdf5 1.10.8 trusts (a damaged file made it copy to a null pointer: fuzz_hdf5). h5py
// and Keras never write it; nnload refuses it by name before libhdf5 reads such a message.
TEST(Hdf5, SharedMessageHeapIsRefusedByName) {
  TempDir dir;
  {
    H5Id fcpl(H5Pcreate(H5P_FILE_CREATE), H5Pclose);
    H5Pset_shared_mesg_nindexes(fcpl, 1);
    H5Pset_shared_mesg_index(fcpl, 0, H5O_SHMESG_ALL_FLAG, 1);
    H5Id file(H5Fcreate((dir / "sohm.h5").c_str(), H5F_ACC_TRUNC, fcpl, H5P_DEFAULT), H5Fclose);
    const hsize_t dims[2] = {3, 4};
    H5Id space(H5Screate_simple(2, dims, nullptr), H5Sclose);
    for (const char* name : {"a", "b"}) {
      H5Id ds(H5Dcreate2(file, name, H5T_IEEE_F32LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
              H5Dclose);
    }
  }
  const auto file = open(dir / "sohm.h5");
  const auto read = [&] { file->root().dataset("b").read(); };
  EXPECT_EQ(code_of(read), ErrorCode::unsupported) << message_of(read);
  EXPECT_NE(message_of(read).find("shared-message heap"), std::string::npos) << message_of(read);
}

TEST(Hdf5, LibraryFailuresCarryHdf5sMessage) {
  TempDir dir;
  make_test_file(dir / "m.h5");
  auto bytes = nnload::testing::read_bytes(dir / "m.h5");
  // Break the signature of every chunk B-tree node (type 1; group nodes, type 0, are checked by
  // our own reader before libhdf5 sees them): reading a chunked dataset must fail inside libhdf5.
  const std::string tree = "TREE";
  int broken = 0;
  for (std::size_t i = 0; i + 5 <= bytes.size(); ++i) {
    if (std::memcmp(bytes.data() + i, tree.data(), 4) == 0 && bytes[i + 4] == std::byte{1}) {
      bytes[i] = std::byte{'X'};
      ++broken;
    }
  }
  ASSERT_GT(broken, 0);
  nnload::testing::write_bytes(dir / "broken.h5", bytes);
  const auto read = [&] {
    open(dir / "broken.h5")->root().dataset("model_weights/batch_norm/chunked").read();
  };
  const std::string msg = message_of(read);
  const std::string prefix =
      "broken.h5: /model_weights/batch_norm/chunked: reading the dataset failed: ";
  EXPECT_NE(msg.find(prefix), std::string::npos) << msg;
  EXPECT_GT(msg.size(), prefix.size() + 10) << msg;
  EXPECT_EQ(code_of(read), ErrorCode::corrupt);
}

TEST(Hdf5, OpenImageReadsFromMemoryAndViewsIntoIt) {
  TempDir dir;
  make_test_file(dir / "m.h5");
  auto bytes = std::make_shared<std::vector<std::byte>>(nnload::testing::read_bytes(dir / "m.h5"));
  const auto file = open_image(bytes, *bytes, "archive.keras/model.weights.h5");
  const Tensor t = file->root().dataset("model_weights/dense/dense/kernel:0").read();
  EXPECT_TRUE(t.is_view());
  EXPECT_GE(static_cast<const std::byte*>(t.raw()), bytes->data());
  EXPECT_LT(static_cast<const std::byte*>(t.raw()), bytes->data() + bytes->size());
  EXPECT_EQ(t.values<float>()[5], 1.25f);
  EXPECT_NE(message_of([&] { file->root().group("x"); }).find("archive.keras/model.weights.h5"),
            std::string::npos);
  // Two images of the same name stay distinct files.
  const auto again = open_image(bytes, *bytes, "archive.keras/model.weights.h5");
  EXPECT_EQ(again->root().children().size(), 1u);
}

}  // namespace
}  // namespace nnload::io::hdf5
