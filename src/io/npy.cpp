#include "io/npy.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <optional>

#include "core/dtype_dispatch.hpp"
#include "core/fail.hpp"
#include "io/atomic_file.hpp"
#include "io/byte_reader.hpp"
#include "io/mapped_file.hpp"

namespace nnload::io {

namespace {

constexpr std::size_t kMaxHeaderBytes = 1 << 20;  // numpy's own are under 200 bytes
constexpr std::size_t kMaxRank = 64;              // numpy allows 32
constexpr char kMagic[] = "\x93NUMPY";

// The header is a Python dict literal; this reads exactly the subset numpy writes.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, std::string_view name) : s_(text), name_(name) {}

  NpyHeader parse() {
    NpyHeader h;
    bool have_descr = false, have_order = false, have_shape = false;
    space();
    expect('{');
    space();
    while (peek() != '}') {
      const std::string key = string_literal();
      space();
      expect(':');
      space();
      if (key == "descr") {
        if (have_descr) bad("'descr' appears twice");
        if (peek() == '[') {
          fail(ErrorCode::unsupported, "{}: structured numpy dtypes are not supported", name_);
        }
        h.descr = string_literal();
        have_descr = true;
      } else if (key == "fortran_order") {
        if (have_order) bad("'fortran_order' appears twice");
        h.fortran_order = boolean();
        have_order = true;
      } else if (key == "shape") {
        if (have_shape) bad("'shape' appears twice");
        h.shape = tuple();
        have_shape = true;
      } else {
        bad(fmt::format("unexpected key '{}'", key));
      }
      space();
      if (peek() == ',') {
        ++i_;
        space();
      } else if (peek() != '}') {
        bad("expected ',' or '}'");
      }
    }
    ++i_;
    for (; i_ < s_.size(); ++i_) {
      if (s_[i_] != ' ' && s_[i_] != '\n' && s_[i_] != '\r' && s_[i_] != '\t')
        bad("text after the dict");
    }
    if (!have_descr || !have_order || !have_shape)
      bad("missing 'descr', 'fortran_order' or 'shape'");
    return h;
  }

 private:
  [[noreturn]] void bad(const std::string& what) const {
    fail(ErrorCode::corrupt, "{}: malformed .npy header at character {}: {}", name_, i_, what);
  }
  char peek() const {
    if (i_ >= s_.size()) bad("header ends early");
    return s_[i_];
  }
  void expect(char c) {
    if (peek() != c) bad(fmt::format("expected '{}'", c));
    ++i_;
  }
  void space() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r'))
      ++i_;
  }
  std::string string_literal() {
    const char quote = peek();
    if (quote != '\'' && quote != '"') bad("expected a string");
    ++i_;
    const std::size_t start = i_;
    while (peek() != quote) {
      if (s_[i_] == '\\') bad("escapes in strings are not expected");
      ++i_;
    }
    std::string out(s_.substr(start, i_ - start));
    ++i_;
    return out;
  }
  bool boolean() {
    if (s_.substr(i_, 4) == "True") {
      i_ += 4;
      return true;
    }
    if (s_.substr(i_, 5) == "False") {
      i_ += 5;
      return false;
    }
    bad("expected True or False");
  }
  Shape tuple() {
    Shape shape;
    expect('(');
    space();
    while (peek() != ')') {
      if (shape.size() >= kMaxRank) bad(fmt::format("more than {} dimensions", kMaxRank));
      shape.push_back(integer());
      space();
      if (peek() == ',') {
        ++i_;
        space();
      } else if (peek() != ')') {
        bad("expected ',' or ')'");
      }
    }
    ++i_;
    return shape;
  }
  std::int64_t integer() {
    if (peek() < '0' || peek() > '9') bad("expected a non-negative integer");
    std::int64_t v = 0;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') {
      const int digit = s_[i_] - '0';
      if (v > (std::numeric_limits<std::int64_t>::max() - digit) / 10) bad("dimension too large");
      v = v * 10 + digit;
      ++i_;
    }
    if (i_ < s_.size() && s_[i_] == 'L') ++i_;  // Python 2 longs
    return v;
  }

  std::string_view s_;
  std::string_view name_;
  std::size_t i_ = 0;
};

