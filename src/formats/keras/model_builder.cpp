#include "formats/keras/model_builder.hpp"

#include <numeric>
#include <set>

#include "core/fail.hpp"
#include "formats/keras/config_keys.hpp"
#include "formats/keras/custom_layers.hpp"
#include "formats/keras/layer_context.hpp"
#include "formats/keras/layers/layers.hpp"

namespace nnload::formats::keras {

namespace {

const std::vector<LayerWeight> kNoWeights;

// Result of building one layer call.
struct LayerResult {
  std::vector<int> outputs;
  std::int64_t params = 0;
  std::int64_t trainable_params = 0;
  std::vector<bool> trainable;  // per weight
};

std::int64_t count(const std::vector<LayerWeight>& weights) {
  std::int64_t n = 0;
  for (const LayerWeight& w : weights) n += w.value.numel();
  return n;
}

DType input_dtype(const LayerConfig& layer) {
  const Json& config = layer.config;
  std::string name = "float32";
  if (config.contains("dtype")) {
    const Json& d = config["dtype"];
    if (d.is_string()) {
      name = d.get<std::string>();
    } else if (d.is_object() && d.contains("config") && d["config"].is_object()) {
      name = d["config"].value("name", "float32");  // Keras 3 DTypePolicy
    }
  } else if (config.contains("input_dtype") && config["input_dtype"].is_string()) {
    name = config["input_dtype"].get<std::string>();  // Keras 1
  }
  if (name == "mixed_float16" || name == "mixed_bfloat16") name = "float32";
  const std::optional<DType> dtype = dtype_from_name(name);
  if (!dtype) {
    fail(ErrorCode::unsupported, "input layer '{}' has dtype '{}', which nnload does not support",
         layer.name, name);
  }
  return *dtype;
}

Shape shape_from_json(const Json& j, bool prepend_batch) {
  Shape shape;
  if (prepend_batch) shape.push_back(-1);
  for (const Json& d : j) shape.push_back(d.is_number_integer() ? d.get<int64_t>() : -1);
  return shape;
}

// The declared input shape of a layer that starts a model: InputLayer's batch_shape (Keras 3)
// or batch_input_shape (Keras 1/2), or the shape arguments Keras 1/2 put on a first layer.
std::optional<Shape> declared_input_shape(const LayerConfig& layer) {
  const Json& c = layer.config;
  for (const char* key : {"batch_shape", "batch_input_shape"}) {
    if (c.contains(key) && c[key].is_array()) return shape_from_json(c[key], false);
  }
  if (c.contains("input_shape") && c["input_shape"].is_array())
    return shape_from_json(c["input_shape"], true);
  if (c.contains("input_dim") && c["input_dim"].is_number_integer()) {
    return Shape{-1, c["input_dim"].get<int64_t>()};
  }
  return std::nullopt;
}

// `prefix` is the path of the nested models around the layer ("inner_seq/"), empty at the top.
[[noreturn]] void unknown_layer(const LayerConfig& layer, const std::string& prefix) {
  const std::string inside =
      prefix.empty() ? "" : " (inside '" + prefix.substr(0, prefix.size() - 1) + "')";
  if (layer.class_name == "Lambda") {
    fail(ErrorCode::custom_layer_missing,
         "layer '{}'{} is a Lambda layer: its function is Python code (stored as marshalled "
         "bytecode), which can't run outside Python. Replace the Lambda with built-in layers and "
         "re-save the model, or register a C++ replacement before loading: "
         "nnload::keras::register_layer(\"Lambda:{}\", factory) (see include/nnload/keras.hpp and "
         "'Custom layers' in README.md)",
         layer.name, inside, layer.name);
  }
  std::string where = layer.module.empty() ? "" : " from module '" + layer.module + "'";
  if (!layer.registered_name.empty() && layer.registered_name != layer.class_name) {
    where += " (registered as '" + layer.registered_name + "')";
  }
  fail(ErrorCode::custom_layer_missing,
       "layer '{}'{} has class '{}'{}, which nnload does not implement. Supported layer "
       "classes: {}. A custom layer needs a C++ implementation registered before loading: "
       "nnload::keras::register_layer(\"{}\", factory) (see include/nnload/keras.hpp and 'Custom "
       "layers' in README.md)",
       layer.name, inside, layer.class_name, where, fmt::join(supported_layers(), ", "),
       custom_layer_keys(layer).front());
}

class Builder {
 public:
  Builder(graph::Graph& graph, const KerasVersion& version) : graph_(graph), version_(version) {}

