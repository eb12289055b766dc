#include "formats/torch/flatten.hpp"

#include <unordered_set>

#include "core/fail.hpp"
#include "core/read_limits.hpp"
#include "io/pickle/repr.hpp"

namespace nnload::formats::torch {

namespace {

using io::pickle::Kind;
using io::pickle::Value;

struct Child {
  std::string key;
  const Value* value;
};

const io::pickle::ReprLimits kLeafRepr{std::size_t{1} << 16, 1000};

bool is_dict(const Value* v) { return v != nullptr && v->kind == Kind::dict; }

void add_entries(const Value& dict, std::vector<Child>& out) {
  for (const auto& e : dict.entries) out.push_back({key_text(*e.key), e.value});
}

// The children an object expands into (empty: the object is a leaf, unless it is a module).
std::vector<Child> object_children(const Value& o, bool& module) {
  std::vector<Child> out;
  module = false;
  const Value* state = o.state;
  const Value* params = is_dict(state) ? state->get("_parameters") : nullptr;
  const Value* modules = is_dict(state) ? state->get("_modules") : nullptr;
  if (is_dict(params) && is_dict(modules)) {
    // An nn.Module: named like its state_dict().
    module = true;
    std::unordered_set<std::string> transient;
    if (const Value* np = state->get("_non_persistent_buffers_set");
        np != nullptr && np->kind == Kind::set) {
      for (const Value* n : np->items) {
        if (n->kind == Kind::string) transient.insert(n->text);
      }
    }
    const Value* buffers = state->get("_buffers");
    for (const Value* group : {params, buffers, modules}) {
      if (!is_dict(group)) continue;
      for (const auto& e : group->entries) {
        if (e.value->kind == Kind::none) continue;
        std::string key = key_text(*e.key);
        if (group == buffers && transient.count(key) != 0) continue;
        out.push_back({std::move(key), e.value});
      }
    }
    return out;
  }
  if (is_dict(state)) {
    add_entries(*state, out);
  } else if (state != nullptr && state->kind == Kind::tuple && state->items.size() == 2 &&
             (is_dict(state->items[0]) || state->items[0]->kind == Kind::none) &&
             (is_dict(state->items[1]) || state->items[1]->kind == Kind::none)) {
    for (const Value* part : state->items) {
      if (is_dict(part)) add_entries(*part, out);
    }
  }
  // Dict and list subclasses keep their items beside the state.
  for (const auto& e : o.entries) out.push_back({key_text(*e.key), e.value});
  for (std::size_t i = 0; i < o.items.size(); ++i) out.push_back({std::to_string(i), o.items[i]});
  return out;
}

class Walker {
 public:
  Walker(Interpreter& interpreter, const ReadLimits& limits, std::uint64_t max_entries,
         std::uint64_t max_text_bytes, std::vector<std::string>& notes, const std::string& file)
      : interpreter_(interpreter),
        limits_(limits),
        max_entries_(max_entries),
        max_text_bytes_(max_text_bytes),
        notes_(notes),
        file_(file) {}

  Flattened run(const Value& root) {
    visit(root);
    while (!frames_.empty()) {
      Frame& f = frames_.back();
      const std::size_t count =
          f.children.empty() ? (f.v->kind == Kind::dict ? f.v->entries.size() : f.v->items.size())
                             : f.children.size();
      if (f.next == count) {
        active_.erase(f.v);
        frames_.pop_back();
        continue;
      }
      const std::size_t i = f.next++;
      path_.resize(f.path_size);
      if (!path_.empty()) path_ += '.';
      const Value* child = nullptr;
      if (!f.children.empty()) {
        path_ += f.children[i].key;
        child = f.children[i].value;
      } else if (f.v->kind == Kind::dict) {
        path_ += key_text(*f.v->entries[i].key);
        child = f.v->entries[i].value;
      } else {
        path_ += std::to_string(i);
        child = f.v->items[i];
      }
      count_text(path_.size());
      visit(*child);
    }
    return std::move(out_);
  }

 private:
  struct Frame {
    const Value* v;
    std::size_t path_size;
    std::vector<Child> children;  // objects; containers index their own items
    std::size_t next = 0;
  };

  void count_entry() {
    if (++entries_ > max_entries_) {
      fail(ErrorCode::corrupt,
           "{}: the object tree expands to more than {} entries (shared references repeat "
           "containers under every path that reaches them)",
           file_, max_entries_);
    }
  }

