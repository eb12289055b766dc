#include "formats/torch/module_graph.hpp"

#include "core/fail.hpp"
#include "formats/torch/modules/modules.hpp"
#include "formats/torch/object_tree.hpp"

namespace nnload::formats::torch {

namespace {

using io::pickle::Value;

constexpr std::string_view kSequential = "torch.nn.modules.container.Sequential";

// The first module that runs, for declaring the graph input.
const Value& first_leaf(const Value& module) {
  const Value* m = &module;
  while (module_class(*m) == kSequential) {
    const auto kids = children(*m);
    if (kids.empty()) break;
    m = kids.front().second;
  }
  return *m;
}

std::string state_dict_keys(const TorchFile& file) {
  std::vector<std::string> keys;
  for (const auto& [name, tensor] : find_state_dict(file))
    keys.push_back(name + " " + shape_to_list(tensor.shape()));
  return fmt::format("{}", fmt::join(keys, ", "));
}

// Every class in the tree is one we rebuild (or Sequential); else a clear error.
void check_classes(const TorchFile& file, const Value& module, const std::string& path) {
  const std::string cls = module_class(module);
  if (cls == kSequential) {
    for (const auto& [name, child] : children(module)) {
      check_classes(file, *child, path.empty() ? name : path + "." + name);
    }
    return;
  }
  if (find_module_builder(cls)) return;
  const bool torch_class = cls.rfind("torch.nn.", 0) == 0;
  if (!torch_class) {
    fail(ErrorCode::custom_layer_missing,
         "the file holds a whole module of class {}{}: its forward() is Python code, which "
         "torch.save does not store, so nnload can't run it. Write the same architecture in C++ "
         "with nnload::nn modules and load this file with load_state_dict (see "
         "examples/load_pytorch.cpp); its state_dict keys are: {}",
         cls, path.empty() ? "" : " at '" + path + "'", state_dict_keys(file));
  }
  fail(ErrorCode::unsupported,
       "module '{}' is a {}, which nnload does not rebuild yet. Rebuilt: {}", path, cls,
       fmt::join(supported_modules(), ", "));
}

TensorInfo declare_input(const Value& leaf) {
  const std::string cls = module_class(leaf);
  const std::string name = cls.substr(cls.rfind('.') + 1);
  const Value* state = leaf.state;
  auto attr_int = [&](const char* key) -> std::int64_t {
    const Value* v = state ? state->get(key) : nullptr;
    if (!v || !v->is_int()) fail(ErrorCode::corrupt, "module {} has no integer '{}'", cls, key);
    return v->as_int();
  };
  auto attr_bool = [&](const char* key) {
    const Value* v = state ? state->get(key) : nullptr;
    return v && v->kind == io::pickle::Kind::boolean && v->flag;
  };
  if (name == "Linear") return {"input", DType::f32, {-1, attr_int("in_features")}};
  if (name == "Embedding") return {"input", DType::i64, {-1, -1}};
  if (name == "LSTM" || name == "GRU" || name == "RNN") {
    (void)attr_bool("batch_first");  // either layout: [?, ?, input_size]
    return {"input", DType::f32, {-1, -1, attr_int("input_size")}};
  }
  for (int d = 1; d <= 3; ++d) {
    const std::string n = std::to_string(d) + "d";
    if (name == "Conv" + n || name == "ConvTranspose" + n) {
      Shape shape = {-1, attr_int("in_channels")};
      shape.insert(shape.end(), static_cast<std::size_t>(d), -1);
      return {"input", DType::f32, shape};
    }
  }
  if (name == "BatchNorm2d") return {"input", DType::f32, {-1, attr_int("num_features"), -1, -1}};
  if (name == "BatchNorm1d") return {"input", DType::f32, {-1, attr_int("num_features")}};
  fail(ErrorCode::unsupported,
       "the model starts with a {}, whose input shape the file does not record; nnload needs a "
       "first layer that fixes it (Linear, Conv*, Embedding, LSTM/GRU/RNN, BatchNorm)",
       cls);
}

class Builder {
 public:
  Builder(graph::Graph& graph, const TorchFile& file) : graph_(graph), file_(file) {}

  std::vector<int> build(const Value& module, const std::string& path, std::vector<int> inputs) {
    const std::string cls = module_class(module);
    if (cls == kSequential) {
      std::vector<int> x = std::move(inputs);
      for (const auto& [name, child] : children(module)) {
        if (x.size() != 1) {
          fail(ErrorCode::unsupported,
               "module '{}' gives {} outputs (a tuple) to the next layer of a Sequential", path,
               x.size());
        }
        x = build(*child, path.empty() ? name : path + "." + name, x);
      }
      return x;
    }
    ModuleContext ctx(graph_, file_, module, path, std::move(inputs));
    try {
      return find_module_builder(cls)(ctx);
    } catch (const Error& e) {
      if (std::string(e.what()).rfind("module '", 0) == 0) throw;
      rethrow_with_context(e, fmt::format("module '{}' ({})", path, ctx.class_name()));
    }
  }

 private:
  graph::Graph& graph_;
  const TorchFile& file_;
};

}  // namespace

std::optional<ModuleGraph> build_module_graph(const TorchFile& file) {
  const Value& root = root_value(file);
  if (!is_module(root)) return std::nullopt;
  check_classes(file, root, "");
  ModuleGraph result;
  result.graph = std::make_shared<graph::Graph>();
  const TensorInfo input = declare_input(first_leaf(root));
  result.inputs.push_back(input);
  const int x = result.graph->add_input(input.name, input.dtype, input.shape);
  Builder builder(*result.graph, file);
  const std::vector<int> outputs = builder.build(root, "", {x});
  // A recurrent model returns output and its final states, as torch's tuple does.
  const std::string cls = module_class(root);
  const bool recurrent = cls.find(".rnn.") != std::string::npos;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    std::string name = "output";
    if (recurrent && i > 0)
      name = i == 1 ? "h_n" : "c_n";
    else if (i > 0)
      name += "_" + std::to_string(i);
    result.graph->add_output(outputs[i], name);
    result.outputs.push_back({name, DType::f32, {}});
  }
  return result;
}

}  // namespace nnload::formats::torch
