// Keras 3's model.weights.npz (weights_format="npz"): np.savez of one dict per object path
// ("layers/dense.npy", "__root__.npy"), each saved as a pickled 0-d object array holding
// {"0": array, "1": array, ...}. Read with the safe unpickler: numpy's _reconstruct and dtype
// calls are interpreted as data, never run.
#include <algorithm>
#include <charconv>
#include <cstring>
#include <map>

#include "core/fail.hpp"
#include "formats/keras/keras3_weights.hpp"
#include "io/pickle/unpickler.hpp"

namespace nnload::formats::keras {

namespace {

using io::pickle::Kind;
using io::pickle::Value;

constexpr std::string_view kMagic = "\x93NUMPY";

// The pickle of an object array starts after the .npy header.
std::span<const std::byte> object_array_pickle(std::span<const std::byte> npy,
                                               const std::string& where) {
  if (npy.size() < 10 || std::memcmp(npy.data(), kMagic.data(), kMagic.size()) != 0)
    fail(ErrorCode::corrupt, "{}: not a .npy entry", where);
  const auto major = static_cast<unsigned>(npy[6]);
  std::size_t header_len = 0, start = 0;
  if (major == 1) {
    header_len = static_cast<std::size_t>(npy[8]) | static_cast<std::size_t>(npy[9]) << 8;
    start = 10;
  } else if ((major == 2 || major == 3) && npy.size() >= 12) {
    for (int i = 3; i >= 0; --i)
      header_len = header_len << 8 | static_cast<std::size_t>(npy[8 + i]);
    start = 12;
  } else {
    fail(ErrorCode::unsupported, "{}: .npy format version {}", where, major);
  }
  if (header_len > npy.size() - start) fail(ErrorCode::corrupt, "{}: truncated .npy header", where);
  const std::string header(reinterpret_cast<const char*>(npy.data() + start), header_len);
  if (header.find("'|O'") == std::string::npos) {
    fail(ErrorCode::corrupt, "{}: expected a pickled object array (descr '|O'), found {}", where,
         header);
  }
  return npy.subspan(start + header_len);
}

bool is_reconstruct(const Value* v) {
  if (!v || v->kind != Kind::object) return false;
  const Value* g = v->type_global();
  return g && g->name() == "_reconstruct" &&
         (g->module() == "numpy.core.multiarray" || g->module() == "numpy._core.multiarray");
}

const Value* tuple_item(const Value* v, std::size_t i) {
  return v && v->kind == Kind::tuple ? v->at(i) : nullptr;
}

DType dtype_of_descr(const std::string& descr, const std::string& where) {
  static const std::map<std::string, DType, std::less<>> table = {
      {"f2", DType::f16}, {"f4", DType::f32}, {"f8", DType::f64},
      {"i1", DType::i8},  {"i2", DType::i16}, {"i4", DType::i32},
      {"i8", DType::i64}, {"u1", DType::u8},  {"b1", DType::boolean}};
  auto it = table.find(descr);
  if (it == table.end()) fail(ErrorCode::unsupported, "{}: numpy dtype '{}'", where, descr);
  return it->second;
}

// numpy's pickle of an ndarray: _reconstruct(ndarray, (0,), b'b') then
// BUILD (version, shape, dtype, is_fortran, data).
Tensor array_from(const Value* v, const std::string& where) {
  if (!is_reconstruct(v) || !v->state || v->state->kind != Kind::tuple ||
      v->state->items.size() < 5)
    fail(ErrorCode::corrupt, "{}: a variable that is not a pickled numpy array", where);
  const Value* shape_v = tuple_item(v->state, 1);
  const Value* dtype_v = tuple_item(v->state, 2);
  const Value* fortran = tuple_item(v->state, 3);
  const Value* data = tuple_item(v->state, 4);
  Shape shape;
  if (!shape_v || shape_v->kind != Kind::tuple)
    fail(ErrorCode::corrupt, "{}: array without shape", where);
  for (const Value* d : shape_v->items) {
    if (!d || !d->is_int() || d->as_int() < 0)
      fail(ErrorCode::corrupt, "{}: bad array shape", where);
    shape.push_back(d->as_int());
  }
  const Value* descr = dtype_v && dtype_v->args ? dtype_v->args->at(0) : nullptr;
  if (!dtype_v || !dtype_v->is_object_of("numpy", "dtype") || !descr || descr->kind != Kind::string)
    fail(ErrorCode::corrupt, "{}: array without a numpy dtype", where);
  const Value* order = tuple_item(dtype_v->state, 1);
  if (order && order->kind == Kind::string && order->text == ">")
    fail(ErrorCode::unsupported, "{}: big-endian arrays", where);
  if (fortran && fortran->is_int() && fortran->as_int() != 0)
    fail(ErrorCode::unsupported, "{}: Fortran-ordered arrays", where);
  if (!data || data->kind != Kind::bytes) fail(ErrorCode::corrupt, "{}: array without data", where);
  Tensor t = Tensor::empty(dtype_of_descr(descr->text, where), shape);
  if (t.nbytes() != data->text.size()) {
    fail(ErrorCode::corrupt, "{}: {} data bytes for shape {} of {}", where, data->text.size(),
         shape_to_list(shape), descr->text);
  }
  if (t.nbytes() > 0) std::memcpy(t.mutable_raw(), data->text.data(), t.nbytes());
  return t;
}

// The dict inside the 0-d object array: state data is a list holding it.
const Value* stored_dict(const Value* root, const std::string& where) {
  const Value* items = is_reconstruct(root) ? tuple_item(root->state, 4) : nullptr;
  const Value* dict = items && items->kind == Kind::list ? items->at(0) : nullptr;
  if (!dict || dict->kind != Kind::dict)
    fail(ErrorCode::corrupt, "{}: expected an object array holding a dict of variables", where);
  return dict;
}

VarNode& node_at(VarNode& root, const std::string& path) {
  VarNode* node = &root;
  std::size_t start = 0;
  while (start < path.size()) {
    const std::size_t slash = std::min(path.find('/', start), path.size());
    const std::string part = path.substr(start, slash - start);
    VarNode* next = nullptr;
    for (auto& [name, child] : node->children)
      if (name == part) next = &child;
    if (!next) next = &node->children.emplace_back(part, VarNode{}).second;
    node = next;
    start = slash + 1;
  }
  return *node;
}

}  // namespace

VarNode read_npz_var_tree(const io::ZipReader& npz) {
  VarNode root;
  for (const io::ZipEntry& entry : npz.entries()) {
    if (entry.name.size() < 4 || entry.name.compare(entry.name.size() - 4, 4, ".npy") != 0)
      continue;
    const std::string path = entry.name.substr(0, entry.name.size() - 4);
    const bool wanted = path == "__root__" || path.rfind("layers/", 0) == 0 ||
                        path.rfind("_layer_checkpoint_dependencies/", 0) == 0;
    if (!wanted) continue;  // optimizer and metrics state
    const std::string where = npz.name() + ": " + entry.name;
    const std::vector<std::byte> bytes = npz.read(entry, entry.uncompressed_size);
    io::pickle::Heap heap;
    const auto pickled = io::pickle::unpickle(object_array_pickle(bytes, where), heap, {}, where);
    const Value* dict = stored_dict(pickled.root, where);
    std::vector<std::pair<std::size_t, Tensor>> vars;
    for (const auto& [key, value] : dict->entries) {
      if (!key || key->kind != Kind::string)
        fail(ErrorCode::corrupt, "{}: a non-string key", where);
      std::size_t index = 0;
      const auto [end, ec] =
          std::from_chars(key->text.data(), key->text.data() + key->text.size(), index);
      if (ec != std::errc() || end != key->text.data() + key->text.size())
        fail(ErrorCode::corrupt, "{}: variable '{}' is not named by its index", where, key->text);
      vars.emplace_back(index, array_from(value, where + "[" + key->text + "]"));
    }
    std::sort(vars.begin(), vars.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    VarNode& node = path == "__root__" ? root : node_at(root, path);
    for (std::size_t i = 0; i < vars.size(); ++i) {
      if (vars[i].first != i) fail(ErrorCode::corrupt, "{}: variable {} is missing", where, i);
      node.vars.push_back(std::move(vars[i].second));
    }
  }
  return root;
}

}  // namespace nnload::formats::keras
