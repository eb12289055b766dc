// HDF5 element types -> DType, and the memory types libhdf5 converts into.
#include <cstdlib>

#include "core/fail.hpp"
#include "io/hdf5/detail.hpp"

namespace nnload::io::hdf5 {

namespace {

struct FloatLayout {
  std::size_t size, spos, epos, esize, mpos, msize, ebias;
  DType dtype;
};

// IEEE binary16/32/64 and bfloat16, as HDF5 describes their bit fields.
constexpr FloatLayout kFloats[] = {
    {4, 31, 23, 8, 0, 23, 127, DType::f32},
    {8, 63, 52, 11, 0, 52, 1023, DType::f64},
    {2, 15, 10, 5, 0, 10, 15, DType::f16},
    {2, 15, 7, 8, 0, 7, 127, DType::bf16},
};

std::string member_name(hid_t type, unsigned i) {
  char* raw = H5Tget_member_name(type, i);
  if (raw == nullptr) return {};
  std::string name(raw);
  H5free_memory(raw);
  return name;
}

// h5py stores numpy bools as an enum over int8 with members FALSE = 0 and TRUE = 1.
bool is_h5py_bool(hid_t type) {
  Id base(H5Tget_super(type), H5Tclose);
  if (base < 0) return false;
  if (H5Tget_class(base) != H5T_INTEGER || H5Tget_size(base) != 1) return false;
  if (H5Tget_nmembers(type) != 2) return false;
  for (unsigned i = 0; i < 2; ++i) {
    std::int8_t value = -1;
    if (H5Tget_member_value(type, i, &value) < 0) return false;
    const std::string name = member_name(type, i);
    if (!((name == "FALSE" && value == 0) || (name == "TRUE" && value == 1))) return false;
  }
  return true;
}

const char* class_name(H5T_class_t c) {
  switch (c) {
    case H5T_INTEGER:
      return "integer";
    case H5T_FLOAT:
      return "float";
    case H5T_TIME:
      return "time";
    case H5T_STRING:
      return "string";
    case H5T_BITFIELD:
      return "bitfield";
    case H5T_OPAQUE:
      return "opaque";
    case H5T_COMPOUND:
      return "compound";
    case H5T_REFERENCE:
      return "reference";
    case H5T_ENUM:
      return "enum";
    case H5T_VLEN:
      return "variable-length sequence";
    case H5T_ARRAY:
      return "array";
    default:
      return "unknown";
  }
}

}  // namespace

std::string describe_type(hid_t type) {
  const H5T_class_t c = H5Tget_class(type);
  const std::size_t size = H5Tget_size(type);
  if (c == H5T_INTEGER) {
    const std::size_t precision = H5Tget_precision(type), offset = H5Tget_offset(type);
    std::string text = fmt::format(
        "{} {}-bit integer", H5Tget_sign(type) == H5T_SGN_NONE ? "unsigned" : "signed", size * 8);
    if (precision != size * 8 || offset != 0)
      text += fmt::format(" ({} significant bits at bit {})", precision, offset);
    return text;
  }
  if (c == H5T_FLOAT) {
    std::size_t spos = 0, epos = 0, esize = 0, mpos = 0, msize = 0;
    H5Tget_fields(type, &spos, &epos, &esize, &mpos, &msize);
    return fmt::format(
        "{}-bit float (sign bit {}, {}-bit exponent at {}, {}-bit mantissa at {}, bias {})",
        size * 8, spos, esize, epos, msize, mpos, H5Tget_ebias(type));
  }
  return class_name(c);
}

ElementType classify(hid_t type, const File& file, std::string_view where) {
  const H5T_class_t c = H5Tget_class(type);
  const std::size_t size = H5Tget_size(type);
  const H5T_order_t order = H5Tget_order(type);
  const auto unsupported = [&]() {
    fail(ErrorCode::unsupported, "{}: {}: stored type {} is not supported", file.name(), where,
         describe_type(type));
  };
  ElementType out;
  if (c == H5T_FLOAT) {
    std::size_t spos = 0, epos = 0, esize = 0, mpos = 0, msize = 0;
    if (H5Tget_fields(type, &spos, &epos, &esize, &mpos, &msize) < 0) {
      H5Eclear2(H5E_DEFAULT);
      unsupported();
    }
    const std::size_t ebias = H5Tget_ebias(type);
    for (const FloatLayout& f : kFloats) {
      if (f.size != size || f.spos != spos || f.epos != epos || f.esize != esize ||
          f.mpos != mpos || f.msize != msize || f.ebias != ebias ||
          H5Tget_precision(type) != size * 8 || H5Tget_offset(type) != 0) {
        continue;
      }
      out.dtype = f.dtype;
      out.exact = order == H5T_ORDER_LE;
      // The same layout in little-endian order: libhdf5 only swaps bytes.
      out.memory_type = checked(H5Tcopy(type), H5Tclose, file, where, "copying a float type");
      checked(H5Tset_order(out.memory_type, H5T_ORDER_LE), file, where, "setting a byte order");
      return out;
    }
    unsupported();
  }
  if (c == H5T_INTEGER) {
    // Fewer significant bits than the stored size (the n-bit filter's types, or padding) are
    // converted by libhdf5, which sign-extends and drops the padding; they can't be viewed as is.
    const std::size_t precision = H5Tget_precision(type), offset = H5Tget_offset(type);
    if (precision == 0 || precision > size * 8 || offset > size * 8 - precision) unsupported();
    const bool full_width = precision == size * 8;
    const bool is_signed = H5Tget_sign(type) != H5T_SGN_NONE;
    hid_t memory = -1;
    switch (size) {
      case 1:
        out.dtype = is_signed ? DType::i8 : DType::u8;
        memory = is_signed ? H5T_NATIVE_INT8 : H5T_NATIVE_UINT8;
        break;
      case 2:
        out.dtype = is_signed ? DType::i16 : DType::i32;
        memory = is_signed ? H5T_NATIVE_INT16 : H5T_NATIVE_INT32;
        break;
      case 4:
        out.dtype = is_signed ? DType::i32 : DType::i64;
        memory = is_signed ? H5T_NATIVE_INT32 : H5T_NATIVE_INT64;
        break;
      case 8:
        out.dtype = DType::i64;
        memory = is_signed ? H5T_NATIVE_INT64 : H5T_NATIVE_UINT64;
        out.from_uint64 = !is_signed;
        break;
      default:
        unsupported();
    }
    out.exact = full_width && (order == H5T_ORDER_LE || size == 1) && (is_signed || size == 1);
    out.memory_type = checked(H5Tcopy(memory), H5Tclose, file, where, "copying an integer type");
    return out;
  }
  if (c == H5T_ENUM && is_h5py_bool(type)) {
    out.dtype = DType::boolean;
    out.is_bool = true;
    out.exact = true;
    out.memory_type = checked(H5Tcopy(type), H5Tclose, file, where, "copying an enum type");
    return out;
  }
  H5Eclear2(H5E_DEFAULT);
  fail(ErrorCode::unsupported, "{}: {}: stored type {} is not supported", file.name(), where,
       describe_type(type));
}

}  // namespace nnload::io::hdf5
