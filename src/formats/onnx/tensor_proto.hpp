// ONNX TensorProto -> Tensor: raw_data (zero-copy while its owner lives), the typed fields, and
// external data files beside the model (memory-mapped, bounds-checked).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <string>

#include "formats/onnx/detached_raw_data.hpp"
#include "io/mapped_file.hpp"
#include "nnload/tensor.hpp"
#include "onnx.pb.h"

namespace nnload::formats::onnx {

namespace pb = ::nnload::onnx;  // the generated messages

// Tensor bytes that are not in the parsed message. Resolves a TensorProto's external_data
// `location` against the model's directory; maps each file once. Locations that leave the
// directory (absolute paths, "..") are refused: a model file must not make nnload read arbitrary
// files. Also holds the main graph's initializer raw_data left in the mapped model file
// (detached_raw_data.hpp).
class ExternalData {
 public:
  explicit ExternalData(std::filesystem::path base_dir) : base_dir_(std::move(base_dir)) {}
  std::shared_ptr<const io::MappedFile> file(const std::string& location, std::string_view what);
  // Counts `nbytes` of tensors read from external file `location`. Writers give each tensor its
  // own range; tensors sharing one (a misaligned range is copied for each) may come to at most
  // max_expansion x the file's size + 1 MiB, else Error(corrupt) naming `what`.
  void count_read(const std::string& location, std::uint64_t nbytes, std::string_view what);

  // `ranges`: where in `model` the raw_data of these (parsed, stripped) TensorProtos lies.
  void keep_in_model_file(std::shared_ptr<const io::MappedFile> model,
                          std::map<const pb::TensorProto*, ByteRange> ranges);
  // The detached raw_data of `proto` as a view of `dtype`/`shape` in the model file, or an
  // undefined tensor when it has none. Error(corrupt) when its size is not what the shape needs.
  Tensor detached_raw_data(const pb::TensorProto& proto, DType dtype, const Shape& shape,
                           std::string_view source) const;

 private:
  std::filesystem::path base_dir_;
  std::map<std::string, std::shared_ptr<const io::MappedFile>> files_;
  std::map<std::string, std::uint64_t> bytes_read_;  // by location
  std::shared_ptr<const io::MappedFile> model_;
  std::map<const pb::TensorProto*, ByteRange> detached_;
};

// The DType of an ONNX TensorProto.DataType number; Error(unsupported) naming the ONNX type
// (STRING, UINT32, COMPLEX64, ...) for those nnload has no dtype for. `what` names the tensor.
DType dtype_of_onnx_type(std::int64_t data_type, std::string_view what);

// The tensor a TensorProto holds. raw_data becomes a read-only view that keeps `owner` (the
// message's owner) alive; typed fields and misaligned bytes are copied. Error(corrupt) naming the
// tensor when the data is shorter or longer than its dims say, a dim is negative, or an external
// file's offset/length overruns it; Error(not_found) for a missing external file. `external` may be
// null when no external data is allowed (a lone .pb input).
Tensor tensor_from_proto(const pb::TensorProto& proto, const std::shared_ptr<const void>& owner,
                         ExternalData* external, std::string_view source);

// Reads a serialized TensorProto file (the conformance cases' input_0.pb), with its name.
struct NamedTensor {
  std::string name;
  Tensor value;
};
NamedTensor load_tensor_proto_file(const std::filesystem::path& path);

}  // namespace nnload::formats::onnx
