#include "io/pickle/repr.hpp"

#include <charconv>
#include <cmath>
#include <optional>
#include <unordered_set>
#include <vector>

#include "core/fail.hpp"
#include "io/pickle/text.hpp"

namespace nnload::io::pickle {

namespace {

// Lays out shortest scientific digits ("1.2345e+16") as Python's float repr does: fixed notation
// for decimal exponents -5 < e < 16, else d.ddde+XX with at least two exponent digits.
std::string python_layout(std::string_view sci, bool dot_zero) {
  std::string out;
  if (!sci.empty() && sci.front() == '-') {
    out += '-';
    sci.remove_prefix(1);
  }
  const std::size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits += c;
  }
  int exponent = 0;
  std::from_chars(sci.data() + e_pos + 1 + (sci[e_pos + 1] == '+' ? 1 : 0), sci.data() + sci.size(),
                  exponent);
  if (exponent < -4 || exponent >= 16) {
    out += digits[0];
    if (digits.size() > 1) out += '.' + digits.substr(1);
    out += exponent < 0 ? "e-" : "e+";
    const std::string e = std::to_string(std::abs(exponent));
    if (e.size() < 2) out += '0';
    return out + e;
  }
  if (exponent < 0)
    return out + "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
  const auto int_len = static_cast<std::size_t>(exponent) + 1;
  if (digits.size() <= int_len) {
    out += digits + std::string(int_len - digits.size(), '0');
    return dot_zero ? out + ".0" : out;
  }
  return out + digits.substr(0, int_len) + "." + digits.substr(int_len);
}

template <class F>
std::string shortest(F x, bool dot_zero) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x < 0 ? "-inf" : "inf";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
  return python_layout(std::string_view(buf, static_cast<std::size_t>(r.ptr - buf)), dot_zero);
}

// Characters Python's str.isprintable() rejects above ASCII (categories Cc, Cf, Cs, Co, Zl,
// Zp, Zs other than space, and the noncharacters), for the ranges text uses in practice.
bool printable(std::uint32_t c) {
  if (c < 0xA0) return false;  // C1 controls (callers handle ASCII)
  if (c == 0xA0 || c == 0xAD || c == 0x1680 || c == 0x180E || c == 0x202F || c == 0x205F ||
      c == 0x3000 || c == 0xFEFF || c == 0x061C || c == 0x06DD || c == 0x070F || c == 0x110BD)
    return false;
  if ((c >= 0x0600 && c <= 0x0605) || (c >= 0x2000 && c <= 0x200F) ||
      (c >= 0x2028 && c <= 0x202E) || (c >= 0x2060 && c <= 0x206F) ||
      (c >= 0xD800 && c <= 0xF8FF) || (c >= 0xFDD0 && c <= 0xFDEF) ||
      (c >= 0xFFF9 && c <= 0xFFFB) || (c & 0xFFFE) == 0xFFFE || (c >= 0x1D173 && c <= 0x1D17A) ||
      (c >= 0xE0000 && c <= 0xE007F) || c >= 0xF0000)
    return false;
  return true;
}

char quote_for(std::string_view s) {
  return s.find('\'') != std::string_view::npos && s.find('"') == std::string_view::npos ? '"'
                                                                                         : '\'';
}

std::string global_repr(const Value& g) { return g.qualified_name(); }

std::string complex_repr(const Value& o) {
  const auto part = [](const Value* v) -> std::optional<double> {
    if (v->kind == Kind::floating) return v->number;
    if (v->is_int()) return static_cast<double>(v->as_int());
    return std::nullopt;
  };
  const auto re = part(o.args->items[0]);
  const auto im = part(o.args->items[1]);
  if (!re || !im) return "<object of class builtins.complex>";
  std::string imag = shortest(*im, false);
  if (*re == 0 && !std::signbit(*re)) return imag + "j";
  if (imag.front() != '-') imag = "+" + imag;
  return "(" + shortest(*re, false) + imag + "j)";
}

bool is_complex(const Value& v) {
  return v.is_object_of("builtins", "complex") && v.args != nullptr && v.args->items.size() == 2;
}

bool is_ordered_dict(const Value& v) {
  return v.kind == Kind::dict && v.type != nullptr &&
         v.type->is_global("collections", "OrderedDict");
}

bool is_defaultdict(const Value& v) {
  return v.kind == Kind::dict && v.type != nullptr &&
         v.type->is_global("collections", "defaultdict");
}

class Printer {
 public:
  Printer(const ReprLimits& limits) : limits_(limits) {}

  std::string print(const Value& root) {
    open(&root);
    while (!frames_.empty()) {
      if (out_.size() > limits_.max_chars) {
        out_.resize(limits_.max_chars);
        return out_ + "...";
      }
      step();
    }
    return out_;
  }

 private:
  struct Frame {
    const Value* v;
    std::size_t next;
  };

  static std::size_t slots(const Value& v) {
    return v.kind == Kind::dict ? 2 * v.entries.size() : v.items.size();
  }

