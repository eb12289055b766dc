// What a torch.nn module builder works with: the module's pickled state (attributes such as
// in_features, its _parameters and _buffers), its input values, and helpers that add IR nodes
// named "<dotted module path>/<step>". Like the Keras builders, no numerics happen here: weight
// re-layouts are nodes on constants, folded at load.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "formats/torch/torch_file.hpp"
#include "graph/graph.hpp"
#include "io/pickle/value.hpp"

namespace nnload::formats::torch {

class ModuleContext {
 public:
  ModuleContext(graph::Graph& graph, const TorchFile& file, const io::pickle::Value& module,
                std::string path, std::vector<int> inputs);

  const std::string& path() const { return path_; }  // "0", "features.3"; "" for the root
  std::string class_name() const;                    // "Linear"
  const io::pickle::Value& module() const { return module_; }
  graph::Graph& graph() { return graph_; }
  const TorchFile& file() const { return file_; }

  int input(std::size_t i = 0) const;
  const std::vector<int>& inputs() const { return inputs_; }
  std::size_t input_rank(std::size_t i = 0);

  // Attributes of the module object (its __dict__ as pickled).
  const io::pickle::Value* attribute(const char* name) const;
  std::int64_t get_int(const char* name, std::optional<std::int64_t> fallback = {}) const;
  double get_float(const char* name, std::optional<double> fallback = {}) const;
  bool get_bool(const char* name, std::optional<bool> fallback = {}) const;
  std::string get_string(const char* name, std::optional<std::string> fallback = {}) const;
  // An int or a tuple of ints, repeated to `n` values when a single int is given.
  std::vector<std::int64_t> get_ints(const char* name, std::size_t n) const;
  bool is_none(const char* name) const;

  // A parameter or buffer as a float32 constant value id; nullopt when the module has it set
  // to None (bias=False).
  std::optional<int> parameter(const char* name);
  int required_parameter(const char* name);
  std::optional<int> buffer(const char* name);

  // Node helpers, as in the Keras reader.
  std::string node_name(const std::string& step) const;
  int add(const std::string& op, const std::string& step, std::vector<int> inputs,
          graph::Attributes attrs = {}, const std::string& domain = "");
  std::vector<int> add_multi(const std::string& op, const std::string& step,
                             std::vector<int> inputs, int outputs, graph::Attributes attrs = {});
  int int64s(const std::string& step, std::vector<std::int64_t> values);
  int scalar(const std::string& step, float value);

  [[noreturn]] void unsupported(const std::string& what) const;
  [[noreturn]] void corrupt(const std::string& what) const;

 private:
  std::optional<int> tensor_entry(const char* group, const char* name);

  graph::Graph& graph_;
  const TorchFile& file_;
  const io::pickle::Value& module_;
  std::string path_;
  std::vector<int> inputs_;
};

// The class of a module object: "torch.nn.modules.linear.Linear".
std::string module_class(const io::pickle::Value& module);
// True for objects with nn.Module's state (_parameters, _modules).
bool is_module(const io::pickle::Value& value);
// Children in registration order, as (name, module).
std::vector<std::pair<std::string, const io::pickle::Value*>> children(
    const io::pickle::Value& module);

}  // namespace nnload::formats::torch
