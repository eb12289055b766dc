#include "io/zip_reader.hpp"

#include <minizip/unzip.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <limits>

#include "core/byte_ranges.hpp"
#include "core/fail.hpp"
#include "io/byte_reader.hpp"

namespace nnload::io {

namespace {

constexpr std::uint32_t kLocalSig = 0x04034b50;
constexpr std::uint32_t kCentralSig = 0x02014b50;
constexpr std::uint32_t kEndSig = 0x06054b50;
constexpr std::uint32_t kEnd64Sig = 0x06064b50;
constexpr std::uint32_t kLocator64Sig = 0x07064b50;
constexpr std::size_t kEndSize = 22;
constexpr std::uint32_t kMax32 = 0xFFFFFFFFu;

bool starts_like_zip(std::span<const std::byte> bytes) {
  if (bytes.size() < 4) return false;
  const std::uint32_t sig = ByteReader(bytes.first(4)).u32();
  return sig == kLocalSig || sig == kEndSig || sig == 0x08074b50;
}

// zlib's CRC-32 (zip's polynomial), 4 GB/s here against 0.4 for a byte-wise table: every entry
// read and every check_crc() pays it over the whole entry.
std::uint32_t crc32_of(std::span<const std::byte> data) {
  return static_cast<std::uint32_t>(
      ::crc32_z(0, reinterpret_cast<const Bytef*>(data.data()), data.size()));
}

// The end-of-central-directory record: the last "PK\5\6" whose comment fits in the file.
std::size_t find_end_record(std::span<const std::byte> bytes) {
  if (bytes.size() < kEndSize) return std::string::npos;
  const std::size_t last = bytes.size() - kEndSize;
  const std::size_t first = last > 65535 ? last - 65535 : 0;
  for (std::size_t p = last + 1; p-- > first;) {
    ByteReader r(bytes.subspan(p));
    if (r.u32() != kEndSig) continue;
    r.skip(16);
    if (r.u16() <= r.remaining()) return p;
  }
  return std::string::npos;
}

// minizip reads through these callbacks, so it can never touch bytes outside the span.
struct MemoryStream {
  std::span<const std::byte> bytes;
  std::uint64_t pos = 0;
  bool short_read = false;
};

voidpf ZCALLBACK mem_open(voidpf, const void* source, int mode) {
  if ((mode & ZLIB_FILEFUNC_MODE_READWRITEFILTER) != ZLIB_FILEFUNC_MODE_READ) return nullptr;
  return new MemoryStream{*static_cast<const std::span<const std::byte>*>(source), 0, false};
}

uLong ZCALLBACK mem_read(voidpf, voidpf stream, void* buf, uLong size) {
  auto* s = static_cast<MemoryStream*>(stream);
  const std::uint64_t left = s->bytes.size() - s->pos;
  const std::uint64_t n = size < left ? size : left;
  if (n > 0) std::memcpy(buf, s->bytes.data() + s->pos, static_cast<std::size_t>(n));
  // minizip takes a short read at the end for success unless the error callback says otherwise.
  if (n < size) s->short_read = true;
  s->pos += n;
  return static_cast<uLong>(n);
}

uLong ZCALLBACK mem_write(voidpf, voidpf, const void*, uLong) { return 0; }

ZPOS64_T ZCALLBACK mem_tell(voidpf, voidpf stream) {
  return static_cast<MemoryStream*>(stream)->pos;
}

long ZCALLBACK mem_seek(voidpf, voidpf stream, ZPOS64_T offset, int origin) {
  auto* s = static_cast<MemoryStream*>(stream);
  const std::uint64_t size = s->bytes.size();
  std::uint64_t base = 0;
  switch (origin) {
    case ZLIB_FILEFUNC_SEEK_SET:
      base = 0;
      break;
    case ZLIB_FILEFUNC_SEEK_CUR:
      base = s->pos;
      break;
    case ZLIB_FILEFUNC_SEEK_END:
      base = size;
      break;
    default:
      return -1;
  }
  // Negative relative offsets arrive as wrapped unsigned values; the sum wraps back.
  const std::uint64_t target = base + offset;
  if (target > size) return -1;
  s->pos = target;
  return 0;
}

int ZCALLBACK mem_close(voidpf, voidpf stream) {
  delete static_cast<MemoryStream*>(stream);
  return 0;
}

int ZCALLBACK mem_error(voidpf, voidpf stream) {
  return static_cast<MemoryStream*>(stream)->short_read ? 1 : 0;
}

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
  const std::size_t end = find_end_record(bytes_);
  if (end == std::string::npos) {
    if (starts_like_zip(bytes_)) {
      fail(ErrorCode::corrupt,
           "{}: damaged zip archive: no end-of-central-directory record (truncated?)", name_);
    }
    fail(ErrorCode::unknown_format, "{}: not a zip archive", name_);
  }
  const auto damaged = [&](const std::string& what) {
    fail(ErrorCode::corrupt, "{}: damaged zip archive: {}", name_, what);
  };
  ByteReader eocd(bytes_.subspan(end), name_, end);
  eocd.skip(4);
  const std::uint16_t disk = eocd.u16();
  const std::uint16_t cd_disk = eocd.u16();
  std::uint64_t count_on_disk = eocd.u16();
  std::uint64_t count = eocd.u16();
  std::uint64_t cd_size = eocd.u32();
  std::uint64_t cd_offset = eocd.u32();
  std::uint64_t records_end = end;  // where the central directory's records must end

