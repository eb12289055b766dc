// Text and number forms inside pickles: UTF-8 checks, Python 2 string escapes, raw-unicode-escape,
// decimal and two's-complement integers. Internal to the unpickler and repr().
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nnload::io::pickle::text {

// True when `s` is UTF-8 as Python's 'surrogatepass' decoder accepts it (encoded surrogates
// allowed, overlong forms and code points above U+10FFFF refused).
bool valid_utf8(std::string_view s);

// Decodes UTF-8 into code points; nullopt when invalid.
std::optional<std::vector<std::uint32_t>> code_points(std::string_view utf8);

// Appends the UTF-8 form of code point `cp` (<= 0x10FFFF).
void append_utf8(std::string& out, std::uint32_t cp);

// Bytes as Latin-1 text, in UTF-8.
std::string latin1_to_utf8(std::string_view bytes);

// Python's raw-unicode-escape decoding (protocol 0 UNICODE): \uXXXX and \UXXXXXXXX escapes, every
// other byte a Latin-1 character. nullopt on a malformed escape.
std::optional<std::string> raw_unicode_escape(std::string_view bytes);

// Python 2 string-literal escapes (STRING): \\ \' \" \a \b \f \n \r \t \v, \ooo, \xhh and
// backslash-newline; unknown escapes stay as written. nullopt on a malformed \x escape.
std::optional<std::string> string_escape(std::string_view body);

// A decimal integer as Python's int() parses it (sign, digits, surrounding spaces). Returns the
// value when it fits int64, else sets `big` to the normalised digits ('-' first if negative).
// nullopt when not a decimal integer.
struct ParsedInt {
  std::optional<std::int64_t> small;
  std::string big;
};
std::optional<ParsedInt> parse_decimal(std::string_view s);

// A little-endian two's-complement integer (LONG1 / LONG4 payload): the value when it fits int64,
// else its decimal digits.
ParsedInt from_twos_complement(std::span<const std::byte> bytes);

}  // namespace nnload::io::pickle::text