  // Builds `config` reading its inputs from `inputs` (a nested model), or creating graph inputs
  // when `inputs` is null. Fills `out` for the top level.
  std::vector<int> build(const ModelConfig& config, const LayerWeights& weights,
                         const std::vector<int>* inputs, const std::string& prefix,
                         BuiltModel* out) {
    return config.is_sequential() ? build_sequential(config, weights, inputs, prefix, out)
                                  : build_functional(config, weights, inputs, prefix, out);
  }

  std::vector<std::string> take_notes() { return std::move(notes_); }

 private:
  const std::vector<LayerWeight>& weights_of(const LayerWeights& weights,
                                             const std::string& layer) {
    const std::vector<LayerWeight>* list = weights.find(layer);
    return list ? *list : kNoWeights;
  }

  LayerResult call_layer(const LayerConfig& layer, const LayerWeights& weights,
                         std::vector<int> inputs, const std::string& prefix,
                         const CallNode* call = nullptr,
                         std::vector<LayerContext::KwargInput> kwarg_inputs = {}) {
    const std::vector<LayerWeight>& own = weights_of(weights, layer.name);
    LayerResult result;
    result.params = count(own);
    if (layer.nested) {
      auto presplit = weights.nested.find(layer.name);
      const LayerWeights inner =
          presplit != weights.nested.end() ? *presplit->second : split_nested_weights(layer, own);
      result.outputs = build(*layer.nested, inner, &inputs, prefix + layer.name + "/", nullptr);
      const bool frozen =
          layer.config.is_object() && layer.config.value("trainable", true) == false;
      result.trainable_params = frozen ? 0 : nested_trainable_params(*layer.nested, inner);
      result.trainable.assign(own.size(), !frozen);
      return result;
    }
    // Registered implementations come first: a user may replace a built-in class too. Keras 3
    // op layers (keras.ops called on symbolic tensors) share class names with layers.
    const bool custom = has_custom_layer(layer);
    LayerBuilder builder = custom ? build_custom_layer : find_keras_op_builder(layer, version_);
    if (!builder) builder = find_layer_builder(layer.class_name);
    if (!builder) unknown_layer(layer, prefix);
    std::vector<int> input_masks;
    for (int in : inputs) {
      auto m = masks_.find(in);
      input_masks.push_back(m == masks_.end() ? -1 : m->second);
    }
    LayerContext ctx(graph_, layer, std::move(inputs), own, version_, prefix);
    ctx.set_input_masks(input_masks);
    for (LayerContext::KwargInput& k : kwarg_inputs) {
      auto m = masks_.find(k.value);
      k.mask = m == masks_.end() ? -1 : m->second;
    }
    ctx.set_call(call, std::move(kwarg_inputs));
    try {
      if (!custom) refuse_unsupported_features(layer);
      result.outputs = builder(ctx);
      record_masks(layer, ctx, input_masks, result.outputs);
      if (!custom && checked_.insert(&layer).second)
        check_config_keys(layer, ctx.read_keys(), version_, notes_);
    } catch (const Error& e) {
      const std::string message = e.what();
      if (message.rfind("layer '", 0) == 0) throw;  // already names the layer
      rethrow_with_context(e, fmt::format("layer '{}' ({})", layer.name, layer.class_name));
    } catch (const Json::exception& e) {
      // A config value of the wrong JSON type (a string where a number belongs, ...).
      fail(ErrorCode::corrupt, "layer '{}' ({}): malformed config: {}", layer.name,
           layer.class_name, e.what());
    }
    result.trainable = ctx.trainable();
    for (std::size_t i = 0; i < own.size(); ++i) {
      if (result.trainable[i]) result.trainable_params += own[i].value.numel();
    }
    return result;
  }

