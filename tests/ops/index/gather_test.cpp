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

Tensor idx(std::vector<std::int64_t> v, Shape s) { return Tensor::from_vector(v, std::move(s)); }
Tensor idx32(std::vector<std::int32_t> v, Shape s) { return Tensor::from_vector(v, std::move(s)); }

TEST(Gather, SpecDocExamples) {
  const Tensor data = f32s({1.0f, 1.2f, 2.3f, 3.4f, 4.5f, 5.7f}, {3, 2});
  EXPECT_TRUE(testing::tensors_close(
      run1("Gather", {data, idx({0, 1, 1, 2}, {2, 2})}),
      f32s({1.0f, 1.2f, 2.3f, 3.4f, 2.3f, 3.4f, 4.5f, 5.7f}, {2, 2, 2}), 0, 0));
  const Tensor data2 = f32s({1.0f, 1.2f, 1.9f, 2.3f, 3.4f, 3.9f, 4.5f, 5.7f, 5.9f}, {3, 3});
  EXPECT_TRUE(testing::tensors_close(
      run1("Gather", {data2, idx({0, 2}, {1, 2})}, attrs({{"axis", std::int64_t{1}}})),
      f32s({1.0f, 1.9f, 2.3f, 3.9f, 4.5f, 5.9f}, {3, 1, 2}), 0, 0));
  // gather_negative_indices: arange(10) with [0, -9, -10].
  std::vector<float> ten(10);
  for (int i = 0; i < 10; ++i) ten[i] = static_cast<float>(i);
  EXPECT_TRUE(testing::tensors_close(run1("Gather", {f32s(ten, {10}), idx({0, -9, -10}, {3})}),
                                     f32s({0, 1, 0}, {3}), 0, 0));
}

// np.take(data, indices, axis) for every axis, int32 and int64 indices, every dtype.
TEST(Gather, MatchesTakeOnRandomData) {
  for (DType dtype : testing::all_dtypes()) {
    const Tensor data = random_tensor(dtype, {5, 4, 3, 2}, 3);
    for (std::int64_t axis = -4; axis < 4; ++axis) {
      const std::int64_t a = axis < 0 ? axis + 4 : axis;
      const std::int64_t dim = data.shape()[a];
      const Ints raw = {dim - 1, 0, -1, -dim, 1, 0};
      const Tensor indices =
          (axis % 2 == 0) ? idx(raw, {2, 3}) : Tensor(idx(raw, {2, 3}).to(DType::i32));
      const Tensor y = run1("Gather", {data, indices}, attrs({{"axis", axis}}));
      Shape out(data.shape().begin(), data.shape().begin() + a);
      out.push_back(2);
      out.push_back(3);
      out.insert(out.end(), data.shape().begin() + a + 1, data.shape().end());
      const Tensor expected = reference_move(data, out, [&](const Ints& o) {
        Ints src(o.begin(), o.begin() + a);
        std::int64_t i = raw[o[a] * 3 + o[a + 1]];
        src.push_back(i < 0 ? i + dim : i);
        src.insert(src.end(), o.begin() + a + 2, o.end());
        return std::optional<Ints>(src);
      });
      ASSERT_TRUE(bytes_equal(y, expected)) << dtype_name(dtype) << " axis " << axis;
    }
  }
}

TEST(Gather, ScalarIndexAndEmptyIndices) {
  const Tensor data = f32s({1, 2, 3, 4, 5, 6}, {3, 2});
  EXPECT_TRUE(testing::tensors_close(run1("Gather", {data, Tensor::scalar(std::int64_t{2})}),
                                     f32s({5, 6}, {2}), 0, 0));
  EXPECT_EQ(run1("Gather", {data, idx({}, {0})}).shape(), (Shape{0, 2}));
  EXPECT_EQ(run1("Gather", {Tensor::empty(DType::f32, {3, 0}), idx({1, 2}, {2})}).shape(),
            (Shape{2, 0}));
}

