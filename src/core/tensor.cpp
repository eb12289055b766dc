#include "nnload/tensor.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "core/allocation_limit.hpp"
#include "core/dtype_dispatch.hpp"
#include "core/fail.hpp"

namespace nnload {

std::int64_t shape_size(const Shape& shape) {
  std::int64_t size = 1;
  for (std::int64_t d : shape) {
    if (d < 0)
      fail(ErrorCode::shape, "shape {} has an unknown or negative dimension", shape_to_list(shape));
    if (d != 0 && size > std::numeric_limits<std::int64_t>::max() / d) {
      fail(ErrorCode::shape, "shape {} has too many elements", shape_to_list(shape));
    }
    size *= d;
  }
  return size;
}

std::string shape_to_string(const Shape& shape) {
  std::string out = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ", ";
    out += shape[i] < 0 ? "None" : std::to_string(shape[i]);
  }
  if (shape.size() == 1) out += ",";
  return out + ")";
}

std::string shape_to_list(const Shape& shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(shape[i]);
  }
  return out + "]";
}

Tensor::Tensor(std::shared_ptr<const void> owner, void* data, DType dtype, Shape shape, bool owned,
               bool writable)
    : owner_(std::move(owner)),
      data_(data),
      dtype_(dtype),
      shape_(std::move(shape)),
      shape_size_(shape_size(shape_)),
      owned_(owned),
      writable_(writable) {}

namespace {
// Largest single allocation we attempt by default; anything bigger is a corrupt declaration, not
// a model.
constexpr std::size_t kMaxAllocation = std::size_t{1} << 40;
constexpr std::size_t kAlignment = 64;
std::atomic<std::size_t> max_allocation{kMaxAllocation};

std::shared_ptr<void> allocate(std::size_t bytes) {
  if (bytes > max_tensor_bytes()) {
    fail(ErrorCode::shape, "refusing to allocate {} bytes for one tensor", bytes);
  }
  const std::size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  void* p = std::aligned_alloc(kAlignment, rounded == 0 ? kAlignment : rounded);
  if (p == nullptr) fail(ErrorCode::invalid_argument, "out of memory allocating {} bytes", bytes);
  return std::shared_ptr<void>(p, [](void* q) { std::free(q); });
}
}  // namespace

std::size_t max_tensor_bytes() noexcept { return max_allocation.load(std::memory_order_relaxed); }

std::size_t set_max_tensor_bytes(std::size_t bytes) noexcept {
  return max_allocation.exchange(std::min(bytes, kMaxAllocation));
}

Tensor Tensor::empty(DType dtype, Shape shape) {
  const std::int64_t n = shape_size(shape);
  if (static_cast<std::uint64_t>(n) > max_tensor_bytes() / dtype_size(dtype)) {
    fail(ErrorCode::shape, "refusing to allocate a tensor of shape {}", shape_to_list(shape));
  }
  if (dtype == DType::string) {
    // Constructed objects, destroyed with the storage: strings are never raw bytes.
    std::shared_ptr<std::string[]> strings(new std::string[static_cast<std::size_t>(n)]);
    void* data = strings.get();
    return Tensor(std::move(strings), data, dtype, std::move(shape), true, true);
  }
  std::shared_ptr<void> memory = allocate(static_cast<std::size_t>(n) * dtype_size(dtype));
  void* data = memory.get();
  return Tensor(std::move(memory), data, dtype, std::move(shape), true, true);
}

Tensor Tensor::zeros(DType dtype, Shape shape) {
  Tensor t = empty(dtype, std::move(shape));
  if (dtype != DType::string) std::memset(t.data_, 0, t.nbytes());  // strings start empty
  return t;
}

Tensor Tensor::wrap(void* data, DType dtype, Shape shape) {
  if (data == nullptr && shape_size(shape) != 0) {
    fail(ErrorCode::invalid_argument, "Tensor::wrap: null data for shape {}", shape_to_list(shape));
  }
  return Tensor(nullptr, data, dtype, std::move(shape), false, true);
}

Tensor Tensor::wrap(const void* data, DType dtype, Shape shape) {
  Tensor t = wrap(const_cast<void*>(data), dtype, std::move(shape));
  t.writable_ = false;
  return t;
}

Tensor Tensor::view(std::shared_ptr<const void> keep_alive, const void* data, DType dtype,
                    Shape shape) {
  Tensor t = wrap(data, dtype, std::move(shape));
  t.owner_ = std::move(keep_alive);
  return t;
}

std::int64_t Tensor::dim(std::int64_t i) const {
  const std::int64_t r = rank();
  if (i < -r || i >= r) {
    fail(ErrorCode::invalid_argument, "dimension {} out of range for shape {}", i,
         shape_to_list(shape_));
  }
  return shape_[static_cast<std::size_t>(i < 0 ? i + r : i)];
}

void* Tensor::mutable_raw() {
  if (!writable_)
    fail(ErrorCode::invalid_argument, "tensor is a read-only view; clone() it to modify");
  return data_;
}

void Tensor::check_dtype(DType expected) const {
  if (expected != dtype_) {
    fail(ErrorCode::invalid_argument, "tensor holds {}, accessed as {}", dtype_name(dtype_),
         dtype_name(expected));
  }
}

Tensor Tensor::reshaped(Shape shape) const {
  if (shape_size(shape) != shape_size_) {
    fail(ErrorCode::shape, "cannot reshape {} to {}", shape_to_list(shape_), shape_to_list(shape));
  }
  Tensor t = *this;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::clone() const {
  Tensor t = empty(dtype_, shape_);
  if (dtype_ == DType::string) {
    std::copy_n(static_cast<const std::string*>(data_), shape_size_,
                static_cast<std::string*>(t.data_));
  } else if (nbytes() != 0) {
    std::memcpy(t.data_, data_, nbytes());
  }
  return t;
}

Tensor Tensor::to(DType dtype) const {
  if (dtype == dtype_) return *this;
  if (dtype == DType::string || dtype_ == DType::string) {
    fail(ErrorCode::unsupported, "Tensor::to: no conversion between {} and {}", dtype_name(dtype_),
         dtype_name(dtype));
  }
  Tensor out = empty(dtype, shape_);
  convert_elements(data_, dtype_, out.data_, dtype, static_cast<std::size_t>(shape_size_));
  return out;
}

double Tensor::value_as_double(std::int64_t i) const {
  if (i < 0 || i >= shape_size_) {
    fail(ErrorCode::invalid_argument, "element {} out of range for shape {}", i,
         shape_to_list(shape_));
  }
  double out = 0;
  convert_elements(static_cast<const char*>(data_) + i * dtype_size(dtype_), dtype_, &out,
                   DType::f64, 1);
  return out;
}

}  // namespace nnload