// descr -> dtype and byte order.
void decode_descr(NpyHeader& h, std::string_view name) {
  const std::string& d = h.descr;
  const auto unsupported = [&] {
    fail(ErrorCode::unsupported,
         "{}: numpy dtype '{}' is not supported (nnload reads float16/32/64, int8/16/32/64, uint8 "
         "and bool)",
         name, d);
  };
  if (d.size() < 3) unsupported();
  const char order = d[0];
  if (order != '<' && order != '>' && order != '|' && order != '=') unsupported();
  const std::string_view code = std::string_view(d).substr(1);
  std::optional<DType> t;
  if (code == "f2")
    t = DType::f16;
  else if (code == "f4")
    t = DType::f32;
  else if (code == "f8")
    t = DType::f64;
  else if (code == "i1")
    t = DType::i8;
  else if (code == "i2")
    t = DType::i16;
  else if (code == "i4")
    t = DType::i32;
  else if (code == "i8")
    t = DType::i64;
  else if (code == "u1")
    t = DType::u8;
  else if (code == "b1")
    t = DType::boolean;
  if (!t) unsupported();
  if (order == '|' && dtype_size(*t) != 1) unsupported();
  h.dtype = *t;
  h.big_endian = order == '>' && dtype_size(*t) > 1;
}

void byteswap(void* data, std::size_t item, std::size_t count) {
  auto* p = static_cast<std::uint8_t*>(data);
  for (std::size_t i = 0; i < count; ++i, p += item) std::reverse(p, p + item);
}

// Fortran-ordered data is the C-ordered array of the reversed shape; this writes its transpose.
Tensor fortran_to_c(const Tensor& f) {
  const Shape& shape = f.shape();
  Tensor out = Tensor::empty(f.dtype(), shape);
  const std::size_t rank = shape.size();
  const std::size_t item = dtype_size(f.dtype());
  const std::int64_t n = f.numel();
  if (n == 0) return out;
  std::vector<std::int64_t> f_stride(rank), index(rank, 0);
  std::int64_t s = 1;
  for (std::size_t i = 0; i < rank; ++i) {
    f_stride[i] = s;
    s *= shape[i];
  }
  const auto* src = static_cast<const std::uint8_t*>(f.raw());
  auto* dst = static_cast<std::uint8_t*>(out.mutable_raw());
  std::int64_t src_elem = 0;
  for (std::int64_t k = 0; k < n; ++k) {
    std::memcpy(dst + k * item, src + src_elem * item, item);
    for (std::size_t d = rank; d-- > 0;) {
      ++index[d];
      src_elem += f_stride[d];
      if (index[d] < shape[d]) break;
      src_elem -= f_stride[d] * shape[d];
      index[d] = 0;
    }
  }
  return out;
}

Tensor finish(Tensor raw, const NpyHeader& h) {
  if (h.big_endian)
    byteswap(raw.mutable_raw(), dtype_size(h.dtype), static_cast<std::size_t>(raw.numel()));
  if (h.fortran_order && h.shape.size() > 1) return fortran_to_c(raw);
  return raw;
}

}  // namespace

NpyHeader parse_npy_header(std::span<const std::byte> bytes, std::string_view name) {
  ByteReader r(bytes, std::string(name));
  if (bytes.size() < 6 || std::memcmp(bytes.data(), kMagic, 6) != 0) {
    fail(ErrorCode::unknown_format, "{}: not a .npy file (no \\x93NUMPY magic)", name);
  }
  r.skip(6);
  const std::uint8_t major = r.u8();
  const std::uint8_t minor = r.u8();
  if ((major != 1 && major != 2 && major != 3) || minor != 0) {
    fail(ErrorCode::unsupported,
         "{}: .npy format version {}.{} is not supported (1.0, 2.0, 3.0 are)", name, major, minor);
  }
  const std::uint64_t header_len = major == 1 ? r.u16() : r.u32();
  if (header_len > kMaxHeaderBytes || header_len > r.remaining()) {
    fail(ErrorCode::corrupt, "{}: .npy header declares {} bytes, {} are present", name, header_len,
         std::min<std::uint64_t>(r.remaining(), header_len));
  }
  const std::string_view text = r.chars(static_cast<std::size_t>(header_len));
  NpyHeader h = HeaderParser(text, name).parse();
  decode_descr(h, name);
  h.data_offset = r.offset();
  h.data_bytes = checked_nbytes(h.dtype, h.shape, name);
  if (h.data_bytes > r.remaining()) {
    fail(ErrorCode::corrupt,
         "{}: .npy header declares {} bytes of data (shape {}, {}), only {} are present", name,
         h.data_bytes, shape_to_list(h.shape), h.descr, r.remaining());
  }
  return h;
}

