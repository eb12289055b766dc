#include "entry_points.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "checksums.hpp"
#include "core/allocation_limit.hpp"
#include "formats/savedmodel/tensor_bundle.hpp"
#include "formats/torch/torch_file.hpp"
#include "input_files.hpp"
#include "io/hdf5/hdf5.hpp"
#include "io/npy.hpp"
#include "io/npz.hpp"
#include "io/pickle/repr.hpp"
#include "io/pickle/unpickler.hpp"
#include "io/zip_reader.hpp"
#include "nnload/nnload.hpp"

namespace nnload::fuzz {

namespace {

// Bounds on the HDF5 walk: damaged files can link groups into long chains.
constexpr int kMaxHdf5Groups = 256;
constexpr int kMaxHdf5Depth = 16;
constexpr std::uint64_t kMaxZipEntryBytes = std::uint64_t{64} << 20;
constexpr int kMaxPickles = 8;  // a legacy torch file is a few pickles in a row

// The largest tensor an entry point lets nnload allocate (core/allocation_limit.hpp): a graph
// that asks for more fails with Error(shape) instead of exhausting the fuzzer's memory (or, in
// the regression test, the machine's), and keeps a run inside libFuzzer's 10 s timeout under
// ASan (a Tile to 256 MiB took longer). Each entry point holds a ScopedTensorLimit of this.
constexpr std::size_t kMaxTensorBytes = std::size_t{64} << 20;

std::span<const std::byte> as_bytes(Bytes data) {
  return {reinterpret_cast<const std::byte*>(data.data()), data.size()};
}

// An owned copy that readers keeping views (npy, zip) can hold on to.
std::shared_ptr<const std::vector<std::byte>> owned_copy(Bytes data) {
  auto copy = std::make_shared<std::vector<std::byte>>(data.size());
  if (!data.empty()) std::memcpy(copy->data(), data.data(), data.size());
  return copy;
}

LoadOptions one_thread() {
  LoadOptions options;
  options.threads = 1;
  return options;
}

void load_and_exercise(const std::filesystem::path& path) {
  Model model = load(path, one_thread());
  exercise(model);
}

void copy_fixture(const std::string& relative, const std::filesystem::path& to) {
  std::filesystem::create_directories(to.parent_path());
  std::filesystem::copy(
      project_fixture(relative), to,
      std::filesystem::copy_options::recursive | std::filesystem::copy_options::overwrite_existing);
}

void read_attributes(const io::hdf5::Object& object) {
  for (const std::string& name : object.attribute_names()) {
    guarded([&] {
      object.attribute_shape(name);
      if (object.attribute_is_string(name)) {
        object.string_list_attribute(name);
      } else {
        touch(object.tensor_attribute(name));
      }
    });
  }
}

void walk_hdf5(const io::hdf5::Group& root) {
  std::vector<std::pair<io::hdf5::Group, int>> pending{{root, 0}};
  std::set<std::uint64_t> seen;
  for (int visited = 0; !pending.empty() && visited < kMaxHdf5Groups; ++visited) {
    const io::hdf5::Group group = pending.back().first;
    const int depth = pending.back().second;
    pending.pop_back();
    guarded([&] {
      if (!seen.insert(group.address()).second) return;  // hard links can loop
      read_attributes(group);
      for (const std::string& name : group.children()) {
        guarded([&] {
          if (group.has_group(name)) {
            if (depth < kMaxHdf5Depth) pending.emplace_back(group.group(name), depth + 1);
          } else if (group.has_dataset(name)) {
            const io::hdf5::Dataset dataset = group.dataset(name);
            read_attributes(dataset);
            dataset.dtype();
            touch(dataset.read());
          }
        });
      }
    });
  }
}

std::uint32_t u32_prefix(Bytes data) {
  std::uint32_t n = 0;
  for (std::size_t i = 0; i < 4 && i < data.size(); ++i)
    n |= static_cast<std::uint32_t>(data[i]) << (8 * i);
  return n;
}

}  // namespace

Outcome run_hdf5(Bytes data) {
  const ScopedTensorLimit limit(kMaxTensorBytes);
  const std::filesystem::path path = write_scratch("input.h5", data);
  guarded([&] { walk_hdf5(io::hdf5::open(path)->root()); });
  return guarded([&] { load_and_exercise(path); });
}

Outcome run_keras_config(Bytes data) {
  const ScopedTensorLimit limit(kMaxTensorBytes);
  const std::string config(reinterpret_cast<const char*>(data.data()), data.size());
  // Text not starting with '{' would be read as a path: fuzz the JSON reader, not the file system.
  const std::size_t first = config.find_first_not_of(" \t\r\n");
  if (first == std::string::npos || config[first] != '{') return Outcome::rejected;
  static const std::filesystem::path weights = [] {
    const std::filesystem::path to = scratch_dir() / "keras_config" / "tiny_mlp.weights.h5";
    copy_fixture("keras/archives/tiny_mlp.tf213.weights.h5", to);
    return to;
  }();
  return guarded([&] {
    Model model = load_keras(config, weights, one_thread());
    exercise(model);
  });
}

Outcome run_keras_archive(Bytes data) {
  const ScopedTensorLimit limit(kMaxTensorBytes);
  const std::vector<std::uint8_t> repaired = with_zip_crcs_repaired(data);
  return guarded([&] { load_and_exercise(write_scratch("input.keras", repaired)); });
}

Outcome run_zip(Bytes data) {
  const ScopedTensorLimit limit(kMaxTensorBytes);
  return guarded([&] {
    const auto copy = owned_copy(data);
    const io::ZipReader zip(copy, *copy, "input.zip");
    for (const io::ZipEntry& listed : zip.entries()) {
      guarded([&] {
        const io::ZipEntry& entry = zip.entry(listed.name);
        if (entry.stored()) {
          const std::span<const std::byte> view = zip.stored_data(entry);
          touch(Tensor::wrap(view.data(), DType::u8, {static_cast<std::int64_t>(view.size())}));
          zip.check_crc(entry);
        }
        zip.read(entry, kMaxZipEntryBytes);
      });
    }
  });
}

Outcome run_pickle(Bytes data) {
  const ScopedTensorLimit limit(kMaxTensorBytes);
  // The first pickle decides the outcome; those after it run while they parse (a legacy torch
  // file's pickles are followed by raw storage bytes).
  io::pickle::Heap heap;
  std::size_t at = 0;
  Outcome first = Outcome::rejected;
  for (int i = 0; i < kMaxPickles && at < data.size(); ++i) {
    const Outcome outcome = guarded([&] {
      const io::pickle::Unpickled result =
          io::pickle::unpickle(as_bytes(data).subspan(at), heap, {}, "input.pkl", at);
      io::pickle::repr(*result.root);
      at += result.end;
    });
    if (i == 0) first = outcome;
    if (outcome == Outcome::rejected) break;
  }
  return first;
}

namespace {

Outcome read_and_load_torch(const std::filesystem::path& path) {
  guarded([&] {
    const formats::torch::TorchFile file = formats::torch::read_torch_file(path);
    for (const formats::torch::TorchTensor& t : file.tensors) touch(t.value);
    for (const auto& [name, tensor] : formats::torch::find_state_dict(file)) touch(tensor);
  });
  return guarded([&] { load_and_exercise(path); });
}

}  // namespace

Outcome run_torch_zip(Bytes data) {
  const ScopedTensorLimit limit(kMaxTensorBytes);
  return read_and_load_torch(write_scratch("input.pt", with_zip_crcs_repaired(data)));
}

Outcome run_torch_legacy(Bytes data) {
  const ScopedTensorLimit limit(kMaxTensorBytes);
  return read_and_load_torch(write_scratch("input.pt", data));
}

Outcome run_savedmodel_pb(Bytes data) {
  const ScopedTensorLimit limit(kMaxTensorBytes);
  static const std::filesystem::path dir = [] {
    const std::filesystem::path to = scratch_dir() / "savedmodel";
    copy_fixture("savedmodel/keras_mlp/variables", to / "variables");
    return to;
  }();
  // Text protos start with a field name or a comment; binary ones with a tag byte.
  const bool text = !data.empty() && (std::isalpha(data[0]) || data[0] == '#' || data[0] == ' ' ||
                                      data[0] == '\n' || data[0] == '\t');
  std::error_code ec;
  std::filesystem::remove(dir / (text ? "saved_model.pb" : "saved_model.pbtxt"), ec);
  write_file(dir / (text ? "saved_model.pbtxt" : "saved_model.pb"), data);
  return guarded([&] { load_and_exercise(dir); });
}

Outcome run_tensor_bundle(Bytes data) {
  const ScopedTensorLimit limit(kMaxTensorBytes);
  static const std::filesystem::path dir = [] {
    const std::filesystem::path to = scratch_dir() / "bundle";
    copy_fixture("savedmodel/keras_mlp/saved_model.pb", to / "saved_model.pb");
    return to;
  }();
  // Input layout: a little-endian u32 N, then N bytes of variables.index (its block checksums
  // repaired), then the data shard.
  const std::size_t rest = data.size() < 4 ? 0 : data.size() - 4;
  const std::size_t index_size = std::min<std::size_t>(u32_prefix(data), rest);
  const Bytes index = data.size() < 4 ? Bytes{} : data.subspan(4, index_size);
  const Bytes shard = data.size() < 4 ? Bytes{} : data.subspan(4 + index_size);
  write_file(dir / "variables" / "variables.index", with_leveldb_crcs_repaired(index));
  write_file(dir / "variables" / "variables.data-00000-of-00001", shard);
  guarded([&] {
    const auto bundle = formats::savedmodel::TensorBundle::open(dir / "variables" / "variables");
    for (const std::string& key : bundle.keys()) {
      guarded([&] {
        const auto* entry = bundle.find(key);
        if (entry && entry->dtype() == tf::DT_STRING) {
          bundle.strings(key);
        } else {
          touch(bundle.tensor(key));
        }
      });
    }
  });
  return guarded([&] { load_and_exercise(dir); });
}

Outcome run_onnx(Bytes data) {
  const ScopedTensorLimit limit(kMaxTensorBytes);
  return guarded([&] { load_and_exercise(write_scratch("input.onnx", data)); });
}

Outcome run_npy(Bytes data) {
  const ScopedTensorLimit limit(kMaxTensorBytes);
  guarded([&] { touch(io::read_npy(as_bytes(data), "input.npy")); });
  return guarded([&] {
    const auto copy = owned_copy(data);
    touch(io::read_npy(copy, *copy, "input.npy"));
  });
}

Outcome run_npz(Bytes data) {
  const ScopedTensorLimit limit(kMaxTensorBytes);
  return guarded([&] {
    for (const io::NamedTensor& t : io::load_npz(write_scratch("input.npz", data))) touch(t.tensor);
  });
}

Outcome run_cli_input(Bytes data) {
  const ScopedTensorLimit limit(kMaxTensorBytes);
  static Model model = [] {
    Model m = load_keras(project_fixture("keras/archives/tiny_mlp.json").string(),
                         project_fixture("keras/archives/tiny_mlp.tf213.weights.h5"), one_thread());
    m.set_threads(1);
    return m;
  }();
  // The CLI picks the reader by extension; the harness names the file after its magic bytes.
  static constexpr std::array<std::uint8_t, 6> kNpyMagic = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  const bool npy = data.size() >= 6 && std::equal(kNpyMagic.begin(), kNpyMagic.end(), data.data());
  const bool npz = data.size() >= 2 && data[0] == 'P' && data[1] == 'K';
  const std::string name = npy ? "input.npy" : npz ? "input.npz" : "input.pb";
  const std::filesystem::path path = write_scratch(name, data);
  return guarded([&] {
    const std::vector<Tensor> inputs = cli::read_inputs(model, {path.string()});
    std::int64_t total = 0;
    for (const Tensor& x : inputs) total += x.numel();
    if (total > kMaxPredictElements) return;
    for (const Tensor& y : model.predict(inputs)) touch(y);
  });
}

std::span<const Target> targets() {
  static constexpr std::array<Target, 13> kTargets = {{
      {"hdf5", run_hdf5},
      {"keras_config", run_keras_config},
      {"keras_archive", run_keras_archive},
      {"zip", run_zip},
      {"pickle", run_pickle},
      {"torch_zip", run_torch_zip},
      {"torch_legacy", run_torch_legacy},
      {"savedmodel_pb", run_savedmodel_pb},
      {"tensor_bundle", run_tensor_bundle},
      {"onnx", run_onnx},
      {"npy", run_npy},
      {"npz", run_npz},
      {"cli_input", run_cli_input},
  }};
  return kTargets;
}

const Target* find_target(std::string_view name) {
  for (const Target& t : targets()) {
    if (t.name == name) return &t;
  }
  return nullptr;
}

}  // namespace nnload::fuzz
