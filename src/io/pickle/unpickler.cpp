// The pickle virtual machine: one loop over opcodes, an explicit value stack and mark stack, a
// memo; no recursion and no calls into anything the pickle names.
#include "io/pickle/unpickler.hpp"

#include <bit>
#include <charconv>
#include <cmath>
#include <unordered_map>

#include "core/fail.hpp"
#include "io/byte_reader.hpp"
#include "io/pickle/text.hpp"

namespace nnload::io::pickle {

namespace {

enum Op : std::uint8_t {
  MARK = '(',
  STOP = '.',
  POP = '0',
  POP_MARK = '1',
  DUP = '2',
  FLOAT = 'F',
  INT = 'I',
  BININT = 'J',
  BININT1 = 'K',
  LONG = 'L',
  BININT2 = 'M',
  NONE = 'N',
  PERSID = 'P',
  BINPERSID = 'Q',
  REDUCE = 'R',
  STRING = 'S',
  BINSTRING = 'T',
  SHORT_BINSTRING = 'U',
  UNICODE = 'V',
  BINUNICODE = 'X',
  APPEND = 'a',
  BUILD = 'b',
  GLOBAL = 'c',
  DICT = 'd',
  EMPTY_DICT = '}',
  APPENDS = 'e',
  GET = 'g',
  BINGET = 'h',
  INST = 'i',
  LONG_BINGET = 'j',
  LIST = 'l',
  EMPTY_LIST = ']',
  OBJ = 'o',
  PUT = 'p',
  BINPUT = 'q',
  LONG_BINPUT = 'r',
  SETITEM = 's',
  TUPLE = 't',
  EMPTY_TUPLE = ')',
  SETITEMS = 'u',
  BINFLOAT = 'G',
  PROTO = 0x80,
  NEWOBJ = 0x81,
  EXT1 = 0x82,
  EXT2 = 0x83,
  EXT4 = 0x84,
  TUPLE1 = 0x85,
  TUPLE2 = 0x86,
  TUPLE3 = 0x87,
  NEWTRUE = 0x88,
  NEWFALSE = 0x89,
  LONG1 = 0x8a,
  LONG4 = 0x8b,
  BINBYTES = 'B',
  SHORT_BINBYTES = 'C',
  SHORT_BINUNICODE = 0x8c,
  BINUNICODE8 = 0x8d,
  BINBYTES8 = 0x8e,
  EMPTY_SET = 0x8f,
  ADDITEMS = 0x90,
  FROZENSET = 0x91,
  NEWOBJ_EX = 0x92,
  STACK_GLOBAL = 0x93,
  MEMOIZE = 0x94,
  FRAME = 0x95,
  BYTEARRAY8 = 0x96,
  NEXT_BUFFER = 0x97,
  READONLY_BUFFER = 0x98,
};

std::string_view op_name(std::uint8_t op) {
  switch (op) {
    case MARK:
      return "MARK";
    case STOP:
      return "STOP";
    case POP:
      return "POP";
    case POP_MARK:
      return "POP_MARK";
    case DUP:
      return "DUP";
    case FLOAT:
      return "FLOAT";
    case INT:
      return "INT";
    case BININT:
      return "BININT";
    case BININT1:
      return "BININT1";
    case LONG:
      return "LONG";
    case BININT2:
      return "BININT2";
    case NONE:
      return "NONE";
    case PERSID:
      return "PERSID";
    case BINPERSID:
      return "BINPERSID";
    case REDUCE:
      return "REDUCE";
    case STRING:
      return "STRING";
    case BINSTRING:
      return "BINSTRING";
    case SHORT_BINSTRING:
      return "SHORT_BINSTRING";
    case UNICODE:
      return "UNICODE";
    case BINUNICODE:
      return "BINUNICODE";
    case APPEND:
      return "APPEND";
    case BUILD:
      return "BUILD";
    case GLOBAL:
      return "GLOBAL";
    case DICT:
      return "DICT";
    case EMPTY_DICT:
      return "EMPTY_DICT";
    case APPENDS:
      return "APPENDS";
    case GET:
      return "GET";
    case BINGET:
      return "BINGET";
    case INST:
      return "INST";
    case LONG_BINGET:
      return "LONG_BINGET";
    case LIST:
      return "LIST";
    case EMPTY_LIST:
      return "EMPTY_LIST";
    case OBJ:
      return "OBJ";
    case PUT:
      return "PUT";
    case BINPUT:
      return "BINPUT";
    case LONG_BINPUT:
      return "LONG_BINPUT";
    case SETITEM:
      return "SETITEM";
    case TUPLE:
      return "TUPLE";
    case EMPTY_TUPLE:
      return "EMPTY_TUPLE";
    case SETITEMS:
      return "SETITEMS";
    case BINFLOAT:
      return "BINFLOAT";
    case PROTO:
      return "PROTO";
    case NEWOBJ:
      return "NEWOBJ";
    case EXT1:
      return "EXT1";
    case EXT2:
      return "EXT2";
    case EXT4:
      return "EXT4";
    case TUPLE1:
      return "TUPLE1";
    case TUPLE2:
      return "TUPLE2";
    case TUPLE3:
      return "TUPLE3";
    case NEWTRUE:
      return "NEWTRUE";
    case NEWFALSE:
      return "NEWFALSE";
    case LONG1:
      return "LONG1";
    case LONG4:
      return "LONG4";
    case BINBYTES:
      return "BINBYTES";
    case SHORT_BINBYTES:
      return "SHORT_BINBYTES";
    case SHORT_BINUNICODE:
      return "SHORT_BINUNICODE";
    case BINUNICODE8:
      return "BINUNICODE8";
    case BINBYTES8:
      return "BINBYTES8";
    case EMPTY_SET:
      return "EMPTY_SET";
    case ADDITEMS:
      return "ADDITEMS";
    case FROZENSET:
      return "FROZENSET";
    case NEWOBJ_EX:
      return "NEWOBJ_EX";
    case STACK_GLOBAL:
      return "STACK_GLOBAL";
    case MEMOIZE:
      return "MEMOIZE";
    case FRAME:
      return "FRAME";
    case BYTEARRAY8:
      return "BYTEARRAY8";
    case NEXT_BUFFER:
      return "NEXT_BUFFER";
    case READONLY_BUFFER:
      return "READONLY_BUFFER";
    default:
      return {};
  }
}

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

// Python 3 writes protocol 0-2 pickles with Python 2 module names; its unpickler maps them back.
std::string_view python3_module(std::string_view module) {
  if (module == "__builtin__") return "builtins";
  if (module == "copy_reg") return "copyreg";
  return module;
}

class Machine {
 public:
  Machine(std::span<const std::byte> bytes, Heap& heap, const Limits& limits, std::string_view what,
          std::uint64_t base)
      : in_(bytes, std::string(what), base), heap_(heap), limits_(limits) {}

