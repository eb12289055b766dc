// AtomicFile: write a file under a temporary name in the target's directory and rename it over
// the target only on commit(), so a failed write leaves neither a partial file nor the temporary.
#pragma once

#include <cstdio>
#include <filesystem>
#include <span>

namespace nnload::io {

class AtomicFile {
 public:
  // Creates the temporary file. Error(not_found) when the directory does not exist,
  // Error(invalid_argument) when the target is a directory or the file cannot be created.
  explicit AtomicFile(std::filesystem::path target);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  // Removes the temporary file unless commit() succeeded.
  ~AtomicFile();

  const std::filesystem::path& target() const noexcept { return target_; }
  const std::filesystem::path& temp_path() const noexcept { return temp_; }
  // The open temporary file, for writers that want stdio.
  std::FILE* stream() const noexcept { return stream_; }
  // Appends bytes; Error(invalid_argument) on a write error (disk full...).
  void write(std::span<const std::byte> bytes);
  // Flushes, syncs and renames over the target. Error(invalid_argument) on failure (the
  // temporary is then removed by the destructor).
  void commit();

 private:
  std::filesystem::path target_;
  std::filesystem::path temp_;
  std::FILE* stream_ = nullptr;
  bool committed_ = false;
};

}  // namespace nnload::io
