// Groups, datasets and attributes of an open HDF5 file.
#include <cstring>
#include <limits>
#include <optional>

#include "core/fail.hpp"
#include "core/read_limits.hpp"
#include "io/hdf5/chunk_blocks.hpp"
#include "io/hdf5/detail.hpp"
#include "io/hdf5/filter_guards.hpp"
#include "io/hdf5/raw.hpp"
#include "io/mapped_file.hpp"

namespace nnload::io::hdf5 {

namespace {

// "/a/b" from a base group path and a relative ("c/d") or absolute ("/c/d") path; empty
// components ("a//b", trailing "/") are dropped.
std::string join_path(const std::string& base, const std::string& relative) {
  std::string out = relative.starts_with('/') || base == "/" ? "" : base;
  std::size_t i = 0;
  while (i <= relative.size()) {
    const std::size_t j = std::min(relative.find('/', i), relative.size());
    if (j > i) {
      out.push_back('/');
      out.append(relative, i, j - i);
    }
    i = j + 1;
  }
  return out.empty() ? "/" : out;
}

// a * b, or UINT64_MAX when that overflows (sizes compared against limits).
std::uint64_t saturating_product(std::uint64_t a, std::uint64_t b) {
  if (b != 0 && a > std::numeric_limits<std::uint64_t>::max() / b)
    return std::numeric_limits<std::uint64_t>::max();
  return a * b;
}

enum class Kind { missing, group, dataset, external, other };

// Soft links followed within one lookup, as libhdf5's default limit.
constexpr int kMaxSoftLinks = 16;

// What an absolute path names, following soft links but never external ones (a file must not
// make us open another file), and never failing for a missing component. Every object header
// on the way is checked by our own reader before libhdf5 loads it; `soft_links` counts the soft
// links followed so far.
Kind kind_of(const File& file, const std::string& path, int soft_links = 0) {
  const hid_t fid = file.impl().id;
  if (path == "/") return Kind::group;
  std::string prefix;
  std::size_t i = 1;
  Kind kind = Kind::group;
  while (i <= path.size()) {
    const std::size_t j = std::min(path.find('/', i), path.size());
    if (kind != Kind::group) return Kind::missing;  // a dataset has no children
    prefix = path.substr(0, j);
    const htri_t exists = H5Lexists(fid, prefix.c_str(), safe_lapl());
    if (exists < 0) h5_fail(file, prefix, "looking up the link");
    if (exists == 0) return Kind::missing;
    H5L_info_t link{};
    checked(H5Lget_info(fid, prefix.c_str(), &link, safe_lapl()), file, prefix, "reading the link");
    if (link.type != H5L_TYPE_HARD && link.type != H5L_TYPE_SOFT) return Kind::external;
    if (link.type == H5L_TYPE_HARD) {
      validate_object_header(file.impl().bytes, file.impl().superblock, link.u.address,
                             file.name());
    } else {
      // The target's headers are checked by looking it up the same way first.
      if (soft_links >= kMaxSoftLinks)
        fail(ErrorCode::corrupt, "{}: {}: more than {} soft links in a row", file.name(), prefix,
             kMaxSoftLinks);
      std::string target(link.u.val_size, '\0');
      checked(H5Lget_val(fid, prefix.c_str(), target.data(), target.size(), safe_lapl()), file,
              prefix, "reading the soft link");
      target.resize(std::strlen(target.c_str()));
      if (target.empty() || target[0] != '/')
        target = prefix.substr(0, prefix.rfind('/')) + "/" + target;
      if (kind_of(file, target, soft_links + 1) == Kind::missing) return Kind::missing;
    }
    H5O_info_t info{};
    checked(H5Oget_info_by_name2(fid, prefix.c_str(), &info, H5O_INFO_BASIC, safe_lapl()), file,
            prefix, "reading the object header");
    kind = info.type == H5O_TYPE_GROUP     ? Kind::group
           : info.type == H5O_TYPE_DATASET ? Kind::dataset
                                           : Kind::other;
    i = j + 1;
  }
  return kind;
}

std::string attribute_where(const std::string& path, const std::string& name) {
  return fmt::format("{}: attribute '{}'", path, name);
}

// Our own check of the object's attribute messages before libhdf5 decodes them.
void validate_attributes(const File& file, const std::string& path, hid_t object) {
  H5O_info_t info{};
  checked(H5Oget_info2(object, &info, H5O_INFO_BASIC), file, path,
          "reading the object header address");
  validate_attribute_messages(file.impl().bytes, file.impl().superblock, info.addr, file.name());
}

struct Attribute {
  std::string name;
  Id object, attr, type, space;
  hssize_t count = 0;
  Shape shape;
};

Attribute open_attribute(const File& file, const std::string& path, const std::string& name) {
  Attribute a;
  a.name = name;
  a.object = open_object(file, path);
  validate_attributes(file, path, a.object);
  const htri_t exists = H5Aexists(a.object, name.c_str());
  if (exists < 0) h5_fail(file, path, fmt::format("looking up attribute '{}'", name));
  if (exists == 0) fail(ErrorCode::not_found, "{}: {}: no attribute '{}'", file.name(), path, name);
  const std::string where = attribute_where(path, name);
  a.attr = checked(H5Aopen(a.object, name.c_str(), H5P_DEFAULT), H5Aclose, file, where, "opening");
  a.type = checked(H5Aget_type(a.attr), H5Tclose, file, where, "reading the type");
  a.space = checked(H5Aget_space(a.attr), H5Sclose, file, where, "reading the dataspace");
  a.count = H5Sget_simple_extent_npoints(a.space);
  if (a.count < 0) h5_fail(file, where, "reading the dataspace");
  const int rank = H5Sget_simple_extent_ndims(a.space);
  if (rank < 0) h5_fail(file, where, "reading the dataspace");
  hsize_t dims[H5S_MAX_RANK] = {0};
  if (rank > 0)
    checked(H5Sget_simple_extent_dims(a.space, dims, nullptr), file, where,
            "reading the dataspace");
  for (int d = 0; d < rank; ++d) a.shape.push_back(static_cast<std::int64_t>(dims[d]));
  if (H5Sget_simple_extent_type(a.space) == H5S_NULL) a.shape = {0};
  const std::size_t size = H5Tget_size(a.type);
  check_plausible_size(
      file, where,
      saturating_product(static_cast<std::uint64_t>(a.count), std::max<std::size_t>(size, 1)));
  return a;
}

// Every string of a string attribute, flattened.
std::vector<std::string> read_strings(const File& file, const std::string& where, Attribute& a) {
  std::vector<std::string> out;
  if (a.count == 0) return out;
  const auto n = static_cast<std::size_t>(a.count);
  const htri_t variable = H5Tis_variable_str(a.type);
  if (variable < 0) h5_fail(file, where, "reading the string type");
  if (variable) {
    // libhdf5 1.10.8 trusts global heap contents (object sizes and indices are checked by
    // assertions only: a 169 MB read past a collection in our fuzz tests), so these strings are
    // read by our own checked reader alone. It reads them from the object header's attribute
    // messages, where h5py and Keras keep them; dense attribute storage and shared attribute
    // messages or datatypes are refused rather than handed to libhdf5.
    H5O_info_t info{};
    checked(H5Oget_info2(a.object, &info, H5O_INFO_BASIC), file, where,
            "reading the object header address");
    std::optional<std::vector<std::string>> own = read_vlen_string_attribute(
        file.impl().bytes, file.impl().superblock, info.addr, a.name, n, file.name());
    if (!own) {
      fail(ErrorCode::unsupported,
           "{}: {}: a variable-length string attribute in dense or shared attribute storage is "
           "not read (libhdf5 does not check the global heap its strings live in)",
           file.name(), where);
    }
    return std::move(*own);
  }
  const std::size_t size = H5Tget_size(a.type);
  if (size == 0) h5_fail(file, where, "reading the string size");
  Id memory = checked(H5Tcopy(a.type), H5Tclose, file, where, "copying the string type");
  std::vector<char> buffer(n * size);
  checked(H5Aread(a.attr, memory, buffer.data()), file, where, "reading");
  const H5T_str_t pad = H5Tget_strpad(a.type);
  for (std::size_t i = 0; i < n; ++i) {
    std::string_view s(buffer.data() + i * size, size);
    if (pad == H5T_STR_SPACEPAD) {
      const std::size_t end = s.find_last_not_of(' ');
      s = end == std::string_view::npos ? std::string_view() : s.substr(0, end + 1);
    } else {
      // Null-terminated and null-padded strings both end at the first NUL (numpy's 'S' too).
      s = s.substr(0, std::min(s.find('\0'), s.size()));
    }
    out.emplace_back(s);
  }
  return out;
}

struct NameCollector {
  std::vector<std::string>* names;
};

herr_t collect_attribute(hid_t, const char* name, const H5A_info_t*, void* data) {
  static_cast<NameCollector*>(data)->names->emplace_back(name);
  return 0;
}

herr_t collect_link(hid_t, const char* name, const H5L_info_t*, void* data) {
  static_cast<NameCollector*>(data)->names->emplace_back(name);
  return 0;
}

// The names of a group's links or an object's attributes, in creation order when the file tracks
// it (the order the writer used), else in name order. `iterate(index, order, collector)` walks
// one of libhdf5's indexes. When `expected` is set, the names are first counted by a walk of the
// name index in its native order, which needs no table: libhdf5 1.10.8 lists dense storage in
// creation order by allocating a table of as many entries as the index's header counts and
// filling it from the index, and a damaged index holding fewer left entries that it later freed
// uninitialised (a wild free in our fuzz tests).
template <class Iterate>
std::vector<std::string> list_names(const File& file, const std::string& path,
                                    std::string_view what, std::optional<std::uint64_t> expected,
                                    Iterate iterate) {
  std::vector<std::string> names;
  NameCollector collector{&names};
  if (expected) {
    if (iterate(H5_INDEX_NAME, H5_ITER_NATIVE, &collector) < 0)
      h5_fail(file, path, fmt::format("listing the {}", what));
    if (names.size() != *expected) {
      fail(ErrorCode::corrupt, "{}: {}: the index of the {} holds {}, its header counts {}",
           file.name(), path, what, names.size(), *expected);
    }
    names.clear();
  }
  if (iterate(H5_INDEX_CRT_ORDER, H5_ITER_INC, &collector) >= 0) return names;
  H5Eclear2(H5E_DEFAULT);
  names.clear();
  if (iterate(H5_INDEX_NAME, H5_ITER_INC, &collector) < 0)
    h5_fail(file, path, fmt::format("listing the {}", what));
  return names;
}

}  // namespace

// ---- Object: attributes ----

std::vector<std::string> Object::attribute_names() const {
  Lock lock;
  Id object = open_object(*file_, path_);
  validate_attributes(*file_, path_, object);
  H5O_info_t info{};
  checked(H5Oget_info2(object, &info, H5O_INFO_NUM_ATTRS), *file_, path_,
          "reading the attribute count");
  return list_names(*file_, path_, "attributes", info.num_attrs,
                    [&](H5_index_t index, H5_iter_order_t order, NameCollector* c) {
                      hsize_t position = 0;
                      return H5Aiterate2(object, index, order, &position, collect_attribute, c);
                    });
}

bool Object::has_attribute(const std::string& name) const {
  Lock lock;
  Id object = open_object(*file_, path_);
  validate_attributes(*file_, path_, object);
  const htri_t exists = H5Aexists(object, name.c_str());
  if (exists < 0) h5_fail(*file_, path_, fmt::format("looking up attribute '{}'", name));
  return exists > 0;
}

bool Object::attribute_is_string(const std::string& name) const {
  Lock lock;
  Attribute a = open_attribute(*file_, path_, name);
  return H5Tget_class(a.type) == H5T_STRING;
}

Shape Object::attribute_shape(const std::string& name) const {
  Lock lock;
  return open_attribute(*file_, path_, name).shape;
}

std::string Object::string_attribute(const std::string& name) const {
  Lock lock;
  Attribute a = open_attribute(*file_, path_, name);
  const std::string where = attribute_where(path_, name);
  if (H5Tget_class(a.type) != H5T_STRING) {
    fail(ErrorCode::corrupt, "{}: {}: holds {} values, expected a string", file_->name(), where,
         describe_type(a.type));
  }
  if (a.count != 1) {
    fail(ErrorCode::corrupt, "{}: {}: holds {} strings, expected one", file_->name(), where,
         a.count);
  }
  return read_strings(*file_, where, a).front();
}

std::vector<std::string> Object::string_list_attribute(const std::string& name) const {
  Lock lock;
  Attribute a = open_attribute(*file_, path_, name);
  if (a.count == 0) return {};
  const std::string where = attribute_where(path_, name);
  if (H5Tget_class(a.type) != H5T_STRING) {
    fail(ErrorCode::corrupt, "{}: {}: holds {} values, expected strings", file_->name(), where,
         describe_type(a.type));
  }
  return read_strings(*file_, where, a);
}

namespace {

// Range-checks uint64 values read into an int64 tensor's memory.
void check_uint64(const Tensor& t, const File& file, std::string_view where) {
  const auto* values = static_cast<const std::uint64_t*>(t.raw());
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    if (values[i] > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      fail(ErrorCode::unsupported, "{}: {}: uint64 value {} at element {} does not fit int64",
           file.name(), where, values[i], i);
    }
  }
}

void normalize_bool(Tensor& t) {
  auto* p = static_cast<std::uint8_t*>(t.mutable_raw());
  for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = p[i] != 0;
}

}  // namespace

