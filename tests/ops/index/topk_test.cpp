#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "ops/shape/op_test_util.hpp"

namespace nnload {
namespace {

using testing::attrs;
using testing::bytes_equal;
using testing::f32s;
using testing::i64s;
using testing::run1;
using Ints = std::vector<std::int64_t>;

std::vector<Tensor> topk(const std::vector<Tensor>& in, const graph::Attributes& a = {},
                         int opset = graph::kLatestOpset) {
  return ops::run_op("TopK", in, a, 2, "", opset);
}

TEST(TopK, SpecExamples) {
  const Tensor x = f32s({0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, {3, 4});
  auto out = topk({x, i64s({3})}, attrs({{"axis", std::int64_t{1}}}));
  EXPECT_TRUE(bytes_equal(out[0], f32s({3, 2, 1, 7, 6, 5, 11, 10, 9}, {3, 3})));
  EXPECT_TRUE(bytes_equal(out[1], i64s({3, 2, 1, 3, 2, 1, 3, 2, 1}).reshaped({3, 3})));
  out = topk({x, i64s({3})}, attrs({{"axis", std::int64_t{-1}}}));
  EXPECT_TRUE(bytes_equal(out[0], f32s({3, 2, 1, 7, 6, 5, 11, 10, 9}, {3, 3})));
  // top_k_smallest.
  const Tensor x2 = f32s({0, 1, 2, 3, 4, 5, 6, 7, 11, 10, 9, 8}, {3, 4});
  out = topk({x2, i64s({3})}, attrs({{"axis", std::int64_t{1}},
                                     {"largest", std::int64_t{0}},
                                     {"sorted", std::int64_t{1}}}));
  EXPECT_TRUE(bytes_equal(out[0], f32s({0, 1, 2, 4, 5, 6, 8, 9, 10}, {3, 3})));
  EXPECT_TRUE(bytes_equal(out[1], i64s({0, 1, 2, 0, 1, 2, 3, 2, 1}).reshaped({3, 3})));
  // Opset 1..9: k is an attribute.
  out = topk({x}, attrs({{"k", std::int64_t{1}}}), 9);
  EXPECT_TRUE(bytes_equal(out[0], f32s({3, 7, 11}, {3, 1})));
}

TEST(TopK, TiesPreferTheLowerIndexAndNaNRanksHighest) {
  auto out = topk({f32s({5, 1, 5, 1, 5}, {5}), i64s({4})});
  EXPECT_TRUE(bytes_equal(out[1], i64s({0, 2, 4, 1})));
  out = topk({f32s({5, 1, 5, 1, 5}, {5}), i64s({3})}, attrs({{"largest", std::int64_t{0}}}));
  EXPECT_TRUE(bytes_equal(out[1], i64s({1, 3, 0})));
  out = topk({f32s({1, NAN, 3}, {3}), i64s({2})});
  EXPECT_TRUE(bytes_equal(out[1], i64s({1, 2})));
  out = topk({f32s({1, NAN, 3}, {3}), i64s({2})}, attrs({{"largest", std::int64_t{0}}}));
  EXPECT_TRUE(bytes_equal(out[1], i64s({0, 2})));
}

// Against a stable sort of each slice, on a middle axis, for several dtypes and k.
TEST(TopK, MatchesStableSortOnRandomData) {
  std::mt19937 rng(3);
  const Shape shape = {3, 17, 4};
  for (DType dtype : {DType::f32, DType::f64, DType::i32, DType::i64, DType::u8, DType::i8}) {
    // Few distinct values, so ties are common.
    Tensor x = Tensor::empty(dtype, shape);
    std::vector<double> raw(static_cast<std::size_t>(x.numel()));
    for (double& v : raw) v = static_cast<double>(std::uniform_int_distribution<int>(0, 9)(rng));
    convert_elements(raw.data(), DType::f64, x.mutable_raw(), dtype, raw.size());
    for (std::int64_t k : {1, 5, 17}) {
      for (int largest = 0; largest < 2; ++largest) {
        auto out = topk({x, i64s({k})},
                        attrs({{"axis", std::int64_t{1}}, {"largest", std::int64_t{largest}}}));
        ASSERT_EQ(out[0].shape(), (Shape{3, k, 4}));
        for (std::int64_t o = 0; o < 3; ++o) {
          for (std::int64_t i = 0; i < 4; ++i) {
            Ints order(17);
            for (std::int64_t j = 0; j < 17; ++j) order[j] = j;
            auto at = [&](std::int64_t j) { return raw[(o * 17 + j) * 4 + i]; };
            std::stable_sort(order.begin(), order.end(), [&](std::int64_t p, std::int64_t q) {
              return largest ? at(p) > at(q) : at(p) < at(q);
            });
            for (std::int64_t j = 0; j < k; ++j) {
              const std::int64_t pos = (o * k + j) * 4 + i;
              ASSERT_EQ(out[1].data<std::int64_t>()[pos], order[j]) << dtype_name(dtype);
              ASSERT_EQ(out[0].value_as_double(pos), at(order[j]));
            }
          }
        }
      }
    }
  }
}

TEST(TopK, ZeroKAndErrors) {
  const Tensor x = f32s({1, 2, 3}, {3});
  EXPECT_EQ(topk({x, i64s({0})})[0].shape(), (Shape{0}));
  EXPECT_THROW(topk({x, i64s({4})}), Error);
  EXPECT_THROW(topk({x, i64s({-1})}), Error);
  EXPECT_THROW(topk({x, i64s({1, 2})}), Error);
  EXPECT_THROW(topk({x, i64s({1})}, attrs({{"axis", std::int64_t{1}}})), Error);
  EXPECT_THROW(topk({Tensor::from_vector<bool>({true}, {1}), i64s({1})}), Error);
}

}  // namespace
}  // namespace nnload