  // Masks travel beside values: set by the builder, else passed on by layers that keep the
  // time axis and support masking in Keras.
  void record_masks(const LayerConfig& layer, const LayerContext& ctx,
                    const std::vector<int>& input_masks, const std::vector<int>& outputs) {
    if (ctx.declared_output_masks()) {
      for (std::size_t i = 0; i < outputs.size() && i < ctx.output_masks().size(); ++i) {
        if (ctx.output_masks()[i] >= 0) masks_[outputs[i]] = ctx.output_masks()[i];
      }
      return;
    }
    static const std::set<std::string, std::less<>> passes_mask = {"Dense",
                                                                   "Activation",
                                                                   "Dropout",
                                                                   "SpatialDropout1D",
                                                                   "GaussianNoise",
                                                                   "GaussianDropout",
                                                                   "AlphaDropout",
                                                                   "ActivityRegularization",
                                                                   "ReLU",
                                                                   "LeakyReLU",
                                                                   "ELU",
                                                                   "PReLU",
                                                                   "Softmax",
                                                                   "ThresholdedReLU",
                                                                   "BatchNormalization",
                                                                   "LayerNormalization",
                                                                   "Rescaling",
                                                                   "Normalization",
                                                                   "Add",
                                                                   "Subtract",
                                                                   "Multiply",
                                                                   "Average",
                                                                   "Maximum",
                                                                   "Minimum",
                                                                   "UnitNormalization"};
    if (!input_masks.empty() && input_masks[0] >= 0 && !outputs.empty() &&
        passes_mask.count(layer.class_name)) {
      masks_[outputs[0]] = input_masks[0];
    }
  }

  // A nested model's weights are listed under its own name; each variable's name contains the
  // inner layer's name as a path component ("dense_2/kernel:0", "inner/dense_2/kernel").
  LayerWeights split_nested_weights(const LayerConfig& layer,
                                    const std::vector<LayerWeight>& weights) {
    LayerWeights inner;
    std::set<std::string> names;
    for (const LayerConfig& l : layer.nested->layers) names.insert(l.name);
    for (const LayerWeight& w : weights) {
      std::string owner;
      std::size_t start = 0;
      while (start < w.name.size()) {
        const std::size_t slash = w.name.find('/', start);
        if (slash == std::string::npos) break;
        const std::string part = w.name.substr(start, slash - start);
        if (names.count(part)) owner = part;  // the innermost matching component wins
        start = slash + 1;
      }
      if (owner.empty()) {
        fail(ErrorCode::corrupt, "nested model '{}': weight '{}' does not name one of its layers",
             layer.name, w.name);
      }
      inner.at(owner).push_back(w);
    }
    return inner;
  }

  std::int64_t nested_trainable_params(const ModelConfig& config, const LayerWeights& weights) {
    // Built once already; count again from the builders' view of each layer.
    std::int64_t n = 0;
    for (const LayerConfig& layer : config.layers) {
      auto it = trainable_by_layer_.find(&layer);
      if (it != trainable_by_layer_.end())
        n += it->second;
      else
        n += count(weights_of(weights, layer.name));
    }
    return n;
  }

  void record_row(BuiltModel* out, const LayerConfig& layer, const LayerResult& result,
                  std::vector<std::string> connected) {
    trainable_by_layer_[&layer] = result.trainable_params;
    if (!out) return;
    LayerRow row;
    row.name = layer.name;
    // Keras' summary shows the Python class: "Scale" for a class registered as "mypkg>Scale".
    row.class_name = layer.class_name.substr(layer.class_name.rfind('>') + 1);
    row.outputs = result.outputs;
    row.params = result.params;
    row.connected_to = std::move(connected);
    out->table.rows.push_back(std::move(row));
    out->table.trainable_params += result.trainable_params;
    out->table.non_trainable_params += result.params - result.trainable_params;
    out->trainable[layer.name] = result.trainable;
  }

  int make_input(const std::string& name, DType dtype, Shape shape, BuiltModel* out) {
    const int id = graph_.add_input(name, dtype, shape);
    if (out) out->inputs.push_back({name, dtype, std::move(shape)});
    return id;
  }

