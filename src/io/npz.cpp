#include "io/npz.hpp"

#include <minizip/zip.h>

#include <cstdio>
#include <cstring>
#include <set>

#include "core/fail.hpp"
#include "io/atomic_file.hpp"
#include "io/npy.hpp"

namespace nnload::io {

std::vector<NamedTensor> read_npz(const ZipReader& zip, std::uint64_t max_entry_bytes) {
  std::vector<NamedTensor> out;
  for (const ZipEntry& entry : zip.entries()) {
    if (!entry.name.empty() && entry.name.back() == '/') continue;
    const std::string label = fmt::format("{}: entry '{}'", zip.name(), entry.name);
    std::string key = entry.name;
    if (key.size() >= 4 && key.compare(key.size() - 4, 4, ".npy") == 0) key.resize(key.size() - 4);
    Tensor t;
    if (entry.stored() && !entry.encrypted) {
      t = read_npy(zip.keep_alive(), zip.stored_data(entry), label);
    } else {
      const std::vector<std::byte> bytes = zip.read(entry, max_entry_bytes);
      t = read_npy(bytes, label);
    }
    out.push_back({std::move(key), std::move(t)});
  }
  return out;
}

std::vector<NamedTensor> load_npz(const std::filesystem::path& path,
                                  std::uint64_t max_entry_bytes) {
  return read_npz(ZipReader::open(path), max_entry_bytes);
}

namespace {

// minizip writes through these callbacks into the AtomicFile's stream.
voidpf ZCALLBACK out_open(voidpf, const void* stream, int) { return const_cast<void*>(stream); }
uLong ZCALLBACK out_read(voidpf, voidpf, void*, uLong) { return 0; }
uLong ZCALLBACK out_write(voidpf, voidpf stream, const void* buf, uLong size) {
  return static_cast<uLong>(std::fwrite(buf, 1, size, static_cast<std::FILE*>(stream)));
}
ZPOS64_T ZCALLBACK out_tell(voidpf, voidpf stream) {
  const off_t pos = ::ftello(static_cast<std::FILE*>(stream));
  return pos < 0 ? static_cast<ZPOS64_T>(-1) : static_cast<ZPOS64_T>(pos);
}
long ZCALLBACK out_seek(voidpf, voidpf stream, ZPOS64_T offset, int origin) {
  int whence = SEEK_SET;
  if (origin == ZLIB_FILEFUNC_SEEK_CUR) whence = SEEK_CUR;
  if (origin == ZLIB_FILEFUNC_SEEK_END) whence = SEEK_END;
  return ::fseeko(static_cast<std::FILE*>(stream), static_cast<off_t>(offset), whence) == 0 ? 0
                                                                                            : -1;
}
int ZCALLBACK out_close(voidpf, voidpf) { return 0; }  // the AtomicFile owns the stream
int ZCALLBACK out_error(voidpf, voidpf stream) {
  return std::ferror(static_cast<std::FILE*>(stream));
}

struct ZipWriter {
  zipFile handle = nullptr;
  ~ZipWriter() {
    if (handle != nullptr) zipClose(handle, nullptr);
  }
};

constexpr std::uint64_t kAlign = 64;
constexpr std::uint16_t kPaddingTag = 0x4e4e;  // an unregistered extra-field id readers skip
constexpr std::uint64_t kZip64Threshold = 0xFFFFFFFFull - (1u << 20);

}  // namespace

void save_npz(const std::filesystem::path& path, const std::vector<NamedTensor>& tensors) {
  const std::string name = path.string();
  AtomicFile file(path);
  zlib_filefunc64_def io{};
  io.zopen64_file = out_open;
  io.zread_file = out_read;
  io.zwrite_file = out_write;
  io.ztell64_file = out_tell;
  io.zseek64_file = out_seek;
  io.zclose_file = out_close;
  io.zerror_file = out_error;
  ZipWriter zip{zipOpen2_64(file.stream(), APPEND_STATUS_CREATE, nullptr, &io)};
  if (zip.handle == nullptr)
    fail(ErrorCode::invalid_argument, "{}: cannot start the zip archive", name);

  zip_fileinfo info{};
  info.tmz_date = {0, 0, 0, 1, 0, 1980};  // fixed, so equal inputs give equal files
  std::set<std::string> seen;
  for (const NamedTensor& nt : tensors) {
    if (nt.name.empty() || nt.name.find('\0') != std::string::npos || nt.name.size() > 60000) {
      fail(ErrorCode::invalid_argument, "{}: invalid array name '{}' (empty, too long or with NUL)",
           name, nt.name);
    }
    if (!seen.insert(nt.name).second) {
      fail(ErrorCode::invalid_argument, "{}: array name '{}' appears twice", name, nt.name);
    }
    if (!nt.tensor.defined()) {
      fail(ErrorCode::invalid_argument, "{}: array '{}' is an undefined tensor", name, nt.name);
    }
    const std::string entry = nt.name + ".npy";
    const std::vector<std::byte> header = npy_header(nt.tensor);
    const Tensor data = nt.tensor.dtype() == DType::bf16 ? nt.tensor.to(DType::f32) : nt.tensor;
    const std::uint64_t total = header.size() + data.nbytes();
    const int zip64 = total >= kZip64Threshold ? 1 : 0;

    // The local header is 30 bytes + name + extra (+ 20 for minizip's zip64 record); pad the
    // extra field so that the array data after the .npy header starts on a 64-byte boundary.
    const off_t pos = ::ftello(file.stream());
    if (pos < 0) fail(ErrorCode::invalid_argument, "{}: cannot tell the write position", name);
    const std::uint64_t unpadded =
        static_cast<std::uint64_t>(pos) + 30 + entry.size() + 4 + (zip64 ? 20 : 0) + header.size();
    const std::uint64_t pad = (kAlign - unpadded % kAlign) % kAlign;
    std::vector<unsigned char> extra(4 + pad, 0);
    extra[0] = kPaddingTag & 0xff;
    extra[1] = kPaddingTag >> 8;
    extra[2] = static_cast<unsigned char>(pad & 0xff);
    extra[3] = static_cast<unsigned char>(pad >> 8);

    if (zipOpenNewFileInZip64(zip.handle, entry.c_str(), &info, extra.data(),
                              static_cast<uInt>(extra.size()), nullptr, 0, nullptr, 0, 0,
                              zip64) != ZIP_OK) {
      fail(ErrorCode::invalid_argument, "{}: cannot add entry '{}'", name, entry);
    }
    const auto write = [&](const void* p, std::uint64_t n) {
      const auto* bytes = static_cast<const char*>(p);
      while (n > 0) {
        const unsigned chunk = static_cast<unsigned>(std::min<std::uint64_t>(n, 1u << 30));
        if (zipWriteInFileInZip(zip.handle, bytes, chunk) != ZIP_OK) {
          fail(ErrorCode::invalid_argument, "{}: writing entry '{}' failed: {}", name, entry,
               std::strerror(errno));
        }
        bytes += chunk;
        n -= chunk;
      }
    };
    write(header.data(), header.size());
    write(data.raw(), data.nbytes());
    if (zipCloseFileInZip(zip.handle) != ZIP_OK) {
      fail(ErrorCode::invalid_argument, "{}: finishing entry '{}' failed", name, entry);
    }
  }
  const int rc = zipClose(zip.handle, nullptr);
  zip.handle = nullptr;
  if (rc != ZIP_OK) fail(ErrorCode::invalid_argument, "{}: writing the zip directory failed", name);
  file.commit();
}

}  // namespace nnload::io