TEST(Gather, OutOfRangeIndicesAreErrors) {
  const Tensor data = f32s({1, 2, 3}, {3});
  EXPECT_THROW(run1("Gather", {data, idx({3}, {1})}), Error);
  EXPECT_THROW(run1("Gather", {data, idx({-4}, {1})}), Error);
  EXPECT_THROW(run1("Gather", {data, idx32({0, 1000000}, {2})}), Error);
  EXPECT_THROW(run1("Gather", {Tensor::empty(DType::f32, {0}), idx({0}, {1})}), Error);
  EXPECT_THROW(run1("Gather", {data, f32s({0}, {1})}), Error);  // float indices
  EXPECT_THROW(run1("Gather", {data, idx({0}, {1})}, attrs({{"axis", std::int64_t{1}}})), Error);
  EXPECT_THROW(run1("Gather", {Tensor::scalar(1.0f), idx({0}, {1})}), Error);
}

TEST(GatherElements, SpecExamples) {
  EXPECT_TRUE(testing::tensors_close(
      run1("GatherElements", {f32s({1, 2, 3, 4}, {2, 2}), idx({0, 0, 1, 0}, {2, 2})},
           attrs({{"axis", std::int64_t{1}}})),
      f32s({1, 1, 4, 3}, {2, 2}), 0, 0));
  const Tensor data = f32s({1, 2, 3, 4, 5, 6, 7, 8, 9}, {3, 3});
  EXPECT_TRUE(
      testing::tensors_close(run1("GatherElements", {data, idx({1, 2, 0, 2, 0, 0}, {2, 3})}),
                             f32s({4, 8, 3, 7, 2, 3}, {2, 3}), 0, 0));
  EXPECT_TRUE(
      testing::tensors_close(run1("GatherElements", {data, idx32({-1, -2, 0, -2, 0, 0}, {2, 3})}),
                             f32s({7, 5, 3, 4, 2, 3}, {2, 3}), 0, 0));
}

TEST(GatherElements, MatchesLoopOnRandomData) {
  std::mt19937 rng(5);
  for (DType dtype : testing::all_dtypes()) {
    const Tensor data = random_tensor(dtype, {4, 5, 3}, 8);
    for (std::int64_t axis = 0; axis < 3; ++axis) {
      Shape ishape = {3, 4, 2};  // smaller than data on the other axes, larger on the axis is fine
      ishape[axis] = 6;
      Ints raw(static_cast<std::size_t>(shape_size(ishape)));
      const std::int64_t dim = data.shape()[axis];
      for (auto& v : raw) v = std::uniform_int_distribution<std::int64_t>(-dim, dim - 1)(rng);
      const Tensor y =
          run1("GatherElements", {data, idx(raw, ishape)}, attrs({{"axis", axis - 3}}));
      const Tensor expected = reference_move(data, ishape, [&](const Ints& o) {
        Ints src = o;
        const std::int64_t v = raw[testing::ravel(o, ishape)];
        src[axis] = v < 0 ? v + dim : v;
        return std::optional<Ints>(src);
      });
      ASSERT_TRUE(bytes_equal(y, expected)) << dtype_name(dtype) << " axis " << axis;
    }
  }
}

TEST(GatherElements, RejectsBadIndices) {
  const Tensor data = f32s({1, 2, 3, 4}, {2, 2});
  EXPECT_THROW(run1("GatherElements", {data, idx({2, 0}, {1, 2})}), Error);
  EXPECT_THROW(run1("GatherElements", {data, idx({0, 0}, {2})}), Error);        // rank mismatch
  EXPECT_THROW(run1("GatherElements", {data, idx({0, 0, 0}, {1, 3})}), Error);  // larger off-axis
}

