#include <gtest/gtest.h>

#include <cmath>

#include "ops/norm/norm_test_util.hpp"
#include "support/tensor_matchers.hpp"

namespace nnload::ops {
namespace {

using graph::Attributes;
using testing::make;
using testing_norm::random_tensor;

Attributes lrn_attrs(std::int64_t size, double alpha, double beta, double bias) {
  Attributes a;
  a.set("size", size);
  a.set("alpha", alpha);
  a.set("beta", beta);
  a.set("bias", bias);
  return a;
}

TEST(LRN, LiteralWindows) {
  // alpha / size = 1, beta 1, bias 1: y = x / (1 + sum of squares in the window).
  const Tensor x = make<float>({1, 2, 3}, {1, 3, 1, 1});
  const Tensor y3 = run_op("LRN", {x}, lrn_attrs(3, 3, 1, 1), 1, "", 13)[0];
  EXPECT_TRUE(testing::tensors_close(y3, make<float>({1.f / 6, 2.f / 15, 3.f / 14}, {1, 3, 1, 1})));
  // An even size looks one channel further ahead than behind: windows [c, c + 1].
  const Tensor y2 = run_op("LRN", {x}, lrn_attrs(2, 2, 1, 1), 1, "", 13)[0];
  EXPECT_TRUE(testing::tensors_close(y2, make<float>({1.f / 6, 2.f / 14, 3.f / 10}, {1, 3, 1, 1})));
}

TEST(LRN, MatchesOnnxReferenceLoop) {
  std::mt19937 rng(2);
  for (DType dtype : {DType::f32, DType::f64}) {
    for (std::int64_t size : {1, 2, 3, 5, 9}) {
      const Shape shape = {2, 7, 5, 6};
      const Tensor x = random_tensor(dtype, shape, rng);
      const double alpha = 0.3, beta = 0.75, bias = 2.0;
      const std::int64_t c1 = (size - 1) / 2, c2 = size - 1 - c1;  // floor and ceil
      Tensor expected = Tensor::empty(DType::f64, shape);
      const std::int64_t c_count = 7, spatial = 30;
      for (std::int64_t i = 0; i < x.numel(); ++i) {
        const std::int64_t n = i / (c_count * spatial), c = (i / spatial) % c_count,
                           s = i % spatial;
        double sum = 0;
        for (std::int64_t k = std::max<std::int64_t>(0, c - c1);
             k <= std::min<std::int64_t>(c_count - 1, c + c2); ++k) {
          sum += std::pow(x.value_as_double((n * c_count + k) * spatial + s), 2);
        }
        expected.mutable_data<double>()[i] =
            x.value_as_double(i) / std::pow(bias + alpha / static_cast<double>(size) * sum, beta);
      }
      const Tensor y = run_op("LRN", {x}, lrn_attrs(size, alpha, beta, bias), 1, "", 1)[0];
      EXPECT_TRUE(testing::tensors_close(y, expected, 1e-5, 1e-5)) << "size " << size;
    }
  }
}

TEST(LRN, ZeroSizedAndErrors) {
  EXPECT_EQ(run_op("LRN", {Tensor::empty(DType::f32, {0, 3, 2})}, lrn_attrs(3, 1e-4, 0.75, 1), 1,
                   "", 13)[0]
                .shape(),
            (Shape{0, 3, 2}));
  const Tensor x = make<float>({1, 2}, {1, 2});
  EXPECT_THROW(run_op("LRN", {x}, lrn_attrs(0, 1e-4, 0.75, 1), 1, "", 13), Error);
  EXPECT_THROW(run_op("LRN", {x}, {}, 1, "", 13), Error);  // size is required
  EXPECT_THROW(run_op("LRN", {make<float>({1}, {1})}, lrn_attrs(3, 1e-4, 0.75, 1), 1, "", 13),
               Error);
  EXPECT_THROW(run_op("LRN", {x.to(DType::i32)}, lrn_attrs(3, 1e-4, 0.75, 1), 1, "", 13), Error);
}

}  // namespace
}  // namespace nnload::ops