Tensor Object::tensor_attribute(const std::string& name) const {
  Lock lock;
  Attribute a = open_attribute(*file_, path_, name);
  const std::string where = attribute_where(path_, name);
  if (H5Tget_class(a.type) == H5T_STRING) {
    fail(ErrorCode::corrupt, "{}: {}: holds strings, expected numbers", file_->name(), where);
  }
  ElementType et = classify(a.type, *file_, where);
  check_plausible_size(*file_, where, checked_nbytes(et.dtype, a.shape, file_->name()));
  Tensor t = Tensor::empty(et.dtype, a.shape);
  if (t.numel() == 0) return t;
  checked(H5Aread(a.attr, et.memory_type, t.mutable_raw()), *file_, where, "reading");
  if (et.from_uint64) check_uint64(t, *file_, where);
  if (et.is_bool) normalize_bool(t);
  return t;
}

// ---- Group ----

std::vector<std::string> Group::children() const {
  Lock lock;
  Id group = open_object(*file_, path_);
  H5G_info_t info;
  if (H5Gget_info(group, &info) < 0) h5_fail(*file_, path_, "reading the group's link count");
  // Compact and old-style groups list their links without such a table.
  std::optional<std::uint64_t> expected;
  if (info.storage_type == H5G_STORAGE_TYPE_DENSE) expected = info.nlinks;
  std::vector<std::string> names =
      list_names(*file_, path_, "group's links", expected,
                 [&](H5_index_t index, H5_iter_order_t order, NameCollector* c) {
                   hsize_t position = 0;
                   return H5Literate(group, index, order, &position, collect_link, c);
                 });
  // HDF5 never writes these; a damaged name table can, and "" or "." would alias the group itself.
  for (const std::string& name : names) {
    if (name.empty() || name == "." || name.find('/') != std::string::npos) {
      fail(ErrorCode::corrupt, "{}: {}: damaged link name '{}'", file_->name(), path_, name);
    }
  }
  return names;
}

