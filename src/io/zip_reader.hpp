// ZipReader: lists and reads the entries of a zip archive (zip64 too) held in memory, usually a
// mapped file. The directory and local headers are parsed here with bounds-checked reads;
// libminizip only inflates deflated entries, from a one-entry archive rebuilt from checked values.
// Debian's libminizip 1.1 cannot parse zip64 extra fields on 64-bit hosts (it compares sizes with
// (unsigned long)-1), so it is not trusted with any size or offset.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "io/mapped_file.hpp"

namespace nnload::io {

struct ZipEntry {
  std::string name;  // as stored, '/' separated
  std::uint64_t compressed_size = 0;
  std::uint64_t uncompressed_size = 0;
  int method = 0;  // 0 stored, 8 deflated; others are listed but not read
  std::uint32_t crc32 = 0;
  bool encrypted = false;
  std::uint16_t flags = 0;
  // Absolute offset of the entry's local header in the archive's bytes.
  std::uint64_t local_header_offset = 0;
  // Position in the central directory.
  std::uint64_t index = 0;

  bool stored() const noexcept { return method == 0; }
};

class ZipReader {
 public:
  // Maps `path` and reads the central directory. Error(not_found) / Error(invalid_argument) as
  // MappedFile::open; Error(unknown_format) when it is not a zip; Error(corrupt) when damaged.
  static ZipReader open(const std::filesystem::path& path);
  explicit ZipReader(std::shared_ptr<const MappedFile> file);
  // An archive in memory that `keep_alive` owns; `name` labels it in messages.
  ZipReader(std::shared_ptr<const void> keep_alive, std::span<const std::byte> bytes,
            std::string name);

  const std::string& name() const noexcept { return name_; }
  std::span<const std::byte> bytes() const noexcept { return bytes_; }
  const std::shared_ptr<const void>& keep_alive() const noexcept { return keep_alive_; }

  // Entries in central-directory order. Directory entries ("dir/") are included.
  const std::vector<ZipEntry>& entries() const noexcept { return entries_; }
  // The first entry with this exact name, or nullptr.
  const ZipEntry* find(std::string_view name) const;
  // As find(), but Error(not_found) naming the archive and the entry.
  const ZipEntry& entry(std::string_view name) const;

  // Decompresses an entry into an owned buffer, verifying its CRC-32. Error(corrupt) when the
  // data is damaged or its length differs from the declared size, Error(unsupported) for
  // encryption or a method other than stored/deflated, Error(invalid_argument) when the
  // declared size exceeds `max_bytes`.
  std::vector<std::byte> read(const ZipEntry& entry, std::uint64_t max_bytes) const;

  // The absolute offset of a STORED entry's data in bytes(), checked to lie (with its size)
  // inside the archive, so callers can view it without copying. The CRC is not verified here
  // (that would touch every page); use read() or check_crc() for that.
  // Error(invalid_argument) for an entry that is not stored.
  std::uint64_t data_offset(const ZipEntry& entry) const;
  // bytes().subspan(data_offset(entry), entry.compressed_size).
  std::span<const std::byte> stored_data(const ZipEntry& entry) const;
  // Verifies a stored entry's CRC-32 against its data in place; Error(corrupt) on mismatch.
  void check_crc(const ZipEntry& entry) const;

 private:
  void list();
  void check_no_overlap() const;
  std::vector<std::byte> inflate(const ZipEntry& entry) const;
  std::uint64_t compressed_offset(const ZipEntry& entry) const;
  std::span<const std::byte> compressed_data(const ZipEntry& entry) const;

  std::shared_ptr<const void> keep_alive_;
  std::span<const std::byte> bytes_;
  std::string name_;
  std::vector<ZipEntry> entries_;
  // Name -> position of the first entry so named: readers look entries up by name once each, and
  // a linear search made an archive of N entries cost N^2.
  std::unordered_map<std::string, std::size_t> first_by_name_;
};

}  // namespace nnload::io