  // Keras 1's Sequential([Merge([left, right, ...]), ...]): each branch is a Sequential with
  // its own input; the file stores the branches' layers by name beside the others (Keras 1's
  // flattened_layers), and the Merge combines the branches' outputs.
  std::vector<int> build_merge_of_models(const ModelConfig& config, const LayerWeights& weights,
                                         const std::string& prefix, BuiltModel* out) {
    const LayerConfig& merge = config.layers[0];
    const Json branches = merge.config.is_object() ? merge.config.value("layers", Json()) : Json();
    if (!branches.is_array() || branches.size() < 2) {
      fail(ErrorCode::corrupt,
           "Sequential model '{}' starts with Merge '{}' without the models it merges (config "
           "'layers')",
           config.name, merge.name);
    }
    std::vector<int> merged;
    for (const Json& branch_json : branches) {
      const ModelConfig branch = parse_model_config(branch_json);
      if (!branch.is_sequential() || branch.layers.empty()) {
        fail(ErrorCode::unsupported,
             "Merge '{}' merges a {} model '{}'; nnload reads Merges of Sequential models",
             merge.name, branch.is_sequential() ? "empty" : "functional", branch.name);
      }
      const LayerConfig& head = branch.layers[0];
      const std::optional<Shape> shape = declared_input_shape(head);
      if (!shape) {
        fail(ErrorCode::corrupt, "model '{}' merged by '{}' declares no input shape", branch.name,
             merge.name);
      }
      const bool is_input = head.class_name == "InputLayer";
      int x =
          make_input(is_input ? head.name : head.name + "_input", input_dtype(head), *shape, out);
      for (std::size_t i = is_input ? 1 : 0; i < branch.layers.size(); ++i) {
        const LayerConfig& layer = branch.layers[i];
        LayerResult result = call_layer(layer, weights, {x}, prefix);
        if (result.outputs.size() != 1) {
          fail(ErrorCode::unsupported, "layer '{}' returns {} outputs inside a Sequential model",
               layer.name, result.outputs.size());
        }
        x = result.outputs[0];
        record_row(out, layer, result, {});
      }
      merged.push_back(x);
    }
    LayerResult result = call_layer(merge, weights, merged, prefix);
    record_row(out, merge, result, {});
    return chain_layers(config, weights, result.outputs.at(0), 1, prefix, out);
  }

  // A Sequential model's layers from `first` on, each fed the previous one's single output.
  std::vector<int> chain_layers(const ModelConfig& config, const LayerWeights& weights, int x,
                                std::size_t first, const std::string& prefix, BuiltModel* out) {
    for (std::size_t i = first; i < config.layers.size(); ++i) {
      const LayerConfig& layer = config.layers[i];
      LayerResult result = call_layer(layer, weights, {x}, prefix);
      if (result.outputs.size() != 1) {
        fail(ErrorCode::unsupported, "layer '{}' returns {} outputs inside a Sequential model",
             layer.name, result.outputs.size());
      }
      x = result.outputs[0];
      record_row(out, layer, result, {});
    }
    if (out) {
      graph_.add_output(x, config.layers.back().name);
      out->outputs.push_back({config.layers.back().name, DType::f32, {}});
    }
    return {x};
  }

  std::vector<int> build_sequential(const ModelConfig& config, const LayerWeights& weights,
                                    const std::vector<int>* inputs, const std::string& prefix,
                                    BuiltModel* out) {
    if (config.layers.empty())
      fail(ErrorCode::corrupt, "Sequential model '{}' has no layers", config.name);
    std::size_t first = 0;
    int x;
    if (inputs) {
      if (inputs->size() != 1)
        fail(ErrorCode::corrupt, "Sequential model '{}' called with {} inputs", config.name,
             inputs->size());
      x = (*inputs)[0];
      if (config.layers[0].class_name == "InputLayer") first = 1;
    } else {
      const LayerConfig& head = config.layers[0];
      if (head.class_name == "Merge") return build_merge_of_models(config, weights, prefix, out);
      std::optional<Shape> shape = declared_input_shape(head);
      if (!shape && config.config.contains("build_input_shape") &&
          config.config["build_input_shape"].is_array()) {
        shape = shape_from_json(config.config["build_input_shape"], false);
      }
      if (!shape) {
        fail(ErrorCode::corrupt,
             "Sequential model '{}' declares no input shape (no InputLayer, no "
             "batch_input_shape on its first layer '{}')",
             config.name, head.name);
      }
      const bool is_input = head.class_name == "InputLayer";
      x = make_input(is_input ? head.name : head.name + "_input", input_dtype(head), *shape, out);
      first = is_input ? 1 : 0;
    }
    return chain_layers(config, weights, x, first, prefix, out);
  }

