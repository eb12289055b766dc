// Pickle values: the inert object tree the safe unpickler builds. Nothing named by a pickle is
// ever called; a call (REDUCE, NEWOBJ, INST, OBJ) becomes an Object value that records what
// would have been called and with which arguments.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace nnload::io::pickle {

enum class Kind : std::uint8_t {
  none,
  boolean,
  integer,      // fits int64
  big_integer,  // does not fit int64: kept as decimal text
  floating,
  string,
  bytes,  // also bytearray (flag)
  list,
  tuple,
  dict,           // also collections.OrderedDict / defaultdict (type names the class)
  set,            // also frozenset (flag)
  global,         // a module-level name (GLOBAL, STACK_GLOBAL, INST's class): {module, name}
  object,         // the inert result of a call
  persistent_id,  // BINPERSID / PERSID: items[0] is the id, resolved by the caller
};

// How an object value came to be.
enum class Made : std::uint8_t {
  reduce,         // REDUCE: type(*args)
  newobj,         // NEWOBJ: type.__new__(type, *args)
  newobj_ex,      // NEWOBJ_EX: type.__new__(type, *args, **kwargs)
  inst,           // INST / OBJ (protocol 0/1 class instances)
  reconstructor,  // copyreg._reconstructor(type, base, state), protocol 0/1 objects
};

struct Value;

struct DictEntry {
  const Value* key = nullptr;
  const Value* value = nullptr;
};

// One value. Fields hold what the kind needs; the rest stay empty. Values reference each other
// by pointer and live in a Heap, so shared references and cycles (a list that contains itself)
// are representable; walkers must detect cycles (see repr.hpp).
struct Value {
  Kind kind = Kind::none;
  bool flag = false;         // boolean: the value; set: frozenset; bytes: bytearray
  Made made = Made::reduce;  // object
  std::int64_t integer = 0;  // integer: the value; global: the length of the module in text
  double number = 0;         // floating
  // string: UTF-8 text; bytes: the bytes; big_integer: decimal digits, '-' first if negative;
  // global: the module followed by the name.
  std::string text;
  // list, tuple, set: the elements; object: items added by APPEND(S) (list subclasses);
  // persistent_id: {the id}.
  std::vector<const Value*> items;
  // dict: entries in insertion order (a repeated key replaced its value in place);
  // object: entries added by SETITEM(S) (dict subclasses).
  std::vector<DictEntry> entries;
  // object: what was called (usually a global: the class or function); dict: its class when
  // not a plain dict (collections.OrderedDict, collections.defaultdict).
  const Value* type = nullptr;
  const Value* args = nullptr;    // object: the argument tuple (may be empty)
  const Value* kwargs = nullptr;  // object made by NEWOBJ_EX: the keyword-argument dict
  const Value* state = nullptr;   // BUILD's argument (the last one), for objects and dicts

  // global: its parts.
  std::string_view module() const {
    return std::string_view(text).substr(0, static_cast<std::size_t>(integer));
  }
  std::string_view name() const {
    return std::string_view(text).substr(static_cast<std::size_t>(integer));
  }
  bool is_global(std::string_view mod, std::string_view nm) const {
    return kind == Kind::global && module() == mod && name() == nm;
  }
  // "module.name" of a global; empty for other kinds.
  std::string qualified_name() const;
  // An object's class or callable as a global, or nullptr when `type` is not a global.
  const Value* type_global() const {
    return type != nullptr && type->kind == Kind::global ? type : nullptr;
  }
  bool is_object_of(std::string_view mod, std::string_view nm) const {
    return kind == Kind::object && type != nullptr && type->is_global(mod, nm);
  }
  bool is_string(std::string_view s) const { return kind == Kind::string && text == s; }
  // Integers and booleans (Python's bool is an int).
  bool is_int() const { return kind == Kind::integer || kind == Kind::boolean; }
  std::int64_t as_int() const { return kind == Kind::boolean ? std::int64_t(flag) : integer; }

  // dict (or an object's SETITEM entries): the value stored under string key `key`, or nullptr.
  const Value* get(std::string_view key) const;
  // list, tuple: element i, or nullptr when out of range or another kind.
  const Value* at(std::size_t i) const {
    return (kind == Kind::list || kind == Kind::tuple) && i < items.size() ? items[i] : nullptr;
  }
};

// Owns every value of one or more pickles. Addresses are stable; destruction does not recurse.
class Heap {
 public:
  Value* make(Kind kind) {
    Value& v = values_.emplace_back();
    v.kind = kind;
    return &v;
  }
  std::size_t size() const noexcept { return values_.size(); }
  // Every value, in the order made.
  const std::deque<Value>& values() const noexcept { return values_; }
  std::deque<Value>& values() noexcept { return values_; }

 private:
  std::deque<Value> values_;
};

}  // namespace nnload::io::pickle
