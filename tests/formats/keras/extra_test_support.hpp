// Building small Keras models from JSON configs and in-memory weights, and running them through
// the Keras reader, the load-time passes and the executor: the attention and extra layer tests
// compare the results with plain-loop references of Keras' equations.
#pragma once

#include <fmt/format.h>
#include <map>

#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "formats/keras/config.hpp"
#include "formats/keras/layer_context.hpp"
#include "formats/keras/layers/layers.hpp"
#include "formats/keras/model_builder.hpp"
#include "graph/executor.hpp"
#include "graph/passes/passes.hpp"
#include "nnload/tensor.hpp"

namespace nnload::testing::keras {

using Json = nlohmann::json;

// Keras 3's record of a tensor: output `index` of call `node` of `layer`.
inline Json ref(const std::string& layer, int node = 0, int index = 0) {
  return {{"class_name", "__keras_tensor__"},
          {"config", {{"keras_history", {layer, node, index}}}}};
}

inline Json input_layer(const std::string& name, const std::vector<int64_t>& shape,
                        const std::string& dtype = "float32") {
  Json batch = Json::array({nullptr});
  for (int64_t d : shape) batch.push_back(d < 0 ? Json() : Json(d));
  return {{"class_name", "InputLayer"},
          {"name", name},
          {"config", {{"name", name}, {"batch_shape", batch}, {"dtype", dtype}}},
          {"inbound_nodes", Json::array()}};
}

// A layer called once with Keras 3 positional `args` and `kwargs`.
inline Json layer(const std::string& class_name, const std::string& name, Json config, Json args,
                  Json kwargs = Json::object()) {
  config["name"] = name;
  if (!config.contains("trainable")) config["trainable"] = true;
  return {{"class_name", class_name},
          {"name", name},
          {"config", config},
          {"inbound_nodes", Json::array({{{"args", args}, {"kwargs", kwargs}}})}};
}

inline Json functional(std::vector<Json> layers, const std::vector<std::string>& inputs,
                       const std::vector<Json>& outputs) {
  Json in = Json::array(), out = Json::array();
  for (const std::string& i : inputs) in.push_back({i, 0, 0});
  for (const Json& o : outputs) out.push_back(o);
  return {{"class_name", "Functional"},
          {"config",
           {{"name", "model"}, {"layers", layers}, {"input_layers", in}, {"output_layers", out}}}};
}

using Weights = std::map<std::string, std::vector<Tensor>>;

inline graph::Executor compile(const Json& config, const Weights& weights,
                               const std::string& version) {
  const formats::keras::ModelConfig model = formats::keras::parse_model_config(config);
  formats::keras::LayerWeights lw;
  for (const auto& [layer, list] : weights) {
    auto& out = lw.at(layer);
    for (std::size_t i = 0; i < list.size(); ++i)
      out.push_back({layer + "/w" + std::to_string(i), list[i]});
  }
  auto graph = std::make_shared<graph::Graph>();
  formats::keras::build_model(*graph, model, lw, formats::keras::parse_keras_version(version));
  graph::passes::optimize(*graph);
  return graph::Executor(graph);
}

// Builds the model and runs it once.
inline std::vector<Tensor> run(const Json& config, const Weights& weights,
                               const std::vector<Tensor>& inputs,
                               const std::string& version = "3.5.0") {
  return compile(config, weights, version).run(inputs);
}

// One layer built directly by its builder, with Keras masks on its inputs and tensors passed by
// keyword: for the mask cases a full model can't express without mask-producing layers.
struct LayerRun {
  std::string class_name;
  Json config = Json::object();
  std::vector<Tensor> weights;
  std::vector<Tensor> inputs;
  std::vector<Tensor> masks;  // per input; an undefined Tensor for none
  Json kwargs = Json::object();
  std::vector<std::pair<std::string, Tensor>> kwarg_tensors;
  std::string version = "3.5.0";
};

inline std::vector<Tensor> run_layer(const LayerRun& r) {
  auto graph = std::make_shared<graph::Graph>();
  std::vector<Tensor> feeds;
  auto feed = [&](const std::string& name, const Tensor& t) {
    feeds.push_back(t);
    return graph->add_input(name, t.dtype(), t.shape());
  };
  std::vector<int> inputs, masks;
  for (std::size_t i = 0; i < r.inputs.size(); ++i)
    inputs.push_back(feed("in" + std::to_string(i), r.inputs[i]));
  for (std::size_t i = 0; i < r.masks.size(); ++i)
    masks.push_back(r.masks[i].defined() && r.masks[i].numel() > 0
                        ? feed("mask" + std::to_string(i), r.masks[i])
                        : -1);
  std::vector<formats::keras::LayerContext::KwargInput> kwargs;
  for (const auto& [key, t] : r.kwarg_tensors) kwargs.push_back({key, feed("kw_" + key, t), -1});
  formats::keras::LayerConfig layer;
  layer.class_name = r.class_name;
  layer.name = "layer";
  layer.config = r.config;
  formats::keras::CallNode call;
  call.kwargs = r.kwargs;
  std::vector<formats::keras::LayerWeight> weights;
  for (std::size_t i = 0; i < r.weights.size(); ++i)
    weights.push_back({"layer/w" + std::to_string(i), r.weights[i]});
  formats::keras::LayerContext ctx(*graph, layer, inputs, weights,
                                   formats::keras::parse_keras_version(r.version), "");
  ctx.set_input_masks(masks);
  ctx.set_call(&call, kwargs);
  const formats::keras::LayerBuilder builder = formats::keras::find_layer_builder(r.class_name);
  if (!builder) throw Error(ErrorCode::unsupported, "no builder for " + r.class_name);
  const std::vector<int> outputs = builder(ctx);
  for (std::size_t i = 0; i < outputs.size(); ++i)
    graph->add_output(outputs[i], "out" + std::to_string(i));
  graph::passes::optimize(*graph);
  return graph::Executor(graph).run(feeds);
}

// Values uniform in [lo, hi), reproducible.
inline std::vector<float> uniform(std::size_t n, unsigned seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(gen);
  return v;
}

inline Tensor random_tensor(const Shape& shape, unsigned seed, float lo = -1.0f, float hi = 1.0f) {
  return Tensor::from_vector<float>(
      uniform(static_cast<std::size_t>(shape_size(shape)), seed, lo, hi), shape);
}

// Row-major index helper for references.
inline std::size_t at(const Shape& shape, std::initializer_list<int64_t> idx) {
  std::size_t i = 0, d = 0;
  for (int64_t v : idx) i = i * static_cast<std::size_t>(shape[d++]) + static_cast<std::size_t>(v);
  return i;
}

}  // namespace nnload::testing::keras