  Unpickled run();

 private:
  template <class... Args>
  [[noreturn]] void corrupt(fmt::format_string<Args...> format, Args&&... args) const {
    fail(ErrorCode::corrupt, "{}: {} at offset {}: {}", in_.what(), op_label(), op_offset_,
         fmt::format(format, std::forward<Args>(args)...));
  }
  std::string op_label() const {
    const std::string_view name = op_name(op_);
    return name.empty() ? fmt::format("opcode 0x{:02x}", op_) : std::string(name);
  }

  Value* make(Kind kind) {
    if (heap_.size() >= limits_.max_objects) {
      corrupt("the pickle creates more than {} values (the object limit)", limits_.max_objects);
    }
    return heap_.make(kind);
  }
  std::size_t floor() const { return marks_.empty() ? 0 : marks_.back(); }
  void push(Value* v) { stack_.push_back(v); }
  Value* pop() {
    if (stack_.size() <= floor()) corrupt("stack underflow");
    Value* v = stack_.back();
    stack_.pop_back();
    return v;
  }
  Value* top() {
    if (stack_.size() <= floor()) corrupt("stack underflow");
    return stack_.back();
  }
  // The items pushed since the last MARK; the caller consumes them, then calls drop_mark().
  std::span<Value* const> marked() {
    if (marks_.empty()) corrupt("no MARK on the stack");
    return std::span<Value* const>(stack_).subspan(marks_.back());
  }
  // The item just below the last MARK (what APPENDS, SETITEMS and ADDITEMS add to).
  Value* below_mark() {
    const std::size_t outer = marks_.size() >= 2 ? marks_[marks_.size() - 2] : 0;
    if (marks_.back() <= outer) corrupt("stack underflow");
    return stack_[marks_.back() - 1];
  }
  void drop_mark() {
    stack_.resize(marks_.back());
    marks_.pop_back();
  }

