// Keras 3's variable stores (a .keras archive's model.weights.h5 or .npz, and the .weights.h5
// files of save_weights): every object's variables sit at "<path>/vars/<index>", where the path
// follows attribute names and, inside lists, the snake_case class name deduplicated per list
// ("layers/dense", "layers/dense_1", "layers/functional/layers/conv2d"), never the user's layer
// name. TF 2.13 wrote "_layer_checkpoint_dependencies" where Keras 3 writes "layers".
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "formats/keras/config.hpp"
#include "formats/keras/weights.hpp"
#include "io/hdf5/hdf5.hpp"
#include "io/zip_reader.hpp"

namespace nnload::formats::keras {

// One object of the store: its own variables in index order and its named children.
struct VarNode {
  // Defined out of line: clang with libstdc++ can't define them inline while
  // std::pair<std::string, VarNode> is still being instantiated (it checks VarNode's
  // constructibility, which needs ~vector of that pair).
  VarNode();
  VarNode(const VarNode&);
  VarNode(VarNode&&) noexcept;
  VarNode& operator=(const VarNode&);
  VarNode& operator=(VarNode&&) noexcept;
  ~VarNode();

  std::vector<Tensor> vars;
  std::vector<std::pair<std::string, VarNode>> children;

  const VarNode* child(std::string_view name) const;
  bool holds_variables() const;  // here or anywhere below
};

// The tree below `root` ("layers" and "_layer_checkpoint_dependencies" with everything under
// them, and the root's own vars; the optimizer's and metrics' state is not read). bfloat16
// datasets (attribute dtype="bfloat16") come back as bf16 tensors. Error(corrupt) for a
// variable name that is not an index, Error(unsupported) for a dataset nnload can't read.
VarNode read_var_tree(const io::hdf5::Group& root);
// The same from model.weights.npz (Keras' weights_format="npz": a pickled dict of arrays per
// object path). Error(corrupt) for entries of another form, Error(unsupported) for dtypes or
// orders nnload does not read.
VarNode read_npz_var_tree(const io::ZipReader& npz);

// Keras' path segment for an object of Python class `class_name` inside a list: its snake_case
// name ("Conv2D" -> "conv2d", "ReLU" -> "re_lu", "MultiHeadAttention" -> "multi_head_attention").
// A "package>Name" registered name gives Name's.
std::string keras_snake_case(std::string_view class_name);

// Which writer's path rules a store follows.
enum class StoreLayout { keras3, tf213 };
StoreLayout store_layout(const VarNode& root);

// Each config layer's weights (keyed by the user's layer name, in the order the legacy .h5
// lists them: a layer's own variables, then its sub-layers'), found by reproducing Keras' paths.
// Models nested as layers come pre-split in LayerWeights::nested. Error(corrupt) when the store
// holds variables no layer of the config claims (the config and the weights describe different
// models) or has no layer list at all.
LayerWeights map_keras3_weights(const ModelConfig& config, const VarNode& root);

}  // namespace nnload::formats::keras
