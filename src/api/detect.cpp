#include "api/detect.hpp"

#include <array>
#include <fstream>

#include "core/fail.hpp"
#include "io/zip_reader.hpp"

namespace nnload::detail {

std::string_view format_name(Format format) {
  switch (format) {
    case Format::keras_h5:
      return "HDF5 (Keras .h5)";
    case Format::keras_zip:
      return "Keras 3 .keras archive";
    case Format::torch:
      return "PyTorch";
    case Format::onnx:
      return "ONNX";
    case Format::savedmodel:
      return "TensorFlow SavedModel";
  }
  return "unknown";
}

namespace {

constexpr std::array<unsigned char, 8> kHdf5Signature = {0x89, 'H',  'D',  'F',
                                                         '\r', '\n', 0x1a, '\n'};

// HDF5 files may start with a user block; the signature then sits at 512, 1024, 2048, ...
bool has_hdf5_signature(std::ifstream& in, std::uintmax_t size) {
  for (std::uintmax_t offset = 0; offset + 8 <= size; offset = offset == 0 ? 512 : offset * 2) {
    std::array<unsigned char, 8> bytes{};
    in.clear();
    in.seekg(static_cast<std::streamoff>(offset));
    if (!in.read(reinterpret_cast<char*>(bytes.data()), 8)) return false;
    if (bytes == kHdf5Signature) return true;
  }
  return false;
}

bool ends_with(const std::string& s, std::string_view tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// A zip's entries tell PyTorch files (any top folder holding data.pkl), Keras 3 archives and
// plain .npz arrays apart.
Format zip_format(const std::filesystem::path& path) {
  const io::ZipReader zip = io::ZipReader::open(path);
  bool all_npy = !zip.entries().empty();
  for (const io::ZipEntry& e : zip.entries()) {
    if (e.name == "data.pkl" || ends_with(e.name, "/data.pkl")) return Format::torch;
    all_npy = all_npy && ends_with(e.name, ".npy");
  }
  // A .keras archive missing one of its parts still goes to the Keras reader, which says which.
  const int keras_parts = (zip.find("config.json") ? 1 : 0) + (zip.find("metadata.json") ? 1 : 0) +
                          (zip.find("model.weights.h5") || zip.find("model.weights.npz") ? 1 : 0);
  if (keras_parts >= 2 || (keras_parts == 1 && path.extension() == ".keras"))
    return Format::keras_zip;
  if (all_npy) {
    fail(ErrorCode::unknown_format,
         "{}: an .npz of arrays, not a model (use it as predict --input)", path.string());
  }
  fail(ErrorCode::unknown_format,
       "{}: a zip archive that is neither a PyTorch file (no data.pkl) nor a Keras .keras archive",
       path.string());
}

// POSIX tar has "ustar" at offset 257; PyTorch's oldest format is a tar of sys_info, pickle,
// storages and tensors.
bool is_tar(std::ifstream& in) {
  std::array<char, 5> magic{};
  in.clear();
  in.seekg(257);
  return in.read(magic.data(), 5) && std::string_view(magic.data(), 5) == "ustar";
}

}  // namespace

Format detect_format(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    fail(ErrorCode::not_found, "{}: no such file or directory", path.string());
  }
  if (std::filesystem::is_directory(status)) {
    // A SavedModel directory; with saved_model.cpb (chunked) or only variables/ the reader
    // says precisely what is missing or unsupported.
    for (const char* marker :
         {"saved_model.pb", "saved_model.pbtxt", "saved_model.cpb", "variables"}) {
      if (std::filesystem::exists(path / marker)) return Format::savedmodel;
    }
    fail(ErrorCode::invalid_argument,
         "{}: is a directory without saved_model.pb; give a model file (.h5, .keras, .pt, "
         ".onnx) or a TensorFlow SavedModel directory",
         path.string());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorCode::not_found, "{}: cannot be opened for reading", path.string());
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  std::array<unsigned char, 4> head{};
  in.read(reinterpret_cast<char*>(head.data()), 4);
  const bool have_head = in.gcount() == 4;
  if (!ec && has_hdf5_signature(in, size)) return Format::keras_h5;
  if (have_head && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
    return zip_format(path);
  }
  // The legacy format starts with a pickled magic number (PROTO 2, then LONG1).
  if (have_head && head[0] == 0x80 && head[1] >= 2 && head[1] <= 5) return Format::torch;
  if (is_tar(in)) return Format::torch;
  if (path.extension() == ".onnx") return Format::onnx;
  fail(ErrorCode::unknown_format,
       "{}: not a model file nnload can read ({} bytes; expected Keras .h5 (HDF5), .keras, "
       "PyTorch .pt/.pth, ONNX, or a SavedModel directory)",
       path.string(), ec ? 0 : size);
}

}  // namespace nnload::detail
