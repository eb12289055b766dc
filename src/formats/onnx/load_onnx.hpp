// ONNX model files (.onnx ModelProto, IR version 3+, opsets 1-25) as nnload models: the main
// graph runs as is (ONNX is nnload's own op vocabulary); summary() lists its nodes.
#pragma once

#include <filesystem>

#include "formats/loaded_model.hpp"

namespace nnload::formats::onnx {

// Error(corrupt) for a damaged protobuf, a tensor whose data does not fit its dims, a graph with
// a cycle or a read of a value nothing produces; Error(not_found) for a missing external data
// file; Error(unsupported) naming the op, domain, opset or type nnload does not run.
LoadedModel load_onnx(const std::filesystem::path& path);

}  // namespace nnload::formats::onnx