bool Group::has_group(const std::string& relative_path) const {
  Lock lock;
  return kind_of(*file_, join_path(path_, relative_path)) == Kind::group;
}

bool Group::has_dataset(const std::string& relative_path) const {
  Lock lock;
  return kind_of(*file_, join_path(path_, relative_path)) == Kind::dataset;
}

std::uint64_t Object::address() const {
  Lock lock;
  Id object = open_object(*file_, path_);
  H5O_info_t info{};
  checked(H5Oget_info2(object, &info, H5O_INFO_BASIC), *file_, path_,
          "reading the object header address");
  return info.addr;
}

Group Group::group(const std::string& relative_path) const {
  Lock lock;
  const std::string path = join_path(path_, relative_path);
  const Kind kind = kind_of(*file_, path);
  if (kind == Kind::missing) fail(ErrorCode::not_found, "{}: no group '{}'", file_->name(), path);
  if (kind == Kind::external) {
    fail(ErrorCode::unsupported,
         "{}: '{}' passes through an external link, which nnload does not follow", file_->name(),
         path);
  }
  if (kind != Kind::group)
    fail(ErrorCode::not_found, "{}: '{}' is not a group", file_->name(), path);
  return Group(file_, path);
}

Dataset Group::dataset(const std::string& relative_path) const {
  Lock lock;
  const std::string path = join_path(path_, relative_path);
  const Kind kind = kind_of(*file_, path);
  if (kind == Kind::missing) fail(ErrorCode::not_found, "{}: no dataset '{}'", file_->name(), path);
  if (kind == Kind::external) {
    fail(ErrorCode::unsupported,
         "{}: '{}' passes through an external link, which nnload does not follow", file_->name(),
         path);
  }
  if (kind != Kind::dataset)
    fail(ErrorCode::not_found, "{}: '{}' is not a dataset", file_->name(), path);
  return Dataset(file_, path);
}

