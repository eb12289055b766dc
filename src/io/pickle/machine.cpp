#include "io/pickle/machine.hpp"

#include <cmath>

namespace nnload::io::pickle::detail {

namespace {

// Python 3 writes protocol 0-2 pickles with Python 2 module names; its unpickler maps them back.
std::string_view python3_module(std::string_view module) {
  if (module == "__builtin__") return "builtins";
  if (module == "copy_reg") return "copyreg";
  return module;
}

}  // namespace

std::string_view kind_name(Kind kind) {
  switch (kind) {
    case Kind::none:
      return "None";
    case Kind::boolean:
      return "a bool";
    case Kind::integer:
    case Kind::big_integer:
      return "an int";
    case Kind::floating:
      return "a float";
    case Kind::string:
      return "a str";
    case Kind::bytes:
      return "bytes";
    case Kind::list:
      return "a list";
    case Kind::tuple:
      return "a tuple";
    case Kind::dict:
      return "a dict";
    case Kind::set:
      return "a set";
    case Kind::global:
      return "a global";
    case Kind::object:
      return "an object";
    case Kind::persistent_id:
      return "a persistent id";
  }
  return "a value";
}

void Machine::push_int(const text::ParsedInt& v) {
  if (v.small) {
    Value* x = make(Kind::integer);
    x->integer = *v.small;
    push(x);
    return;
  }
  if (v.big.size() > limits_.max_big_integer_bytes * 3) {
    fail(ErrorCode::unsupported, "{}: {} at offset {}: an integer of {} digits (at most {})",
         in_.what(), op_label(), op_offset_, v.big.size(), limits_.max_big_integer_bytes * 3);
  }
  Value* x = make(Kind::big_integer);
  x->text = v.big;
  push(x);
}

void Machine::push_string(std::string_view utf8) {
  if (!text::valid_utf8(utf8)) corrupt("the string is not valid UTF-8");
  Value* v = make(Kind::string);
  v->text = utf8;
  push(v);
}

void Machine::push_bytes(std::string_view bytes, bool bytearray) {
  Value* v = make(Kind::bytes);
  v->text = bytes;
  v->flag = bytearray;
  push(v);
}

Value* Machine::make_global(std::string_view module, std::string_view name) {
  if (!text::valid_utf8(module) || !text::valid_utf8(name)) {
    corrupt("the module or name is not valid UTF-8");
  }
  module = python3_module(module);
  Value* g = make(Kind::global);
  g->text.reserve(module.size() + name.size());
  g->text.append(module).append(name);
  g->integer = static_cast<std::int64_t>(module.size());
  return g;
}

// Picklers number memo entries 0, 1, 2, ...: those live in a vector; far-off keys (a hostile
// LONG_BINPUT 4294967295) in a map, so no key makes the vector huge.
void Machine::memo_put(std::uint64_t key) {
  Value* v = top();
  Value** slot = nullptr;
  if (key < memo_dense_.size()) {
    slot = &memo_dense_[key];
  } else if (key < memo_dense_.size() + 1024) {
    memo_dense_.resize(key + 1, nullptr);
    slot = &memo_dense_[key];
  } else {
    slot = &memo_sparse_[key];
  }
  if (*slot == nullptr) {
    if (memo_count_ >= limits_.max_memo) {
      corrupt("more than {} memo entries (the memo limit)", limits_.max_memo);
    }
    ++memo_count_;
  }
  *slot = v;
}

Value* Machine::memo_get(std::uint64_t key) {
  Value* v = nullptr;
  if (key < memo_dense_.size()) {
    v = memo_dense_[key];
  } else if (const auto it = memo_sparse_.find(key); it != memo_sparse_.end()) {
    v = it->second;
  }
  if (v == nullptr) corrupt("memo key {} is not defined", key);
  return v;
}

constexpr int kMaxKeyDepth = 64;

std::size_t Machine::key_id(const Value* v, int depth) {
  if (const auto it = key_ids_.find(v); it != key_ids_.end()) return it->second;
  std::string text = key_text(v, depth);
  const std::size_t id =
      interned_keys_.try_emplace(std::move(text), interned_keys_.size()).first->second;
  key_ids_.emplace(v, id);
  return id;
}

// Equal texts under Python's == for hashable scalars and tuples of them (1 == 1.0 == True);
// anything else is keyed by identity, as is a tuple first reached more than kMaxKeyDepth tuples
// deep (a chain of 200,000 nested tuples must not recurse that deep).
std::string Machine::key_text(const Value* v, int depth) {
  switch (v->kind) {
    case Kind::none:
      return "N";
    case Kind::boolean:
      return v->flag ? "i1" : "i0";
    case Kind::integer:
      return "i" + std::to_string(v->integer);
    case Kind::big_integer:
      return "i" + v->text;
    case Kind::floating:
      if (std::isfinite(v->number) && v->number == std::trunc(v->number)) {
        const std::string digits = fmt::format("{:.0f}", v->number);
        return "i" + (digits == "-0" ? std::string("0") : digits);
      }
      if (std::isnan(v->number)) break;
      return "f" + fmt::format("{}", v->number);
    case Kind::string:
      return "s" + v->text;
    case Kind::bytes:
      if (v->flag) break;  // bytearray is unhashable
      return "b" + v->text;
    case Kind::global:
      return "g" + std::to_string(v->integer) + ":" + v->text;
    case Kind::tuple:
      if (depth < kMaxKeyDepth) {
        std::string key = "t" + std::to_string(v->items.size()) + "(";
        for (const Value* item : v->items) key += std::to_string(key_id(item, depth + 1)) + ",";
        return key + ")";
      }
      break;
    default:
      break;
  }
  return fmt::format("p{}", static_cast<const void*>(v));
}

void Machine::dict_set(Value* target, const Value* key, const Value* value) {
  auto& index = index_[target];
  const auto [it, inserted] = index.try_emplace(key_id(key, 0), target->entries.size());
  if (inserted) {
    target->entries.push_back({key, value});
  } else {
    target->entries[it->second].value = value;
  }
}

void Machine::set_add(Value* target, const Value* item) {
  auto& index = index_[target];
  if (index.try_emplace(key_id(item, 0), target->items.size()).second) {
    target->items.push_back(item);
  }
}

void Machine::append(Value* target, const Value* item) {
  if (target->kind != Kind::list && target->kind != Kind::object) {
    corrupt("appends to {}, expected a list", kind_name(target->kind));
  }
  target->items.push_back(item);
}

Value* Machine::make_object(Made made, const Value* type, const Value* args) {
  Value* o = make(Kind::object);
  o->made = made;
  o->type = type;
  o->args = args;
  return o;
}

// REDUCE, NEWOBJ: plain-data constructors become their values; every other call an Object.
Value* Machine::call(Value* callable, Value* args) {
  if (args->kind != Kind::tuple)
    corrupt("the arguments are {}, expected a tuple", kind_name(args->kind));
  if (callable->kind != Kind::global) return make_object(Made::reduce, callable, args);
  const std::string_view module = callable->module();
  const std::string_view name = callable->name();
  const auto& a = args->items;
  if (module == "collections" && (name == "OrderedDict" || name == "defaultdict")) {
    Value* d = make(Kind::dict);
    d->type = callable;
    d->args = args;
    if (name == "OrderedDict" && a.size() == 1 &&
        (a[0]->kind == Kind::list || a[0]->kind == Kind::tuple)) {
      for (const Value* pair : a[0]->items) {
        if ((pair->kind != Kind::list && pair->kind != Kind::tuple) || pair->items.size() != 2) {
          corrupt("OrderedDict item is {}, expected a (key, value) pair", kind_name(pair->kind));
        }
        dict_set(d, pair->items[0], pair->items[1]);
      }
    }
    return d;
  }
  if (module == "builtins" && (name == "set" || name == "frozenset") && a.size() <= 1) {
    Value* s = make(Kind::set);
    s->flag = name == "frozenset";
    if (a.size() == 1) {
      if (a[0]->kind != Kind::list && a[0]->kind != Kind::tuple && a[0]->kind != Kind::set) {
        corrupt("{}() of {}, expected a list", name, kind_name(a[0]->kind));
      }
      for (const Value* item : a[0]->items) set_add(s, item);
    }
    return s;
  }
  // Protocol 2 pickles bytes as _codecs.encode('latin-1 text', 'latin1').
  const bool latin1_text = a.size() == 2 && a[0]->kind == Kind::string &&
                           a[1]->kind == Kind::string &&
                           (a[1]->text == "latin1" || a[1]->text == "latin-1");
  const bool bytearray = module == "builtins" && name == "bytearray";
  const bool bytes_type = module == "builtins" && name == "bytes";
  if (latin1_text && ((module == "_codecs" && name == "encode") || bytearray || bytes_type)) {
    const auto cps = text::code_points(a[0]->text);
    std::string bytes;
    bytes.reserve(cps->size());
    for (std::uint32_t cp : *cps) {
      if (cp > 0xFF) corrupt("latin-1 text holds code point U+{:04X}", cp);
      bytes += static_cast<char>(cp);
    }
    Value* b = make(Kind::bytes);
    b->text = std::move(bytes);
    b->flag = bytearray;
    return b;
  }
  if ((bytearray || bytes_type) && (a.empty() || (a.size() == 1 && a[0]->kind == Kind::bytes))) {
    Value* b = make(Kind::bytes);
    if (!a.empty()) b->text = a[0]->text;
    b->flag = bytearray;
    return b;
  }
  if (module == "copyreg" && name == "_reconstructor" && a.size() == 3) {
    return make_object(Made::reconstructor, a[0], args);
  }
  // Protocols 2 and 3 spell NEWOBJ_EX as a call of copyreg.__newobj_ex__(cls, args, kwargs).
  if (module == "copyreg" && name == "__newobj_ex__" && a.size() == 3 &&
      a[1]->kind == Kind::tuple && a[2]->kind == Kind::dict) {
    Value* o = make_object(Made::newobj_ex, a[0], a[1]);
    o->kwargs = a[2];
    return o;
  }
  if (module == "copyreg" && name == "__newobj__" && !a.empty()) {
    Value* rest = make_tuple(std::span<const Value* const>(a).subspan(1));
    return make_object(Made::newobj, a[0], rest);
  }
  return make_object(Made::reduce, callable, args);
}

}  // namespace nnload::io::pickle::detail
