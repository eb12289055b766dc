// torch.save's first format (torch 0.1-0.3): a tar archive of `storages` (count, then per storage
// a (key, location, storage type) pickle and its raw bytes, then the views), `tensors` (count,
// then per tensor a (key, storage key, tensor type) pickle and its ndim, sizes, strides, offset)
// and `pickle` (the object, whose persistent ids are tensor and storage keys).
#include <algorithm>
#include <limits>
#include <map>
#include <unordered_map>

#include "core/fail.hpp"
#include "formats/torch/archive.hpp"
#include "io/byte_reader.hpp"
#include "io/pickle/unpickler.hpp"

namespace nnload::formats::torch {

namespace {

using io::pickle::Kind;
using io::pickle::Value;

constexpr std::size_t kBlock = 512;

std::uint64_t octal(std::span<const std::byte> field, const std::string& file) {
  std::uint64_t v = 0;
  bool digits = false;
  for (std::byte b : field) {
    const char c = static_cast<char>(b);
    if (c == ' ' && !digits) continue;
    if (c < '0' || c > '7') break;
    if (v > (std::numeric_limits<std::uint64_t>::max() >> 3)) {
      fail(ErrorCode::corrupt, "{}: tar header number overflows", file);
    }
    v = v * 8 + static_cast<std::uint64_t>(c - '0');
    digits = true;
  }
  return v;
}

std::string field_text(std::span<const std::byte> field) {
  std::string s(reinterpret_cast<const char*>(field.data()), field.size());
  return s.substr(0, s.find('\0'));
}

// Regular members by name. Headers are checksummed; PAX 'path'/'size' and GNU long names honoured.
std::map<std::string, std::span<const std::byte>> tar_members(std::span<const std::byte> bytes,
                                                              const std::string& file) {
  std::map<std::string, std::span<const std::byte>> out;
  std::string long_name;
  std::uint64_t pax_size = 0;
  bool has_pax_size = false;
  std::size_t pos = 0;
  while (pos + kBlock <= bytes.size()) {
    const std::span<const std::byte> h = bytes.subspan(pos, kBlock);
    if (std::all_of(h.begin(), h.end(), [](std::byte b) { return b == std::byte{0}; })) break;
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < kBlock; ++i) {
      sum += (i >= 148 && i < 156) ? ' ' : static_cast<std::uint8_t>(h[i]);
    }
    if (sum != octal(h.subspan(148, 8), file)) {
      fail(ErrorCode::corrupt, "{}: tar header at offset {} has a bad checksum", file, pos);
    }
    std::string name = field_text(h.subspan(0, 100));
    if (field_text(h.subspan(257, 5)) == "ustar") {
      const std::string prefix = field_text(h.subspan(345, 155));
      if (!prefix.empty()) name = prefix + "/" + name;
    }
    std::uint64_t size = octal(h.subspan(124, 12), file);
    const char type = static_cast<char>(h[156]);
    if (has_pax_size && (type == '0' || type == '\0')) size = pax_size;
    const std::size_t data = pos + kBlock;
    if (size > bytes.size() - data) {
      fail(ErrorCode::corrupt,
           "{}: tar member '{}' needs {} bytes at offset {}, the file ends at {}", file, name, size,
           data, bytes.size());
    }
    const std::span<const std::byte> body = bytes.subspan(data, static_cast<std::size_t>(size));
    if (type == 'x') {
      // PAX records: "<length> <key>=<value>\n".
      const std::string text(reinterpret_cast<const char*>(body.data()), body.size());
      std::size_t at = 0;
      while (at < text.size()) {
        const std::size_t space = text.find(' ', at);
        const std::size_t len = std::strtoull(text.c_str() + at, nullptr, 10);
        if (space == std::string::npos || len == 0 || len > text.size() - at) break;
        const std::string record = text.substr(space + 1, at + len - space - 2);
        const std::size_t eq = record.find('=');
        if (eq != std::string::npos && record.substr(0, eq) == "path")
          long_name = record.substr(eq + 1);
        if (eq != std::string::npos && record.substr(0, eq) == "size") {
          pax_size = std::strtoull(record.c_str() + eq + 1, nullptr, 10);
          has_pax_size = true;
        }
        at += len;
      }
    } else if (type == 'L') {
      long_name = field_text(body);
    } else {
      if (type == '0' || type == '\0') out[long_name.empty() ? name : long_name] = body;
      if (type != 'g') {
        long_name.clear();
        has_pax_size = false;
      }
    }
    pos = data + static_cast<std::size_t>((size + kBlock - 1) / kBlock * kBlock);
  }
  return out;
}

// Pickles and raw records one after another inside a member.
class MemberReader {
 public:
  MemberReader(std::span<const std::byte> bytes, std::string what, io::pickle::Heap& heap,
               const io::pickle::Limits& limits)
      : bytes_(bytes), what_(std::move(what)), heap_(heap), limits_(limits) {}

  const Value& pickle() {
    const auto r = io::pickle::unpickle(bytes_.subspan(pos_), heap_, limits_, what_, pos_);
    pos_ += r.end;
    return *r.root;
  }
  io::ByteReader raw() { return io::ByteReader(bytes_.subspan(pos_), what_, pos_); }
  void advance(std::size_t n) { pos_ += n; }
  const std::string& what() const { return what_; }

 private:
  std::span<const std::byte> bytes_;
  std::string what_;
  io::pickle::Heap& heap_;
  const io::pickle::Limits& limits_;
  std::size_t pos_ = 0;
};

std::int64_t count_of(const Value& v, const std::string& what) {
  if (!v.is_int() || v.as_int() < 0) fail(ErrorCode::corrupt, "{}: the count is not an int", what);
  return v.as_int();
}

}  // namespace