// ---- Dataset ----

namespace {

struct OpenDataset {
  Id dataset, type, space, dcpl;
  Shape shape;
  H5D_layout_t layout = H5D_LAYOUT_ERROR;
};

OpenDataset open_dataset(const File& file, const std::string& path) {
  OpenDataset d;
  d.dataset = open_object(file, path);
  d.type = checked(H5Dget_type(d.dataset), H5Tclose, file, path, "reading the dataset's type");
  d.space =
      checked(H5Dget_space(d.dataset), H5Sclose, file, path, "reading the dataset's dataspace");
  d.dcpl =
      checked(H5Dget_create_plist(d.dataset), H5Pclose, file, path, "reading the dataset's layout");
  const int rank = H5Sget_simple_extent_ndims(d.space);
  if (rank < 0) h5_fail(file, path, "reading the dataset's dataspace");
  hsize_t dims[H5S_MAX_RANK] = {0};
  if (rank > 0)
    checked(H5Sget_simple_extent_dims(d.space, dims, nullptr), file, path, "reading the dataspace");
  for (int i = 0; i < rank; ++i) {
    if (dims[i] > static_cast<hsize_t>(std::numeric_limits<std::int64_t>::max())) {
      fail(ErrorCode::corrupt, "{}: {}: dimension {} is {}", file.name(), path, i, dims[i]);
    }
    d.shape.push_back(static_cast<std::int64_t>(dims[i]));
  }
  if (H5Sget_simple_extent_type(d.space) == H5S_NULL) d.shape = {0};
  d.layout = H5Pget_layout(d.dcpl);
  if (d.layout < 0) h5_fail(file, path, "reading the dataset's layout");
  return d;
}

const char* layout_name(H5D_layout_t layout) {
  switch (layout) {
    case H5D_COMPACT:
      return "compact";
    case H5D_CONTIGUOUS:
      return "contiguous";
    case H5D_CHUNKED:
      return "chunked";
    case H5D_VIRTUAL:
      return "virtual";
    default:
      return "unknown";
  }
}

}  // namespace

