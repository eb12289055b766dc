#include <gtest/gtest.h>

#include "ops/shape/op_test_util.hpp"

namespace nnload {
namespace {

using testing::attrs;
using testing::bytes_equal;
using testing::f32s;
using testing::random_tensor;
using testing::run1;
using Ints = std::vector<std::int64_t>;

Tensor idx(std::vector<std::int64_t> v, Shape s) { return Tensor::from_vector(v, std::move(s)); }

// The 4x4x4 data and updates of the ONNX ScatterND examples.
Tensor nd_data() {
  return f32s({1, 2, 3, 4, 5, 6, 7, 8, 8, 7, 6, 5, 4, 3, 2, 1, 1, 2, 3, 4, 5, 6,
               7, 8, 8, 7, 6, 5, 4, 3, 2, 1, 8, 7, 6, 5, 4, 3, 2, 1, 1, 2, 3, 4,
               5, 6, 7, 8, 8, 7, 6, 5, 4, 3, 2, 1, 1, 2, 3, 4, 5, 6, 7, 8},
              {4, 4, 4});
}
Tensor nd_updates() {
  return f32s({5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7, 8, 8, 8, 8,
               1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4},
              {2, 4, 4});
}

TEST(ScatterND, SpecExamples) {
  EXPECT_TRUE(
      bytes_equal(run1("ScatterND", {f32s({1, 2, 3, 4, 5, 6, 7, 8}, {8}), idx({4, 3, 1, 7}, {4, 1}),
                                     f32s({9, 10, 11, 12}, {4})}),
                  f32s({1, 11, 3, 10, 9, 6, 7, 12}, {8})));
  const Tensor y = run1("ScatterND", {nd_data(), idx({0, 2}, {2, 1}), nd_updates()});
  const Tensor expected = f32s({5, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 7, 8, 8, 8, 8, 1, 2, 3, 4, 5, 6,
                                7, 8, 8, 7, 6, 5, 4, 3, 2, 1, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3,
                                4, 4, 4, 4, 8, 7, 6, 5, 4, 3, 2, 1, 1, 2, 3, 4, 5, 6, 7, 8},
                               {4, 4, 4});
  EXPECT_TRUE(bytes_equal(y, expected));
}

TEST(ScatterND, ReductionsFromOpset16And18) {
  // Both updates land on slice 0.
  const Tensor data = nd_data();
  const Tensor upd = nd_updates();
  struct Case {
    std::string reduction;
    int opset;
    float (*combine)(float, float, float);
  };
  const Case cases[] = {
      {"add", 16, [](float d, float a, float b) { return d + a + b; }},
      {"mul", 16, [](float d, float a, float b) { return d * a * b; }},
      {"max", 18, [](float d, float a, float b) { return std::max(d, std::max(a, b)); }},
      {"min", 18, [](float d, float a, float b) { return std::min(d, std::min(a, b)); }},
  };
  for (const Case& c : cases) {
    const Tensor y = run1("ScatterND", {data, idx({0, 0}, {2, 1}), upd},
                          attrs({{"reduction", c.reduction}}), c.opset);
    Tensor expected = data.clone();
    for (int i = 0; i < 16; ++i) {
      expected.mutable_data<float>()[i] =
          c.combine(data.data<float>()[i], upd.data<float>()[i], upd.data<float>()[16 + i]);
    }
    EXPECT_TRUE(bytes_equal(y, expected)) << c.reduction;
  }
  EXPECT_THROW(
      run1("ScatterND", {data, idx({0}, {1, 1}), f32s(std::vector<float>(16, 1), {1, 4, 4})},
           attrs({{"reduction", std::string("max")}}), 16),
      Error);
}

TEST(ScatterND, MatchesLoopOnRandomData) {
  std::mt19937 rng(4);
  for (DType dtype : testing::all_dtypes()) {
    const Tensor data = random_tensor(dtype, {3, 4, 5}, 1);
    for (std::int64_t k = 1; k <= 3; ++k) {
      // Distinct index tuples, so the result does not depend on the order of updates.
      const std::int64_t count = 2;
      Ints raw;
      for (std::int64_t t = 0; t < count; ++t) {
        for (std::int64_t j = 0; j < k; ++j)
          raw.push_back(j == 0 ? (t == 0 ? -3 : 2)
                               : std::uniform_int_distribution<std::int64_t>(0, 3)(rng));
      }
      Shape ushape = {count};
      ushape.insert(ushape.end(), data.shape().begin() + k, data.shape().end());
      const Tensor upd = random_tensor(dtype, ushape, 2);
      const Tensor y = run1("ScatterND", {data, idx(raw, {count, k}), upd});
      Tensor expected = data.clone();
      std::int64_t slice = 1;
      for (std::size_t d = static_cast<std::size_t>(k); d < 3; ++d) slice *= data.shape()[d];
      const std::size_t elem = dtype_size(dtype);
      for (std::int64_t t = 0; t < count; ++t) {
        Ints pos(3, 0);
        for (std::int64_t j = 0; j < k; ++j) {
          const std::int64_t v = raw[t * k + j];
          pos[j] = v < 0 ? v + data.shape()[j] : v;
        }
        const std::int64_t at = testing::ravel(pos, data.shape());
        std::memcpy(static_cast<char*>(expected.mutable_raw()) + at * elem,
                    static_cast<const char*>(upd.raw()) + t * slice * elem, slice * elem);
      }
      ASSERT_TRUE(bytes_equal(y, expected)) << dtype_name(dtype) << " k " << k;
    }
  }
}

TEST(ScatterND, RejectsBadArguments) {
  const Tensor data = f32s({1, 2, 3, 4}, {4});
  EXPECT_THROW(run1("ScatterND", {data, idx({4}, {1, 1}), f32s({9}, {1})}), Error);  // out of range
  EXPECT_THROW(run1("ScatterND", {data, idx({1}, {1, 1}), f32s({9, 9}, {2})}),
               Error);  // updates shape
  EXPECT_THROW(run1("ScatterND", {data, idx({1, 1}, {1, 2}), f32s({9}, {1})}), Error);  // k > rank
  EXPECT_THROW(run1("ScatterND", {data, idx({1}, {1, 1}), Tensor::from_vector<double>({9}, {1})}),
               Error);
  EXPECT_THROW(run1("ScatterND", {data, idx({1}, {1, 1}), f32s({9}, {1})},
                    attrs({{"reduction", std::string("add")}}), 15),
               Error);  // reductions start at opset 16
}

TEST(ScatterElements, SpecExamples) {
  const Tensor y =
      run1("ScatterElements", {Tensor::zeros(DType::f32, {3, 3}), idx({1, 0, 2, 0, 2, 1}, {2, 3}),
                               f32s({1.0f, 1.1f, 1.2f, 2.0f, 2.1f, 2.2f}, {2, 3})});
  EXPECT_TRUE(bytes_equal(y, f32s({2.0f, 1.1f, 0.0f, 1.0f, 0.0f, 2.2f, 0.0f, 2.1f, 1.2f}, {3, 3})));
  const Tensor data = f32s({1, 2, 3, 4, 5}, {1, 5});
  const auto axis1 = attrs({{"axis", std::int64_t{1}}});
  EXPECT_TRUE(bytes_equal(
      run1("ScatterElements", {data, idx({1, 3}, {1, 2}), f32s({1.1f, 2.1f}, {1, 2})}, axis1),
      f32s({1.0f, 1.1f, 3.0f, 2.1f, 5.0f}, {1, 5})));
  EXPECT_TRUE(bytes_equal(
      run1("ScatterElements", {data, idx({1, -3}, {1, 2}), f32s({1.1f, 2.1f}, {1, 2})}, axis1),
      f32s({1.0f, 1.1f, 2.1f, 4.0f, 5.0f}, {1, 5})));
  // The deprecated Scatter (opset 9..10) is the same op.
  EXPECT_TRUE(bytes_equal(
      run1("Scatter", {data, idx({1, 3}, {1, 2}), f32s({1.1f, 2.1f}, {1, 2})}, axis1, 10),
      f32s({1.0f, 1.1f, 3.0f, 2.1f, 5.0f}, {1, 5})));
}

TEST(ScatterElements, ReductionsWithDuplicateIndices) {
  const Tensor data = f32s({1, 2, 3, 4, 5}, {1, 5});
  const Tensor upd = f32s({1.1f, 2.1f}, {1, 2});
  const Tensor ind = idx({1, 1}, {1, 2});
  auto with = [](const char* r) {
    return attrs({{"axis", std::int64_t{1}}, {"reduction", std::string(r)}});
  };
  EXPECT_TRUE(testing::tensors_close(run1("ScatterElements", {data, ind, upd}, with("add"), 16),
                                     f32s({1.0f, 5.2f, 3.0f, 4.0f, 5.0f}, {1, 5}), 1e-6, 0));
  EXPECT_TRUE(testing::tensors_close(run1("ScatterElements", {data, ind, upd}, with("mul")),
                                     f32s({1.0f, 4.62f, 3.0f, 4.0f, 5.0f}, {1, 5}), 1e-6, 0));
  EXPECT_TRUE(testing::tensors_close(run1("ScatterElements", {data, ind, upd}, with("max"), 18),
                                     f32s({1.0f, 2.1f, 3.0f, 4.0f, 5.0f}, {1, 5}), 0, 0));
  EXPECT_TRUE(testing::tensors_close(run1("ScatterElements", {data, ind, upd}, with("min"), 18),
                                     f32s({1.0f, 1.1f, 3.0f, 4.0f, 5.0f}, {1, 5}), 0, 0));
  // Integer data with add.
  const Tensor yi = run1("ScatterElements",
                         {Tensor::from_vector<std::int32_t>({1, 2, 3}, {3}), idx({0, 0, 2}, {3}),
                          Tensor::from_vector<std::int32_t>({10, 20, 30}, {3})},
                         attrs({{"reduction", std::string("add")}}));
  EXPECT_TRUE(bytes_equal(yi, Tensor::from_vector<std::int32_t>({31, 2, 33}, {3})));
}

TEST(ScatterElements, MatchesLoopOnRandomData) {
  for (DType dtype : testing::all_dtypes()) {
    const Tensor data = random_tensor(dtype, {4, 3, 5}, 6);
    for (std::int64_t axis = 0; axis < 3; ++axis) {
      // A permutation along the axis keeps targets distinct; off-axis dims are smaller.
      Shape ishape = {3, 2, 4};
      const std::int64_t dim = data.shape()[axis];
      ishape[axis] = dim;
      Ints raw(static_cast<std::size_t>(shape_size(ishape)));
      for (std::int64_t i = 0; i < static_cast<std::int64_t>(raw.size()); ++i) {
        const std::int64_t along = testing::unravel(i, ishape)[axis];
        raw[i] = (along + 1) % dim - (i % 2 == 0 ? dim : 0);  // negative half the time
      }
      const Tensor upd = random_tensor(dtype, ishape, 7);
      const Tensor y =
          run1("ScatterElements", {data, idx(raw, ishape), upd}, attrs({{"axis", axis}}));
      Tensor expected = data.clone();
      const std::size_t elem = dtype_size(dtype);
      for (std::int64_t i = 0; i < upd.numel(); ++i) {
        Ints pos = testing::unravel(i, ishape);
        pos[axis] = raw[i] < 0 ? raw[i] + dim : raw[i];
        std::memcpy(
            static_cast<char*>(expected.mutable_raw()) + testing::ravel(pos, data.shape()) * elem,
            static_cast<const char*>(upd.raw()) + i * elem, elem);
      }
      ASSERT_TRUE(bytes_equal(y, expected)) << dtype_name(dtype) << " axis " << axis;
    }
  }
}

TEST(ScatterElements, RejectsBadArguments) {
  const Tensor data = f32s({1, 2, 3}, {3});
  EXPECT_THROW(run1("ScatterElements", {data, idx({3}, {1}), f32s({9}, {1})}), Error);
  EXPECT_THROW(run1("ScatterElements", {data, idx({0, 1}, {2}), f32s({9}, {1})}), Error);
  EXPECT_THROW(run1("ScatterElements", {data, idx({0}, {1}), f32s({9}, {1})},
                    attrs({{"reduction", std::string("sum")}})),
               Error);
  EXPECT_THROW(run1("ScatterElements",
                    {Tensor::from_vector<bool>({true}, {1}), idx({0}, {1}),
                     Tensor::from_vector<bool>({false}, {1})},
                    attrs({{"reduction", std::string("add")}})),
               Error);
}

}  // namespace
}  // namespace nnload
