#include "formats/onnx/tensor_proto.hpp"

#include <google/protobuf/stubs/logging.h>

#include <charconv>
#include <climits>
#include <cstring>

#include "core/fail.hpp"
#include "core/read_limits.hpp"
#include "ops/onnx_dtype.hpp"

namespace nnload::formats::onnx {

namespace {

constexpr std::string_view kOnnxTypeNames[] = {
    "UNDEFINED", "FLOAT",  "UINT8",     "INT8",       "UINT16",  "INT16",
    "INT32",     "INT64",  "STRING",    "BOOL",       "FLOAT16", "DOUBLE",
    "UINT32",    "UINT64", "COMPLEX64", "COMPLEX128", "BFLOAT16"};

std::string onnx_type_name(std::int64_t data_type) {
  if (data_type >= 0 && data_type < static_cast<std::int64_t>(std::size(kOnnxTypeNames)))
    return std::string(kOnnxTypeNames[data_type]);
  return fmt::format("type {}", data_type);
}

std::string tensor_label(const pb::TensorProto& proto) {
  return proto.name().empty() ? std::string("an unnamed tensor")
                              : fmt::format("tensor '{}'", proto.name());
}

// The typed-field count must equal the element count: a short field is a damaged file, not a
// tensor to pad.
void check_count(std::int64_t have, std::int64_t want, const pb::TensorProto& proto,
                 std::string_view field, std::string_view source) {
  if (have != want) {
    fail(ErrorCode::corrupt, "{}: {} has {} values in {} for dims {} ({} elements)", source,
         tensor_label(proto), have, field,
         shape_to_list(Shape(proto.dims().begin(), proto.dims().end())), want);
  }
}

template <class T, class Field>
Tensor copy_field(const Field& field, DType dtype, Shape shape) {
  Tensor t = Tensor::empty(dtype, std::move(shape));
  T* out = static_cast<T*>(t.mutable_raw());
  for (int i = 0; i < field.size(); ++i) out[i] = static_cast<T>(field.Get(i));
  return t;
}

Tensor from_typed_fields(const pb::TensorProto& proto, DType dtype, Shape shape,
                         std::string_view source) {
  const std::int64_t n = shape_size(shape);
  switch (dtype) {
    case DType::f32:
      check_count(proto.float_data_size(), n, proto, "float_data", source);
      return copy_field<float>(proto.float_data(), dtype, std::move(shape));
    case DType::f64:
      check_count(proto.double_data_size(), n, proto, "double_data", source);
      return copy_field<double>(proto.double_data(), dtype, std::move(shape));
    case DType::i64:
      check_count(proto.int64_data_size(), n, proto, "int64_data", source);
      return copy_field<std::int64_t>(proto.int64_data(), dtype, std::move(shape));
    case DType::i32:
      check_count(proto.int32_data_size(), n, proto, "int32_data", source);
      return copy_field<std::int32_t>(proto.int32_data(), dtype, std::move(shape));
    case DType::i16:
      check_count(proto.int32_data_size(), n, proto, "int32_data", source);
      return copy_field<std::int16_t>(proto.int32_data(), dtype, std::move(shape));
    case DType::i8:
      check_count(proto.int32_data_size(), n, proto, "int32_data", source);
      return copy_field<std::int8_t>(proto.int32_data(), dtype, std::move(shape));
    case DType::u8:
      check_count(proto.int32_data_size(), n, proto, "int32_data", source);
      return copy_field<std::uint8_t>(proto.int32_data(), dtype, std::move(shape));
    case DType::boolean: {
      check_count(proto.int32_data_size(), n, proto, "int32_data", source);
      Tensor t = Tensor::empty(dtype, std::move(shape));
      bool* out = t.mutable_data<bool>();
      for (int i = 0; i < proto.int32_data_size(); ++i) out[i] = proto.int32_data(i) != 0;
      return t;
    }
    case DType::f16:
    case DType::bf16:
      // 16-bit floats travel as their bit patterns in int32_data.
      check_count(proto.int32_data_size(), n, proto, "int32_data", source);
      return copy_field<std::uint16_t>(proto.int32_data(), dtype, std::move(shape));
    case DType::string:
      break;  // strings_from_proto
  }
  fail(ErrorCode::internal, "unhandled dtype");
}

// String tensors live in string_data only (raw_data and external data are for fixed-size types).
Tensor strings_from_proto(const pb::TensorProto& proto, Shape shape, std::string_view source) {
  if (proto.data_location() == pb::TensorProto::EXTERNAL || !proto.raw_data().empty()) {
    fail(ErrorCode::corrupt, "{}: string {} must keep its values in string_data", source,
         tensor_label(proto));
  }
  check_count(proto.string_data_size(), shape_size(shape), proto, "string_data", source);
  Tensor t = Tensor::empty(DType::string, std::move(shape));
  std::string* out = t.mutable_data<std::string>();
  for (int i = 0; i < proto.string_data_size(); ++i) out[i] = proto.string_data(i);
  return t;
}

Tensor from_external(const pb::TensorProto& proto, DType dtype, Shape shape, ExternalData* external,
                     std::string_view source) {
  if (external == nullptr) {
    fail(ErrorCode::invalid_argument, "{}: {} refers to external data, which is not allowed here",
         source, tensor_label(proto));
  }
  std::string location;
  std::optional<std::uint64_t> offset;
  std::optional<std::uint64_t> length;
  for (const pb::StringStringEntryProto& entry : proto.external_data()) {
    const auto number = [&]() -> std::uint64_t {
      const std::string& text = entry.value();
      std::uint64_t value = 0;
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      if (ec != std::errc() || end != text.data() + text.size() || text.empty()) {
        fail(ErrorCode::corrupt, "{}: {} has external_data {} = '{}', not a byte count", source,
             tensor_label(proto), entry.key(), text);
      }
      return value;
    };
    if (entry.key() == "location") location = entry.value();
    if (entry.key() == "offset") offset = number();
    if (entry.key() == "length") length = number();
  }
  if (location.empty()) {
    fail(ErrorCode::corrupt, "{}: {} is stored externally but names no location", source,
         tensor_label(proto));
  }
  const std::string what = tensor_label(proto);
  const std::shared_ptr<const io::MappedFile> file = external->file(location, what);
  const std::uint64_t nbytes = io::checked_nbytes(dtype, shape, source);
  if (length && *length != nbytes) {
    fail(ErrorCode::corrupt, "{}: {} has external length {} bytes, its dims {} need {}", source,
         what, *length, shape_to_list(shape), nbytes);
  }
  external->count_read(location, nbytes, what);
  return file->view(offset.value_or(0), dtype, std::move(shape), what);
}

}  // namespace

std::shared_ptr<const io::MappedFile> ExternalData::file(const std::string& location,
                                                         std::string_view what) {
  const std::filesystem::path relative(location);
  bool escapes = relative.is_absolute() || relative.has_root_name();
  for (const auto& part : relative) escapes = escapes || part == "..";
  if (escapes) {
    fail(ErrorCode::corrupt,
         "{}: external data location '{}' leaves the model's directory; nnload reads external "
         "data only beside the model",
         what, location);
  }
  auto found = files_.find(location);
  if (found != files_.end()) return found->second;
  const std::filesystem::path path = base_dir_ / relative;
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    fail(ErrorCode::not_found, "{}: external data file {} does not exist", what, path.string());
  }
  std::shared_ptr<const io::MappedFile> mapped = io::MappedFile::open(path);
  files_.emplace(location, mapped);
  return mapped;
}

