// read_torch_file: detect the container (zip, legacy stream, tar), unpickle, interpret torch's
// constructors, flatten; find_state_dict; the object-tree accessors.
#include "formats/torch/torch_file.hpp"

#include <algorithm>
#include <set>
#include <unordered_set>

#include "core/fail.hpp"
#include "core/read_limits.hpp"
#include "formats/torch/flatten.hpp"
#include "formats/torch/interpret.hpp"
#include "formats/torch/object_tree.hpp"

namespace nnload::formats::torch {

namespace {

using io::pickle::Kind;
using io::pickle::Value;

enum class Container { zip, legacy, tar, unknown };

Container detect(std::span<const std::byte> bytes) {
  const auto at = [&](std::size_t i) { return static_cast<std::uint8_t>(bytes[i]); };
  if (bytes.size() >= 4 && at(0) == 'P' && at(1) == 'K' &&
      ((at(2) == 3 && at(3) == 4) || (at(2) == 5 && at(3) == 6))) {
    return Container::zip;
  }
  if (bytes.size() >= 512 &&
      std::string_view(reinterpret_cast<const char*>(bytes.data()) + 257, 5) == "ustar") {
    return Container::tar;
  }
  if (!bytes.empty() && at(0) == 0x80) return Container::legacy;  // PROTO: a pickle stream
  return Container::unknown;
}

// Globals whose meaning nnload knows (plain data or torch's own constructors).
bool known_global(const Value& g) {
  static const std::unordered_set<std::string> known = {
      "collections.OrderedDict",
      "collections.defaultdict",
      "builtins.set",
      "builtins.frozenset",
      "builtins.bytes",
      "builtins.bytearray",
      "builtins.object",
      "builtins.complex",
      "_codecs.encode",
      "copyreg._reconstructor",
      "copyreg.__newobj__",
      "copyreg.__newobj_ex__",
      "torch._utils._rebuild_tensor_v2",
      "torch._utils._rebuild_tensor",
      "torch._utils._rebuild_parameter",
      "torch._utils._rebuild_parameter_with_state",
      "torch._tensor._rebuild_from_type_v2",
      "torch._tensor._rebuild_from_type",
      "torch.nn.parameter.Parameter",
      "torch.Tensor",
      "torch._tensor.Tensor",
      "torch.Size",
      "torch.device",
      "numpy.core.multiarray.scalar",
      "numpy._core.multiarray.scalar",
      "numpy.dtype"};
  if (known.count(g.qualified_name()) != 0) return true;
  if (g.module() == "torch.jit._pickle") return true;
  if (element_of_storage_type(g) != nullptr) return true;
  return g.module() == "torch" && element_by_dtype(g.name()) != nullptr;
}

void note_unknown_globals(const io::pickle::Heap& heap, std::vector<std::string>& notes) {
  std::set<std::string> seen;
  for (const Value& v : heap.values()) {
    if (v.kind != Kind::global || known_global(v)) continue;
    std::string name = v.qualified_name();
    if (seen.insert(name).second) {
      notes.push_back(fmt::format(
          "GLOBAL {}: a class or function named by the file; not imported or called, kept as "
          "an inert object",
          name));
    }
  }
}

const ObjectTree& tree_of(const TorchFile& file) {
  if (!file.root) {
    fail(ErrorCode::invalid_argument,
         "this TorchFile holds no object tree (not from read_torch_file)");
  }
  return *static_cast<const ObjectTree*>(file.root.get());
}

}  // namespace

TorchFile read_torch_file(const std::filesystem::path& path, const ReadLimits& limits) {
  const auto file = io::MappedFile::open(path);
  Archive archive;
  switch (detect(file->bytes())) {
    case Container::zip:
      archive = read_zip_archive(file, limits);
      break;
    case Container::legacy:
      archive = read_legacy_archive(file, limits);
      break;
    case Container::tar:
      archive = read_tar_archive(file, limits);
      break;
    case Container::unknown:
      fail(ErrorCode::unknown_format,
           "{}: not a PyTorch file (neither a zip archive, a torch pickle stream nor a tar "
           "archive)",
           file->name());
  }
  Interpreter interpreter(archive);
  std::vector<std::string> notes = std::move(archive.notes);
  // Shared references expand under every path that reaches them (tied weights appear twice);
  // a file built to expand exponentially stops here.
  const std::uint64_t max_entries =
      std::min<std::uint64_t>(limits.max_objects, 2 * archive.heap->size() + 100'000);
  Flattened flat = flatten(*archive.root, interpreter, limits, max_entries,
                           max_declared_bytes(file->bytes().size()), notes, archive.file);
  // Tensors the flattening does not reach (attributes of modules and objects it does not
  // expand) are built too, so tensor_of() answers for every tensor value of the tree.
  for (const Value& v : archive.heap->values()) {
    if (v.kind == Kind::object) interpreter.meaning(v, "(in an object)");
  }
  for (std::string& n : interpreter.notes()) notes.push_back(std::move(n));
  note_unknown_globals(*archive.heap, notes);

  TorchFile out;
  out.format = archive.format;
  out.version = archive.version;
  out.byteorder = archive.byteorder;
  out.tensors = std::move(flat.tensors);
  out.values = std::move(flat.values);
  out.notes = std::move(notes);
  out.torchscript = archive.torchscript;
  auto tree = std::make_shared<ObjectTree>();
  tree->heap = archive.heap;
  tree->root = archive.root;
  tree->tensors = interpreter.take_tensors();
  out.root = std::move(tree);
  return out;
}

std::vector<std::pair<std::string, Tensor>> find_state_dict(const TorchFile& file) {
  // The tensors under `prefix` when everything under it is a tensor.
  const auto under = [&](const std::string& prefix) {
    std::vector<std::pair<std::string, Tensor>> out;
    const auto inside = [&](const std::string& name) {
      return prefix.empty() ? !name.empty()
                            : name.size() > prefix.size() + 1 && name.starts_with(prefix) &&
                                  name[prefix.size()] == '.';
    };
    for (const TorchValue& v : file.values) {
      if (inside(v.name) || (!prefix.empty() && v.name == prefix)) return out;
    }
    for (const TorchTensor& t : file.tensors) {
      if (!prefix.empty() && t.name == prefix) return std::vector<std::pair<std::string, Tensor>>{};
      if (inside(t.name)) {
        out.emplace_back(prefix.empty() ? t.name : t.name.substr(prefix.size() + 1), t.value);
      }
    }
    return out;
  };
  std::vector<std::pair<std::string, Tensor>> found = under("");
  for (const char* key : {"state_dict", "model_state_dict", "model", "net", "network", "module",
                          "weights", "params"}) {
    if (!found.empty()) break;
    found = under(key);
  }
  if (found.empty()) {
    std::vector<std::string> top;
    if (file.root && root_value(file).kind == Kind::dict) {
      for (const auto& e : root_value(file).entries) top.push_back(key_text(*e.key));
    } else {
      std::unordered_set<std::string> seen;
      const auto add = [&](const std::string& name) {
        std::string first = name.substr(0, name.find('.'));
        if (seen.insert(first).second) top.push_back(std::move(first));
      };
      for (const TorchTensor& t : file.tensors) add(t.name);
      for (const TorchValue& v : file.values) add(v.name);
    }
    fail(ErrorCode::not_found,
         "no state_dict found: the file is not a mapping of names to tensors, and none of "
         "state_dict, model_state_dict, model, net, network, module, weights, params is one; "
         "top-level keys: [{}]",
         fmt::join(top, ", "));
  }
  const bool data_parallel = std::all_of(
      found.begin(), found.end(), [](const auto& e) { return e.first.starts_with("module."); });
  if (data_parallel) {
    for (auto& e : found) e.first.erase(0, 7);
  }
  return found;
}

const io::pickle::Value& root_value(const TorchFile& file) { return *tree_of(file).root; }

const ObjectTensor* tensor_of(const TorchFile& file, const io::pickle::Value& value) {
  const ObjectTree& tree = tree_of(file);
  const auto it = tree.tensors.find(&value);
  return it == tree.tensors.end() ? nullptr : &it->second;
}

}  // namespace nnload::formats::torch
