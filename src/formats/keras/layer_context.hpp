// What a Keras layer builder works with: the layer's config and weights, its input values, and
// helpers that add IR nodes named "<layer>/<step>". Builders map config onto ONNX-semantics ops;
// they never compute numbers themselves (weight layout changes are nodes, folded at load).
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "formats/keras/config.hpp"
#include "formats/keras/weights.hpp"
#include "graph/graph.hpp"

namespace nnload::formats::keras {

class LayerContext {
 public:
  LayerContext(graph::Graph& graph, const LayerConfig& layer, std::vector<int> inputs,
               const std::vector<LayerWeight>& weights, const KerasVersion& version,
               std::string name_prefix);

  const LayerConfig& layer() const { return layer_; }
  const std::string& name() const { return layer_.name; }
  const KerasVersion& version() const { return version_; }
  graph::Graph& graph() { return graph_; }

  // --- inputs
  std::size_t input_count() const { return inputs_.size(); }
  int input(std::size_t i = 0) const;
  const std::vector<int>& inputs() const { return inputs_; }
  void expect_inputs(std::size_t min, std::size_t max) const;
  // Shape of input i, -1 where it depends on unknown input dimensions (compiles the graph built
  // so far: only for the few layers whose ops depend on the input rank).
  Shape input_shape(std::size_t i = 0);
  std::size_t input_rank(std::size_t i = 0) { return input_shape(i).size(); }

  // --- Keras masks: a bool [batch, time] value travelling beside a tensor (made by
  // Embedding(mask_zero=True) or Masking, used by RNNs and attention). -1: no mask.
  int input_mask(std::size_t i = 0) const;
  void set_input_masks(std::vector<int> masks) { input_masks_ = std::move(masks); }
  // Declares output i's mask; layers that do not declare one give none, except those the
  // model builder lists as passing their input's mask on (Dense, Activation, Dropout, ...).
  void set_output_mask(std::size_t i, int mask);
  const std::vector<int>& output_masks() const { return output_masks_; }
  bool declared_output_masks() const { return !output_masks_.empty(); }

  // --- the call (functional models; none in Sequential ones): its keyword arguments as
  // written, Keras 3's positional arguments as written, the tensors passed by keyword.
  struct KwargInput {
    std::string keyword;
    int value = -1;
    int mask = -1;  // the tensor's Keras mask, -1: none
  };
  void set_call(const CallNode* call, std::vector<KwargInput> kwarg_inputs);
  const CallNode* call() const { return call_; }
  const Json& call_kwargs() const;
  // The keyword argument `key` of the call, or nullptr (absent or null).
  const Json* call_kwarg(const char* key) const;
  const std::vector<KwargInput>& kwarg_inputs() const { return kwarg_inputs_; }
  // The tensors passed for keyword `key`, in order (empty when none).
  std::vector<int> kwarg_values(std::string_view key) const;
  // The mask of the first tensor passed for keyword `key`, -1 when it has none.
  int kwarg_mask(std::string_view key) const;

  // --- config (errors name the layer and the key)
  const Json& config() const { return layer_.config; }
  bool has(const char* key) const;
  // The first of several keys present (Keras renamed many: "units"/"output_dim", ...).
  const Json* find(std::initializer_list<const char*> keys) const;
  int64_t get_int(std::initializer_list<const char*> keys,
                  std::optional<int64_t> fallback = {}) const;
  double get_float(std::initializer_list<const char*> keys,
                   std::optional<double> fallback = {}) const;
  bool get_bool(std::initializer_list<const char*> keys, bool fallback) const;
  std::string get_string(std::initializer_list<const char*> keys,
                         std::optional<std::string> fallback = {}) const;
  // An int or a list of ints, repeated to `n` values when a single int is given.
  std::vector<int64_t> get_ints(std::initializer_list<const char*> keys, std::size_t n,
                                std::optional<int64_t> fallback = {}) const;
  // "channels_last" unless the config (or Keras 1's dim_ordering "th") says channels_first.
  bool channels_first() const;

  // --- weights, in the order the layer saved them
  std::size_t weight_count() const { return weights_.size(); }
  // All of them, for wrappers that build their inner layers with a context of their own.
  const std::vector<LayerWeight>& weights() const { return weights_; }
  // Constant value id of weight `index`, converted to float32 if stored otherwise. `role` names
  // it in errors ("kernel").
  int weight(std::size_t index, const char* role);
  const Tensor& weight_tensor(std::size_t index, const char* role) const;
  // The weight's name in the file ("dense/kernel:0"); "" past the end.
  const std::string& weight_name(std::size_t index) const;
  // Throws Error(corrupt) unless the file holds exactly `count` weights for this layer.
  void expect_weights(std::size_t count, const char* roles) const;
  void mark_non_trainable(std::size_t index);
  const std::vector<bool>& trainable() const { return trainable_; }

  // --- building
  std::string node_name(const std::string& step) const {
    return prefix_ + layer_.name + "/" + step;
  }
  int add(const std::string& op, const std::string& step, std::vector<int> inputs,
          graph::Attributes attrs = {}, const std::string& domain = "");
  std::vector<int> add_multi(const std::string& op, const std::string& step,
                             std::vector<int> inputs, int outputs, graph::Attributes attrs = {},
                             const std::string& domain = "");
  int constant(const std::string& step, Tensor value);
  int int64s(const std::string& step, std::vector<int64_t> values);
  int scalar(const std::string& step, float value);
  // Applies a Keras activation (a name or a Keras 3 serialized function) to `x`.
  int activation(int x, const Json& activation);
  // Applies the config's "activation" entry, if any.
  int config_activation(int x);

  // Config keys the builder looked up (present or not): the model builder checks the others.
  const std::set<std::string, std::less<>>& read_keys() const { return read_keys_; }

  [[noreturn]] void unsupported(const std::string& what) const;
  [[noreturn]] void corrupt(const std::string& what) const;

 private:
  graph::Graph& graph_;
  const LayerConfig& layer_;
  std::vector<int> inputs_;
  const std::vector<LayerWeight>& weights_;
  std::vector<int> weight_values_;
  std::vector<bool> trainable_;
  KerasVersion version_;
  std::string prefix_;
  std::vector<int> input_masks_;
  std::vector<int> output_masks_;
  mutable std::set<std::string, std::less<>> read_keys_;
  const CallNode* call_ = nullptr;
  std::vector<KwargInput> kwarg_inputs_;
};

}  // namespace nnload::formats::keras
