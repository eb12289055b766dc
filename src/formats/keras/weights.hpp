// Reading a Keras HDF5 file's weights: each layer's datasets, found through its `weight_names`
// attribute (never by guessing paths), in the order the layer saved them.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/hdf5/hdf5.hpp"
#include "nnload/tensor.hpp"

namespace nnload::formats::keras {

struct LayerWeight {
  std::string name;  // as listed in weight_names, e.g. "dense/kernel:0"
  Tensor value;
};

// Each layer's weights, layers in file order. Layers are added through at(), which keeps the
// index find() uses (a linear search made a model of N layers cost N^2 lookups).
struct LayerWeights {
  std::vector<std::pair<std::string, std::vector<LayerWeight>>> layers;
  std::map<std::string, std::size_t, std::less<>> position;  // layer name -> index in `layers`
  // Models nested as layers whose weights the reader already assigned to their inner layers
  // (Keras 3 stores them by path); others are split by weight name when built.
  std::map<std::string, std::shared_ptr<const LayerWeights>> nested;

  const std::vector<LayerWeight>* find(const std::string& layer) const;
  // The layer's list, appended (empty) if the layer is not there yet.
  std::vector<LayerWeight>& at(const std::string& layer);
};

// A string-list attribute that Keras may have split into NAME0, NAME1, ... because HDF5
// object headers hold at most 64 KB.
std::vector<std::string> read_split_string_list(const io::hdf5::Group& group,
                                                const std::string& name);

// The weights of every layer listed in `group`'s layer_names (model_weights, or the root of a
// legacy weights-only file).
LayerWeights read_layer_weights(const io::hdf5::Group& group);

// The variable's own name: "dense/kernel:0" -> "kernel"; Keras 1's "dense_1_W" -> "W".
std::string local_weight_name(const std::string& weight_name, const std::string& layer_name);

}  // namespace nnload::formats::keras
