// torch.save's stream format (torch < 1.6, or _use_new_zipfile_serialization=False): pickles of
// the magic number, the protocol version 1001, sys_info, the object and the storage keys, then
// each storage as a little-endian int64 element count and its raw little-endian bytes.
#include <limits>
#include <unordered_map>

#include "core/fail.hpp"
#include "formats/torch/archive.hpp"
#include "io/byte_reader.hpp"
#include "io/pickle/unpickler.hpp"

namespace nnload::formats::torch {

namespace {

using io::pickle::Kind;
using io::pickle::Value;

constexpr std::string_view kMagic = "119547037146038801333356";  // 0x1950a86a20f9469cfc6c
constexpr std::int64_t kProtocolVersion = 1001;

std::string key_string(const Value& v) {
  return v.kind == Kind::string || v.kind == Kind::bytes ? v.text : std::to_string(v.as_int());
}

}  // namespace

Archive read_legacy_archive(std::shared_ptr<const io::MappedFile> file, const ReadLimits& limits) {
  Archive archive;
  archive.file = file->name();
  archive.format = "legacy";
  archive.heap = std::make_shared<io::pickle::Heap>();
  const std::span<const std::byte> bytes = file->bytes();
  const io::pickle::Limits plimits = pickle_limits(limits);
  std::size_t pos = 0;
  const auto next = [&](std::string_view what) {
    const std::span<const std::byte> rest = bytes.subspan(pos);
    const auto r = io::pickle::unpickle(rest.first(static_cast<std::size_t>(std::min<std::uint64_t>(
                                            rest.size(), limits.max_pickle_bytes))),
                                        *archive.heap, plimits,
                                        fmt::format("{}: {}", archive.file, what), pos);
    pos += r.end;
    return r.root;
  };

  const Value* magic = nullptr;
  try {
    magic = next("magic number pickle");
  } catch (const Error&) {
    fail(ErrorCode::unknown_format,
         "{}: not a PyTorch file (no zip archive, no torch pickle stream)", archive.file);
  }
  if (magic->kind != Kind::big_integer || magic->text != kMagic) {
    fail(ErrorCode::unknown_format,
         "{}: a pickle without torch's magic number first: not a PyTorch file", archive.file);
  }
  const Value* protocol = next("protocol version pickle");
  if (!protocol->is_int() || protocol->as_int() != kProtocolVersion) {
    fail(ErrorCode::version, "{}: legacy torch protocol version {}; nnload reads {}", archive.file,
         protocol->is_int() ? std::to_string(protocol->as_int()) : std::string("(not an int)"),
         kProtocolVersion);
  }
  archive.version = std::to_string(kProtocolVersion);
  const Value* sys_info = next("sys_info pickle");
  if (sys_info->kind == Kind::dict) {
    if (const Value* le = sys_info->get("little_endian");
        le != nullptr && le->kind == Kind::boolean && !le->flag) {
      // torch writes storages little-endian whatever the host (THPStorage_writeFileRaw).
      archive.notes.push_back(
          "written on a big-endian host; its storages are little-endian as torch writes them");
    }
  }
  archive.root = next("object pickle");
  // Whole-module files name each module class through a ('module', class, source file, source)
  // persistent id; objects made from one get the class itself as their type.
  std::size_t module_classes = 0;
  for (Value& v : archive.heap->values()) {
    if (v.kind != Kind::object || v.type == nullptr || v.type->kind != Kind::persistent_id)
      continue;
    const Value* id = v.type->items[0];
    if (id->kind == Kind::tuple && id->items.size() >= 2 && id->items[0]->is_string("module") &&
        id->items[1]->kind == Kind::global) {
      v.type = id->items[1];
      ++module_classes;
    }
  }
  if (module_classes > 0) {
    archive.notes.push_back(
        "whole-module file: it stores the Python source of its module classes, which nnload "
        "does not use");
  }
  const Value* keys = next("storage keys pickle");
  if (keys->kind != Kind::list && keys->kind != Kind::tuple) {
    fail(ErrorCode::corrupt, "{}: the storage key list is not a list", archive.file);
  }

  // Element sizes come from the storage ids in the object pickle.
  std::unordered_map<std::string, const ElementType*> elements;
  for (const Value& v : archive.heap->values()) {
    if (v.kind != Kind::persistent_id || v.items[0]->kind != Kind::tuple) continue;
    const auto& id = v.items[0]->items;
    if (id.size() < 3 ||
        !(id[0]->is_string("storage") || (id[0]->kind == Kind::bytes && id[0]->text == "storage")))
      continue;
    if (const ElementType* e = element_of_storage_type(*id[1]);
        e != nullptr && (id[2]->kind == Kind::string || id[2]->is_int())) {
      elements.emplace(key_string(*id[2]), e);
    }
  }
  auto storages = std::make_shared<std::unordered_map<std::string, Storage>>();
  const std::shared_ptr<const void> keep_alive = file;
  for (const Value* k : keys->items) {
    if (k->kind != Kind::string && !k->is_int()) {
      fail(ErrorCode::corrupt, "{}: a storage key is not a str", archive.file);
    }
    const std::string key = key_string(*k);
    const auto e = elements.find(key);
    if (e == elements.end()) {
      fail(ErrorCode::corrupt, "{}: storage '{}' is listed but no tensor in the pickle uses it",
           archive.file, key);
    }
    io::ByteReader r(bytes.subspan(pos), archive.file, pos);
    const std::int64_t count = r.i64();
    const std::uint64_t size = e->second->size;
    if (count < 0 || static_cast<std::uint64_t>(count) > r.remaining() / size) {
      fail(ErrorCode::corrupt,
           "{}: storage '{}' declares {} elements of {} bytes at offset {}, the file ends at {}",
           archive.file, key, count, size, pos + 8, bytes.size());
    }
    const auto nbytes = static_cast<std::size_t>(count) * size;
    Storage s;
    s.key = key;
    s.element = e->second;
    s.numel = static_cast<std::uint64_t>(count);
    s.bytes = bytes.subspan(pos + 8, nbytes);
    s.keep_alive = keep_alive;
    storages->emplace(key, std::move(s));
    pos += 8 + nbytes;
  }
  archive.storage = [storages, name = archive.file](
                        const std::string& key, const ElementType& element, std::uint64_t numel,
                        const std::string& location) -> std::shared_ptr<const Storage> {
    const auto it = storages->find(key);
    if (it == storages->end()) {
      fail(ErrorCode::corrupt, "{}: storage '{}' is used by the pickle but not in the file", name,
           key);
    }
    if (it->second.element->size != element.size || it->second.numel < numel) {
      fail(ErrorCode::corrupt,
           "{}: storage '{}' holds {} elements of {} bytes, the pickle declares {} of {}", name,
           key, it->second.numel, it->second.element->size, numel, element.size);
    }
    auto s = std::make_shared<Storage>(it->second);
    s->element = &element;
    s->location = location;
    return s;
  };
  return archive;
}

}  // namespace nnload::formats::torch