  std::string_view line() {
    const std::span<const std::byte> rest = in_.rest();
    const auto* begin = reinterpret_cast<const char*>(rest.data());
    const std::string_view text(begin, rest.size());
    const std::size_t nl = text.find('\n');
    if (nl == std::string_view::npos) corrupt("line without a newline before the end of input");
    in_.skip(nl + 1);
    return text.substr(0, nl);
  }
  std::size_t length(std::uint64_t declared) {
    if (declared > in_.remaining()) {
      corrupt("declares {} bytes, only {} left in the input", declared, in_.remaining());
    }
    return static_cast<std::size_t>(declared);
  }
  std::string_view chars(std::uint64_t declared) { return in_.chars(length(declared)); }

  void push_int(const text::ParsedInt& v);
  void push_string(std::string_view utf8);
  void push_bytes(std::string_view bytes, bool bytearray);
  Value* make_global(std::string_view module, std::string_view name);
  template <class Ptr>
  Value* make_tuple(std::span<Ptr const> items) {
    Value* t = make(Kind::tuple);
    t->items.assign(items.begin(), items.end());
    return t;
  }
  void memo_put(std::uint64_t key);
  Value* memo_get(std::uint64_t key);

  std::string hash_key(const Value* v, int depth) const;
  void dict_set(Value* target, const Value* key, const Value* value);
  void set_add(Value* target, const Value* item);
  void append(Value* target, const Value* item);

  Value* call(Value* callable, Value* args);
  Value* make_object(Made made, const Value* type, const Value* args);
  void step(std::uint8_t op);

