#include "formats/keras/keras3_weights.hpp"

#include <algorithm>
#include <charconv>
#include <map>
#include <regex>
#include <set>

#include "core/fail.hpp"

namespace nnload::formats::keras {

VarNode::VarNode() = default;
VarNode::VarNode(const VarNode&) = default;
VarNode::VarNode(VarNode&&) noexcept = default;
VarNode& VarNode::operator=(const VarNode&) = default;
VarNode& VarNode::operator=(VarNode&&) noexcept = default;
VarNode::~VarNode() = default;

const VarNode* VarNode::child(std::string_view name) const {
  for (const auto& [n, node] : children) {
    if (n == name) return &node;
  }
  return nullptr;
}

bool VarNode::holds_variables() const {
  if (!vars.empty()) return true;
  return std::any_of(children.begin(), children.end(),
                     [](const auto& c) { return c.second.holds_variables(); });
}

namespace {

constexpr int kMaxDepth = 64;

// h5py stores bfloat16 (numpy's ml_dtypes) as a 2-byte type Keras marks with dtype="bfloat16".
Tensor read_variable(const io::hdf5::Dataset& ds) {
  const bool bf16 = ds.has_attribute("dtype") && ds.attribute_is_string("dtype") &&
                    ds.string_attribute("dtype") == "bfloat16";
  Tensor t;
  try {
    t = ds.read();
  } catch (const Error& e) {
    if (!bf16) throw;
    fail(ErrorCode::unsupported, "{}: a bfloat16 variable whose stored type nnload can't read ({})",
         ds.path(), e.what());
  }
  if (!bf16 || t.dtype() == DType::bf16) return t;
  if (t.dtype() != DType::i16 && t.dtype() != DType::i32) {
    fail(ErrorCode::corrupt, "{}: marked bfloat16 but stored as {}", ds.path(),
         dtype_name(t.dtype()));
  }
  Tensor out = Tensor::empty(DType::bf16, t.shape());
  BFloat16* dst = out.mutable_data<BFloat16>();
  for (std::int64_t i = 0; i < t.numel(); ++i) {
    const auto bits = static_cast<std::int64_t>(t.value_as_double(i));
    dst[i].bits = static_cast<std::uint16_t>(bits);
  }
  return out;
}

std::size_t variable_index(const std::string& name, const std::string& where) {
  std::size_t index = 0;
  const auto [end, ec] = std::from_chars(name.data(), name.data() + name.size(), index);
  if (ec != std::errc() || end != name.data() + name.size() || name.empty() ||
      (name.size() > 1 && name[0] == '0')) {
    fail(ErrorCode::corrupt, "{}: variable '{}' is not named by its index", where, name);
  }
  return index;
}

// Keras writes each object once, under its first path; HDF5 hard links can make one group or
// variable reachable by many paths (two links at each of 30 levels: 2^30 reads of the same
// variables) or a group contain itself. `seen` holds every object read so far.
void mark_seen(const io::hdf5::Object& object, std::set<std::uint64_t>& seen) {
  if (!seen.insert(object.address()).second) {
    fail(ErrorCode::corrupt,
         "{}: an object reached a second time (HDF5 hard links; Keras stores each object once)",
         object.path());
  }
}

void read_vars(const io::hdf5::Group& group, VarNode& node, std::set<std::uint64_t>& seen) {
  mark_seen(group, seen);
  std::vector<std::pair<std::size_t, Tensor>> vars;
  for (const std::string& name : group.children()) {
    if (!group.has_dataset(name)) continue;
    const io::hdf5::Dataset dataset = group.dataset(name);
    mark_seen(dataset, seen);
    vars.emplace_back(variable_index(name, group.path()), read_variable(dataset));
  }
  std::sort(vars.begin(), vars.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < vars.size(); ++i) {
    if (vars[i].first != i)
      fail(ErrorCode::corrupt, "{}: variable {} is missing (the variables are numbered 0..{})",
           group.path(), i, vars.size() - 1);
    node.vars.push_back(std::move(vars[i].second));
  }
}

void read_node(const io::hdf5::Group& group, VarNode& node, std::set<std::uint64_t>& seen,
               int depth) {
  if (depth > kMaxDepth)
    fail(ErrorCode::corrupt, "{}: groups nested deeper than {} levels", group.path(), kMaxDepth);
  mark_seen(group, seen);
  for (const std::string& name : group.children()) {
    if (!group.has_group(name)) continue;
    if (name == "vars") {
      read_vars(group.group(name), node, seen);
    } else {
      VarNode child;
      read_node(group.group(name), child, seen, depth + 1);
      node.children.emplace_back(name, std::move(child));
    }
  }
}

}  // namespace

VarNode read_var_tree(const io::hdf5::Group& root) {
  VarNode tree;
  std::set<std::uint64_t> seen = {root.address()};
  if (root.has_group("vars")) read_vars(root.group("vars"), tree, seen);
  for (const char* container : {"layers", "_layer_checkpoint_dependencies"}) {
    if (!root.has_group(container)) continue;
    VarNode node;
    read_node(root.group(container), node, seen, 1);
    tree.children.emplace_back(container, std::move(node));
  }
  return tree;
}

std::string keras_snake_case(std::string_view class_name) {
  if (const auto gt = class_name.rfind('>'); gt != std::string_view::npos)
    class_name = class_name.substr(gt + 1);
  // naming.to_snake_case: drop non-word characters, then two regex rewrites, then lower case.
  std::string name;
  for (char c : class_name) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') name += c;
  }
  static const std::regex word_start("(.)([A-Z][a-z]+)");
  static const std::regex lower_upper("([a-z])([A-Z])");
  name = std::regex_replace(name, word_start, "$1_$2");
  name = std::regex_replace(name, lower_upper, "$1_$2");
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return name;
}