  // Prints a scalar, or opens a frame for a container.
  void open(const Value* v) {
    switch (v->kind) {
      case Kind::none:
        out_ += "None";
        return;
      case Kind::boolean:
        out_ += v->flag ? "True" : "False";
        return;
      case Kind::integer:
        out_ += std::to_string(v->integer);
        return;
      case Kind::big_integer:
        out_ += v->text;
        return;
      case Kind::floating:
        out_ += float_repr(v->number);
        return;
      case Kind::string:
        out_ += string_repr(v->text);
        return;
      case Kind::bytes:
        out_ += v->flag ? "bytearray(" + bytes_repr(v->text) + ")" : bytes_repr(v->text);
        return;
      case Kind::global:
        out_ += global_repr(*v);
        return;
      case Kind::object:
        if (is_complex(*v)) {
          out_ += complex_repr(*v);
        } else {
          const Value* g = v->type_global();
          out_ += g != nullptr ? "<object of class " + g->qualified_name() + ">" : "<object>";
        }
        return;
      default:
        break;
    }
    if (active_.count(v) != 0) {
      out_ += v->kind == Kind::list    ? "[...]"
              : v->kind == Kind::tuple ? "(...)"
              : is_ordered_dict(*v)    ? "..."
                                       : "{...}";
      return;
    }
    const bool empty = slots(*v) == 0;
    switch (v->kind) {
      case Kind::list:
        out_ += "[";
        break;
      case Kind::tuple:
        out_ += "(";
        break;
      case Kind::set:
        if (empty) {
          out_ += v->flag ? "frozenset()" : "set()";
          return;
        }
        out_ += v->flag ? "frozenset({" : "{";
        break;
      case Kind::dict:
        if (is_ordered_dict(*v)) {
          out_ += empty ? "OrderedDict(" : "OrderedDict([";
        } else if (is_defaultdict(*v)) {
          const Value* f =
              v->args != nullptr && !v->args->items.empty() ? v->args->items[0] : nullptr;
          out_ += "defaultdict(";
          out_ += f == nullptr ? "None" : f->kind == Kind::global ? global_repr(*f) : "<object>";
          out_ += ", {";
        } else {
          out_ += "{";
        }
        break;
      case Kind::persistent_id:
        out_ += "<persistent id ";
        break;
      default:
        break;
    }
    if (frames_.size() >= limits_.max_depth) {
      fail(ErrorCode::corrupt, "value nested deeper than {} levels (ReadLimits::max_depth)", limits_.max_depth);
    }
    active_.insert(v);
    frames_.push_back({v, 0});
  }

  void close(const Value& v) {
    switch (v.kind) {
      case Kind::list:
        out_ += "]";
        break;
      case Kind::tuple:
        out_ += v.items.size() == 1 ? ",)" : ")";
        break;
      case Kind::set:
        out_ += v.flag ? "})" : "}";
        break;
      case Kind::dict:
        if (is_ordered_dict(v)) {
          out_ += v.entries.empty() ? ")" : ")])";
        } else {
          out_ += is_defaultdict(v) ? "})" : "}";
        }
        break;
      case Kind::persistent_id:
        out_ += ">";
        break;
      default:
        break;
    }
  }

  void step() {
    const Frame f = frames_.back();
    const Value& v = *f.v;
    if (f.next == slots(v)) {
      close(v);
      active_.erase(f.v);
      frames_.pop_back();
      return;
    }
    frames_.back().next++;
    if (v.kind == Kind::dict) {
      const DictEntry& e = v.entries[f.next / 2];
      const bool key = f.next % 2 == 0;
      if (is_ordered_dict(v)) {
        out_ += key ? (f.next == 0 ? "(" : "), (") : ", ";
      } else {
        out_ += key ? (f.next == 0 ? "" : ", ") : ": ";
      }
      open(key ? e.key : e.value);
      return;
    }
    if (f.next > 0) out_ += ", ";
    open(v.items[f.next]);
  }

  const ReprLimits& limits_;
  std::string out_;
  std::vector<Frame> frames_;
  std::unordered_set<const Value*> active_;
};

}  // namespace

std::string float_repr(double x) { return shortest(x, true); }

std::string float32_repr(float x) { return shortest(x, true); }

std::string string_repr(std::string_view utf8) {
  const char quote = quote_for(utf8);
  std::string out(1, quote);
  const auto cps = text::code_points(utf8);
  if (!cps) return bytes_repr(utf8);
  for (std::uint32_t c : *cps) {
    if (c == static_cast<std::uint32_t>(quote) || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c == 0x7F) {
      out += fmt::format("\\x{:02x}", c);
    } else if (c < 0x7F || printable(c)) {
      text::append_utf8(out, c);
    } else if (c <= 0xFF) {
      out += fmt::format("\\x{:02x}", c);
    } else if (c <= 0xFFFF) {
      out += fmt::format("\\u{:04x}", c);
    } else {
      out += fmt::format("\\U{:08x}", c);
    }
  }
  return out + quote;
}

std::string bytes_repr(std::string_view bytes) {
  const char quote = quote_for(bytes);
  std::string out = "b";
  out += quote;
  for (char ch : bytes) {
    const auto c = static_cast<std::uint8_t>(ch);
    if (c == static_cast<std::uint8_t>(quote) || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c >= 0x7F) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += ch;
    }
  }
  return out + quote;
}

std::string repr(const Value& value, const ReprLimits& limits) {
  return Printer(limits).print(value);
}

}  // namespace nnload::io::pickle
