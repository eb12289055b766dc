// torch.save's zip format (torch >= 1.6) and torch.jit.save archives: <folder>/data.pkl,
// <folder>/data/<key> storages (stored, 64-byte aligned: mapped without copying), version,
// byteorder.
#include <algorithm>
#include <cctype>
#include <limits>
#include <unordered_map>

#include "core/fail.hpp"
#include "formats/torch/archive.hpp"
#include "io/pickle/unpickler.hpp"
#include "io/zip_reader.hpp"

namespace nnload::formats::torch {

namespace {

std::string trimmed(std::string s) {
  const auto space = [](unsigned char c) { return std::isspace(c) != 0; };
  s.erase(s.begin(), std::find_if_not(s.begin(), s.end(), space));
  s.erase(std::find_if_not(s.rbegin(), s.rend(), space).base(), s.end());
  return s;
}

std::string small_record(const io::ZipReader& zip, const io::ZipEntry& entry) {
  const std::vector<std::byte> data = zip.read(entry, 4096);
  return trimmed(std::string(reinterpret_cast<const char*>(data.data()), data.size()));
}

}  // namespace

io::pickle::Limits pickle_limits(const ReadLimits& limits) {
  io::pickle::Limits out;
  out.max_objects = limits.max_objects;
  out.max_memo = limits.max_objects;
  return out;
}

std::shared_ptr<const std::vector<std::byte>> byte_swapped(std::span<const std::byte> bytes,
                                                           std::size_t size) {
  auto out = std::make_shared<std::vector<std::byte>>(bytes.begin(), bytes.end());
  for (std::size_t i = 0; i + size <= out->size(); i += size) {
    std::reverse(out->begin() + static_cast<std::ptrdiff_t>(i),
                 out->begin() + static_cast<std::ptrdiff_t>(i + size));
  }
  return out;
}

Archive read_zip_archive(std::shared_ptr<const io::MappedFile> file, const ReadLimits& limits) {
  const io::ZipReader zip = [&] {
    try {
      return io::ZipReader(file);
    } catch (const Error& e) {
      // It starts like a zip (detect() checked): a damaged archive, not another format.
      if (e.code() != ErrorCode::unknown_format) throw;
      fail(ErrorCode::corrupt, "{}: starts like a zip archive but is damaged or truncated: {}",
           file->name(), e.what());
    }
  }();
  Archive archive;
  archive.file = file->name();
  archive.format = "zip";
  const auto& entries = zip.entries();
  if (entries.empty()) {
    fail(ErrorCode::unknown_format, "{}: an empty zip archive, not a PyTorch file", archive.file);
  }
  // torch names every record "<folder>/<record>", the folder being the first record's.
  const std::string& first = entries.front().name;
  const std::size_t slash = first.find('/');
  if (slash == std::string::npos || slash == 0) {
    fail(ErrorCode::unknown_format,
         "{}: a zip archive whose first entry '{}' is not inside a folder: not a PyTorch file",
         archive.file, first);
  }
  const std::string prefix = first.substr(0, slash + 1);
  const io::ZipEntry* pickle = zip.find(prefix + "data.pkl");
  if (pickle == nullptr) {
    if (zip.find(prefix + "model.json") != nullptr) {
      fail(ErrorCode::unsupported,
           "{}: a TorchScript archive of torch 1.0-1.3 (model.json, no data.pkl); re-save it "
           "with a newer torch",
           archive.file);
    }
    fail(ErrorCode::unknown_format, "{}: a zip archive without {}data.pkl: not a PyTorch file",
         archive.file, prefix);
  }
  if (const io::ZipEntry* v = zip.find(prefix + "version")) {
    archive.version = small_record(zip, *v);
  } else if (const io::ZipEntry* dv = zip.find(prefix + ".data/version")) {
    archive.version = small_record(zip, *dv);
  }
  if (const io::ZipEntry* b = zip.find(prefix + "byteorder")) {
    archive.byteorder = small_record(zip, *b);
    if (archive.byteorder != "little" && archive.byteorder != "big") {
      fail(ErrorCode::corrupt, "{}: byteorder record says '{}', expected 'little' or 'big'",
           archive.file, archive.byteorder.substr(0, 40));
    }
  }
  const bool torchscript = std::any_of(entries.begin(), entries.end(), [&](const io::ZipEntry& e) {
    return e.name.starts_with(prefix + "code/");
  });
  archive.torchscript = torchscript;
  if (torchscript) {
    archive.notes.push_back(
        "TorchScript archive: the module's parameters and attributes are read from data.pkl; "
        "its code (code/) and constants.pkl are not read");
  }

  if (pickle->uncompressed_size > limits.max_pickle_bytes) {
    fail(ErrorCode::invalid_argument,
         "{}: {} holds {} bytes, more than the {} bytes allowed (ReadLimits::max_pickle_bytes)",
         archive.file, pickle->name, pickle->uncompressed_size, limits.max_pickle_bytes);
  }
  const std::vector<std::byte> pickle_bytes = zip.read(*pickle, limits.max_pickle_bytes);
  archive.heap = std::make_shared<io::pickle::Heap>();
  archive.root = io::pickle::unpickle(pickle_bytes, *archive.heap, pickle_limits(limits),
                                      archive.file + ": " + pickle->name)
                     .root;

  const bool big_endian = archive.byteorder == "big";
  // ZipReader::find scans the directory; a state_dict of 100k tensors needs an index.
  auto records = std::make_shared<std::unordered_map<std::string, std::size_t>>();
  for (std::size_t i = 0; i < entries.size(); ++i) records->try_emplace(entries[i].name, i);
  archive.storage = [zip, records, prefix, big_endian, name = archive.file](
                        const std::string& key, const ElementType& element, std::uint64_t numel,
                        const std::string& location) -> std::shared_ptr<const Storage> {
    const std::string record = prefix + "data/" + key;
    const auto found = records->find(record);
    const io::ZipEntry* entry = found == records->end() ? nullptr : &zip.entries()[found->second];
    if (entry == nullptr) {
      fail(ErrorCode::corrupt, "{}: storage '{}' ({}) is missing from the archive", name, key,
           record);
    }
    if (numel > std::numeric_limits<std::uint64_t>::max() / element.size ||
        entry->uncompressed_size < numel * element.size) {
      fail(ErrorCode::corrupt,
           "{}: storage '{}' ({}) holds {} bytes, the pickle declares {} elements of {} bytes",
           name, key, record, entry->uncompressed_size, numel, element.size);
    }
    const std::uint64_t nbytes = numel * element.size;
    auto s = std::make_shared<Storage>();
    s->key = key;
    s->element = &element;
    s->numel = numel;
    s->location = location;
    if (entry->stored()) {
      s->bytes = zip.stored_data(*entry).first(static_cast<std::size_t>(nbytes));
      s->keep_alive = zip.keep_alive();
    } else {
      auto buffer = std::make_shared<const std::vector<std::byte>>(zip.read(*entry, nbytes));
      s->bytes = *buffer;
      s->keep_alive = buffer;
    }
    if (big_endian && element.size > 1) {
      auto swapped = byte_swapped(
          s->bytes, element.name.starts_with("complex") ? element.size / 2 : element.size);
      s->bytes = *swapped;
      s->keep_alive = swapped;
    }
    return s;
  };
  return archive;
}

}  // namespace nnload::formats::torch
