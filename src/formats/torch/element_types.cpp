#include "formats/torch/element_types.hpp"

#include <array>

namespace nnload::formats::torch {

namespace {

const std::array<ElementType, 24> kElements = {{
    {"float32", "FloatStorage", 4, DType::f32},
    {"float64", "DoubleStorage", 8, DType::f64},
    {"float16", "HalfStorage", 2, DType::f16},
    {"bfloat16", "BFloat16Storage", 2, DType::bf16},
    {"int64", "LongStorage", 8, DType::i64},
    {"int32", "IntStorage", 4, DType::i32},
    {"int16", "ShortStorage", 2, DType::i16},
    {"int8", "CharStorage", 1, DType::i8},
    {"uint8", "ByteStorage", 1, DType::u8},
    {"bool", "BoolStorage", 1, DType::boolean},
    {"complex64", "ComplexFloatStorage", 8, std::nullopt},
    {"complex128", "ComplexDoubleStorage", 16, std::nullopt},
    {"complex32", "ComplexHalfStorage", 4, std::nullopt},
    {"qint8", "QInt8Storage", 1, std::nullopt},
    {"quint8", "QUInt8Storage", 1, std::nullopt},
    {"qint32", "QInt32Storage", 4, std::nullopt},
    {"quint4x2", "QUInt4x2Storage", 1, std::nullopt},
    {"quint2x4", "QUInt2x4Storage", 1, std::nullopt},
    {"uint16", "UInt16Storage", 2, std::nullopt},
    {"uint32", "UInt32Storage", 4, std::nullopt},
    {"uint64", "UInt64Storage", 8, std::nullopt},
    {"float8_e4m3fn", "Float8_e4m3fnStorage", 1, std::nullopt},
    {"float8_e5m2", "Float8_e5m2Storage", 1, std::nullopt},
    // torch 2 pickles untyped storages (bytes) as torch.UntypedStorage.
    {"uint8", "UntypedStorage", 1, DType::u8},
}};

struct Alias {
  std::string_view alias;
  std::string_view name;
};
constexpr std::array<Alias, 9> kAliases = {{
    {"float", "float32"},
    {"double", "float64"},
    {"half", "float16"},
    {"long", "int64"},
    {"int", "int32"},
    {"short", "int16"},
    {"cfloat", "complex64"},
    {"cdouble", "complex128"},
    {"chalf", "complex32"},
}};

}  // namespace

const ElementType* element_by_storage(std::string_view storage_class) {
  for (const ElementType& e : kElements) {
    if (e.storage == storage_class) return &e;
  }
  return nullptr;
}

const ElementType* element_by_dtype(std::string_view dtype_name) {
  for (const Alias& a : kAliases) {
    if (a.alias == dtype_name) dtype_name = a.name;
  }
  for (const ElementType& e : kElements) {
    if (e.name == dtype_name) return &e;
  }
  return nullptr;
}

const ElementType* element_of_storage_type(const io::pickle::Value& type) {
  if (type.kind != io::pickle::Kind::global) return nullptr;
  const std::string_view module = type.module();
  if (module != "torch" && module != "torch.cuda" && module != "torch.storage") return nullptr;
  if (const ElementType* e = element_by_storage(type.name())) return e;
  return module == "torch" ? element_by_dtype(type.name()) : nullptr;
}

}  // namespace nnload::formats::torch
