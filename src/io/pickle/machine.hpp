// The unpickler's machine: value stack, mark stack, memo, and the helpers the opcodes share.
// Internal to io/pickle.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/fail.hpp"
#include "io/byte_reader.hpp"
#include "io/pickle/opcodes.hpp"
#include "io/pickle/text.hpp"
#include "io/pickle/unpickler.hpp"

namespace nnload::io::pickle::detail {

// "a list", "None", ... for messages.
std::string_view kind_name(Kind kind);

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
      corrupt("the pickle creates more than {} values (ReadLimits::max_objects)",
              limits_.max_objects);
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

  // Equal ids for values Python's == calls equal as dict keys; computed once per value.
  std::size_t key_id(const Value* v, int depth);
  std::string key_text(const Value* v, int depth);
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
  // Per dict / set / object: key id -> position, so a repeated key replaces in place.
  std::unordered_map<const Value*, std::unordered_map<std::size_t, std::size_t>> index_;
  // Keys are interned: a tuple's key text names its items by id, so a key costs its own items
  // once, however often a pickle nests shared tuples (2^16 copies of a string otherwise).
  std::unordered_map<const Value*, std::size_t> key_ids_;
  std::unordered_map<std::string, std::size_t> interned_keys_;
  std::uint8_t op_ = 0;
  std::uint64_t op_offset_ = 0;
  bool stopped_ = false;
};

}  // namespace nnload::io::pickle::detail
