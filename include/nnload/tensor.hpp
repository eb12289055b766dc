// Tensor: a dtype, a shape and contiguous row-major storage that is owned, borrowed from the
// caller, or a read-only view into a memory-mapped file.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "nnload/dtype.hpp"
#include "nnload/error.hpp"

namespace nnload {

// Dimensions, outermost first. In metadata (declared inputs) -1 marks an unknown dimension;
// a tensor's own shape never holds -1.
using Shape = std::vector<std::int64_t>;

// Product of the dimensions; throws Error(shape) on a negative dimension or on overflow.
std::int64_t shape_size(const Shape& shape);
// "(2, 3)"; unknown dimensions print as None, like Keras.
std::string shape_to_string(const Shape& shape);
// "[2, 3]"; unknown dimensions print as -1.
std::string shape_to_list(const Shape& shape);

class Tensor {
 public:
  // An undefined tensor: no storage. defined() is false.
  Tensor() = default;

  // Owned storage, 64-byte aligned. empty() leaves it uninitialised, zeros() clears it.
  static Tensor empty(DType dtype, Shape shape);
  static Tensor zeros(DType dtype, Shape shape);
  // Zero-copy wrap of the caller's buffer; the caller keeps it alive while the tensor is used.
  static Tensor wrap(void* data, DType dtype, Shape shape);
  static Tensor wrap(const void* data, DType dtype, Shape shape);  // read-only
  // Zero-copy, read-only view into memory that `keep_alive` owns (e.g. a mapped file).
  static Tensor view(std::shared_ptr<const void> keep_alive, const void* data, DType dtype,
                     Shape shape);
  // Copies `values` into a new owned tensor; values.size() must equal the shape's size.
  template <class T>
  static Tensor from_vector(const std::vector<T>& values, Shape shape);
  // A 0-d tensor holding one value.
  template <class T>
  static Tensor scalar(T value);

  bool defined() const noexcept { return data_ != nullptr || shape_size_ == 0; }
  DType dtype() const noexcept { return dtype_; }
  const Shape& shape() const noexcept { return shape_; }
  std::int64_t rank() const noexcept { return static_cast<std::int64_t>(shape_.size()); }
  // Dimension i; negative i counts from the end.
  std::int64_t dim(std::int64_t i) const;
  std::int64_t numel() const noexcept { return shape_size_; }
  std::size_t nbytes() const noexcept {
    return static_cast<std::size_t>(shape_size_) * dtype_size(dtype_);
  }

  // True when the storage is not owned by this tensor family (caller's buffer or mapped file).
  bool is_view() const noexcept { return !owned_; }
  bool writable() const noexcept { return writable_; }

  const void* raw() const noexcept { return data_; }
  // Throws Error(invalid_argument) on read-only storage (mapped files, const buffers).
  void* mutable_raw();

  // Typed access; throws Error(invalid_argument) if T does not match dtype().
  template <class T>
  const T* data() const;
  template <class T>
  T* mutable_data();
  template <class T>
  std::span<const T> values() const {
    return {data<T>(), static_cast<std::size_t>(shape_size_)};
  }
  // The single element of a tensor with numel() == 1, converted to T.
  template <class T>
  T item() const;

  // Same storage, new shape with the same element count.
  Tensor reshaped(Shape shape) const;
  // A deep, owned, writable copy.
  Tensor clone() const;
  // Converted copy (or *this when the dtype already matches). Float to integer truncates
  // toward zero like numpy's astype.
  Tensor to(DType dtype) const;
  // Element i as double, whatever the dtype (for printing and comparisons in tests).
  double value_as_double(std::int64_t i) const;

 private:
  Tensor(std::shared_ptr<const void> owner, void* data, DType dtype, Shape shape, bool owned,
         bool writable);
  void check_dtype(DType expected) const;

  std::shared_ptr<const void> owner_;
  void* data_ = nullptr;
  DType dtype_ = DType::f32;
  Shape shape_;
  std::int64_t shape_size_ = 1;
  bool owned_ = false;
  bool writable_ = false;
};

template <class T>
const T* Tensor::data() const {
  check_dtype(dtype_of<T>());
  return static_cast<const T*>(data_);
}

template <class T>
T* Tensor::mutable_data() {
  check_dtype(dtype_of<T>());
  return static_cast<T*>(mutable_raw());
}

template <class T>
Tensor Tensor::from_vector(const std::vector<T>& values, Shape shape) {
  Tensor t = empty(dtype_of<T>(), std::move(shape));
  if (static_cast<std::int64_t>(values.size()) != t.numel()) {
    throw Error(ErrorCode::shape, "Tensor::from_vector: " + std::to_string(values.size()) +
                                      " values for shape " + shape_to_string(t.shape()));
  }
  T* out = t.mutable_data<T>();
  for (std::size_t i = 0; i < values.size(); ++i) out[i] = values[i];
  return t;
}

template <class T>
Tensor Tensor::scalar(T value) {
  return from_vector<T>(std::vector<T>{value}, Shape{});
}

template <class T>
T Tensor::item() const {
  if (shape_size_ != 1) {
    throw Error(ErrorCode::shape,
                "Tensor::item: tensor of shape " + shape_to_string(shape_) + " is not one value");
  }
  return static_cast<T>(value_as_double(0));
}

}  // namespace nnload
