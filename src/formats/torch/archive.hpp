// What each torch container format (zip, legacy stream, tar) hands to the common interpretation:
// the unpickled object tree and where the bytes of its storages are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "formats/torch/element_types.hpp"
#include "formats/torch/torch_file.hpp"
#include "io/mapped_file.hpp"
#include "io/pickle/unpickler.hpp"
#include "io/pickle/value.hpp"

namespace nnload::formats::torch {

// One storage's bytes, little-endian (big-endian files are swapped into an owned copy).
struct Storage {
  std::string key;
  const ElementType* element = nullptr;
  std::uint64_t numel = 0;  // elements `bytes` holds: bytes.size() == numel * element->size
  std::string location;     // "cpu", "cuda:0", ...
  std::span<const std::byte> bytes;
  std::shared_ptr<const void> keep_alive;  // owns `bytes` (the mapping or a buffer)
};

// A tensor the tar format describes outside its pickle.
struct TensorRecord {
  std::shared_ptr<const Storage> storage;
  std::int64_t offset = 0;
  Shape size;
  std::vector<std::int64_t> stride;
};

using KeyedObject = std::variant<std::monostate, TensorRecord, std::shared_ptr<const Storage>>;

struct Archive {
  std::string file;  // the path, for messages
  std::string format;
  std::string version;
  std::string byteorder = "little";
  std::shared_ptr<io::pickle::Heap> heap;
  const io::pickle::Value* root = nullptr;
  std::vector<std::string> notes;
  bool torchscript = false;  // a torch.jit.save archive (code/ beside data.pkl)
  // zip and legacy: the storage that a ('storage', type, key, location, numel, ...) persistent id
  // names. Error(corrupt) when it is missing or shorter than numel elements.
  std::function<std::shared_ptr<const Storage>(const std::string& key, const ElementType& element,
                                               std::uint64_t numel, const std::string& location)>
      storage;
  // tar: the tensor or storage a key persistent id names (monostate when none).
  std::function<KeyedObject(std::int64_t key)> keyed;
};

Archive read_zip_archive(std::shared_ptr<const io::MappedFile> file, const ReadLimits& limits);
Archive read_legacy_archive(std::shared_ptr<const io::MappedFile> file, const ReadLimits& limits);
Archive read_tar_archive(std::shared_ptr<const io::MappedFile> file, const ReadLimits& limits);

// The unpickler's limits for a torch file.
io::pickle::Limits pickle_limits(const ReadLimits& limits);

// Swaps every element of `bytes` (elements of `size` bytes) into a new owned buffer.
std::shared_ptr<const std::vector<std::byte>> byte_swapped(std::span<const std::byte> bytes,
                                                           std::size_t size);

}  // namespace nnload::formats::torch