  std::vector<int> build_functional(const ModelConfig& config, const LayerWeights& weights,
                                    const std::vector<int>* inputs, const std::string& prefix,
                                    BuiltModel* out) {
    std::map<std::pair<std::string, int>, std::vector<int>> results;
    std::map<std::string, const LayerConfig*> by_name;
    for (const LayerConfig& layer : config.layers) by_name[layer.name] = &layer;
    if (inputs && inputs->size() != config.inputs.size()) {
      fail(ErrorCode::corrupt, "model '{}' has {} inputs but is called with {}", config.name,
           config.inputs.size(), inputs->size());
    }
    for (std::size_t i = 0; i < config.inputs.size(); ++i) {
      const TensorRef& ref = config.inputs[i];
      auto it = by_name.find(ref.layer);
      if (it == by_name.end())
        fail(ErrorCode::corrupt, "model '{}': input layer '{}' is not among its layers",
             config.name, ref.layer);
      const LayerConfig& layer = *it->second;
      int value;
      if (inputs) {
        value = (*inputs)[i];
      } else {
        const std::optional<Shape> shape = declared_input_shape(layer);
        if (!shape) fail(ErrorCode::corrupt, "input layer '{}' declares no shape", layer.name);
        value = make_input(layer.name, input_dtype(layer), *shape, out);
      }
      results[{layer.name, 0}] = {value};
    }

    // Calls are built as soon as their inputs exist: config order is usually, but not
    // necessarily, a valid order (shared layers are listed once with all their calls).
    struct Pending {
      const LayerConfig* layer;
      std::size_t call;
    };
    std::vector<Pending> pending;
    for (const LayerConfig& layer : config.layers) {
      if (layer.class_name == "InputLayer") continue;
      for (std::size_t c = 0; c < layer.calls.size(); ++c) pending.push_back({&layer, c});
    }
    const std::map<std::string, int> offsets = node_offsets(config);
    auto node_key = [&](const LayerConfig& layer, std::size_t call) {
      auto it = offsets.find(layer.name);
      return std::make_pair(layer.name,
                            static_cast<int>(call) + (it == offsets.end() ? 0 : it->second));
    };
    std::map<const LayerConfig*, LayerResult> first_call;
    while (!pending.empty()) {
      std::vector<Pending> waiting;
      for (const Pending& p : pending) {
        const CallNode& call = p.layer->calls[p.call];
        std::vector<int> args;
        bool ready = true;
        auto resolve = [&](const TensorRef& ref) {
          auto it = results.find({ref.layer, ref.node_index});
          if (it == results.end()) {
            ready = false;
            return -1;
          }
          if (ref.tensor_index < 0 ||
              static_cast<std::size_t>(ref.tensor_index) >= it->second.size()) {
            fail(ErrorCode::corrupt, "layer '{}' reads output {} of '{}', which has {}",
                 p.layer->name, ref.tensor_index, ref.layer, it->second.size());
          }
          return it->second[static_cast<std::size_t>(ref.tensor_index)];
        };
        for (const TensorRef& ref : call.inputs) {
          args.push_back(resolve(ref));
          if (!ready) break;
        }
        std::vector<LayerContext::KwargInput> kwarg_inputs;
        for (const auto& [keyword, ref] : call.kwarg_tensors) {
          if (!ready) break;
          kwarg_inputs.push_back({keyword, resolve(ref), -1});
        }
        if (!ready) {
          waiting.push_back(p);
          continue;
        }
        LayerResult result =
            call_layer(*p.layer, weights, std::move(args), prefix, &call, std::move(kwarg_inputs));
        results[node_key(*p.layer, p.call)] = result.outputs;
        if (p.call == 0) first_call[p.layer] = std::move(result);
      }
      if (waiting.size() == pending.size()) {
        const CallNode& call = waiting[0].layer->calls[waiting[0].call];
        std::string missing;
        for (const TensorRef& ref : call.inputs) {
          if (!results.count({ref.layer, ref.node_index}))
            missing = fmt::format("{}[{}]", ref.layer, ref.node_index);
        }
        for (const auto& [keyword, ref] : call.kwarg_tensors) {
          if (!results.count({ref.layer, ref.node_index}))
            missing = fmt::format("{}[{}] (keyword '{}')", ref.layer, ref.node_index, keyword);
        }
        fail(ErrorCode::corrupt, "model '{}': layer '{}' reads {}, which no layer produces",
             config.name, waiting[0].layer->name, missing);
      }
      pending = std::move(waiting);
    }

    for (const LayerConfig& layer : config.layers) {
      LayerResult result;
      if (layer.class_name == "InputLayer") {
        auto it = results.find({layer.name, 0});
        if (it != results.end()) result.outputs = it->second;
      } else if (auto it = first_call.find(&layer); it != first_call.end()) {
        result = it->second;
      } else {
        result.params = count(weights_of(weights, layer.name));  // never called: counted, not built
        result.trainable_params = result.params;
      }
      std::vector<std::string> connected;
      for (const CallNode& call : layer.calls) {
        for (const TensorRef& ref : call.inputs) {
          connected.push_back(
              fmt::format("{}[{}][{}]", ref.layer, ref.node_index, ref.tensor_index));
        }
      }
      record_row(out, layer, result, std::move(connected));
    }

    std::vector<int> outputs;
    std::set<std::string> used_names;
    for (const TensorRef& ref : config.outputs) {
      auto it = results.find({ref.layer, ref.node_index});
      if (it == results.end() || ref.tensor_index < 0 ||
          static_cast<std::size_t>(ref.tensor_index) >= it->second.size()) {
        fail(ErrorCode::corrupt, "model '{}': output {}[{}][{}] is never computed", config.name,
             ref.layer, ref.node_index, ref.tensor_index);
      }
      const int value = it->second[static_cast<std::size_t>(ref.tensor_index)];
      outputs.push_back(value);
      if (out) {
        std::string name = ref.layer;
        if (ref.tensor_index > 0 || used_names.count(name))
          name += "_" + std::to_string(outputs.size() - 1);
        used_names.insert(name);
        graph_.add_output(value, name);
        out->outputs.push_back({name, DType::f32, {}});
      }
    }
    return outputs;
  }

