// Opening HDF5 files, the global lock and HDF5 error translation.
#include <H5PLpublic.h>

#include <atomic>
#include <limits>

#include "core/fail.hpp"
#include "core/read_limits.hpp"
#include "io/hdf5/detail.hpp"
#include "io/hdf5/filter_guards.hpp"
#include "io/hdf5/raw.hpp"
#include "io/hdf5/superblock.hpp"
#include "io/mapped_file.hpp"

namespace nnload::io::hdf5 {

static_assert(sizeof(hid_t) == sizeof(std::int64_t), "File::Impl stores hid_t");

namespace {

std::recursive_mutex& h5_mutex() {
  static std::recursive_mutex m;
  return m;
}

herr_t refuse_external_link(const char*, const char*, const char*, const char*, unsigned*, hid_t,
                            void*) {
  return -1;
}

hid_t g_lapl = -1;

void init_library() {
  H5open();
  // Filters named in a file must never make libhdf5 load a shared library.
  H5PLset_loading_state(0);
  guard_builtin_filters();
  g_lapl = H5Pcreate(H5P_LINK_ACCESS);
  H5Pset_elink_cb(g_lapl, refuse_external_link, nullptr);
}

}  // namespace

Lock::Lock() : guard_(h5_mutex()) {
  static std::once_flag once;
  std::call_once(once, init_library);
  thread_local bool quiet = false;
  if (!quiet) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    quiet = true;
  }
}

hid_t safe_lapl() { return g_lapl; }

namespace {

struct Innermost {
  std::string message;
};

herr_t take_innermost(unsigned n, const H5E_error2_t* err, void* data) {
  auto* out = static_cast<Innermost*>(data);
  if (n != 0) return 0;
  std::string text = err->desc != nullptr ? err->desc : "";
  char minor[256] = {0};
  if (H5Eget_msg(err->min_num, nullptr, minor, sizeof minor) > 0 &&
      text.find(minor) == std::string::npos) {
    text += text.empty() ? minor : std::string(" (") + minor + ")";
  }
  out->message = text;
  return 0;
}

}  // namespace

void h5_fail(const File& file, std::string_view path, std::string_view action) {
  Innermost inner;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, take_innermost, &inner);
  H5Eclear2(H5E_DEFAULT);
  if (inner.message.empty()) inner.message = "libhdf5 reported no reason";
  fail(ErrorCode::corrupt, "{}: {}: {} failed: {}", file.name(), path, action, inner.message);
}

Id checked(hid_t id, Id::Closer close, const File& file, std::string_view path,
           std::string_view action) {
  if (id < 0) h5_fail(file, path, action);
  return Id(id, close);
}

void checked(herr_t status, const File& file, std::string_view path, std::string_view action) {
  if (status < 0) h5_fail(file, path, action);
}

void check_plausible_size(const File& file, std::string_view where, std::uint64_t bytes) {
  const std::uint64_t size = file.size();
  if (bytes > max_declared_bytes(size)) {
    fail(ErrorCode::corrupt,
         "{}: {}: declares {} bytes of data, implausible for a {}-byte file "
         "(ReadLimits::max_expansion is {})",
         file.name(), where, bytes, size, read_limits().max_expansion);
  }
}

Id open_object(const File& file, const std::string& path) {
  return checked(H5Oopen(file.impl().id, path.c_str(), safe_lapl()), H5Oclose, file, path,
                 "opening the object");
}

File::File(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

File::~File() {
  if (impl_ && impl_->id >= 0) {
    Lock lock;
    H5Fclose(impl_->id);
  }
}

const std::string& File::name() const { return impl_->name; }
std::uint64_t File::size() const { return impl_->bytes.size(); }

Group File::root() const { return Group(shared_from_this(), "/"); }

namespace {

Id file_access_list() {
  Id fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  // Close every object with the file; we are read-only, so flock() buys nothing and fails on
  // some filesystems.
  H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG);
  H5Pset_file_locking(fapl, false, true);
  return fapl;
}

}  // namespace

std::shared_ptr<File> open(const std::filesystem::path& path) {
  std::shared_ptr<const MappedFile> mapped = MappedFile::open(path);
  const Superblock sb = validate_superblock(mapped->bytes(), mapped->name());
  validate_object_header(mapped->bytes(), sb, sb.root_object_header - sb.base, mapped->name());
  auto impl = std::make_unique<File::Impl>();
  impl->superblock = sb;
  impl->keep_alive = mapped;
  impl->bytes = mapped->bytes();
  impl->name = mapped->name();
  Lock lock;
  Id fapl = file_access_list();
  impl->id = H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl);
  auto file = std::make_shared<File>(std::move(impl));
  if (file->impl().id < 0) h5_fail(*file, "/", "opening the file");
  return file;
}

std::shared_ptr<File> open_image(std::shared_ptr<const void> keep_alive,
                                 std::span<const std::byte> bytes, std::string name) {
  const Superblock sb = validate_superblock(bytes, name);
  validate_object_header(bytes, sb, sb.root_object_header - sb.base, name);
  auto impl = std::make_unique<File::Impl>();
  impl->superblock = sb;
  impl->keep_alive = std::move(keep_alive);
  impl->bytes = bytes;
  impl->name = std::move(name);
  Lock lock;
  Id fapl = file_access_list();
  H5Pset_fapl_core(fapl, 1 << 16, false);
  if (H5Pset_file_image(fapl, const_cast<std::byte*>(bytes.data()), bytes.size()) < 0) {
    H5Eclear2(H5E_DEFAULT);
    fail(ErrorCode::invalid_argument, "{}: cannot hand {} bytes to libhdf5", impl->name,
         bytes.size());
  }
  // The core driver treats equal names as the same file; every image gets its own.
  static std::atomic<std::uint64_t> counter{0};
  const std::string h5_name = fmt::format("nnload-image-{}:{}", counter.fetch_add(1), impl->name);
  impl->id = H5Fopen(h5_name.c_str(), H5F_ACC_RDONLY, fapl);
  auto file = std::make_shared<File>(std::move(impl));
  if (file->impl().id < 0) h5_fail(*file, "/", "opening the file");
  return file;
}

}  // namespace nnload::io::hdf5
