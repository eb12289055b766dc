#include "formats/keras/weights.hpp"

#include <set>

#include "core/fail.hpp"

namespace nnload::formats::keras {

const std::vector<LayerWeight>* LayerWeights::find(const std::string& layer) const {
  const auto it = position.find(layer);
  return it == position.end() ? nullptr : &layers[it->second].second;
}

std::vector<LayerWeight>& LayerWeights::at(const std::string& layer) {
  const auto [it, added] = position.emplace(layer, layers.size());
  if (added) layers.emplace_back(layer, std::vector<LayerWeight>{});
  return layers[it->second].second;
}

std::vector<std::string> read_split_string_list(const io::hdf5::Group& group,
                                                const std::string& name) {
  if (group.has_attribute(name)) return group.string_list_attribute(name);
  std::vector<std::string> all;
  for (int chunk = 0; group.has_attribute(name + std::to_string(chunk)); ++chunk) {
    std::vector<std::string> part = group.string_list_attribute(name + std::to_string(chunk));
    all.insert(all.end(), part.begin(), part.end());
  }
  return all;
}

LayerWeights read_layer_weights(const io::hdf5::Group& group) {
  const bool has_names = group.has_attribute("layer_names") || group.has_attribute("layer_names0");
  if (!has_names) fail(ErrorCode::corrupt, "'{}' has no layer_names attribute", group.path());
  LayerWeights weights;
  // Keras lists each layer once and stores each weight once. A layer listed again, or one
  // dataset reached again by another name (HDF5 hard links), would be read again: a compressed
  // 4 MB kernel listed 10,000 times in a 20 kB attribute is 40 GB.
  std::set<std::string, std::less<>> layers_read;
  std::set<std::uint64_t> datasets_read;
  for (const std::string& layer : read_split_string_list(group, "layer_names")) {
    if (!layers_read.insert(layer).second)
      fail(ErrorCode::corrupt, "'{}': layer_names lists '{}' twice", group.path(), layer);
    if (!group.has_group(layer)) {
      fail(ErrorCode::corrupt, "layer_names lists '{}', but '{}' has no such group", layer,
           group.path());
    }
    const io::hdf5::Group layer_group = group.group(layer);
    std::vector<LayerWeight>& list = weights.at(layer);
    for (const std::string& name : read_split_string_list(layer_group, "weight_names")) {
      if (!layer_group.has_dataset(name)) {
        fail(ErrorCode::corrupt, "layer '{}' lists weight '{}', which is not in the file", layer,
             name);
      }
      const io::hdf5::Dataset dataset = layer_group.dataset(name);
      if (!datasets_read.insert(dataset.address()).second) {
        fail(ErrorCode::corrupt,
             "layer '{}' lists weight '{}', a dataset already read for another weight (listed "
             "twice, or HDF5 hard links)",
             layer, name);
      }
      list.push_back({name, dataset.read()});
    }
  }
  return weights;
}

std::string local_weight_name(const std::string& weight_name, const std::string& layer_name) {
  std::string name = weight_name;
  if (const auto colon = name.rfind(':'); colon != std::string::npos) name.resize(colon);
  if (const auto slash = name.rfind('/'); slash != std::string::npos) name = name.substr(slash + 1);
  if (name.size() > layer_name.size() + 1 && name.compare(0, layer_name.size(), layer_name) == 0 &&
      name[layer_name.size()] == '_') {
    name = name.substr(layer_name.size() + 1);  // Keras 1: "dense_1_W" -> "W"
  }
  return name;
}

}  // namespace nnload::formats::keras