  // A model used as a layer keeps, in Keras, the node of its own construction as node 0; the
  // config lists only the outer calls, so references to them start at 1. tf.keras does this for
  // nested Functional and Sequential models, Keras 3 for Functional ones only. The references
  // themselves settle it when they can.
  std::map<std::string, int> node_offsets(const ModelConfig& config) const {
    std::map<std::string, int> min_ref, max_ref;
    auto note = [&](const TensorRef& ref) {
      auto [it, inserted] = min_ref.emplace(ref.layer, ref.node_index);
      if (!inserted) it->second = std::min(it->second, ref.node_index);
      max_ref[ref.layer] = std::max(max_ref[ref.layer], ref.node_index);
    };
    for (const LayerConfig& layer : config.layers) {
      for (const CallNode& call : layer.calls) {
        for (const TensorRef& ref : call.inputs) note(ref);
      }
    }
    for (const TensorRef& ref : config.outputs) note(ref);
    std::map<std::string, int> offsets;
    for (const LayerConfig& layer : config.layers) {
      if (!layer.nested) continue;
      int offset = version_.major >= 3 && layer.nested->is_sequential() ? 0 : 1;
      if (auto it = min_ref.find(layer.name); it != min_ref.end()) {
        if (it->second == 0) offset = 0;
        if (max_ref[layer.name] == static_cast<int>(layer.calls.size())) offset = 1;
      }
      offsets[layer.name] = offset;
    }
    return offsets;
  }

  graph::Graph& graph_;
  KerasVersion version_;
  std::set<const LayerConfig*> checked_;  // shared layers are checked once
  std::vector<std::string> notes_;
  std::map<const LayerConfig*, std::int64_t> trainable_by_layer_;
  std::map<int, int> masks_;  // value id -> its Keras mask's value id
};

}  // namespace

BuiltModel build_model(graph::Graph& graph, const ModelConfig& config, const LayerWeights& weights,
                       const KerasVersion& version) {
  BuiltModel built;
  built.table.model_name = config.name;
  built.table.show_connections = !config.is_sequential();
  Builder builder(graph, version);
  builder.build(config, weights, nullptr, "", &built);
  built.notes = builder.take_notes();
  return built;
}

}  // namespace nnload::formats::keras