StoreLayout store_layout(const VarNode& root) {
  return !root.child("layers") && root.child("_layer_checkpoint_dependencies")
             ? StoreLayout::tf213
             : StoreLayout::keras3;
}

namespace {

// Keras walks an object's attributes sorted by name, private ones ("_x") last. Composite layers
// whose legacy weight order differs from that list their sub-layers in the legacy order.
const std::map<std::string, std::vector<std::string>, std::less<>>& legacy_child_order() {
  static const std::map<std::string, std::vector<std::string>, std::less<>> order = {
      {"Bidirectional", {"forward_layer", "backward_layer"}},
      {"MultiHeadAttention", {"query_dense", "key_dense", "value_dense", "output_dense"}},
  };
  return order;
}

std::string walk_key(const std::string& name) { return name[0] == '_' ? "~" + name : name; }

std::string public_name(const std::string& name) {
  return name.empty() || name[0] != '_' ? name : name.substr(1);
}

void flatten(const VarNode& node, const std::string& class_name, const std::string& prefix,
             std::vector<LayerWeight>& out) {
  for (std::size_t i = 0; i < node.vars.size(); ++i)
    out.push_back({prefix + "/" + std::to_string(i), node.vars[i]});
  std::vector<const std::pair<std::string, VarNode>*> children;
  for (const auto& c : node.children) children.push_back(&c);
  std::sort(children.begin(), children.end(),
            [](const auto* a, const auto* b) { return walk_key(a->first) < walk_key(b->first); });
  if (auto it = legacy_child_order().find(class_name); it != legacy_child_order().end()) {
    std::stable_sort(children.begin(), children.end(), [&](const auto* a, const auto* b) {
      auto rank = [&](const std::string& name) {
        const auto& names = it->second;
        return std::find(names.begin(), names.end(), public_name(name)) - names.begin();
      };
      return rank(a->first) < rank(b->first);
    });
  }
  for (const auto* c : children) flatten(c->second, "", prefix + "/" + c->first, out);
}

// Keras 3 operations (keras.ops.* used in a functional model) are not layers: no state, no path.
bool is_operation(const LayerConfig& layer) {
  return layer.module.rfind("keras.src.ops", 0) == 0 || layer.module.rfind("keras.ops", 0) == 0;
}

std::string python_class(const LayerConfig& layer) {
  if (layer.nested && !layer.nested->is_sequential()) return "Functional";
  return layer.class_name;
}

class Mapper {
 public:
  explicit Mapper(StoreLayout layout)
      : layout_(layout),
        container_(layout == StoreLayout::tf213 ? "_layer_checkpoint_dependencies" : "layers") {}

  LayerWeights map(const ModelConfig& config, const VarNode& model, const std::string& where) {
    LayerWeights weights;
    const VarNode* list = model.child(container_);
    if (!list) return weights;  // a model without layers that hold state
    const std::string list_path = where.empty() ? container_ : where + "/" + container_;
    std::map<std::string, int> used;
    std::set<std::string> claimed;
    for (const LayerConfig& layer : config.layers) {
      if (is_operation(layer)) continue;
      if (config.is_sequential() && layer.class_name == "InputLayer") continue;
      const std::string entry = next_name(keras_snake_case(python_class(layer)), used, *list);
      const VarNode* node = list->child(entry);
      std::vector<LayerWeight>& own = weights.at(layer.name);
      if (!node) continue;
      claimed.insert(entry);
      const std::string path = list_path + "/" + entry;
      if (layer.nested) {
        auto inner = std::make_shared<LayerWeights>(map(*layer.nested, *node, path));
        for (const auto& [inner_layer, list_of] : inner->layers) {
          for (const LayerWeight& w : list_of) own.push_back({layer.name + "/" + w.name, w.value});
        }
        weights.nested[layer.name] = std::move(inner);
      } else {
        flatten(*node, layer.class_name, layer.name, own);
      }
    }
    for (const auto& [name, node] : list->children) {
      if (!claimed.count(name) && node.holds_variables()) {
        fail(ErrorCode::corrupt,
             "the weights hold variables at '{}/{}', which no layer of the config ('{}', {} "
             "layers) claims: the config and the weights describe different models",
             list_path, name, config.name, config.layers.size());
      }
    }
    return weights;
  }

 private:
  // Keras 3 names the n-th object of a class "cls", "cls_1", "cls_2"... in each list. TF 2.13's
  // list (_layer_checkpoint_dependencies) held every layer with weights twice
  // ("layer_with_weights-k", then "layer-i"), so such a layer takes two names and is saved under
  // the first; the file shows which layers had weights.
  std::string next_name(const std::string& base, std::map<std::string, int>& used,
                        const VarNode& list) const {
    const int n = used[base];
    const std::string name = n == 0 ? base : base + "_" + std::to_string(n);
    int taken = 1;
    if (layout_ == StoreLayout::tf213) {
      const VarNode* node = list.child(name);
      if (node && node->holds_variables()) taken = 2;
    }
    used[base] = n + taken;
    return name;
  }

  StoreLayout layout_;
  std::string container_;
};

}  // namespace

LayerWeights map_keras3_weights(const ModelConfig& config, const VarNode& root) {
  if (!root.child("layers") && !root.child("_layer_checkpoint_dependencies")) {
    fail(ErrorCode::corrupt,
         "the weights have no 'layers' group: not a Keras 3 weights file (save_weights of Keras "
         "3 writes layers/<layer>/vars/<index>)");
  }
  const StoreLayout layout = store_layout(root);
  Mapper mapper(layout);
  return mapper.map(config, root, "");
}

}  // namespace nnload::formats::keras