TEST(GatherND, SpecExamples) {
  const Tensor d2 = Tensor::from_vector<std::int32_t>({0, 1, 2, 3}, {2, 2});
  EXPECT_TRUE(bytes_equal(run1("GatherND", {d2, idx({0, 0, 1, 1}, {2, 2})}),
                          Tensor::from_vector<std::int32_t>({0, 3}, {2})));
  EXPECT_TRUE(bytes_equal(run1("GatherND", {d2, idx({1, 0}, {2, 1})}),
                          Tensor::from_vector<std::int32_t>({2, 3, 0, 1}, {2, 2})));
  const Tensor d3 = f32s({0, 1, 2, 3, 4, 5, 6, 7}, {2, 2, 2});
  EXPECT_TRUE(
      bytes_equal(run1("GatherND", {d3, idx({0, 1, 1, 0}, {2, 2})}), f32s({2, 3, 4, 5}, {2, 2})));
  EXPECT_TRUE(bytes_equal(run1("GatherND", {d3, idx({0, 1, 1, 0}, {2, 1, 2})}),
                          f32s({2, 3, 4, 5}, {2, 1, 2})));
  // batch_dims = 1 (opset 12+).
  EXPECT_TRUE(bytes_equal(
      run1("GatherND", {d3, idx({1, 0}, {2, 1})}, attrs({{"batch_dims", std::int64_t{1}}})),
      f32s({2, 3, 4, 5}, {2, 2})));
  EXPECT_TRUE(bytes_equal(run1("GatherND", {d3, idx({0, 1, 1, 0}, {2, 1, 2})},
                               attrs({{"batch_dims", std::int64_t{1}}})),
                          f32s({1, 6}, {2, 1})));
}

TEST(GatherND, MatchesLoopOnRandomDataWithBatchDims) {
  std::mt19937 rng(9);
  for (DType dtype : {DType::f32, DType::i64, DType::u8, DType::f16, DType::boolean}) {
    const Tensor data = random_tensor(dtype, {2, 3, 4, 5}, 4);
    for (std::int64_t b = 0; b < 2; ++b) {
      for (std::int64_t k = 1; k <= 4 - b; ++k) {
        Shape ishape = b == 1 ? Shape{2, 3, k} : Shape{3, 2, k};
        Ints raw(static_cast<std::size_t>(shape_size(ishape)));
        for (std::size_t i = 0; i < raw.size(); ++i) {
          const std::int64_t dim = data.shape()[b + static_cast<std::int64_t>(i) % k];
          raw[i] = std::uniform_int_distribution<std::int64_t>(-dim, dim - 1)(rng);
        }
        const Tensor y = run1("GatherND", {data, idx(raw, ishape)}, attrs({{"batch_dims", b}}));
        Shape out(ishape.begin(), ishape.end() - 1);
        out.insert(out.end(), data.shape().begin() + b + k, data.shape().end());
        const Tensor expected = reference_move(data, out, [&](const Ints& o) {
          const std::size_t lead = ishape.size() - 1;  // index positions in the output
          Ints tuple_pos(o.begin(), o.begin() + static_cast<std::ptrdiff_t>(lead));
          Ints src(o.begin(), o.begin() + b);  // batch coordinates
          for (std::int64_t j = 0; j < k; ++j) {
            Ints p = tuple_pos;
            p.push_back(j);
            const std::int64_t v = raw[testing::ravel(p, ishape)];
            const std::int64_t dim = data.shape()[b + j];
            src.push_back(v < 0 ? v + dim : v);
          }
          src.insert(src.end(), o.begin() + static_cast<std::ptrdiff_t>(lead), o.end());
          return std::optional<Ints>(src);
        });
        ASSERT_TRUE(bytes_equal(y, expected)) << dtype_name(dtype) << " b " << b << " k " << k;
      }
    }
  }
}

TEST(GatherND, RejectsBadIndices) {
  const Tensor d3 = f32s({0, 1, 2, 3, 4, 5, 6, 7}, {2, 2, 2});
  EXPECT_THROW(run1("GatherND", {d3, idx({0, 2}, {1, 2})}), Error);
  EXPECT_THROW(run1("GatherND", {d3, idx({0, 0, 0, 0}, {1, 4})}), Error);  // k > rank
  EXPECT_THROW(
      run1("GatherND", {d3, idx({0, 0, 0}, {3, 1})}, attrs({{"batch_dims", std::int64_t{1}}})),
      Error);
}

}  // namespace
}  // namespace nnload
