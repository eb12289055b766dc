// Writing small HDF5 files with the libhdf5 C API inside tests, and walking a whole file
// through nnload's interface.
#pragma once

#include <hdf5.h>

#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <vector>

#include "io/hdf5/hdf5.hpp"

namespace nnload::testing {

// Thin RAII for the ids tests create.
struct H5Id {
  hid_t id;
  herr_t (*close)(hid_t);
  H5Id(hid_t i, herr_t (*c)(hid_t)) : id(i), close(c) {}
  H5Id(const H5Id&) = delete;
  ~H5Id() {
    if (id >= 0) close(id);
  }
  operator hid_t() const { return id; }
};

inline hid_t h5py_float16() {
  // What h5py registers for numpy float16: a copy of IEEE f32 with half's fields.
  hid_t t = H5Tcopy(H5T_IEEE_F32LE);
  H5Tset_fields(t, 15, 10, 5, 0, 10);
  H5Tset_size(t, 2);
  H5Tset_ebias(t, 15);
  return t;
}

inline hid_t h5py_bool() {
  hid_t t = H5Tenum_create(H5T_NATIVE_INT8);
  std::int8_t f = 0, v = 1;
  H5Tenum_insert(t, "FALSE", &f);
  H5Tenum_insert(t, "TRUE", &v);
  return t;
}

inline void write_dataset(hid_t loc, const char* name, hid_t file_type, hid_t mem_type,
                          const std::vector<hsize_t>& dims, const void* data,
                          hid_t dcpl = H5P_DEFAULT) {
  H5Id space(dims.empty() ? H5Screate(H5S_SCALAR)
                          : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
             H5Sclose);
  H5Id d(H5Dcreate2(loc, name, file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), H5Dclose);
  if (data != nullptr) H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data);
}

// The float64 sum of a tensor's values, and a numeric attribute's first value, for files that
// record what was written (make_layout_fixtures.py's "expected_sum").
inline double tensor_sum(const Tensor& t) {
  const Tensor wide = t.to(DType::f64);  // kept: values() is a view into it
  double total = 0;
  for (const double v : wide.values<double>()) total += v;
  return total;
}

inline double number_attribute(const io::hdf5::Object& object, const std::string& name) {
  return object.tensor_attribute(name).to(DType::f64).values<double>()[0];
}

// A fixed-length string attribute (h5py writes Python bytes this way, NULLPAD).
inline void fixed_string_attribute(hid_t loc, const char* name,
                                   const std::vector<std::string>& values, bool scalar,
                                   H5T_str_t pad = H5T_STR_NULLPAD) {
  std::size_t width = 1;
  for (const auto& v : values) width = std::max(width, v.size());
  H5Id type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type, width);
  H5Tset_strpad(type, pad);
  std::vector<char> buffer(width * values.size(), pad == H5T_STR_SPACEPAD ? ' ' : '\0');
  for (std::size_t i = 0; i < values.size(); ++i)
    std::memcpy(buffer.data() + i * width, values[i].data(), values[i].size());
  const hsize_t n = values.size();
  H5Id space(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr), H5Sclose);
  H5Id a(H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  H5Awrite(a, type, buffer.data());
}

// A variable-length UTF-8 string attribute (h5py's str).
inline void vlen_string_attribute(hid_t loc, const char* name,
                                  const std::vector<std::string>& values, bool scalar) {
  H5Id type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type, H5T_VARIABLE);
  H5Tset_cset(type, H5T_CSET_UTF8);
  std::vector<const char*> pointers;
  for (const auto& v : values) pointers.push_back(v.c_str());
  const hsize_t n = values.size();
  H5Id space(scalar ? H5Screate(H5S_SCALAR) : H5Screate_simple(1, &n, nullptr), H5Sclose);
  H5Id a(H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  H5Awrite(a, type, pointers.data());
}

template <class T>
void numeric_attribute(hid_t loc, const char* name, hid_t type, const std::vector<T>& values,
                       const std::vector<hsize_t>& dims) {
  H5Id space(dims.empty() ? H5Screate(H5S_SCALAR)
                          : H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
             H5Sclose);
  H5Id a(H5Acreate2(loc, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (!values.empty()) H5Awrite(a, type, values.data());
}

struct WalkStats {
  int groups = 0, datasets = 0, attributes = 0, views = 0, unsupported = 0;
  std::int64_t elements = 0;
  std::set<std::uint64_t> visited;
};

// Reads every attribute and dataset below `group`, as a format reader would. Error(unsupported)
// for a dataset or attribute type is counted, not thrown; other errors propagate.
inline void walk(const io::hdf5::Group& group, WalkStats& stats);

inline void read_attributes(const io::hdf5::Object& object, WalkStats& stats) {
  for (const std::string& name : object.attribute_names()) {
    ++stats.attributes;
    try {
      if (object.attribute_is_string(name)) {
        const auto values = object.string_list_attribute(name);
        if (values.size() == 1) object.string_attribute(name);
      } else if (object.attribute_shape(name) == Shape{0}) {
        object.string_list_attribute(name);  // h5py's empty list
      } else {
        stats.elements += object.tensor_attribute(name).numel();
      }
    } catch (const Error& e) {
      if (e.code() != ErrorCode::unsupported) throw;
      ++stats.unsupported;
    }
  }
}

inline void walk(const io::hdf5::Group& group, WalkStats& stats) {
  // Damaged (or odd) files can link a group into its own subtree.
  if (++stats.groups > 10000)
    throw Error(ErrorCode::corrupt, "walk: too many groups (a link cycle?)");
  read_attributes(group, stats);
  for (const std::string& child : group.children()) {
    if (group.has_group(child)) {
      const io::hdf5::Group sub = group.group(child);
      if (!stats.visited.insert(sub.address()).second) continue;
      walk(sub, stats);
    } else if (group.has_dataset(child)) {
      const io::hdf5::Dataset d = group.dataset(child);
      ++stats.datasets;
      read_attributes(d, stats);
      try {
        const Tensor t = d.read();
        stats.elements += t.numel();
        if (t.is_view()) ++stats.views;
        double sum = 0;
        for (std::int64_t i = 0; i < t.numel(); ++i) sum += t.value_as_double(i);
        (void)sum;
      } catch (const Error& e) {
        if (e.code() != ErrorCode::unsupported) throw;
        ++stats.unsupported;
      }
    }
  }
}

}  // namespace nnload::testing