Tensor read_npy(std::span<const std::byte> bytes, std::string_view name) {
  const NpyHeader h = parse_npy_header(bytes, name);
  Tensor raw = copy_tensor(bytes.subspan(static_cast<std::size_t>(h.data_offset),
                                         static_cast<std::size_t>(h.data_bytes)),
                           h.dtype, h.shape);
  return finish(std::move(raw), h);
}

Tensor read_npy(std::shared_ptr<const void> keep_alive, std::span<const std::byte> bytes,
                std::string_view name) {
  const NpyHeader h = parse_npy_header(bytes, name);
  Tensor t = view_bytes(std::move(keep_alive), bytes, h.data_offset, h.dtype, h.shape, name);
  if (!h.big_endian && !(h.fortran_order && h.shape.size() > 1)) return t;
  return finish(t.is_view() ? t.clone() : std::move(t), h);
}

Tensor load_npy(const std::filesystem::path& path) {
  std::shared_ptr<const MappedFile> file = MappedFile::open(path);
  return read_npy(file, file->bytes(), file->name());
}

std::string_view npy_descr(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return "<f4";
    case DType::f16:
      return "<f2";
    case DType::bf16:
      return "<f4";
    case DType::f64:
      return "<f8";
    case DType::i8:
      return "|i1";
    case DType::i16:
      return "<i2";
    case DType::i32:
      return "<i4";
    case DType::i64:
      return "<i8";
    case DType::u8:
      return "|u1";
    case DType::boolean:
      return "|b1";
    case DType::string:
      break;
  }
  if (dtype == DType::string) {
    fail(ErrorCode::unsupported,
         "string tensors can't be written to .npy/.npz by nnload (print them instead)");
  }
  fail(ErrorCode::internal, "npy_descr: invalid dtype {}", static_cast<int>(dtype));
}

std::vector<std::byte> npy_header(const Tensor& tensor) {
  if (!tensor.defined())
    fail(ErrorCode::invalid_argument, "cannot write an undefined tensor as .npy");
  std::string shape = "(";
  for (std::size_t i = 0; i < tensor.shape().size(); ++i) {
    if (i) shape += ", ";
    shape += std::to_string(tensor.shape()[i]);
  }
  if (tensor.shape().size() == 1) shape += ",";
  shape += ")";
  std::string dict = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}",
                                 npy_descr(tensor.dtype()), shape);
  std::size_t preamble = 10;
  if (dict.size() + 1 + 64 > 65535) preamble = 12;
  const std::size_t unpadded = preamble + dict.size() + 1;
  dict.append((64 - unpadded % 64) % 64, ' ');
  dict += '\n';
  const std::uint32_t len = static_cast<std::uint32_t>(dict.size());
  std::vector<std::byte> out(preamble + dict.size());
  std::memcpy(out.data(), kMagic, 6);
  out[6] = std::byte(preamble == 10 ? 1 : 2);
  out[7] = std::byte(0);
  for (std::size_t i = 0; i < preamble - 8; ++i) out[8 + i] = std::byte((len >> (8 * i)) & 0xff);
  std::memcpy(out.data() + preamble, dict.data(), dict.size());
  return out;
}

std::vector<std::byte> npy_bytes(const Tensor& tensor) {
  std::vector<std::byte> out = npy_header(tensor);
  const Tensor data = tensor.dtype() == DType::bf16 ? tensor.to(DType::f32) : tensor;
  const std::size_t header = out.size();
  out.resize(header + data.nbytes());
  if (data.nbytes() != 0) std::memcpy(out.data() + header, data.raw(), data.nbytes());
  return out;
}

void save_npy(const std::filesystem::path& path, const Tensor& tensor) {
  const std::vector<std::byte> bytes = npy_bytes(tensor);
  AtomicFile file(path);
  file.write(bytes);
  file.commit();
}

}  // namespace nnload::io
