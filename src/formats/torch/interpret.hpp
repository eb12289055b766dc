// What pickle values mean to torch: tensor and parameter rebuilds, storages, torch.Size,
// torch.device, numpy scalars. Nothing is called; each known constructor is read from its
// arguments, and everything else stays an inert value.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "formats/torch/archive.hpp"
#include "formats/torch/object_tree.hpp"

namespace nnload::formats::torch {

struct Meaning {
  enum class What {
    plain,     // a value with no torch meaning: flattened as Python data
    tensor,    // `tensor` is set
    storage,   // `storage` is set; shown as `text` when reached outside a tensor
    shown,     // shown as `text` (a torch.Size, a numpy scalar, an unsupported tensor, ...)
    stand_in,  // read as `stand_in`: a legacy 'module' persistent id for its class, a
               // TorchScript list builder for its list
  };
  What what = What::plain;
  const ObjectTensor* tensor = nullptr;
  std::shared_ptr<const Storage> storage;
  std::string text;
  const io::pickle::Value* stand_in = nullptr;
};

class Interpreter {
 public:
  explicit Interpreter(const Archive& archive) : archive_(archive) {}

  // What `v` means; `name` (its dotted path) labels errors. Cached per value, so a tensor
  // reached by two paths is one tensor.
  const Meaning& meaning(const io::pickle::Value& v, std::string_view name);

  // Every tensor built, by the value it was built from.
  std::unordered_map<const io::pickle::Value*, ObjectTensor> take_tensors();
  std::vector<std::string>& notes() { return notes_; }

 private:
  Meaning from_call(const io::pickle::Value& callable, const io::pickle::Value& args,
                    std::string_view name);
  Meaning from_persistent_id(const io::pickle::Value& pid, std::string_view name);
  Meaning rebuild_tensor(const io::pickle::Value& args, bool v2, std::string_view name);
  Meaning make_tensor(const Storage& storage, std::int64_t offset, const Shape& size,
                      const std::vector<std::int64_t>& stride, std::string_view name);
  Meaning parameter(const io::pickle::Value& args, std::string_view name);
  Meaning storage_meaning(std::shared_ptr<const Storage> storage);
  Meaning numpy_scalar(const io::pickle::Value& args);
  Meaning shown(std::string text);
  Meaning tensor(ObjectTensor t);
  void note_once(const std::string& note);

  const Archive& archive_;
  std::unordered_map<const io::pickle::Value*, Meaning> cache_;
  std::unordered_map<std::string, std::shared_ptr<const Storage>> storages_;
  std::deque<ObjectTensor> built_;
  std::unordered_map<const io::pickle::Value*, const ObjectTensor*> tensor_of_;
  int depth_ = 0;
  std::vector<std::string> notes_;
  std::unordered_set<std::string> noted_;
  Meaning plain_;
};

}  // namespace nnload::formats::torch