void ExternalData::count_read(const std::string& location, std::uint64_t nbytes,
                              std::string_view what) {
  const std::uint64_t size = files_.at(location)->size();
  std::uint64_t& read = bytes_read_[location];
  read = nbytes > ~std::uint64_t{0} - read ? ~std::uint64_t{0} : read + nbytes;
  if (read > max_declared_bytes(size)) {
    fail(ErrorCode::corrupt,
         "{}: the tensors read from external data file '{}' come to {} bytes, implausible for "
         "its {} bytes (ReadLimits::max_expansion is {}; do tensors share its ranges?)",
         what, location, read, size, read_limits().max_expansion);
  }
}

void ExternalData::keep_in_model_file(std::shared_ptr<const io::MappedFile> model,
                                      std::map<const pb::TensorProto*, ByteRange> ranges) {
  model_ = std::move(model);
  detached_ = std::move(ranges);
}

Tensor ExternalData::detached_raw_data(const pb::TensorProto& proto, DType dtype,
                                       const Shape& shape, std::string_view source) const {
  const auto found = detached_.find(&proto);
  if (found == detached_.end()) return {};
  const std::uint64_t nbytes = io::checked_nbytes(dtype, shape, source);
  if (found->second.size != nbytes) {
    fail(ErrorCode::corrupt, "{}: {} has {} bytes of raw_data, its dims {} ({}) need {}", source,
         tensor_label(proto), found->second.size, shape_to_list(shape), dtype_name(dtype), nbytes);
  }
  return model_->view(found->second.offset, dtype, shape, tensor_label(proto));
}