  ByteReader in_;
  Heap& heap_;
  const Limits& limits_;
  std::vector<Value*> stack_;
  std::vector<std::size_t> marks_;
  std::vector<Value*> memo_dense_;
  std::unordered_map<std::uint64_t, Value*> memo_sparse_;
  std::uint64_t memo_count_ = 0;
  // Per dict / set / object: hash key -> position, so a repeated key replaces in place.
  std::unordered_map<const Value*, std::unordered_map<std::string, std::size_t>> index_;
  std::uint8_t op_ = 0;
  std::uint64_t op_offset_ = 0;
  bool stopped_ = false;
};

Unpickled Machine::run() {
  while (!stopped_) {
    if (in_.at_end()) {
      op_offset_ = in_.absolute_offset();
      fail(ErrorCode::corrupt, "{}: the pickle ends at offset {} without a STOP opcode", in_.what(),
           op_offset_);
    }
    op_offset_ = in_.absolute_offset();
    op_ = in_.u8();
    step(op_);
  }
  return {stack_.back(), in_.offset()};
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

// Equal keys under Python's == for hashable scalars and tuples of them (1 == 1.0 == True);
// anything else is keyed by identity.
std::string Machine::hash_key(const Value* v, int depth) const {
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
      if (depth < 16) {
        std::string key = "t" + std::to_string(v->items.size()) + "(";
        for (const Value* item : v->items) {
          const std::string k = hash_key(item, depth + 1);
          key += std::to_string(k.size()) + ":" + k;
        }
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
  const auto [it, inserted] = index.try_emplace(hash_key(key, 0), target->entries.size());
  if (inserted) {
    target->entries.push_back({key, value});
  } else {
    target->entries[it->second].value = value;
  }
}

void Machine::set_add(Value* target, const Value* item) {
  auto& index = index_[target];
  if (index.try_emplace(hash_key(item, 0), target->items.size()).second) {
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

void Machine::step(std::uint8_t op) {
  switch (op) {
    case PROTO: {
      const std::uint8_t version = in_.u8();
      if (version > 5) {
        fail(ErrorCode::version, "{}: pickle protocol {} at offset {}; nnload reads 0 to 5",
             in_.what(), version, op_offset_);
      }
      return;
    }
    case FRAME:
      length(in_.u64());
      return;  // frames only group opcodes
    case STOP:
      if (stack_.size() <= floor()) corrupt("stack underflow");
      stopped_ = true;
      return;
    case MARK:
      marks_.push_back(stack_.size());
      return;
    case POP:
      if (stack_.size() > floor()) {
        stack_.pop_back();
      } else {
        if (marks_.empty()) corrupt("stack underflow");
        drop_mark();
      }
      return;
    case POP_MARK:
      marked();
      drop_mark();
      return;
    case DUP:
      push(top());
      return;

    case NONE:
      push(make(Kind::none));
      return;
    case NEWTRUE:
    case NEWFALSE: {
      Value* v = make(Kind::boolean);
      v->flag = op == NEWTRUE;
      push(v);
      return;
    }
    case BININT:
      push_int({in_.i32(), {}});
      return;
    case BININT1:
      push_int({in_.u8(), {}});
      return;
    case BININT2:
      push_int({in_.u16(), {}});
      return;
    case LONG1:
    case LONG4: {
      const std::uint64_t n = op == LONG1 ? in_.u8() : in_.u32();
      const std::size_t size = length(n);
      if (size > limits_.max_big_integer_bytes) {
        fail(ErrorCode::unsupported, "{}: {} at offset {}: an integer of {} bytes (at most {})",
             in_.what(), op_label(), op_offset_, size, limits_.max_big_integer_bytes);
      }
      push_int(text::from_twos_complement(in_.bytes(size)));
      return;
    }
    case INT:
    case LONG: {
      std::string_view digits = line();
      if (op == INT && (digits == "00" || digits == "01")) {
        Value* v = make(Kind::boolean);
        v->flag = digits == "01";
        push(v);
        return;
      }
      if (op == LONG && !digits.empty() && digits.back() == 'L') digits.remove_suffix(1);
      const auto parsed = text::parse_decimal(digits);
      if (!parsed) corrupt("'{}' is not an integer", digits.substr(0, 40));
      push_int(*parsed);
      return;
    }
    case BINFLOAT: {
      Value* v = make(Kind::floating);
      v->number = std::bit_cast<double>(__builtin_bswap64(in_.u64()));
      push(v);
      return;
    }
    case FLOAT: {
      std::string_view s = line();
      while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
      while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
      if (!s.empty() && s.front() == '+') s.remove_prefix(1);
      double d = 0;
      const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
      if ((ec != std::errc() && ec != std::errc::result_out_of_range) ||
          end != s.data() + s.size() || s.empty()) {
        corrupt("'{}' is not a float", s.substr(0, 40));
      }
      Value* v = make(Kind::floating);
      v->number = d;
      push(v);
      return;
    }

    case BINUNICODE:
      push_string(chars(in_.u32()));
      return;
    case SHORT_BINUNICODE:
      push_string(chars(in_.u8()));
      return;
    case BINUNICODE8:
      push_string(chars(in_.u64()));
      return;
    case UNICODE: {
      const auto decoded = text::raw_unicode_escape(line());
      if (!decoded) corrupt("malformed \\u escape");
      push_string(*decoded);
      return;
    }
    // Python 2 str: torch.load decodes it as UTF-8; other bytes stay bytes.
    case BINSTRING:
    case SHORT_BINSTRING: {
      const std::int64_t n = op == BINSTRING ? in_.i32() : in_.u8();
      if (n < 0) corrupt("negative length {}", n);
      const std::string_view s = chars(static_cast<std::uint64_t>(n));
      if (text::valid_utf8(s)) {
        push_string(s);
      } else {
        push_bytes(s, false);
      }
      return;
    }
    case STRING: {
      const std::string_view quoted = line();
      if (quoted.size() < 2 || (quoted.front() != '\'' && quoted.front() != '"') ||
          quoted.back() != quoted.front()) {
        corrupt("the STRING argument is not quoted");
      }
      const auto decoded = text::string_escape(quoted.substr(1, quoted.size() - 2));
      if (!decoded) corrupt("malformed \\x escape");
      if (text::valid_utf8(*decoded)) {
        push_string(*decoded);
      } else {
        push_bytes(*decoded, false);
      }
      return;
    }
    case BINBYTES:
      push_bytes(chars(in_.u32()), false);
      return;
    case SHORT_BINBYTES:
      push_bytes(chars(in_.u8()), false);
      return;
    case BINBYTES8:
      push_bytes(chars(in_.u64()), false);
      return;
    case BYTEARRAY8:
      push_bytes(chars(in_.u64()), true);
      return;
    case NEXT_BUFFER:
    case READONLY_BUFFER:
      fail(ErrorCode::unsupported,
           "{}: {} at offset {}: out-of-band buffers (pickle protocol 5 buffer_callback) are not "
           "supported",
           in_.what(), op_label(), op_offset_);

    case EMPTY_LIST:
      push(make(Kind::list));
      return;
    case EMPTY_DICT:
      push(make(Kind::dict));
      return;
    case EMPTY_TUPLE:
      push(make(Kind::tuple));
      return;
    case EMPTY_SET:
      push(make(Kind::set));
      return;
    case LIST: {
      Value* l = make(Kind::list);
      const auto items = marked();
      l->items.assign(items.begin(), items.end());
      drop_mark();
      push(l);
      return;
    }
    case TUPLE: {
      Value* t = make_tuple(marked());
      drop_mark();
      push(t);
      return;
    }
    case TUPLE1:
    case TUPLE2:
    case TUPLE3: {
      const std::size_t n = op - TUPLE1 + 1;
      if (stack_.size() - floor() < n) corrupt("stack underflow");
      Value* t = make_tuple(std::span<Value* const>(stack_).last(n));
      stack_.resize(stack_.size() - n);
      push(t);
      return;
    }
    case DICT: {
      Value* d = make(Kind::dict);
      const auto items = marked();
      if (items.size() % 2 != 0) corrupt("odd number of items ({}) for a dict", items.size());
      for (std::size_t i = 0; i < items.size(); i += 2) dict_set(d, items[i], items[i + 1]);
      drop_mark();
      push(d);
      return;
    }
    case FROZENSET: {
      Value* s = make(Kind::set);
      s->flag = true;
      for (const Value* item : marked()) set_add(s, item);
      drop_mark();
      push(s);
      return;
    }
    case APPEND: {
      Value* item = pop();
      append(top(), item);
      return;
    }
    case APPENDS: {
      const auto items = marked();
      Value* target = below_mark();
      for (Value* item : items) append(target, item);
      drop_mark();
      return;
    }
    case SETITEM:
    case SETITEMS: {
      Value* target = nullptr;
      if (op == SETITEM) {
        Value* value = pop();
        Value* key = pop();
        target = top();
        if (target->kind != Kind::dict && target->kind != Kind::object) {
          corrupt("sets an item on {}, expected a dict", kind_name(target->kind));
        }
        dict_set(target, key, value);
        return;
      }
      const auto items = marked();
      target = below_mark();
      if (target->kind != Kind::dict && target->kind != Kind::object) {
        corrupt("sets items on {}, expected a dict", kind_name(target->kind));
      }
      if (items.size() % 2 != 0) corrupt("odd number of items ({}) for a dict", items.size());
      for (std::size_t i = 0; i < items.size(); i += 2) dict_set(target, items[i], items[i + 1]);
      drop_mark();
      return;
    }
    case ADDITEMS: {
      const auto items = marked();
      Value* target = below_mark();
      if (target->kind != Kind::set || target->flag) {
        corrupt("adds items to {}, expected a set", kind_name(target->kind));
      }
      for (const Value* item : items) set_add(target, item);
      drop_mark();
      return;
    }

    case PUT: {
      const auto key = text::parse_decimal(line());
      if (!key || !key->small || *key->small < 0) corrupt("bad memo key");
      memo_put(static_cast<std::uint64_t>(*key->small));
      return;
    }
    case BINPUT:
      memo_put(in_.u8());
      return;
    case LONG_BINPUT:
      memo_put(in_.u32());
      return;
    case MEMOIZE:
      memo_put(memo_count_);
      return;
    case GET: {
      const auto key = text::parse_decimal(line());
      if (!key || !key->small || *key->small < 0) corrupt("bad memo key");
      push(memo_get(static_cast<std::uint64_t>(*key->small)));
      return;
    }
    case BINGET:
      push(memo_get(in_.u8()));
      return;
    case LONG_BINGET:
      push(memo_get(in_.u32()));
      return;

    case GLOBAL: {
      const std::string_view module = line();
      const std::string_view name = line();
      push(make_global(module, name));
      return;
    }
    case STACK_GLOBAL: {
      Value* name = pop();
      Value* module = pop();
      if (module->kind != Kind::string || name->kind != Kind::string) {
        corrupt("module and name are {} and {}, expected two str", kind_name(module->kind),
                kind_name(name->kind));
      }
      push(make_global(module->text, name->text));
      return;
    }
    case EXT1:
    case EXT2:
    case EXT4: {
      const std::uint32_t code = op == EXT1 ? in_.u8() : op == EXT2 ? in_.u16() : in_.u32();
      fail(ErrorCode::unsupported,
           "{}: {} at offset {}: extension code {} names a global through copyreg's extension "
           "registry, which this file's writer had and nnload does not",
           in_.what(), op_label(), op_offset_, code);
    }
    case REDUCE: {
      Value* args = pop();
      Value* callable = pop();
      push(call(callable, args));
      return;
    }
    case NEWOBJ: {
      Value* args = pop();
      Value* cls = pop();
      if (args->kind != Kind::tuple)
        corrupt("the arguments are {}, expected a tuple", kind_name(args->kind));
      Value* v = call(cls, args);
      if (v->kind == Kind::object) v->made = Made::newobj;
      push(v);
      return;
    }
    case NEWOBJ_EX: {
      Value* kwargs = pop();
      Value* args = pop();
      Value* cls = pop();
      if (args->kind != Kind::tuple || kwargs->kind != Kind::dict) {
        corrupt("arguments are {} and {}, expected a tuple and a dict", kind_name(args->kind),
                kind_name(kwargs->kind));
      }
      Value* o = make_object(Made::newobj_ex, cls, args);
      o->kwargs = kwargs;
      push(o);
      return;
    }
    case INST: {
      const std::string_view module = line();
      const std::string_view name = line();
      Value* cls = make_global(module, name);
      Value* args = make_tuple(marked());
      drop_mark();
      push(make_object(Made::inst, cls, args));
      return;
    }
    case OBJ: {
      const auto items = marked();
      if (items.empty()) corrupt("no class after the MARK");
      Value* cls = items[0];
      Value* args = make_tuple(items.subspan(1));
      drop_mark();
      push(make_object(Made::inst, cls, args));
      return;
    }
    case BUILD: {
      Value* state = pop();
      Value* target = top();
      if (target->kind != Kind::object && target->kind != Kind::dict) {
        corrupt("sets the state of {}, expected an object", kind_name(target->kind));
      }
      target->state = state;
      return;
    }
    case PERSID:
    case BINPERSID: {
      Value* id = nullptr;
      if (op == PERSID) {
        const std::string_view s = line();
        if (!text::valid_utf8(s)) corrupt("the persistent id is not valid UTF-8");
        id = make(Kind::string);
        id->text = s;
      } else {
        id = pop();
      }
      Value* p = make(Kind::persistent_id);
      p->items.push_back(id);
      push(p);
      return;
    }
    default:
      fail(ErrorCode::corrupt, "{}: unknown pickle opcode 0x{:02x} at offset {}", in_.what(), op,
           op_offset_);
  }
}

}  // namespace

std::string Value::qualified_name() const {
  if (kind != Kind::global) return {};
  const std::string_view m = module();
  return m.empty() ? std::string(name()) : fmt::format("{}.{}", m, name());
}

const Value* Value::get(std::string_view key) const {
  for (const DictEntry& e : entries) {
    if (e.key->kind == Kind::string && e.key->text == key) return e.value;
  }
  return nullptr;
}

Unpickled unpickle(std::span<const std::byte> bytes, Heap& heap, const Limits& limits,
                   std::string_view what, std::uint64_t base) {
  return Machine(bytes, heap, limits, what, base).run();
}

}  // namespace nnload::io::pickle
