#include "io/mapped_file.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <map>
#include <mutex>

#include "core/fail.hpp"

namespace nnload::io {

namespace {

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

bool all_bool_bytes(std::span<const std::byte> data) {
  return std::all_of(data.begin(), data.end(), [](std::byte b) { return std::uint8_t(b) <= 1; });
}

// The live mappings (start -> size), so release_mapped_pages can tell file pages, which the
// kernel can re-read, from heap memory, which MADV_DONTNEED would zero.
class LiveMappings {
 public:
  static LiveMappings& get() {
    static LiveMappings* instance = new LiveMappings;  // never destroyed: used at exit
    return *instance;
  }
  void add(const std::byte* start, std::size_t size) {
    const std::lock_guard lock(mutex_);
    ranges_[start] = size;
  }
  void remove(const std::byte* start) {
    const std::lock_guard lock(mutex_);
    ranges_.erase(start);
  }
  void release(const std::byte* data, std::size_t bytes) {
    static const std::uintptr_t page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
    const std::lock_guard lock(mutex_);  // held so the mapping can't go away meanwhile
    auto it = ranges_.upper_bound(data);
    if (it == ranges_.begin()) return;
    --it;
    const auto map_begin = reinterpret_cast<std::uintptr_t>(it->first);
    const std::uintptr_t map_end = map_begin + it->second;
    const auto begin = reinterpret_cast<std::uintptr_t>(data);
    if (begin >= map_end || bytes > map_end - begin) return;
    // Whole pages inside the range only: a neighbouring tensor's partial page stays resident.
    const std::uintptr_t first = (begin + page - 1) / page * page;
    const std::uintptr_t last = (begin + bytes) / page * page;
    if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED);
  }

 private:
  std::mutex mutex_;
  std::map<const std::byte*, std::size_t> ranges_;
};

}  // namespace

void release_mapped_pages(const void* data, std::size_t bytes) noexcept {
  if (data == nullptr || bytes == 0) return;
  LiveMappings::get().release(static_cast<const std::byte*>(data), bytes);
}

std::shared_ptr<const MappedFile> MappedFile::open(const std::filesystem::path& path) {
  const std::string name = path.string();
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below anyway.
  Fd file{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK)};
  if (file.fd < 0) {
    const int err = errno;
    if (err == ENOENT || err == ENOTDIR) fail(ErrorCode::not_found, "{}: no such file", name);
    if (err == EISDIR)
      fail(ErrorCode::invalid_argument, "{}: is a directory, expected a file", name);
    fail(ErrorCode::invalid_argument, "{}: cannot open: {}", name, std::strerror(err));
  }
  struct stat st {};
  if (::fstat(file.fd, &st) != 0) {
    fail(ErrorCode::invalid_argument, "{}: cannot stat: {}", name, std::strerror(errno));
  }
  if (S_ISDIR(st.st_mode))
    fail(ErrorCode::invalid_argument, "{}: is a directory, expected a file", name);
  if (!S_ISREG(st.st_mode)) fail(ErrorCode::invalid_argument, "{}: is not a regular file", name);
  if (st.st_size < 0 ||
      static_cast<std::uint64_t>(st.st_size) > std::numeric_limits<std::size_t>::max()) {
    fail(ErrorCode::invalid_argument, "{}: file size {} cannot be mapped", name, st.st_size);
  }
  const std::size_t size = static_cast<std::size_t>(st.st_size);
  const std::byte* data = nullptr;
  if (size > 0) {
    void* p = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, file.fd, 0);
    if (p == MAP_FAILED) {
      fail(ErrorCode::invalid_argument, "{}: cannot map {} bytes: {}", name, size,
           std::strerror(errno));
    }
    data = static_cast<const std::byte*>(p);
    LiveMappings::get().add(data, size);
  }
  return std::shared_ptr<const MappedFile>(new MappedFile(path, data, size));
}

MappedFile::MappedFile(std::filesystem::path path, const std::byte* data, std::size_t size)
    : path_(std::move(path)), data_(data), size_(size) {}

MappedFile::~MappedFile() {
  if (data_ == nullptr) return;
  LiveMappings::get().remove(data_);
  ::munmap(const_cast<std::byte*>(data_), size_);
}

Tensor MappedFile::view(std::uint64_t offset, DType dtype, Shape shape,
                        std::string_view what) const {
  return view_bytes(shared_from_this(), bytes(), offset, dtype, std::move(shape), name(), what);
}

std::uint64_t checked_nbytes(DType dtype, const Shape& shape, std::string_view file) {
  std::uint64_t count = 1;
  for (std::int64_t d : shape) {
    if (d < 0)
      fail(ErrorCode::corrupt, "{}: shape {} has a negative dimension", file, shape_to_list(shape));
    const auto ud = static_cast<std::uint64_t>(d);
    if (ud != 0 && count > std::numeric_limits<std::uint64_t>::max() / ud) {
      fail(ErrorCode::corrupt, "{}: shape {} has too many elements", file, shape_to_list(shape));
    }
    count *= ud;
  }
  const std::uint64_t item = dtype_size(dtype);
  if (count > std::numeric_limits<std::uint64_t>::max() / item) {
    fail(ErrorCode::corrupt, "{}: shape {} has too many bytes", file, shape_to_list(shape));
  }
  return count * item;
}

Tensor view_bytes(std::shared_ptr<const void> keep_alive, std::span<const std::byte> bytes,
                  std::uint64_t offset, DType dtype, Shape shape, std::string_view file,
                  std::string_view what) {
  const std::uint64_t nbytes = checked_nbytes(dtype, shape, file);
  const std::string_view label = what.empty() ? std::string_view("tensor") : what;
  if (offset > bytes.size() || nbytes > bytes.size() - offset) {
    fail(ErrorCode::corrupt, "{}: {} needs {} bytes at offset {}, file ends at {}", file, label,
         nbytes, offset, bytes.size());
  }
  const std::span<const std::byte> data =
      bytes.subspan(static_cast<std::size_t>(offset), static_cast<std::size_t>(nbytes));
  const bool aligned = reinterpret_cast<std::uintptr_t>(data.data()) % dtype_size(dtype) == 0;
  if (!aligned || (dtype == DType::boolean && !all_bool_bytes(data))) {
    Tensor copy = copy_tensor(data, dtype, std::move(shape));
    release_mapped_pages(data.data(), data.size());  // the copy is what is read from now on
    return copy;
  }
  return Tensor::view(std::move(keep_alive), data.data(), dtype, std::move(shape));
}

Tensor copy_tensor(std::span<const std::byte> data, DType dtype, Shape shape) {
  Tensor t = Tensor::empty(dtype, std::move(shape));
  if (data.size() != t.nbytes()) {
    fail(ErrorCode::internal, "copy_tensor: {} bytes for a tensor of {} bytes", data.size(),
         t.nbytes());
  }
  if (data.empty()) return t;
  auto* out = static_cast<std::uint8_t*>(t.mutable_raw());
  std::memcpy(out, data.data(), data.size());
  if (dtype == DType::boolean) {
    for (std::size_t i = 0; i < data.size(); ++i) out[i] = out[i] != 0;
  }
  return t;
}

}  // namespace nnload::io