DType dtype_of_onnx_type(std::int64_t data_type, std::string_view what) {
  const std::optional<DType> dtype = ops::dtype_from_onnx(data_type);
  if (!dtype) {
    fail(ErrorCode::unsupported, "{}: element type {} is not supported by nnload", what,
         onnx_type_name(data_type));
  }
  return *dtype;
}

Tensor tensor_from_proto(const pb::TensorProto& proto, const std::shared_ptr<const void>& owner,
                         ExternalData* external, std::string_view source) {
  const std::string what = fmt::format("{}: {}", source, tensor_label(proto));
  const DType dtype = dtype_of_onnx_type(proto.data_type(), what);
  Shape shape(proto.dims().begin(), proto.dims().end());
  const std::uint64_t nbytes = io::checked_nbytes(dtype, shape, what);
  if (dtype == DType::string) return strings_from_proto(proto, std::move(shape), source);
  if (proto.data_location() == pb::TensorProto::EXTERNAL)
    return from_external(proto, dtype, std::move(shape), external, source);
  if (external != nullptr) {
    Tensor detached = external->detached_raw_data(proto, dtype, shape, source);
    if (detached.defined()) return detached;
  }
  if (!proto.raw_data().empty() ||
      (nbytes == 0 && proto.float_data_size() == 0 && proto.int32_data_size() == 0 &&
       proto.int64_data_size() == 0 && proto.double_data_size() == 0)) {
    const std::string& raw = proto.raw_data();
    if (raw.size() != nbytes) {
      fail(ErrorCode::corrupt, "{}: {} has {} bytes of raw_data, its dims {} ({}) need {}", source,
           tensor_label(proto), raw.size(), shape_to_list(shape), dtype_name(dtype), nbytes);
    }
    const std::span<const std::byte> bytes(reinterpret_cast<const std::byte*>(raw.data()),
                                           raw.size());
    return io::view_bytes(owner, bytes, 0, dtype, std::move(shape), source, tensor_label(proto));
  }
  return from_typed_fields(proto, dtype, std::move(shape), source);
}

NamedTensor load_tensor_proto_file(const std::filesystem::path& path) {
  const std::shared_ptr<const io::MappedFile> file = io::MappedFile::open(path);
  if (file->size() > static_cast<std::uint64_t>(INT_MAX)) {
    fail(ErrorCode::unsupported, "{}: {} bytes, over the 2 GB a protobuf message can hold",
         file->name(), file->size());
  }
  auto proto = std::make_shared<pb::TensorProto>();
  const google::protobuf::LogSilencer quiet;
  if (!proto->ParseFromArray(file->bytes().data(), static_cast<int>(file->size()))) {
    fail(ErrorCode::corrupt, "{}: not a valid ONNX TensorProto ({} bytes)", file->name(),
         file->size());
  }
  Tensor value = tensor_from_proto(*proto, proto, nullptr, file->name());
  return {proto->name(), std::move(value)};
}

}  // namespace nnload::formats::onnx