  // zip64: a locator right before the end record points at the zip64 end record.
  if (end >= 20 && ByteReader(bytes_.subspan(end - 20, 4)).u32() == kLocator64Sig) {
    ByteReader loc(bytes_.subspan(end - 20, 20), name_, end - 20);
    loc.skip(4);
    loc.u32();
    const std::uint64_t end64 = loc.u64();
    // The zip64 record sits before the locator; with prepended data (self-extracting archives)
    // its stored offset is off by the prefix, so trust the stored offset only when it matches.
    std::uint64_t at = end64;
    if (at > end - 20 ||
        ByteReader(bytes_.subspan(static_cast<std::size_t>(at))).remaining() < 56 ||
        ByteReader(bytes_.subspan(static_cast<std::size_t>(at), 4)).u32() != kEnd64Sig) {
      if (end < 20 + 56) damaged("zip64 end record missing");
      at = end - 20 - 56;
      if (ByteReader(bytes_.subspan(static_cast<std::size_t>(at), 4)).u32() != kEnd64Sig) {
        damaged("zip64 end record missing");
      }
    }
    ByteReader r(bytes_.subspan(static_cast<std::size_t>(at)), name_, at);
    r.skip(4 + 8 + 2 + 2);
    const std::uint32_t disk64 = r.u32();
    const std::uint32_t cd_disk64 = r.u32();
    count_on_disk = r.u64();
    count = r.u64();
    cd_size = r.u64();
    cd_offset = r.u64();
    if (disk64 != 0 || cd_disk64 != 0)
      fail(ErrorCode::unsupported, "{}: multi-disk zip archives are not supported", name_);
    records_end = at;
  } else if (disk != 0 || cd_disk != 0) {
    fail(ErrorCode::unsupported, "{}: multi-disk zip archives are not supported", name_);
  }
  if (count_on_disk != count) damaged("entry counts disagree");
  if (cd_offset > records_end || cd_size > records_end - cd_offset) {
    damaged(fmt::format("central directory of {} bytes at offset {} does not fit before offset {}",
                        cd_size, cd_offset, records_end));
  }
  // Bytes before the archive proper (a self-extractor stub) shift every stored offset.
  const std::uint64_t prefix = records_end - (cd_offset + cd_size);
  // Each record is at least 46 bytes, so a count larger than that is a lie told before we
  // reserve anything for it.
  if (count > cd_size / 46)
    damaged(fmt::format("{} entries cannot fit in a {}-byte central directory", count, cd_size));

