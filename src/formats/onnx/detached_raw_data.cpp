#include "formats/onnx/detached_raw_data.hpp"

namespace nnload::formats::onnx {

namespace {

// Field numbers from onnx.proto.
constexpr std::uint64_t kModelGraph = 7;
constexpr std::uint64_t kGraphInitializer = 5;
constexpr std::uint64_t kTensorRawData = 9;

enum WireType : std::uint64_t { kVarint = 0, kFixed64 = 1, kLength = 2, kFixed32 = 5 };

// One field of a message: its number and wire type, and where its bytes lie.
struct Field {
  std::uint64_t number = 0;
  std::uint64_t wire_type = 0;
  std::size_t begin = 0;    // the tag's first byte
  std::size_t payload = 0;  // a length-delimited field's first payload byte
  std::size_t end = 0;      // one past the field's last byte
};

class WireReader {
 public:
  explicit WireReader(std::span<const std::byte> bytes) : bytes_(bytes) {}
  bool done() const { return pos_ == bytes_.size(); }

  // The next field, or nullopt when the bytes do not form one.
  std::optional<Field> next() {
    Field f;
    f.begin = pos_;
    std::uint64_t tag = 0;
    if (!varint(tag)) return std::nullopt;
    f.number = tag >> 3;
    f.wire_type = tag & 7;
    if (f.number == 0) return std::nullopt;
    switch (f.wire_type) {
      case kVarint: {
        std::uint64_t ignored = 0;
        if (!varint(ignored)) return std::nullopt;
        break;
      }
      case kFixed64:
        if (!skip(8)) return std::nullopt;
        break;
      case kFixed32:
        if (!skip(4)) return std::nullopt;
        break;
      case kLength: {
        std::uint64_t length = 0;
        if (!varint(length)) return std::nullopt;
        f.payload = pos_;
        if (!skip(length)) return std::nullopt;
        break;
      }
      default:  // groups (3, 4) and undefined types
        return std::nullopt;
    }
    f.end = pos_;
    return f;
  }

 private:
  bool varint(std::uint64_t& value) {
    value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ == bytes_.size()) return false;
      const auto b = static_cast<std::uint8_t>(bytes_[pos_++]);
      value |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return true;
    }
    return false;
  }
  bool skip(std::uint64_t n) {
    if (n > bytes_.size() - pos_) return false;
    pos_ += static_cast<std::size_t>(n);
    return true;
  }

  std::span<const std::byte> bytes_;
  std::size_t pos_ = 0;
};

void append_varint(std::string& out, std::uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

void append_bytes(std::string& out, std::span<const std::byte> bytes) {
  out.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

// Appends a length-delimited field `number` holding `payload`.
void append_message(std::string& out, std::uint64_t number, const std::string& payload) {
  append_varint(out, (number << 3) | kLength);
  append_varint(out, payload.size());
  out += payload;
}

class Splitter {
 public:
  explicit Splitter(std::span<const std::byte> file) : file_(file) {}

  std::optional<DetachedModel> run() {
    DetachedModel model;
    bool seen_graph = false;
    WireReader r(file_);
    while (!r.done()) {
      const std::optional<Field> f = r.next();
      if (!f) return std::nullopt;
      if (f->number == kModelGraph && f->wire_type == kLength) {
        if (seen_graph) return std::nullopt;  // protobuf would merge the two
        seen_graph = true;
        std::string graph;
        if (!split_graph(*f, graph, model.initializer_raw_data)) return std::nullopt;
        append_message(model.stripped, kModelGraph, graph);
      } else {
        append_bytes(model.stripped, file_.subspan(f->begin, f->end - f->begin));
      }
    }
    return model;
  }

 private:
  bool split_graph(const Field& graph, std::string& out,
                   std::vector<std::optional<ByteRange>>& raw) {
    WireReader r(payload_of(graph));
    while (!r.done()) {
      const std::optional<Field> f = r.next();
      if (!f) return false;
      const std::size_t base = graph.payload;
      if (f->number == kGraphInitializer && f->wire_type == kLength) {
        std::string tensor;
        std::optional<ByteRange> range;
        if (!split_tensor(base + f->payload, base + f->end, tensor, range)) return false;
        append_message(out, kGraphInitializer, tensor);
        raw.push_back(range);
      } else {
        append_bytes(out, file_.subspan(base + f->begin, f->end - f->begin));
      }
    }
    return true;
  }

  bool split_tensor(std::size_t begin, std::size_t end, std::string& out,
                    std::optional<ByteRange>& raw) {
    WireReader r(file_.subspan(begin, end - begin));
    while (!r.done()) {
      const std::optional<Field> f = r.next();
      if (!f) return false;
      if (f->number == kTensorRawData && f->wire_type == kLength) {
        if (raw) return false;  // the last one would win: leave that to protobuf
        raw = ByteRange{begin + f->payload, f->end - f->payload};
      } else {
        append_bytes(out, file_.subspan(begin + f->begin, f->end - f->begin));
      }
    }
    return true;
  }

  std::span<const std::byte> payload_of(const Field& f) const {
    return file_.subspan(f.payload, f.end - f.payload);
  }

  std::span<const std::byte> file_;
};

}  // namespace

std::optional<DetachedModel> detach_initializer_raw_data(std::span<const std::byte> model) {
  return Splitter(model).run();
}

}  // namespace nnload::formats::onnx
