// The element types torch storages and tensors hold, by storage class ("FloatStorage") and by
// dtype global ("torch.float32"), and which nnload DType each maps to.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

#include "io/pickle/value.hpp"
#include "nnload/dtype.hpp"

namespace nnload::formats::torch {

struct ElementType {
  std::string_view name;       // torch's dtype name without "torch.": "float32", "complex64"
  std::string_view storage;    // the legacy storage class: "FloatStorage"
  std::size_t size = 0;        // bytes per element
  std::optional<DType> dtype;  // empty: nnload has no such dtype (complex, quantized, ...)
};

// By storage class name: "FloatStorage", ..., "UntypedStorage" (bytes). nullptr when unknown.
const ElementType* element_by_storage(std::string_view storage_class);
// By torch dtype name or alias: "float32", "float", "half", "cfloat", ... nullptr when unknown.
const ElementType* element_by_dtype(std::string_view dtype_name);
// The element type a storage-type global in a persistent id names: torch.FloatStorage,
// torch.cuda.HalfStorage (legacy GPU files), torch.UntypedStorage, or a dtype global such as
// torch.float32. nullptr when it names none.
const ElementType* element_of_storage_type(const io::pickle::Value& type);

}  // namespace nnload::formats::torch
