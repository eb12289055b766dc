#include <gtest/gtest.h>

#include "ops/shape/op_test_util.hpp"

namespace nnload {
namespace {

using testing::attrs;
using testing::bytes_equal;
using testing::f32s;
using testing::i64s;
using testing::random_tensor;
using testing::reference_move;
using testing::run1;
using Ints = std::vector<std::int64_t>;

// numpy.pad, applied after cropping negative pads: reflect bounces off the ends without
// repeating them, edge repeats them, wrap continues periodically.
Tensor reference_pad(const Tensor& x, const Ints& pads, const std::string& mode,
                     const Tensor* fill) {
  const std::size_t r = x.shape().size();
  Shape out(r);
  for (std::size_t d = 0; d < r; ++d) out[d] = x.shape()[d] + pads[d] + pads[d + r];
  return reference_move(
      x, out,
      [&](const Ints& o) -> std::optional<Ints> {
        Ints src(r);
        for (std::size_t d = 0; d < r; ++d) {
          const std::int64_t lo = std::max<std::int64_t>(0, -pads[d]);
          const std::int64_t n = x.shape()[d] - lo - std::max<std::int64_t>(0, -pads[d + r]);
          std::int64_t i = o[d] - std::max<std::int64_t>(0, pads[d]);
          if (i < 0 || i >= n) {
            if (mode == "constant") return std::nullopt;
            if (mode == "edge") i = i < 0 ? 0 : n - 1;
            if (mode == "wrap") {
              while (i < 0) i += n;
              while (i >= n) i -= n;
            }
            if (mode == "reflect") {
              while (i < 0 || i >= n) {
                if (n == 1) i = 0;
                if (i < 0) i = -i;
                if (i >= n) i = 2 * (n - 1) - i;
              }
            }
          }
          src[d] = i + lo;
        }
        return src;
      },
      fill);
}

TEST(Pad, SpecDocExamples) {
  const Tensor x = f32s({1.0f, 1.2f, 2.3f, 3.4f, 4.5f, 5.7f}, {3, 2});
  const Tensor pads = i64s({0, 2, 0, 0});
  EXPECT_TRUE(testing::tensors_close(
      run1("Pad", {x, pads, Tensor::scalar(0.0f)}),
      f32s({0, 0, 1.0f, 1.2f, 0, 0, 2.3f, 3.4f, 0, 0, 4.5f, 5.7f}, {3, 4}), 0, 0));
  EXPECT_TRUE(testing::tensors_close(
      run1("Pad", {x, pads}, attrs({{"mode", std::string("reflect")}})),
      f32s({1.0f, 1.2f, 1.0f, 1.2f, 2.3f, 3.4f, 2.3f, 3.4f, 4.5f, 5.7f, 4.5f, 5.7f}, {3, 4}), 0,
      0));
  EXPECT_TRUE(testing::tensors_close(
      run1("Pad", {x, pads}, attrs({{"mode", std::string("edge")}})),
      f32s({1.0f, 1.0f, 1.0f, 1.2f, 2.3f, 2.3f, 2.3f, 3.4f, 4.5f, 4.5f, 4.5f, 5.7f}, {3, 4}), 0,
      0));
  EXPECT_TRUE(testing::tensors_close(
      run1("Pad", {x, i64s({2, 1, 1, 1})}, attrs({{"mode", std::string("wrap")}})),
      f32s({3.4f, 2.3f, 3.4f, 2.3f, 5.7f, 4.5f, 5.7f, 4.5f, 1.2f, 1.0f, 1.2f, 1.0f,
            3.4f, 2.3f, 3.4f, 2.3f, 5.7f, 4.5f, 5.7f, 4.5f, 1.2f, 1.0f, 1.2f, 1.0f},
           {6, 4}),
      0, 0));
}

TEST(Pad, BackendCasesAgainstNumpyPad) {
  const Tensor x = testing::random_floats({1, 3, 4, 5}, 3);
  const Tensor value = Tensor::scalar(1.2f);
  const Ints pads = {0, 0, 1, 3, 0, 0, 2, 4};
  EXPECT_TRUE(
      bytes_equal(run1("Pad", {x, i64s(pads), value}), reference_pad(x, pads, "constant", &value)));
  const Ints small = {0, 0, 1, 1, 0, 0, 1, 1};
  for (const std::string mode : {"reflect", "edge", "wrap"}) {
    const Tensor xi = random_tensor(DType::i32, {1, 3, 4, 5}, 5);
    EXPECT_TRUE(bytes_equal(run1("Pad", {xi, i64s(small)}, attrs({{"mode", mode}})),
                            reference_pad(xi, small, mode, nullptr)))
        << mode;
  }
  // Opset 18 axes input: pads only axes 1 and 3 (also written as negative axes).
  const Ints full = {0, 0, 0, 3, 0, 0, 0, 4};
  EXPECT_TRUE(bytes_equal(run1("Pad", {x, i64s({0, 3, 0, 4}), value, i64s({1, 3})}),
                          reference_pad(x, full, "constant", &value)));
  EXPECT_TRUE(bytes_equal(run1("Pad", {x, i64s({0, 3, 0, 4}), value, i64s({-3, -1})}),
                          reference_pad(x, full, "constant", &value)));
}

TEST(Pad, RandomPadsOfEveryModeAndDtype) {
  std::mt19937 rng(3);
  for (DType dtype : testing::all_dtypes()) {
    const Tensor x = random_tensor(dtype, {3, 4, 5}, 8);
    const Tensor fill = random_tensor(dtype, {}, 77);
    for (const std::string mode : {"constant", "reflect", "edge", "wrap"}) {
      for (int trial = 0; trial < 6; ++trial) {
        Ints pads(6);
        // Large reflect pads bounce more than once; negative pads crop.
        for (std::size_t d = 0; d < 3; ++d) {
          pads[d] = std::uniform_int_distribution<std::int64_t>(-1, 7)(rng);
          pads[d + 3] = std::uniform_int_distribution<std::int64_t>(-1, 7)(rng);
        }
        std::vector<Tensor> in = {x, i64s(pads)};
        if (mode == "constant") in.push_back(fill);
        const Tensor y = run1("Pad", in, attrs({{"mode", mode}}));
        ASSERT_TRUE(
            bytes_equal(y, reference_pad(x, pads, mode, mode == "constant" ? &fill : nullptr)))
            << dtype_name(dtype) << " " << mode << " trial " << trial;
      }
    }
  }
}

TEST(Pad, AttributeFormsBeforeOpset11) {
  const Tensor x = f32s({1, 2, 3}, {3});
  const auto a = attrs({{"pads", Ints{1, 2}}, {"value", 9.0}});
  EXPECT_TRUE(testing::tensors_close(run1("Pad", {x}, a, 2), f32s({9, 1, 2, 3, 9, 9}, {6}), 0, 0));
  const auto a1 = attrs({{"paddings", Ints{1, 0}}, {"mode", std::string("edge")}});
  EXPECT_TRUE(testing::tensors_close(run1("Pad", {x}, a1, 1), f32s({1, 1, 2, 3}, {4}), 0, 0));
  // An integer tensor takes the float `value` converted.
  const Tensor xi = Tensor::from_vector<std::int64_t>({5}, {1});
  const Tensor yi = run1("Pad", {xi}, attrs({{"pads", Ints{1, 0}}, {"value", 7.0}}), 10);
  EXPECT_TRUE(testing::tensors_close(yi, Tensor::from_vector<std::int64_t>({7, 5}, {2}), 0, 0));
}

TEST(Pad, RejectsBadArguments) {
  const Tensor x = random_tensor(DType::f32, {2, 3});
  EXPECT_THROW(run1("Pad", {x, i64s({1, 1})}), Error);         // 2 pads for rank 2
  EXPECT_THROW(run1("Pad", {x, i64s({0, -4, 0, 0})}), Error);  // crops past the start
  EXPECT_THROW(run1("Pad", {x, i64s({0, 1, 0, 1})}, attrs({{"mode", std::string("wrap")}}), 18),
               Error);
  EXPECT_THROW(run1("Pad", {x, i64s({0, 1, 0, 1})}, attrs({{"mode", std::string("mirror")}})),
               Error);
  EXPECT_THROW(run1("Pad", {x, i64s({0, 1, 0, 1}), Tensor::scalar(1.0)}),
               Error);  // f64 value, f32 data
  const Tensor empty = Tensor::empty(DType::f32, {0, 3});
  EXPECT_THROW(run1("Pad", {empty, i64s({1, 0, 0, 0})}, attrs({{"mode", std::string("edge")}})),
               Error);
  EXPECT_EQ(run1("Pad", {empty, i64s({1, 0, 0, 0})}).shape(), (Shape{1, 3}));
}

}  // namespace
}  // namespace nnload
