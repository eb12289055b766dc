#include "io/zip_reader.hpp"

#include <minizip/unzip.h>

#include <array>
#include <climits>
#include <cstring>
#include <limits>

#include "core/fail.hpp"

namespace nnload::io {

namespace {

// minizip reads through these callbacks, so it can never touch bytes outside the span.
struct MemoryStream {
  std::span<const std::byte> bytes;
  std::uint64_t pos = 0;
};

voidpf ZCALLBACK mem_open(voidpf, const void* source, int mode) {
  if ((mode & ZLIB_FILEFUNC_MODE_READWRITEFILTER) != ZLIB_FILEFUNC_MODE_READ) return nullptr;
  return new MemoryStream{*static_cast<const std::span<const std::byte>*>(source), 0};
}

uLong ZCALLBACK mem_read(voidpf, voidpf stream, void* buf, uLong size) {
  auto* s = static_cast<MemoryStream*>(stream);
  const std::uint64_t left = s->bytes.size() - s->pos;
  const std::uint64_t n = size < left ? size : left;
  if (n > 0) std::memcpy(buf, s->bytes.data() + s->pos, static_cast<std::size_t>(n));
  s->pos += n;
  return static_cast<uLong>(n);
}

uLong ZCALLBACK mem_write(voidpf, voidpf, const void*, uLong) { return 0; }

ZPOS64_T ZCALLBACK mem_tell(voidpf, voidpf stream) { return static_cast<MemoryStream*>(stream)->pos; }

long ZCALLBACK mem_seek(voidpf, voidpf stream, ZPOS64_T offset, int origin) {
  auto* s = static_cast<MemoryStream*>(stream);
  const std::uint64_t size = s->bytes.size();
  std::uint64_t base = 0;
  switch (origin) {
    case ZLIB_FILEFUNC_SEEK_SET: base = 0; break;
    case ZLIB_FILEFUNC_SEEK_CUR: base = s->pos; break;
    case ZLIB_FILEFUNC_SEEK_END: base = size; break;
    default: return -1;
  }
  // minizip passes negative relative offsets as wrapped unsigned values; seeking past either end
  // of the archive is refused.
  const std::uint64_t target = base + offset;
  if (target > size) return -1;
  s->pos = target;
  return 0;
}

int ZCALLBACK mem_close(voidpf, voidpf stream) {
  delete static_cast<MemoryStream*>(stream);
  return 0;
}

int ZCALLBACK mem_error(voidpf, voidpf) { return 0; }

struct Unz {
  unzFile handle = nullptr;
  ~Unz() {
    if (handle != nullptr) unzClose(handle);
  }
};

unzFile open_archive(std::span<const std::byte> bytes) {
  zlib_filefunc64_def io{};
  io.zopen64_file = mem_open;
  io.zread_file = mem_read;
  io.zwrite_file = mem_write;
  io.ztell64_file = mem_tell;
  io.zseek64_file = mem_seek;
  io.zclose_file = mem_close;
  io.zerror_file = mem_error;
  io.opaque = nullptr;
  return unzOpen2_64(&bytes, &io);
}

bool starts_like_zip(std::span<const std::byte> bytes) {
  if (bytes.size() < 4) return false;
  const auto b = [&](std::size_t i) { return std::uint8_t(bytes[i]); };
  return b(0) == 'P' && b(1) == 'K' &&
         ((b(2) == 3 && b(3) == 4) || (b(2) == 5 && b(3) == 6) || (b(2) == 7 && b(3) == 8));
}

const std::array<std::uint32_t, 256>& crc_table() {
  static const std::array<std::uint32_t, 256> table = [] {
    std::array<std::uint32_t, 256> t{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  return table;
}

std::uint32_t crc32_of(std::span<const std::byte> data) {
  const auto& table = crc_table();
  std::uint32_t c = 0xFFFFFFFFu;
  for (std::byte b : data) c = table[(c ^ std::uint8_t(b)) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

}  // namespace

ZipReader ZipReader::open(const std::filesystem::path& path) {
  return ZipReader(MappedFile::open(path));
}

ZipReader::ZipReader(std::shared_ptr<const MappedFile> file)
    : ZipReader(file, file->bytes(), file->name()) {}

ZipReader::ZipReader(std::shared_ptr<const void> keep_alive, std::span<const std::byte> bytes,
                     std::string name)
    : keep_alive_(std::move(keep_alive)), bytes_(bytes), name_(std::move(name)) {
  list();
}

void ZipReader::list() {
  Unz unz{open_archive(bytes_)};
  if (unz.handle == nullptr) {
    if (starts_like_zip(bytes_)) {
      fail(ErrorCode::corrupt, "{}: damaged zip archive: its end-of-central-directory record is missing or invalid",
           name_);
    }
    fail(ErrorCode::unknown_format, "{}: not a zip archive", name_);
  }
  unz_global_info64 global{};
  if (unzGetGlobalInfo64(unz.handle, &global) != UNZ_OK) {
    fail(ErrorCode::corrupt, "{}: damaged zip archive: cannot read its central directory", name_);
  }
  if (global.number_entry == 0) return;
  int rc = unzGoToFirstFile(unz.handle);
  std::vector<char> filename(65536);
  while (rc == UNZ_OK) {
    unz_file_info64 info{};
    if (unzGetCurrentFileInfo64(unz.handle, &info, filename.data(), filename.size(), nullptr, 0,
                                nullptr, 0) != UNZ_OK) {
      break;
    }
    unz64_file_pos pos{};
    unzGetFilePos64(unz.handle, &pos);
    ZipEntry e;
    e.name.assign(filename.data(), std::min<std::size_t>(info.size_filename, filename.size() - 1));
    e.compressed_size = info.compressed_size;
    e.uncompressed_size = info.uncompressed_size;
    e.method = static_cast<int>(info.compression_method);
    e.crc32 = static_cast<std::uint32_t>(info.crc);
    e.encrypted = (info.flag & 1) != 0;
    e.directory_offset = pos.pos_in_zip_directory;
    e.index = pos.num_of_file;
    entries_.push_back(std::move(e));
    rc = unzGoToNextFile(unz.handle);
  }
  if (rc != UNZ_END_OF_LIST_OF_FILE) {
    fail(ErrorCode::corrupt, "{}: damaged zip archive: central directory entry {} of {} is unreadable",
         name_, entries_.size() + 1, global.number_entry);
  }
}

const ZipEntry* ZipReader::find(std::string_view name) const {
  for (const ZipEntry& e : entries_) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

const ZipEntry& ZipReader::entry(std::string_view name) const {
  const ZipEntry* e = find(name);
  if (e == nullptr) fail(ErrorCode::not_found, "{}: no entry '{}' in the zip archive", name_, name);
  return *e;
}

namespace {

// Opens `entry` as the current file of `unz`, after the checks every read needs.
void open_entry(unzFile unz, const ZipEntry& entry, const std::string& archive) {
  if (entry.encrypted) {
    fail(ErrorCode::unsupported, "{}: entry '{}' is encrypted", archive, entry.name);
  }
  if (entry.method != 0 && entry.method != Z_DEFLATED) {
    fail(ErrorCode::unsupported, "{}: entry '{}' uses compression method {}; only stored (0) and deflated (8) are read",
         archive, entry.name, entry.method);
  }
  unz64_file_pos pos{entry.directory_offset, entry.index};
  if (unzGoToFilePos64(unz, &pos) != UNZ_OK) {
    fail(ErrorCode::corrupt, "{}: entry '{}': cannot find its central-directory record again", archive,
         entry.name);
  }
  if (unzOpenCurrentFile(unz) != UNZ_OK) {
    fail(ErrorCode::corrupt, "{}: entry '{}': its local header is damaged or disagrees with the central directory",
         archive, entry.name);
  }
}

}  // namespace

std::vector<std::byte> ZipReader::read(const ZipEntry& entry, std::uint64_t max_bytes) const {
  if (entry.uncompressed_size > max_bytes) {
    fail(ErrorCode::invalid_argument, "{}: entry '{}' declares {} bytes, more than the limit of {}",
         name_, entry.name, entry.uncompressed_size, max_bytes);
  }
  // Deflate expands at most ~1032:1, and stored data is its own size: a larger claim is a lie,
  // refused before allocating for it.
  const std::uint64_t bound = entry.stored() ? entry.compressed_size
                                             : entry.compressed_size * 1032 + 1024;
  if (entry.compressed_size > bytes_.size() || entry.uncompressed_size > bound) {
    fail(ErrorCode::corrupt, "{}: entry '{}' declares {} bytes from {} compressed bytes", name_,
         entry.name, entry.uncompressed_size, entry.compressed_size);
  }
  Unz unz{open_archive(bytes_)};
  if (unz.handle == nullptr) fail(ErrorCode::corrupt, "{}: cannot reopen the zip archive", name_);
  open_entry(unz.handle, entry, name_);

  std::vector<std::byte> out(static_cast<std::size_t>(entry.uncompressed_size));
  std::size_t done = 0;
  while (done < out.size()) {
    const std::size_t chunk = std::min<std::size_t>(out.size() - done, 1u << 30);
    const int n = unzReadCurrentFile(unz.handle, out.data() + done, static_cast<unsigned>(chunk));
    if (n < 0) {
      unzCloseCurrentFile(unz.handle);
      fail(ErrorCode::corrupt, "{}: entry '{}': compressed data is damaged at byte {} of {}", name_,
           entry.name, done, out.size());
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  if (done != out.size()) {
    unzCloseCurrentFile(unz.handle);
    fail(ErrorCode::corrupt, "{}: entry '{}': data ends after {} of its declared {} bytes", name_,
         entry.name, done, out.size());
  }
  const int close_rc = unzCloseCurrentFile(unz.handle);
  if (close_rc == UNZ_CRCERROR) {
    fail(ErrorCode::corrupt, "{}: entry '{}': CRC-32 mismatch, the data is damaged", name_, entry.name);
  }
  if (close_rc != UNZ_OK) {
    fail(ErrorCode::corrupt, "{}: entry '{}': damaged data (minizip error {})", name_, entry.name, close_rc);
  }
  // unzCloseCurrentFile checks the CRC only when minizip itself counted every byte; check here too
  // so an empty or short read can never pass unverified.
  if (crc32_of(out) != entry.crc32) {
    fail(ErrorCode::corrupt, "{}: entry '{}': CRC-32 mismatch, the data is damaged", name_, entry.name);
  }
  return out;
}

std::uint64_t ZipReader::data_offset(const ZipEntry& entry) const {
  if (!entry.stored()) {
    fail(ErrorCode::invalid_argument, "{}: entry '{}' is compressed (method {}); only stored entries have a data offset",
         name_, entry.name, entry.method);
  }
  if (entry.compressed_size != entry.uncompressed_size) {
    fail(ErrorCode::corrupt, "{}: stored entry '{}' declares {} compressed but {} uncompressed bytes",
         name_, entry.name, entry.compressed_size, entry.uncompressed_size);
  }
  Unz unz{open_archive(bytes_)};
  if (unz.handle == nullptr) fail(ErrorCode::corrupt, "{}: cannot reopen the zip archive", name_);
  open_entry(unz.handle, entry, name_);
  const std::uint64_t offset = unzGetCurrentFileZStreamPos64(unz.handle);
  unzCloseCurrentFile(unz.handle);
  if (offset == 0 || offset > bytes_.size() || entry.compressed_size > bytes_.size() - offset) {
    fail(ErrorCode::corrupt, "{}: entry '{}' needs {} bytes at offset {}, the archive ends at {}",
         name_, entry.name, entry.compressed_size, offset, bytes_.size());
  }
  return offset;
}

std::span<const std::byte> ZipReader::stored_data(const ZipEntry& entry) const {
  const std::uint64_t offset = data_offset(entry);
  return bytes_.subspan(static_cast<std::size_t>(offset), static_cast<std::size_t>(entry.compressed_size));
}

void ZipReader::check_crc(const ZipEntry& entry) const {
  if (crc32_of(stored_data(entry)) != entry.crc32) {
    fail(ErrorCode::corrupt, "{}: entry '{}': CRC-32 mismatch, the data is damaged", name_, entry.name);
  }
}

}  // namespace nnload::io