  ByteReader cd(bytes_.subspan(static_cast<std::size_t>(prefix + cd_offset),
                               static_cast<std::size_t>(cd_size)),
                name_, prefix + cd_offset);
  entries_.reserve(static_cast<std::size_t>(count));
  for (std::uint64_t i = 0; i < count; ++i) {
    if (cd.u32() != kCentralSig)
      damaged(fmt::format("central directory entry {} has a bad signature", i + 1));
    ZipEntry e;
    cd.skip(4);  // versions
    e.flags = cd.u16();
    e.method = cd.u16();
    cd.skip(4);  // time, date
    e.crc32 = cd.u32();
    e.compressed_size = cd.u32();
    e.uncompressed_size = cd.u32();
    const std::uint16_t name_len = cd.u16();
    const std::uint16_t extra_len = cd.u16();
    const std::uint16_t comment_len = cd.u16();
    const std::uint16_t start_disk = cd.u16();
    cd.skip(6);  // attributes
    std::uint64_t local = cd.u32();
    e.name = std::string(cd.chars(name_len));
    ByteReader extra = cd.sub(extra_len);
    cd.skip(comment_len);
    while (extra.remaining() >= 4) {
      const std::uint16_t id = extra.u16();
      ByteReader field = extra.sub(extra.u16());
      if (id != 0x0001) continue;
      // zip64: 8-byte values for exactly the fields that read 0xFFFFFFFF, in this order.
      if (e.uncompressed_size == kMax32) e.uncompressed_size = field.u64();
      if (e.compressed_size == kMax32) e.compressed_size = field.u64();
      if (local == kMax32) local = field.u64();
    }
    if (start_disk != 0 && start_disk != 0xFFFF)
      fail(ErrorCode::unsupported, "{}: multi-disk zip archives are not supported", name_);
    e.encrypted = (e.flags & 1) != 0;
    if (local > bytes_.size() - prefix) {
      damaged(fmt::format("entry '{}' has its local header at {}, past the end at {}", e.name,
                          local + prefix, bytes_.size()));
    }
    e.local_header_offset = local + prefix;
    e.index = i;
    first_by_name_.emplace(e.name, entries_.size());
    entries_.push_back(std::move(e));
  }
  check_no_overlap();
}

// Writers put each entry's local header and data after the previous entry's. Entries sharing
// bytes make one small deflate stream inflate once per entry (an overlapped zip bomb: 300 entries
// over one 4 MB array made a 21 kB .npz load 1.2 GB). Python's zipfile refuses them too. Each
// entry covers at least its 30-byte local header and its compressed data.
void ZipReader::check_no_overlap() const {
  std::vector<TaggedRange<const ZipEntry*>> ranges;
  ranges.reserve(entries_.size());
  for (const ZipEntry& e : entries_) {
    const std::uint64_t extent =
        e.compressed_size > ~std::uint64_t{0} - 30 ? ~std::uint64_t{0} : 30 + e.compressed_size;
    ranges.push_back({e.local_header_offset, extent, &e});
  }
  if (const auto pair = first_overlap(std::move(ranges))) {
    fail(ErrorCode::corrupt,
         "{}: damaged zip archive: entries '{}' and '{}' overlap (their data would be read "
         "for both)",
         name_, pair->first->name, pair->second->name);
  }
}

const ZipEntry* ZipReader::find(std::string_view name) const {
  const auto it = first_by_name_.find(std::string(name));
  return it == first_by_name_.end() ? nullptr : &entries_[it->second];
}

const ZipEntry& ZipReader::entry(std::string_view name) const {
  const ZipEntry* e = find(name);
  if (e == nullptr) fail(ErrorCode::not_found, "{}: no entry '{}' in the zip archive", name_, name);
  return *e;
}

std::uint64_t ZipReader::data_offset(const ZipEntry& entry) const {
  if (!entry.stored()) {
    fail(ErrorCode::invalid_argument,
         "{}: entry '{}' is compressed (method {}); only stored entries have a data offset", name_,
         entry.name, entry.method);
  }
  if (entry.encrypted)
    fail(ErrorCode::unsupported, "{}: entry '{}' is encrypted", name_, entry.name);
  if (entry.compressed_size != entry.uncompressed_size) {
    fail(ErrorCode::corrupt,
         "{}: stored entry '{}' declares {} compressed but {} uncompressed bytes", name_,
         entry.name, entry.compressed_size, entry.uncompressed_size);
  }
  return compressed_offset(entry);
}

std::span<const std::byte> ZipReader::compressed_data(const ZipEntry& entry) const {
  const std::uint64_t offset = compressed_offset(entry);
  return bytes_.subspan(static_cast<std::size_t>(offset),
                        static_cast<std::size_t>(entry.compressed_size));
}

std::uint64_t ZipReader::compressed_offset(const ZipEntry& entry) const {
  ByteReader local(bytes_.subspan(static_cast<std::size_t>(entry.local_header_offset)), name_,
                   entry.local_header_offset);
  if (local.remaining() < 30 || local.u32() != kLocalSig) {
    fail(ErrorCode::corrupt, "{}: entry '{}': no local header at offset {}", name_, entry.name,
         entry.local_header_offset);
  }
  local.skip(2);
  const std::uint16_t flags = local.u16();
  const std::uint16_t method = local.u16();
  local.skip(4);
  const std::uint32_t crc = local.u32();
  const std::uint32_t csize = local.u32();
  const std::uint32_t usize = local.u32();
  const std::uint16_t name_len = local.u16();
  const std::uint16_t extra_len = local.u16();
  // With a data descriptor (flag bit 3) the local fields may be zero; otherwise they must agree.
  const bool sizes_agree = (csize == kMax32 || csize == entry.compressed_size) &&
                           (usize == kMax32 || usize == entry.uncompressed_size) &&
                           crc == entry.crc32;
  if (method != entry.method || ((flags & 8) == 0 && !sizes_agree)) {
    fail(ErrorCode::corrupt, "{}: entry '{}': local header disagrees with the central directory",
         name_, entry.name);
  }
  local.skip(name_len);
  local.skip(extra_len);
  const std::uint64_t offset = local.absolute_offset();
  if (entry.compressed_size > bytes_.size() - offset) {
    fail(ErrorCode::corrupt, "{}: entry '{}' needs {} bytes at offset {}, the archive ends at {}",
         name_, entry.name, entry.compressed_size, offset, bytes_.size());
  }
  return offset;
}

std::span<const std::byte> ZipReader::stored_data(const ZipEntry& entry) const {
  const std::uint64_t offset = data_offset(entry);
  return bytes_.subspan(static_cast<std::size_t>(offset),
                        static_cast<std::size_t>(entry.compressed_size));
}

void ZipReader::check_crc(const ZipEntry& entry) const {
  if (crc32_of(stored_data(entry)) != entry.crc32) {
    fail(ErrorCode::corrupt, "{}: entry '{}': CRC-32 mismatch, the data is damaged", name_,
         entry.name);
  }
}

std::vector<std::byte> ZipReader::read(const ZipEntry& entry, std::uint64_t max_bytes) const {
  if (entry.encrypted)
    fail(ErrorCode::unsupported, "{}: entry '{}' is encrypted", name_, entry.name);
  if (entry.method != 0 && entry.method != Z_DEFLATED) {
    fail(ErrorCode::unsupported,
         "{}: entry '{}' uses compression method {}; only stored (0) and deflated (8) are read",
         name_, entry.name, entry.method);
  }
  if (entry.uncompressed_size > max_bytes) {
    fail(ErrorCode::invalid_argument, "{}: entry '{}' declares {} bytes, more than the limit of {}",
         name_, entry.name, entry.uncompressed_size, max_bytes);
  }
  std::vector<std::byte> out;
  if (entry.stored()) {
    const std::span<const std::byte> data = stored_data(entry);
    out.assign(data.begin(), data.end());
  } else {
    out = inflate(entry);
  }
  if (crc32_of(out) != entry.crc32) {
    fail(ErrorCode::corrupt, "{}: entry '{}': CRC-32 mismatch, the data is damaged", name_,
         entry.name);
  }
  return out;
}

std::vector<std::byte> ZipReader::inflate(const ZipEntry& entry) const {
  // Deflate expands at most ~1032:1: a larger claim is a lie, refused before allocating for it.
  if (entry.compressed_size > bytes_.size() ||
      entry.uncompressed_size > entry.compressed_size * 1032 + 1024) {
    fail(ErrorCode::corrupt, "{}: entry '{}' declares {} bytes from {} compressed bytes", name_,
         entry.name, entry.uncompressed_size, entry.compressed_size);
  }
  if (entry.compressed_size >= kMax32 || entry.uncompressed_size >= kMax32) {
    fail(ErrorCode::unsupported,
         "{}: entry '{}': deflated entries of 4 GiB or more are not supported", name_, entry.name);
  }
  const std::span<const std::byte> data = compressed_data(entry);
  // libminizip only ever sees a one-entry archive written here from the checked values, so its
  // own (zip64-unaware) header parsing never touches the file.
  std::vector<std::byte> archive;
  archive.reserve(data.size() + 128);
  const auto put = [&](std::uint64_t value, int n) {  // n <= 8
    for (int i = 0; i < n; ++i) archive.push_back(std::byte((value >> (8 * i)) & 0xff));
  };
  const auto header = [&](std::uint32_t sig, bool central) {
    put(sig, 4);
    if (central) put(20, 2);
    put(20, 2);
    put(0, 2);  // flags
    put(Z_DEFLATED, 2);
    put(0, 2);
    put(0x21, 2);
    put(entry.crc32, 4);
    put(entry.compressed_size, 4);
    put(entry.uncompressed_size, 4);
    put(1, 2);  // name "x"
    put(0, 2);
  };
  header(kLocalSig, false);
  archive.push_back(std::byte{'x'});
  archive.insert(archive.end(), data.begin(), data.end());
  const std::uint64_t cd_offset = archive.size();
  header(kCentralSig, true);
  // Comment length, disk, internal and external attributes, local header offset 0. One put each:
  // a single 14-byte put shifted a 64-bit value by 64 and more (undefined; found by fuzz_zip).
  put(0, 2);
  put(0, 2);
  put(0, 2);
  put(0, 4);
  put(0, 4);
  archive.push_back(std::byte{'x'});
  const std::uint64_t cd_size = archive.size() - cd_offset;
  put(kEndSig, 4);
  put(0, 4);
  put(1, 2);
  put(1, 2);
  put(cd_size, 4);
  put(cd_offset, 4);
  put(0, 2);

  Unz unz{open_archive(archive)};
  if (unz.handle == nullptr || unzGoToFirstFile(unz.handle) != UNZ_OK ||
      unzOpenCurrentFile(unz.handle) != UNZ_OK) {
    fail(ErrorCode::internal, "{}: entry '{}': libminizip refused a rebuilt archive", name_,
         entry.name);
  }
  std::vector<std::byte> out(static_cast<std::size_t>(entry.uncompressed_size));
  std::size_t done = 0;
  while (done < out.size()) {
    const std::size_t chunk = std::min<std::size_t>(out.size() - done, std::size_t{1} << 30);
    const int n = unzReadCurrentFile(unz.handle, out.data() + done, static_cast<unsigned>(chunk));
    if (n < 0) {
      unzCloseCurrentFile(unz.handle);
      fail(ErrorCode::corrupt, "{}: entry '{}': compressed data is damaged at byte {} of {}", name_,
           entry.name, done, out.size());
    }
    if (n == 0) break;
    done += static_cast<std::size_t>(n);
  }
  std::byte extra{};
  const int more = done == out.size() ? unzReadCurrentFile(unz.handle, &extra, 1) : 0;
  unzCloseCurrentFile(unz.handle);
  if (done != out.size() || more != 0) {
    fail(ErrorCode::corrupt, "{}: entry '{}': the data does not inflate to its declared {} bytes",
         name_, entry.name, out.size());
  }
  return out;
}

}  // namespace nnload::io
