// numpy .npy: reading (format 1.0, 2.0, 3.0) and writing (1.0, or 2.0 for long headers).
//
// Read dtypes: <f2 <f4 <f8 |i1 <i2 <i4 <i8 |u1 |b1 and their big-endian forms (converted to
// native order); Fortran-order arrays are transposed to C order. Anything else (unsigned 16-64
// bit, complex, strings, objects, structured) is Error(unsupported) naming the dtype.
// Written dtypes: every DType as its numpy dtype, except bfloat16, which numpy cannot represent:
// it is written as '<f4', converted exactly (every bfloat16 value is a float32).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "nnload/tensor.hpp"

namespace nnload::io {

struct NpyHeader {
  std::string descr;  // as written, e.g. "<f4"
  DType dtype = DType::f32;
  Shape shape;
  bool fortran_order = false;
  bool big_endian = false;
  std::uint64_t data_offset = 0;  // from the start of the .npy bytes
  std::uint64_t data_bytes = 0;   // shape's element count times the item size
};

// Parses and checks the header; Error(corrupt) when it is malformed or the data it declares
// does not fit in `bytes`, Error(unsupported) for a dtype nnload does not read.
// `name` labels the input in messages ("x.npz: entry 'w.npy'").
NpyHeader parse_npy_header(std::span<const std::byte> bytes, std::string_view name);

// An owned tensor from .npy bytes.
Tensor read_npy(std::span<const std::byte> bytes, std::string_view name);
// A tensor from .npy bytes that `keep_alive` owns: a zero-copy view when the data is
// little-endian, C-ordered and aligned; otherwise an owned, converted copy.
Tensor read_npy(std::shared_ptr<const void> keep_alive, std::span<const std::byte> bytes,
                std::string_view name);
// Maps the file and reads it as above.
Tensor load_npy(const std::filesystem::path& path);

// The .npy numpy's own writer would produce: header padded so the data starts at a multiple of
// 64 bytes. Error(invalid_argument) for an undefined tensor.
std::vector<std::byte> npy_header(const Tensor& tensor);
std::vector<std::byte> npy_bytes(const Tensor& tensor);
// Writes atomically (temporary file + rename); nothing is left behind on failure.
void save_npy(const std::filesystem::path& path, const Tensor& tensor);

// The numpy descr nnload writes for a dtype ("<f4", "|b1", ...), "<f4" for bfloat16.
std::string_view npy_descr(DType dtype);

}  // namespace nnload::io
