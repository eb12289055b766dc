#include "nnload/tensor.hpp"

#include <gtest/gtest.h>

#include <memory>

#include "support/tensor_matchers.hpp"

namespace nnload {
namespace {

TEST(Tensor, EmptyOwnsAlignedWritableStorage) {
  Tensor t = Tensor::empty(DType::f32, {2, 3});
  EXPECT_TRUE(t.defined());
  EXPECT_FALSE(t.is_view());
  EXPECT_TRUE(t.writable());
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(t.nbytes(), 24u);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(t.raw()) % 64, 0u);
}

TEST(Tensor, DefaultIsUndefined) { EXPECT_FALSE(Tensor().defined()); }

TEST(Tensor, WrapSharesTheCallersBufferWithoutCopying) {
  std::vector<float> buffer = {1, 2, 3, 4};
  Tensor t = Tensor::wrap(buffer.data(), DType::f32, {2, 2});
  EXPECT_TRUE(t.is_view());
  EXPECT_EQ(t.raw(), buffer.data());
  t.mutable_data<float>()[3] = 9;
  EXPECT_EQ(buffer[3], 9);
}

TEST(Tensor, ConstWrapIsReadOnly) {
  const std::vector<float> buffer = {1, 2};
  Tensor t = Tensor::wrap(static_cast<const void*>(buffer.data()), DType::f32, {2});
  EXPECT_FALSE(t.writable());
  EXPECT_THROW(t.mutable_raw(), Error);
}

TEST(Tensor, ViewKeepsItsOwnerAlive) {
  std::weak_ptr<const void> watch;
  Tensor view;
  {
    auto owner = std::make_shared<std::vector<std::int32_t>>(std::vector<std::int32_t>{5, 6, 7});
    watch = owner;
    view = Tensor::view(owner, owner->data(), DType::i32, {3});
  }
  EXPECT_FALSE(watch.expired());
  EXPECT_EQ(view.values<std::int32_t>()[2], 7);
  view = Tensor();
  EXPECT_TRUE(watch.expired());
}

TEST(Tensor, TypedAccessChecksDtype) {
  Tensor t = Tensor::zeros(DType::i64, {3});
  EXPECT_NO_THROW(t.data<std::int64_t>());
  EXPECT_THROW(t.data<float>(), Error);
}

TEST(Tensor, ReshapedSharesStorageAndChecksCount) {
  Tensor t = testing::make<float>({1, 2, 3, 4, 5, 6}, {2, 3});
  Tensor r = t.reshaped({3, 2});
  EXPECT_EQ(r.raw(), t.raw());
  EXPECT_EQ(r.shape(), (Shape{3, 2}));
  EXPECT_THROW(t.reshaped({4, 2}), Error);
}

TEST(Tensor, CloneIsDeep) {
  Tensor t = testing::make<float>({1, 2}, {2});
  Tensor c = t.clone();
  c.mutable_data<float>()[0] = 7;
  EXPECT_EQ(t.values<float>()[0], 1);
}

TEST(Tensor, ZeroSizedTensorsAreDefined) {
  Tensor t = Tensor::empty(DType::f32, {0, 4});
  EXPECT_TRUE(t.defined());
  EXPECT_EQ(t.numel(), 0);
  EXPECT_EQ(t.clone().numel(), 0);
}

TEST(Tensor, NegativeOrOverflowingShapesAreRejected) {
  EXPECT_THROW(Tensor::empty(DType::f32, {-1, 2}), Error);
  EXPECT_THROW(Tensor::empty(DType::f32, {1LL << 40, 1LL << 40}), Error);
  EXPECT_THROW(Tensor::empty(DType::f64, {1LL << 62}), Error);
}

TEST(Tensor, ItemAndDim) {
  Tensor s = Tensor::scalar<std::int32_t>(42);
  EXPECT_EQ(s.rank(), 0);
  EXPECT_EQ(s.item<int>(), 42);
  Tensor t = Tensor::zeros(DType::f32, {2, 5});
  EXPECT_EQ(t.dim(-1), 5);
  EXPECT_THROW(t.dim(2), Error);
  EXPECT_THROW(t.item<float>(), Error);
}

TEST(Shape, Printing) {
  EXPECT_EQ(shape_to_string({-1, 5}), "(None, 5)");
  EXPECT_EQ(shape_to_string({3}), "(3,)");
  EXPECT_EQ(shape_to_list({2, 3}), "[2, 3]");
}

}  // namespace
}  // namespace nnload