Dataset::Dataset(std::shared_ptr<const File> file, std::string path)
    : Object(std::move(file), std::move(path)) {
  Lock lock;
  OpenDataset d = open_dataset(*file_, path_);
  shape_ = d.shape;
  layout_ = layout_name(d.layout);
}

DType Dataset::dtype() const {
  Lock lock;
  OpenDataset d = open_dataset(*file_, path_);
  return classify(d.type, *file_, path_).dtype;
}

Tensor Dataset::read() const {
  Lock lock;
  const File& file = *file_;
  OpenDataset d = open_dataset(file, path_);
  ElementType et = classify(d.type, file, path_);
  if (d.layout == H5D_VIRTUAL) {
    fail(ErrorCode::unsupported, "{}: {}: virtual datasets (data in other files) are not read",
         file.name(), path_);
  }
  if (d.layout != H5D_CONTIGUOUS && d.layout != H5D_CHUNKED && d.layout != H5D_COMPACT) {
    fail(ErrorCode::unsupported, "{}: {}: unknown dataset layout", file.name(), path_);
  }
  const int external = H5Pget_external_count(d.dcpl);
  if (external < 0) h5_fail(file, path_, "reading the dataset's storage");
  if (external > 0) {
    fail(ErrorCode::unsupported,
         "{}: {}: the data is stored in {} external file(s), which nnload does not read",
         file.name(), path_, external);
  }
  const std::uint64_t memory_bytes = checked_nbytes(et.dtype, d.shape, file.name());
  const std::uint64_t stored_bytes =
      saturating_product(checked_nbytes(DType::u8, d.shape, file.name()), H5Tget_size(d.type));
  if (d.layout == H5D_CONTIGUOUS && stored_bytes > file.size()) {
    fail(ErrorCode::corrupt,
         "{}: {}: contiguous dataset of shape {} needs {} bytes, the file has {}", file.name(),
         path_, shape_to_list(d.shape), stored_bytes, file.size());
  }
  check_plausible_size(file, path_, memory_bytes);
  hsize_t chunk[H5S_MAX_RANK] = {0};
  std::uint64_t chunk_bytes = 0;  // as stored: what the filters decode one chunk into
  if (d.layout == H5D_CHUNKED) {
    const int rank = H5Pget_chunk(d.dcpl, H5S_MAX_RANK, chunk);
    if (rank < 0) h5_fail(file, path_, "reading the chunk shape");
    if (static_cast<std::size_t>(rank) != d.shape.size()) {
      fail(ErrorCode::corrupt, "{}: {}: chunks of {} dimensions for a dataset of {}", file.name(),
           path_, rank, d.shape.size());
    }
    chunk_bytes = H5Tget_size(d.type);
    for (int i = 0; i < rank; ++i) {
      if (chunk[i] != 0 && chunk_bytes > std::numeric_limits<std::uint64_t>::max() / chunk[i]) {
        chunk_bytes = std::numeric_limits<std::uint64_t>::max();
        break;
      }
      chunk_bytes *= chunk[i];
    }
    check_plausible_size(file, path_ + " (one chunk)", chunk_bytes);
    const std::uint64_t element_size = H5Tget_size(d.type);
    if (const auto problem =
            element_size == 0
                ? std::nullopt
                : filter_parameters_problem(d.dcpl, chunk_bytes / element_size, element_size)) {
      fail(ErrorCode::corrupt, "{}: {}: {}", file.name(), path_, *problem);
    }
  }
  if (memory_bytes == 0) return Tensor::empty(et.dtype, d.shape);

  if (d.layout == H5D_CONTIGUOUS && et.exact) {
    const haddr_t offset = H5Dget_offset(d.dataset);
    if (offset != HADDR_UNDEF && H5Dget_storage_size(d.dataset) >= stored_bytes) {
      return view_bytes(file.impl().keep_alive, file.impl().bytes, offset, et.dtype, d.shape,
                        file.name(), fmt::format("dataset '{}'", path_));
    }
    H5Eclear2(H5E_DEFAULT);
  }
  // Each read is bounded on its own above; their sum is too: a Keras config naming one layer
  // 300 times decompressed its 4 MB kernel 300 times (1.2 GB from a 66 kB file). Views of the
  // file's own bytes (above) cost nothing and are not counted.
  std::uint64_t& copied = file.impl().bytes_copied;
  copied = memory_bytes > ~std::uint64_t{0} - copied ? ~std::uint64_t{0} : copied + memory_bytes;
  if (copied > max_declared_bytes(file.size())) {
    fail(ErrorCode::corrupt,
         "{}: {}: reading it brings the data decompressed or converted from this file to {} "
         "bytes, implausible for a {}-byte file (ReadLimits::max_expansion is {}; is one "
         "dataset read for many layers?)",
         file.name(), path_, copied, file.size(), read_limits().max_expansion);
  }
  Tensor t = Tensor::empty(et.dtype, d.shape);
  if (d.layout == H5D_CHUNKED) {
    const ScopedChunkBytes bounded_output(d.dcpl, chunk_bytes);
    const std::vector<hsize_t> shape(d.shape.begin(), d.shape.end());
    if (const auto problem = chunk_storage_problem(d.dataset, d.dcpl, shape,
                                                   std::span<const hsize_t>(chunk, shape.size()),
                                                   chunk_bytes, file.size())) {
      fail(ErrorCode::corrupt, "{}: {}: {}", file.name(), path_, *problem);
    }
    checked(read_chunk_blocks(d.dataset, et.memory_type, shape,
                              std::span<const hsize_t>(chunk, shape.size()), t.mutable_raw()),
            file, path_, "reading the dataset");
  } else {
    checked(H5Dread(d.dataset, et.memory_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, t.mutable_raw()),
            file, path_, "reading the dataset");
  }
  if (et.from_uint64) check_uint64(t, file, path_);
  if (et.is_bool) normalize_bool(t);
  return t;
}

}  // namespace nnload::io::hdf5
