#include "formats/torch/interpret.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <limits>
#include <optional>

#include "core/fail.hpp"
#include "io/pickle/repr.hpp"
#include "linalg/strided_copy.hpp"

namespace nnload::formats::torch {

namespace {

using io::pickle::Kind;
using io::pickle::Made;
using io::pickle::Value;

constexpr int kMaxConstructorNesting = 64;

// Reads Python 2 str (bytes) and str alike: torch's own keys went through both.
const std::string* text_of(const Value* v) {
  return v != nullptr && (v->kind == Kind::string || v->kind == Kind::bytes) ? &v->text : nullptr;
}

// A tuple or list of ints (a size or stride), or torch.Size(tuple).
std::optional<std::vector<std::int64_t>> int_sequence(const Value* v) {
  if (v != nullptr && v->is_object_of("torch", "Size") && v->args != nullptr &&
      v->args->items.size() == 1) {
    v = v->args->items[0];
  }
  if (v == nullptr || (v->kind != Kind::tuple && v->kind != Kind::list)) return std::nullopt;
  std::vector<std::int64_t> out;
  out.reserve(v->items.size());
  for (const Value* item : v->items) {
    if (!item->is_int()) return std::nullopt;
    out.push_back(item->as_int());
  }
  return out;
}

std::string list_text(const std::vector<std::int64_t>& xs) {
  return fmt::format("[{}]", fmt::join(xs, ", "));
}

bool is_tensor_rebuild(std::string_view q) {
  return q == "torch._utils._rebuild_tensor_v2" || q == "torch._utils._rebuild_tensor";
}

// torch rebuild functions for tensors nnload does not represent, and why.
std::string_view unsupported_tensor_kind(std::string_view q) {
  if (q == "torch._utils._rebuild_qtensor") return "a quantized tensor";
  if (q == "torch._utils._rebuild_sparse_tensor" || q == "torch._utils._rebuild_sparse_csr" ||
      q == "torch._utils._rebuild_sparse_compressed_tensor")
    return "a sparse tensor";
  if (q == "torch._utils._rebuild_meta_tensor_no_storage") return "a meta tensor (no data)";
  if (q == "torch._utils._rebuild_device_tensor_from_numpy") return "a device tensor from numpy";
  if (q == "torch._utils._rebuild_wrapper_subclass") return "a tensor wrapper subclass";
  if (q == "torch._utils._rebuild_nested_tensor") return "a nested tensor";
  if (q == "torch._utils._rebuild_xla_tensor" || q == "torch._utils._rebuild_mlc_tensor" ||
      q == "torch._utils._rebuild_device_tensor")
    return "a device tensor";
  if (q == "torch.storage._load_from_bytes") return "a storage pickled outside torch.save";
  return {};
}

template <class T>
T load_scalar(std::string_view bytes, bool swap) {
  T v;
  std::memcpy(&v, bytes.data(), sizeof(T));
  if (swap && sizeof(T) > 1) {
    auto raw = std::bit_cast<std::array<std::byte, sizeof(T)>>(v);
    std::reverse(raw.begin(), raw.end());
    v = std::bit_cast<T>(raw);
  }
  return v;
}

class DepthGuard {
 public:
  DepthGuard(int& depth, std::string_view file, std::string_view name) : depth_(depth) {
    if (++depth_ > kMaxConstructorNesting) {
      fail(ErrorCode::corrupt, "{}: '{}': tensor constructors nested deeper than {} levels", file,
           name, kMaxConstructorNesting);
    }
  }
  ~DepthGuard() { --depth_; }
  DepthGuard(const DepthGuard&) = delete;
  DepthGuard& operator=(const DepthGuard&) = delete;

