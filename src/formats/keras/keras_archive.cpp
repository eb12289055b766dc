#include "formats/keras/keras_archive.hpp"

#include "core/fail.hpp"
#include "formats/keras/keras_h5.hpp"
#include "formats/keras/keras_model.hpp"
#include "io/hdf5/hdf5.hpp"
#include "io/zip_reader.hpp"

namespace nnload::formats::keras {

namespace {

// config.json and metadata.json are small; a bigger one is damage, not a model.
constexpr std::uint64_t kMaxJsonBytes = std::uint64_t{256} << 20;

Json read_json_entry(const io::ZipReader& zip, const io::ZipEntry& entry) {
  const std::vector<std::byte> bytes = zip.read(entry, kMaxJsonBytes);
  const std::string text(reinterpret_cast<const char*>(bytes.data()), bytes.size());
  return parse_config_json(text, entry.name);
}

// An entry's bytes and what keeps them alive: a stored entry where it lies in the mapped archive
// (its CRC checked first); a deflated one inflated into memory kept alive by the tensors that
// view it.
std::pair<std::shared_ptr<const void>, std::span<const std::byte>> entry_bytes(
    const io::ZipReader& zip, const io::ZipEntry& entry) {
  if (entry.stored()) {
    zip.check_crc(entry);
    return {zip.keep_alive(), zip.stored_data(entry)};
  }
  auto data = std::make_shared<std::vector<std::byte>>(zip.read(entry, UINT64_MAX));
  const std::span<const std::byte> bytes(data->data(), data->size());
  return {std::move(data), bytes};
}

VarNode read_h5_weights(const io::ZipReader& zip, const io::ZipEntry& entry) {
  auto [keep_alive, bytes] = entry_bytes(zip, entry);
  const auto file =
      io::hdf5::open_image(std::move(keep_alive), bytes, zip.name() + ": " + entry.name);
  return read_var_tree(file->root());
}

// Keras writes the .npz into the archive with force_zip64, stored or not: a zip inside the zip.
VarNode read_npz_weights(const io::ZipReader& zip, const io::ZipEntry& entry) {
  auto [keep_alive, bytes] = entry_bytes(zip, entry);
  const io::ZipReader inner(std::move(keep_alive), bytes, zip.name() + ": " + entry.name);
  return read_npz_var_tree(inner);
}

}  // namespace

KerasArchive read_keras_archive(const std::filesystem::path& path, bool need_config) {
  const io::ZipReader zip = io::ZipReader::open(path);
  KerasArchive archive;
  if (const io::ZipEntry* config = zip.find("config.json")) {
    archive.config = read_json_entry(zip, *config);
  } else if (need_config) {
    fail(ErrorCode::corrupt,
         "{}: a .keras archive without config.json: the model's architecture is missing",
         path.string());
  }
  if (const io::ZipEntry* metadata = zip.find("metadata.json")) {
    const Json meta = read_json_entry(zip, *metadata);
    if (meta.is_object()) {
      if (meta.contains("keras_version") && meta["keras_version"].is_string())
        archive.version = meta["keras_version"].get<std::string>();
      if (meta.contains("date_saved") && meta["date_saved"].is_string())
        archive.date_saved = meta["date_saved"].get<std::string>();
    }
  } else {
    archive.notes.push_back("the archive has no metadata.json (Keras version unknown)");
  }
  if (const io::ZipEntry* h5 = zip.find("model.weights.h5")) {
    archive.weights_entry = h5->name;
    archive.variables = read_h5_weights(zip, *h5);
  } else if (const io::ZipEntry* npz = zip.find("model.weights.npz")) {
    archive.weights_entry = npz->name;
    archive.variables = read_npz_weights(zip, *npz);
  } else {
    fail(ErrorCode::corrupt,
         "{}: a .keras archive without model.weights.h5 (or model.weights.npz): the model's "
         "weights are missing",
         path.string());
  }
  return archive;
}

LoadedModel load_keras_archive(const std::filesystem::path& path) {
  try {
    KerasArchive archive = read_keras_archive(path);
    const ModelConfig config = parse_model_config(archive.config);
    const LayerWeights weights = map_keras3_weights(config, archive.variables);
    KerasVersion version = parse_keras_version(archive.version.empty() ? "3" : archive.version);
    ModelInfo info;
    info.format = "Keras 3 .keras archive";
    info.producer_version = archive.version.empty() ? "unknown" : archive.version;
    if (!archive.date_saved.empty()) info.metadata["date_saved"] = archive.date_saved;
    info.metadata["weights"] = archive.weights_entry;
    info.notes = std::move(archive.notes);
    return assemble_keras_model(config, weights, version, std::move(info));
  } catch (const Error& e) {
    if (std::string(e.what()).rfind(path.string(), 0) == 0) throw;
    rethrow_with_context(e, path.string());
  } catch (const Json::exception& e) {
    fail(ErrorCode::corrupt, "{}: malformed config.json: {}", path.string(), e.what());
  }
}

}  // namespace nnload::formats::keras
