// The pickle virtual machine: one loop over opcodes, an explicit value stack and mark stack, a
// memo; no recursion and no calls into anything the pickle names.
#include "io/pickle/unpickler.hpp"

#include <bit>
#include <charconv>

#include "io/pickle/machine.hpp"

namespace nnload::io::pickle {

namespace detail {

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

}  // namespace detail

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
  return detail::Machine(bytes, heap, limits, what, base).run();
}

}  // namespace nnload::io::pickle
