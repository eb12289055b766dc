#include <gtest/gtest.h>

#include "ops/shape/op_test_util.hpp"
#include "support/error_capture.hpp"

namespace nnload {
namespace {

using testing::attrs;
using Ints = std::vector<std::int64_t>;

Tensor mirror_pad(const Tensor& x, const Ints& paddings, const std::string& mode,
                  DType index_dtype = DType::i32) {
  const Tensor p =
      Tensor::from_vector(paddings, {static_cast<std::int64_t>(paddings.size()) / 2, 2})
          .to(index_dtype);
  return ops::run_op("TfMirrorPad", {x, p}, attrs({{"mode", mode}}), 1, "nnload", 1).at(0);
}

// tf.pad's documentation: t = [[1, 2, 3], [4, 5, 6]], paddings [[1, 1], [2, 2]].
TEST(TfMirrorPad, TensorFlowDocumentationExamples) {
  const Tensor t = testing::make<std::int32_t>({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_TRUE(testing::bytes_equal(
      mirror_pad(t, {1, 1, 2, 2}, "REFLECT"),
      testing::make<std::int32_t>(
          {6, 5, 4, 5, 6, 5, 4, 3, 2, 1, 2, 3, 2, 1, 6, 5, 4, 5, 6, 5, 4, 3, 2, 1, 2, 3, 2, 1},
          {4, 7})));
  EXPECT_TRUE(testing::bytes_equal(
      mirror_pad(t, {1, 1, 2, 2}, "SYMMETRIC", DType::i64),
      testing::make<std::int32_t>(
          {2, 1, 1, 2, 3, 3, 2, 2, 1, 1, 2, 3, 3, 2, 5, 4, 4, 5, 6, 6, 5, 5, 4, 4, 5, 6, 6, 5},
          {4, 7})));
}

// One axis padded by concatenating reversed slices, the way the modes are usually explained:
// SYMMETRIC repeats the edge (x[before-1::-1]), REFLECT does not (x[before:0:-1]).
std::vector<float> pad_row(const std::vector<float>& row, std::int64_t before, std::int64_t after,
                           bool symmetric) {
  const auto n = static_cast<std::int64_t>(row.size());
  const std::int64_t skip = symmetric ? 0 : 1;
  std::vector<float> out;
  for (std::int64_t i = before - 1 + skip; i >= skip; --i)
    out.push_back(row[static_cast<std::size_t>(i)]);
  out.insert(out.end(), row.begin(), row.end());
  for (std::int64_t i = n - 1 - skip; i > n - 1 - skip - after; --i)
    out.push_back(row[static_cast<std::size_t>(i)]);
  return out;
}

TEST(TfMirrorPad, MatchesConcatenatedReversedSlicesOnRandomData) {
  const Tensor x = testing::random_floats({5, 4}, 3);
  for (const bool symmetric : {false, true}) {
    const Ints pads = symmetric ? Ints{5, 2, 0, 4} : Ints{4, 1, 3, 0};
    // Rows first, then columns.
    std::vector<std::vector<float>> cols(4);
    for (std::int64_t c = 0; c < 4; ++c) {
      std::vector<float> col;
      for (std::int64_t r = 0; r < 5; ++r) col.push_back(x.data<float>()[r * 4 + c]);
      cols[static_cast<std::size_t>(c)] = pad_row(col, pads[0], pads[1], symmetric);
    }
    const auto rows = static_cast<std::int64_t>(cols[0].size());
    std::vector<float> expected;
    for (std::int64_t r = 0; r < rows; ++r) {
      std::vector<float> row;
      for (const auto& col : cols) row.push_back(col[static_cast<std::size_t>(r)]);
      const std::vector<float> padded = pad_row(row, pads[2], pads[3], symmetric);
      expected.insert(expected.end(), padded.begin(), padded.end());
    }
    const std::int64_t width = static_cast<std::int64_t>(expected.size()) / rows;
    EXPECT_TRUE(testing::bytes_equal(mirror_pad(x, pads, symmetric ? "SYMMETRIC" : "REFLECT"),
                                     testing::make<float>(expected, {rows, width})));
  }
}

TEST(TfMirrorPad, ReflectAgreesWithOnnxPad) {
  const Tensor x = testing::random_floats({2, 3, 4}, 5);
  const Tensor onnx = testing::run1("Pad", {x, testing::i64s({1, 0, 3, 0, 2, 1})},
                                    attrs({{"mode", std::string("reflect")}}));
  EXPECT_TRUE(testing::bytes_equal(mirror_pad(x, {1, 0, 0, 2, 3, 1}, "REFLECT"), onnx));
}

TEST(TfMirrorPad, EveryDtypeAndEmptyAxes) {
  for (DType dtype : testing::all_dtypes()) {
    SCOPED_TRACE(dtype_name(dtype));
    const Tensor x = testing::random_tensor(dtype, {1, 2}, 9);
    const Tensor y = mirror_pad(x, {1, 0, 2, 2}, "SYMMETRIC");
    ASSERT_EQ(y.shape(), (Shape{2, 6}));
    const std::size_t e = dtype_size(dtype);
    const auto* in = static_cast<const unsigned char*>(x.raw());
    const auto* out = static_cast<const unsigned char*>(y.raw());
    const int source[6] = {1, 0, 0, 1, 1, 0};  // columns of x each output column reads
    for (int r = 0; r < 2; ++r) {
      for (int c = 0; c < 6; ++c) {
        EXPECT_EQ(std::memcmp(out + (r * 6 + c) * e, in + source[c] * e, e), 0);
      }
    }
  }
  const Tensor empty = Tensor::empty(DType::f32, {0, 3});
  EXPECT_EQ(mirror_pad(empty, {0, 0, 1, 2}, "SYMMETRIC").shape(), (Shape{0, 6}));
  // REFLECT needs pads below the axis size, so TensorFlow rejects it on an empty axis.
  EXPECT_EQ(testing::code_of([&] {
              mirror_pad(empty, {0, 0, 1, 2}, "REFLECT");
            }),
            ErrorCode::invalid_argument);
}

TEST(TfMirrorPad, RejectsPaddingsTensorFlowRejects) {
  const Tensor x = testing::random_floats({2, 3}, 1);
  auto code = [&](Ints pads, const std::string& mode) {
    return testing::code_of([&] { mirror_pad(x, pads, mode); });
  };
  EXPECT_EQ(code({2, 0, 0, 0}, "REFLECT"), ErrorCode::invalid_argument);  // REFLECT: < dim
  EXPECT_NO_THROW(mirror_pad(x, {2, 2, 3, 3}, "SYMMETRIC"));              // SYMMETRIC: <= dim
  EXPECT_EQ(code({3, 0, 0, 0}, "SYMMETRIC"), ErrorCode::invalid_argument);
  EXPECT_EQ(code({-1, 0, 0, 0}, "SYMMETRIC"), ErrorCode::invalid_argument);
  EXPECT_EQ(code({0, 0}, "SYMMETRIC"), ErrorCode::shape);
  EXPECT_EQ(code({0, 0, 0, 0}, "WRAP"), ErrorCode::invalid_argument);
}

}  // namespace
}  // namespace nnload
