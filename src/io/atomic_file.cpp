#include "io/atomic_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>
#include <system_error>

#include "core/fail.hpp"

namespace nnload::io {

AtomicFile::AtomicFile(std::filesystem::path target) : target_(std::move(target)) {
  const std::string name = target_.string();
  if (target_.filename().empty()) fail(ErrorCode::invalid_argument, "{}: not a file name", name);
  std::error_code ec;
  if (std::filesystem::is_directory(target_, ec)) {
    fail(ErrorCode::invalid_argument, "{}: is a directory, expected a file", name);
  }
  const std::filesystem::path dir =
      target_.has_parent_path() ? target_.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(dir, ec)) {
    fail(ErrorCode::not_found, "{}: directory {} does not exist", name, dir.string());
  }
  static std::atomic<unsigned> counter{0};
  std::random_device random;
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::filesystem::path candidate =
        dir / fmt::format(".{}.tmp-{}-{}-{:08x}", target_.filename().string().substr(0, 200),
                          ::getpid(), counter.fetch_add(1), random());
    // 0666 and O_EXCL: the final file gets the usual umask-derived mode, and an existing file
    // is never reused.
    const int fd = ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
      if (errno == EEXIST) continue;
      fail(ErrorCode::invalid_argument, "{}: cannot create a temporary file in {}: {}", name,
           dir.string(), std::strerror(errno));
    }
    stream_ = ::fdopen(fd, "wb");
    if (stream_ == nullptr) {
      ::close(fd);
      ::unlink(candidate.c_str());
      fail(ErrorCode::invalid_argument, "{}: cannot open a temporary file", name);
    }
    temp_ = candidate;
    return;
  }
  fail(ErrorCode::invalid_argument, "{}: cannot find a free temporary file name in {}", name,
       dir.string());
}

AtomicFile::~AtomicFile() {
  if (stream_ != nullptr) std::fclose(stream_);
  if (!committed_ && !temp_.empty()) ::unlink(temp_.c_str());
}

void AtomicFile::write(std::span<const std::byte> bytes) {
  if (bytes.empty()) return;
  if (stream_ == nullptr || std::fwrite(bytes.data(), 1, bytes.size(), stream_) != bytes.size()) {
    fail(ErrorCode::invalid_argument, "{}: write failed: {}", target_.string(),
         std::strerror(errno));
  }
}

void AtomicFile::commit() {
  const std::string name = target_.string();
  if (stream_ == nullptr) fail(ErrorCode::internal, "{}: AtomicFile committed twice", name);
  const bool flushed = std::fflush(stream_) == 0 && ::fsync(::fileno(stream_)) == 0;
  const int flush_errno = errno;
  const bool closed = std::fclose(stream_) == 0;
  stream_ = nullptr;
  if (!flushed || !closed) {
    fail(ErrorCode::invalid_argument, "{}: write failed: {}", name, std::strerror(flush_errno));
  }
  if (::rename(temp_.c_str(), target_.c_str()) != 0) {
    fail(ErrorCode::invalid_argument, "{}: cannot rename the temporary file into place: {}", name,
         std::strerror(errno));
  }
  committed_ = true;
}

}  // namespace nnload::io