  // Paths are built for every entry and kept for every leaf, with the leaves' texts.
  void count_text(std::size_t bytes) {
    text_bytes_ += bytes;
    if (text_bytes_ > max_text_bytes_) {
      fail(ErrorCode::corrupt,
           "{}: the object tree's names and values come to more than {} bytes, implausible for "
           "this file (ReadLimits::max_expansion is {}; a pickle can repeat one long string "
           "by reference)",
           file_, max_text_bytes_, read_limits().max_expansion);
    }
  }

  void name_once() {
    if (!names_.insert(path_).second) {
      notes_.push_back(
          fmt::format("the name '{}' appears twice (a key holding '.' meets a nested "
                      "key); the later entry is listed too",
                      path_));
    }
  }

  void value(std::string text) {
    count_entry();
    count_text(text.size());
    name_once();
    out_.values.push_back({path_, std::move(text)});
  }

  void visit(const Value& node) {
    const Value* v = &node;
    // A stand-in (a legacy module id for its class, a TorchScript list builder for its list)
    // may itself mean something.
    for (int hops = 0;; ++hops) {
      const Meaning& m = interpreter_.meaning(*v, path_);
      if (m.what == Meaning::What::tensor) {
        count_entry();
        name_once();
        out_.tensors.push_back(
            {path_, m.tensor->value, m.tensor->location, m.tensor->is_parameter});
        return;
      }
      if (m.what == Meaning::What::shown || m.what == Meaning::What::storage) return value(m.text);
      if (m.what == Meaning::What::plain || hops == 8) break;
      v = m.stand_in;
    }
    std::vector<Child> children;
    switch (v->kind) {
      case Kind::list:
      case Kind::tuple:
        if (v->items.empty()) return value(io::pickle::repr(*v, kLeafRepr));
        break;
      case Kind::dict:
        if (v->entries.empty()) return value(io::pickle::repr(*v, kLeafRepr));
        break;
      case Kind::object: {
        bool module = false;
        children = object_children(*v, module);
        if (children.empty() && module) return;  // like state_dict(): no state, no entries
        if (children.empty()) {
          const std::string cls = class_name(*v);
          return value(cls.empty() ? "<object>" : "<object of class " + cls + ">");
        }
        break;
      }
      default:
        return value(io::pickle::repr(*v, kLeafRepr));
    }
    if (active_.count(v) != 0) {
      // Python can pickle a container that holds itself, but no checkpoint needs one and an
      // infinite tree has no dotted paths: refuse it clearly.
      fail(ErrorCode::corrupt,
           "{}: '{}' refers back to a container that holds it (a cyclic structure)", file_,
           path_.substr(0, 200));
    }
    if (frames_.size() >= limits_.max_depth) {
      fail(ErrorCode::corrupt, "{}: '{}' is nested deeper than {} levels", file_,
           path_.substr(0, 200), limits_.max_depth);
    }
    count_entry();
    active_.insert(v);
    frames_.push_back({v, path_.size(), std::move(children), 0});
  }

  Interpreter& interpreter_;
  const ReadLimits& limits_;
  std::uint64_t max_entries_;
  std::uint64_t max_text_bytes_;
  std::vector<std::string>& notes_;
  const std::string& file_;
  Flattened out_;
  std::vector<Frame> frames_;
  std::unordered_set<const Value*> active_;
  std::unordered_set<std::string> names_;
  std::string path_;
  std::uint64_t entries_ = 0;
  std::uint64_t text_bytes_ = 0;
};

}  // namespace

std::string key_text(const Value& key) {
  switch (key.kind) {
    case Kind::string:
      return key.text;
    case Kind::integer:
      return std::to_string(key.integer);
    case Kind::big_integer:
      return key.text;
    case Kind::boolean:
      return key.flag ? "True" : "False";
    case Kind::none:
      return "None";
    default:
      return io::pickle::repr(key, {256, 16});
  }
}

std::string class_name(const Value& object) {
  const Value* type = object.type_global();
  if (type == nullptr) return {};
  if ((type->is_global("numpy.core.multiarray", "_reconstruct") ||
       type->is_global("numpy._core.multiarray", "_reconstruct")) &&
      object.args != nullptr && !object.args->items.empty() &&
      object.args->items[0]->kind == Kind::global) {
    return object.args->items[0]->qualified_name();
  }
  return type->qualified_name();
}

Flattened flatten(const Value& root, Interpreter& interpreter, const ReadLimits& limits,
                  std::uint64_t max_entries, std::uint64_t max_text_bytes,
                  std::vector<std::string>& notes, const std::string& file) {
  return Walker(interpreter, limits, max_entries, max_text_bytes, notes, file).run(root);
}

}  // namespace nnload::formats::torch
