#include "io/pickle/text.hpp"

#include <algorithm>
#include <charconv>

namespace nnload::io::pickle::text {

namespace {

// Length of the UTF-8 sequence starting at s[i] and its code point; 0 when invalid.
std::size_t decode_one(std::string_view s, std::size_t i, std::uint32_t& cp) {
  const auto b0 = static_cast<std::uint8_t>(s[i]);
  if (b0 < 0x80) {
    cp = b0;
    return 1;
  }
  std::size_t n = 0;
  std::uint32_t min = 0;
  if ((b0 & 0xE0) == 0xC0) {
    n = 2, cp = b0 & 0x1F, min = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    n = 3, cp = b0 & 0x0F, min = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    n = 4, cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0;
  }
  if (s.size() - i < n) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    const auto b = static_cast<std::uint8_t>(s[i + k]);
    if ((b & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF) return 0;
  return n;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

}  // namespace

bool valid_utf8(std::string_view s) {
  std::uint32_t cp = 0;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = decode_one(s, i, cp);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::optional<std::vector<std::uint32_t>> code_points(std::string_view utf8) {
  std::vector<std::uint32_t> out;
  out.reserve(utf8.size());
  std::uint32_t cp = 0;
  for (std::size_t i = 0; i < utf8.size();) {
    const std::size_t n = decode_one(utf8, i, cp);
    if (n == 0) return std::nullopt;
    out.push_back(cp);
    i += n;
  }
  return out;
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

std::string latin1_to_utf8(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (char c : bytes) append_utf8(out, static_cast<std::uint8_t>(c));
  return out;
}

std::optional<std::string> raw_unicode_escape(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    const char c = bytes[i];
    // Only an odd run of backslashes before u/U starts an escape; "\\u" is two characters.
    if (c == '\\' && i + 1 < bytes.size() && (bytes[i + 1] == 'u' || bytes[i + 1] == 'U')) {
      std::size_t run = 1;
      while (run <= i && bytes[i - run] == '\\') ++run;
      if (run % 2 == 1) {
        const std::size_t digits = bytes[i + 1] == 'u' ? 4 : 8;
        if (bytes.size() - (i + 2) < digits) return std::nullopt;
        std::uint32_t cp = 0;
        for (std::size_t k = 0; k < digits; ++k) {
          const int h = hex_digit(bytes[i + 2 + k]);
          if (h < 0) return std::nullopt;
          cp = cp * 16 + static_cast<std::uint32_t>(h);
        }
        if (cp > 0x10FFFF) return std::nullopt;
        append_utf8(out, cp);
        i += 1 + digits;
        continue;
      }
    }
    append_utf8(out, static_cast<std::uint8_t>(c));
  }
  return out;
}

std::optional<std::string> string_escape(std::string_view body) {
  std::string out;
  out.reserve(body.size());
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\' || i + 1 == body.size()) {
      out += body[i];
      continue;
    }
    const char e = body[++i];
    switch (e) {
      case '\n':
        break;
      case '\\':
        out += '\\';
        break;
      case '\'':
        out += '\'';
        break;
      case '"':
        out += '"';
        break;
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      case 'x': {
        if (body.size() - (i + 1) < 2) return std::nullopt;
        const int hi = hex_digit(body[i + 1]);
        const int lo = hex_digit(body[i + 2]);
        if (hi < 0 || lo < 0) return std::nullopt;
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          int v = e - '0';
          for (int k = 0; k < 2 && i + 1 < body.size() && body[i + 1] >= '0' && body[i + 1] <= '7';
               ++k) {
            v = v * 8 + (body[++i] - '0');
          }
          out += static_cast<char>(v & 0xFF);
        } else {
          out += '\\';
          out += e;
        }
    }
  }
  return out;
}

std::optional<ParsedInt> parse_decimal(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return std::nullopt;
  while (s.size() > 1 && s.front() == '0') s.remove_prefix(1);
  std::string digits = (negative && s != "0" ? "-" : "") + std::string(s);
  ParsedInt out;
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec == std::errc() && end == digits.data() + digits.size()) {
    out.small = v;
  } else {
    out.big = std::move(digits);
  }
  return out;
}

ParsedInt from_twos_complement(std::span<const std::byte> bytes) {
  ParsedInt out;
  const std::size_t n = bytes.size();
  if (n == 0) {
    out.small = 0;
    return out;
  }
  const bool negative = (static_cast<std::uint8_t>(bytes[n - 1]) & 0x80) != 0;
  const std::uint8_t fill = negative ? 0xFF : 0x00;
  // Fits int64 when every byte above the low 8 is sign extension of bit 63.
  bool fits = true;
  for (std::size_t i = 8; i < n && fits; ++i) fits = static_cast<std::uint8_t>(bytes[i]) == fill;
  if (fits && n > 8) fits = ((static_cast<std::uint8_t>(bytes[7]) & 0x80) != 0) == negative;
  if (fits) {
    std::uint64_t u = 0;
    for (std::size_t i = 0; i < 8; ++i) {
      const std::uint8_t b = i < n ? static_cast<std::uint8_t>(bytes[i]) : fill;
      u |= std::uint64_t(b) << (8 * i);
    }
    out.small = static_cast<std::int64_t>(u);
    return out;
  }
  // Magnitude in 32-bit limbs, least significant first.
  std::vector<std::uint8_t> mag(n);
  for (std::size_t i = 0; i < n; ++i) mag[i] = static_cast<std::uint8_t>(bytes[i]);
  if (negative) {
    unsigned carry = 1;
    for (auto& b : mag) {
      const unsigned v = static_cast<std::uint8_t>(~b) + carry;
      b = static_cast<std::uint8_t>(v);
      carry = v >> 8;
    }
  }
  std::vector<std::uint32_t> limbs((n + 3) / 4, 0);
  for (std::size_t i = 0; i < n; ++i) limbs[i / 4] |= std::uint32_t(mag[i]) << (8 * (i % 4));
  while (!limbs.empty() && limbs.back() == 0) limbs.pop_back();
  std::vector<std::uint32_t> chunks;  // base 1e9, least significant first
  while (!limbs.empty()) {
    std::uint64_t rem = 0;
    for (std::size_t i = limbs.size(); i-- > 0;) {
      const std::uint64_t cur = (rem << 32) | limbs[i];
      limbs[i] = static_cast<std::uint32_t>(cur / 1'000'000'000u);
      rem = cur % 1'000'000'000u;
    }
    chunks.push_back(static_cast<std::uint32_t>(rem));
    while (!limbs.empty() && limbs.back() == 0) limbs.pop_back();
  }
  std::string digits = negative ? "-" : "";
  digits += std::to_string(chunks.back());
  for (std::size_t i = chunks.size() - 1; i-- > 0;) {
    const std::string part = std::to_string(chunks[i]);
    digits.append(9 - part.size(), '0');
    digits += part;
  }
  out.big = std::move(digits);
  return out;
}

}  // namespace nnload::io::pickle::text