 private:
  int& depth_;
};

}  // namespace

const Meaning& Interpreter::meaning(const Value& v, std::string_view name) {
  if (v.kind != Kind::object && v.kind != Kind::persistent_id) return plain_;
  if (const auto it = cache_.find(&v); it != cache_.end()) return it->second;
  Meaning m;
  {
    const DepthGuard guard(depth_, archive_.file, name);
    if (v.kind == Kind::persistent_id) {
      m = from_persistent_id(*v.items[0], name);
    } else if ((v.made == Made::reduce || v.made == Made::newobj) && v.type != nullptr &&
               v.args != nullptr) {
      m = from_call(*v.type, *v.args, name);
    }
  }
  if (m.what == Meaning::What::tensor) tensor_of_[&v] = m.tensor;
  return cache_.emplace(&v, std::move(m)).first->second;
}

std::unordered_map<const Value*, ObjectTensor> Interpreter::take_tensors() {
  std::unordered_map<const Value*, ObjectTensor> out;
  for (const auto& [v, t] : tensor_of_) out.emplace(v, *t);
  return out;
}

Meaning Interpreter::shown(std::string text) {
  Meaning m;
  m.what = Meaning::What::shown;
  m.text = std::move(text);
  return m;
}

Meaning Interpreter::tensor(ObjectTensor t) {
  Meaning m;
  m.what = Meaning::What::tensor;
  m.tensor = &built_.emplace_back(std::move(t));
  return m;
}

Meaning Interpreter::storage_meaning(std::shared_ptr<const Storage> storage) {
  Meaning m;
  m.what = Meaning::What::storage;
  m.text = fmt::format("<storage '{}': {} {} elements on {}>", storage->key, storage->numel,
                       storage->element->name, storage->location);
  m.storage = std::move(storage);
  return m;
}

void Interpreter::note_once(const std::string& note) {
  if (noted_.insert(note).second) notes_.push_back(note);
}

Meaning Interpreter::from_call(const Value& callable, const Value& args, std::string_view name) {
  if (callable.kind != Kind::global || args.kind != Kind::tuple) return {};
  const DepthGuard guard(depth_, archive_.file, name);
  const std::string q = callable.qualified_name();
  const auto& a = args.items;
  if (is_tensor_rebuild(q)) return rebuild_tensor(args, q.ends_with("_v2"), name);
  if (q == "torch._utils._rebuild_parameter" || q == "torch._utils._rebuild_parameter_with_state" ||
      q == "torch.nn.parameter.Parameter") {
    return parameter(args, name);
  }
  if ((q == "torch._tensor._rebuild_from_type_v2" || q == "torch._tensor._rebuild_from_type") &&
      a.size() >= 3) {
    Meaning inner = from_call(*a[0], *a[2], name);
    const Value* type = a[1];
    const bool parameter_type = type->is_global("torch.nn.parameter", "Parameter");
    if (inner.what == Meaning::What::tensor && parameter_type) {
      ObjectTensor t = *inner.tensor;
      t.is_parameter = true;
      return tensor(std::move(t));
    }
    if (inner.what == Meaning::What::tensor && !type->is_global("torch", "Tensor") &&
        !type->is_global("torch._tensor", "Tensor")) {
      note_once(fmt::format("tensor subclass {} read as a plain tensor", type->qualified_name()));
    }
    return inner;
  }
  if (const std::string_view kind = unsupported_tensor_kind(q); !kind.empty()) {
    note_once(fmt::format("'{}' is {} ({}): not supported, listed as a value", name, kind, q));
    return shown(fmt::format("<{}: not supported>", kind));
  }
  // TorchScript pickles typed lists and tagged values through these helpers.
  if (q.starts_with("torch.jit._pickle.") && !a.empty() &&
      (q.ends_with("list") || q.ends_with("restore_type_tag"))) {
    Meaning m;
    m.what = Meaning::What::stand_in;
    m.stand_in = a[0];
    return m;
  }
  if (q == "torch.Size") {
    if (a.empty()) return shown("torch.Size([])");
    if (const auto dims = int_sequence(a[0]); dims && a.size() == 1) {
      return shown(fmt::format("torch.Size({})", list_text(*dims)));
    }
    return {};
  }
  if (q == "torch.device" && !a.empty() && a[0]->kind == Kind::string) {
    std::string type = a[0]->text;
    std::optional<std::int64_t> index;
    if (a.size() >= 2 && a[1]->is_int()) index = a[1]->as_int();
    if (const std::size_t colon = type.find(':'); colon != std::string::npos) {
      index = std::atoll(type.c_str() + colon + 1);
      type.resize(colon);
    }
    return shown(index ? fmt::format("device(type='{}', index={})", type, *index)
                       : fmt::format("device(type='{}')", type));
  }
  if (q == "numpy.core.multiarray.scalar" || q == "numpy._core.multiarray.scalar") {
    return numpy_scalar(args);
  }
  return {};
}

Meaning Interpreter::parameter(const Value& args, std::string_view name) {
  if (args.items.empty()) return {};
  const Meaning& inner = meaning(*args.items[0], name);
  if (inner.what != Meaning::What::tensor) return inner;
  ObjectTensor t = *inner.tensor;
  t.is_parameter = true;
  return tensor(std::move(t));
}

Meaning Interpreter::rebuild_tensor(const Value& args, bool v2, std::string_view name) {
  const auto& a = args.items;
  const std::string_view fn = v2 ? "_rebuild_tensor_v2" : "_rebuild_tensor";
  if (a.size() < 4) {
    fail(ErrorCode::corrupt, "{}: tensor '{}': {} has {} arguments, expected at least 4",
         archive_.file, name, fn, a.size());
  }
  const Meaning& storage = meaning(*a[0], name);
  if (storage.what != Meaning::What::storage) {
    fail(ErrorCode::corrupt, "{}: tensor '{}': its storage is {}, expected a storage",
         archive_.file, name, io::pickle::repr(*a[0], {200, 50}));
  }
  const auto size = int_sequence(a[2]);
  const auto stride = int_sequence(a[3]);
  if (!a[1]->is_int() || !size || !stride) {
    fail(ErrorCode::corrupt,
         "{}: tensor '{}': storage offset {}, size {} and stride {}: expected an int and two "
         "tuples of ints",
         archive_.file, name, io::pickle::repr(*a[1], {200, 50}),
         io::pickle::repr(*a[2], {200, 50}), io::pickle::repr(*a[3], {200, 50}));
  }
  return make_tensor(*storage.storage, a[1]->as_int(), Shape(size->begin(), size->end()), *stride,
                     name);
}

Meaning Interpreter::make_tensor(const Storage& storage, std::int64_t offset, const Shape& size,
                                 const std::vector<std::int64_t>& stride, std::string_view name) {
  const std::string& file = archive_.file;
  const auto facts = [&] {
    return fmt::format("size {} with stride {} at offset {}", list_text(size), list_text(stride),
                       offset);
  };
  if (size.size() != stride.size()) {
    fail(ErrorCode::corrupt, "{}: tensor '{}': {}: size and stride differ in length", file, name,
         facts());
  }
  if (offset < 0)
    fail(ErrorCode::corrupt, "{}: tensor '{}': {}: negative offset", file, name, facts());
  // Element count and the last element reached, with overflow checks: sizes come from the file.
  unsigned __int128 numel = 1;
  unsigned __int128 last = static_cast<std::uint64_t>(offset);
  for (std::size_t i = 0; i < size.size(); ++i) {
    if (size[i] < 0 || stride[i] < 0) {
      fail(ErrorCode::corrupt, "{}: tensor '{}': {}: negative size or stride", file, name, facts());
    }
    numel *= static_cast<std::uint64_t>(size[i]);
    if (numel > std::numeric_limits<std::int64_t>::max()) {
      fail(ErrorCode::corrupt, "{}: tensor '{}': {}: too many elements", file, name, facts());
    }
    if (size[i] > 0) {
      last += static_cast<unsigned __int128>(size[i] - 1) * static_cast<std::uint64_t>(stride[i]);
    }
  }
  if (numel > 0 && last >= storage.numel) {
    fail(ErrorCode::corrupt,
         "{}: tensor '{}': {} reaches element {}, its storage '{}' holds {} elements", file, name,
         facts(),
         static_cast<std::uint64_t>(
             std::min<unsigned __int128>(last, std::numeric_limits<std::uint64_t>::max())),
         storage.key, storage.numel);
  }
  const ElementType& element = *storage.element;
  if (!element.dtype) {
    note_once(fmt::format("tensor '{}' is {}: nnload has no such dtype; listed as a value", name,
                          element.name));
    return shown(
        fmt::format("<{} tensor of shape {}: not supported>", element.name, list_text(size)));
  }
  const DType dtype = *element.dtype;
  ObjectTensor t;
  t.location = storage.location;
  if (numel == 0) {
    t.value = Tensor::empty(dtype, size);
    return tensor(std::move(t));
  }
  bool contiguous = true;
  std::int64_t expected = 1;
  for (std::size_t i = size.size(); i-- > 0;) {
    if (size[i] != 1 && stride[i] != expected) contiguous = false;
    expected *= size[i];
  }
  const std::size_t esize = element.size;
  const auto byte_offset = static_cast<std::uint64_t>(offset) * esize;
  if (contiguous) {
    t.value = io::view_bytes(storage.keep_alive, storage.bytes, byte_offset, dtype, size, file,
                             fmt::format("tensor '{}'", name));
    return tensor(std::move(t));
  }
  // A strided view (a transpose, a slice with step, an expand) becomes an owned contiguous copy.
  t.value = Tensor::empty(dtype, size);
  const std::byte* src = storage.bytes.data() + byte_offset;
  std::vector<std::uint64_t> aligned;  // legacy streams leave storages unaligned
  if (reinterpret_cast<std::uintptr_t>(src) % esize != 0) {
    const auto extent =
        static_cast<std::size_t>(last + 1 - static_cast<std::uint64_t>(offset)) * esize;
    aligned.resize((extent + 7) / 8);
    std::memcpy(aligned.data(), src, extent);
    src = reinterpret_cast<const std::byte*>(aligned.data());
  }
  linalg::strided_copy(src, stride, size, t.value.mutable_raw(), esize);
  if (dtype == DType::boolean) {
    auto* b = static_cast<std::uint8_t*>(t.value.mutable_raw());
    for (std::int64_t i = 0; i < t.value.numel(); ++i) b[i] = b[i] != 0;
  }
  return tensor(std::move(t));
}

Meaning Interpreter::from_persistent_id(const Value& pid, std::string_view name) {
  const std::string& file = archive_.file;
  if (pid.kind == Kind::tuple && !pid.items.empty()) {
    const std::string* type = text_of(pid.items[0]);
    const auto& a = pid.items;
    if (type != nullptr && *type == "module" && a.size() >= 2) {
      Meaning m;
      m.what = Meaning::What::stand_in;
      m.stand_in = a[1];
      return m;
    }
    if (type == nullptr || *type != "storage") {
      fail(ErrorCode::unsupported, "{}: '{}': persistent id {} is not a storage", file, name,
           io::pickle::repr(pid, {200, 50}));
    }
    if (a.size() < 5 || !a[4]->is_int() || a[4]->as_int() < 0 ||
        (a[2]->kind != Kind::string && !a[2]->is_int()) || text_of(a[3]) == nullptr) {
      fail(ErrorCode::corrupt,
           "{}: '{}': storage id {} is not ('storage', type, key, location, element count)", file,
           name, io::pickle::repr(pid, {200, 50}));
    }
    const ElementType* element = element_of_storage_type(*a[1]);
    if (element == nullptr) {
      fail(ErrorCode::unsupported, "{}: '{}': storage type {} is not one nnload reads", file, name,
           io::pickle::repr(*a[1], {200, 50}));
    }
    const std::string key =
        a[2]->kind == Kind::string ? a[2]->text : std::to_string(a[2]->as_int());
    const auto numel = static_cast<std::uint64_t>(a[4]->as_int());
    if (!archive_.storage) {
      fail(ErrorCode::corrupt, "{}: '{}': a storage persistent id in a {} file", file, name,
           archive_.format);
    }
    auto& root = storages_[key];
    if (!root) root = archive_.storage(key, *element, numel, *text_of(a[3]));
    // Legacy files: (view key, offset, size) of a view into the root storage.
    if (a.size() >= 6 && a[5]->kind == Kind::tuple) {
      const auto& view = a[5]->items;
      if (view.size() != 3 || view[0]->kind != Kind::string || !view[1]->is_int() ||
          !view[2]->is_int() || view[1]->as_int() < 0 || view[2]->as_int() < 0 ||
          static_cast<std::uint64_t>(view[1]->as_int()) > root->numel ||
          static_cast<std::uint64_t>(view[2]->as_int()) >
              root->numel - static_cast<std::uint64_t>(view[1]->as_int())) {
        fail(ErrorCode::corrupt,
             "{}: '{}': storage view {} does not fit storage '{}' of {} elements", file, name,
             io::pickle::repr(*a[5], {200, 50}), key, root->numel);
      }
      auto& slot = storages_["view:" + view[0]->text];
      if (!slot) {
        auto v = std::make_shared<Storage>(*root);
        v->key = view[0]->text;
        v->numel = static_cast<std::uint64_t>(view[2]->as_int());
        v->bytes = root->bytes.subspan(static_cast<std::size_t>(view[1]->as_int()) * element->size,
                                       static_cast<std::size_t>(v->numel) * element->size);
        slot = std::move(v);
      }
      return storage_meaning(slot);
    }
    return storage_meaning(root);
  }
  // The tar format: the key of a tensor or storage described outside the pickle.
  if (pid.kind == Kind::string && archive_.keyed) {
    const auto key = std::strtoll(pid.text.c_str(), nullptr, 10);
    const KeyedObject object = archive_.keyed(key);
    if (const auto* record = std::get_if<TensorRecord>(&object)) {
      return make_tensor(*record->storage, record->offset, record->size, record->stride, name);
    }
    if (const auto* storage = std::get_if<std::shared_ptr<const Storage>>(&object)) {
      return storage_meaning(*storage);
    }
  }
  fail(ErrorCode::corrupt, "{}: '{}': persistent id {} names no storage", file, name,
       io::pickle::repr(pid, {200, 50}));
}

// numpy.core.multiarray.scalar(dtype, bytes): numpy scalars in checkpoints (best_acc, ...).
Meaning Interpreter::numpy_scalar(const Value& args) {
  const auto& a = args.items;
  if (a.size() != 2 || !a[0]->is_object_of("numpy", "dtype") || a[0]->args == nullptr ||
      a[0]->args->items.empty() || a[0]->args->items[0]->kind != Kind::string ||
      a[1]->kind != Kind::bytes) {
    return {};
  }
  const std::string& code = a[0]->args->items[0]->text;
  const Value* state = a[0]->state;
  const bool big = state != nullptr && state->kind == Kind::tuple && state->items.size() > 1 &&
                   state->items[1]->is_string(">");
  const std::string_view bytes = a[1]->text;
  const auto fits = [&](std::size_t n) { return bytes.size() == n; };
  if (code == "f8" && fits(8))
    return shown(io::pickle::float_repr(load_scalar<double>(bytes, big)));
  if (code == "f4" && fits(4))
    return shown(io::pickle::float32_repr(load_scalar<float>(bytes, big)));
  if (code == "f2" && fits(2)) {
    return shown(io::pickle::float32_repr(half_to_float(load_scalar<std::uint16_t>(bytes, big))));
  }
  if (code == "b1" && fits(1)) return shown(bytes[0] != 0 ? "True" : "False");
  if (code == "i1" && fits(1)) return shown(std::to_string(load_scalar<std::int8_t>(bytes, big)));
  if (code == "u1" && fits(1)) return shown(std::to_string(load_scalar<std::uint8_t>(bytes, big)));
  if (code == "i2" && fits(2)) return shown(std::to_string(load_scalar<std::int16_t>(bytes, big)));
  if (code == "u2" && fits(2)) return shown(std::to_string(load_scalar<std::uint16_t>(bytes, big)));
  if (code == "i4" && fits(4)) return shown(std::to_string(load_scalar<std::int32_t>(bytes, big)));
  if (code == "u4" && fits(4)) return shown(std::to_string(load_scalar<std::uint32_t>(bytes, big)));
  if (code == "i8" && fits(8)) return shown(std::to_string(load_scalar<std::int64_t>(bytes, big)));
  if (code == "u8" && fits(8)) return shown(std::to_string(load_scalar<std::uint64_t>(bytes, big)));
  return {};
}

}  // namespace nnload::formats::torch