Archive read_tar_archive(std::shared_ptr<const io::MappedFile> file, const ReadLimits& limits) {
  Archive archive;
  archive.file = file->name();
  archive.format = "tar";
  archive.heap = std::make_shared<io::pickle::Heap>();
  const auto members = tar_members(file->bytes(), archive.file);
  for (const char* needed : {"storages", "tensors", "pickle"}) {
    if (members.count(needed) == 0) {
      fail(ErrorCode::unknown_format, "{}: a tar archive without a '{}' member: not a PyTorch file",
           archive.file, needed);
    }
  }
  const io::pickle::Limits plimits = pickle_limits(limits);
  const std::shared_ptr<const void> keep_alive = file;
  auto storages =
      std::make_shared<std::unordered_map<std::int64_t, std::shared_ptr<const Storage>>>();
  auto tensors = std::make_shared<std::unordered_map<std::int64_t, TensorRecord>>();

  MemberReader s(members.at("storages"), archive.file + ": tar member 'storages'", *archive.heap,
                 plimits);
  const std::int64_t num_storages = count_of(s.pickle(), s.what());
  for (std::int64_t i = 0; i < num_storages; ++i) {
    const Value& t = s.pickle();
    if (t.kind != Kind::tuple || t.items.size() != 3 || !t.items[0]->is_int() ||
        t.items[1]->kind != Kind::string) {
      fail(ErrorCode::corrupt, "{}: storage {} is not described as (key, location, type)", s.what(),
           i);
    }
    const ElementType* element = element_of_storage_type(*t.items[2]);
    if (element == nullptr) {
      fail(ErrorCode::unsupported, "{}: storage {} has a storage type nnload does not read",
           s.what(), i);
    }
    io::ByteReader r = s.raw();
    const std::int64_t count = r.i64();
    if (count < 0 || static_cast<std::uint64_t>(count) > r.remaining() / element->size) {
      fail(ErrorCode::corrupt, "{}: storage {} declares {} elements, only {} bytes are left",
           s.what(), i, count, r.remaining());
    }
    auto storage = std::make_shared<Storage>();
    storage->key = std::to_string(t.items[0]->as_int());
    storage->element = element;
    storage->numel = static_cast<std::uint64_t>(count);
    storage->location = t.items[1]->text;
    storage->bytes = r.bytes(static_cast<std::size_t>(count) * element->size);
    storage->keep_alive = keep_alive;
    s.advance(r.offset());
    (*storages)[t.items[0]->as_int()] = std::move(storage);
  }
  const Value& views = s.pickle();
  if (views.kind != Kind::list && views.kind != Kind::tuple) {
    fail(ErrorCode::corrupt, "{}: the storage views are not a list", s.what());
  }
  for (const Value* v : views.items) {
    const auto& a = v->items;
    if (v->kind != Kind::tuple || a.size() != 4 || !a[0]->is_int() || !a[1]->is_int() ||
        !a[2]->is_int() || !a[3]->is_int() || storages->count(a[1]->as_int()) == 0 ||
        a[2]->as_int() < 0 || a[3]->as_int() < 0) {
      fail(ErrorCode::corrupt, "{}: a storage view is not (key, root key, offset, size)", s.what());
    }
    const Storage& root = *storages->at(a[1]->as_int());
    const auto offset = static_cast<std::uint64_t>(a[2]->as_int());
    const auto numel = static_cast<std::uint64_t>(a[3]->as_int());
    if (offset > root.numel || numel > root.numel - offset) {
      fail(ErrorCode::corrupt, "{}: a view of {} elements at {} overruns storage {} of {}",
           s.what(), numel, offset, root.key, root.numel);
    }
    auto view = std::make_shared<Storage>(root);
    view->key = std::to_string(a[0]->as_int());
    view->numel = numel;
    view->bytes = root.bytes.subspan(offset * root.element->size, numel * root.element->size);
    (*storages)[a[0]->as_int()] = std::move(view);
  }

  MemberReader t(members.at("tensors"), archive.file + ": tar member 'tensors'", *archive.heap,
                 plimits);
  const std::int64_t num_tensors = count_of(t.pickle(), t.what());
  for (std::int64_t i = 0; i < num_tensors; ++i) {
    const Value& d = t.pickle();
    if (d.kind != Kind::tuple || d.items.size() != 3 || !d.items[0]->is_int() ||
        !d.items[1]->is_int() || storages->count(d.items[1]->as_int()) == 0) {
      fail(ErrorCode::corrupt, "{}: tensor {} does not name a storage of the file", t.what(), i);
    }
    io::ByteReader r = t.raw();
    const std::int32_t ndim = r.i32();
    r.skip(4);
    if (ndim < 0 || static_cast<std::size_t>(ndim) > r.remaining() / 16) {
      fail(ErrorCode::corrupt, "{}: tensor {} declares {} dimensions", t.what(), i, ndim);
    }
    TensorRecord record;
    record.storage = storages->at(d.items[1]->as_int());
    for (std::int32_t k = 0; k < ndim; ++k) record.size.push_back(r.i64());
    for (std::int32_t k = 0; k < ndim; ++k) record.stride.push_back(r.i64());
    record.offset = r.i64();
    t.advance(r.offset());
    (*tensors)[d.items[0]->as_int()] = std::move(record);
  }

  MemberReader p(members.at("pickle"), archive.file + ": tar member 'pickle'", *archive.heap,
                 plimits);
  archive.root = &p.pickle();
  archive.keyed = [storages, tensors](std::int64_t key) -> KeyedObject {
    if (const auto it = tensors->find(key); it != tensors->end()) return it->second;
    if (const auto it = storages->find(key); it != storages->end()) return it->second;
    return std::monostate{};
  };
  return archive;
}

}  // namespace nnload::formats::torch
