// nnload inspect MODEL [--json]: format, producer, inputs, outputs and every weight tensor.
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "model_source.hpp"
#include "nnload/model.hpp"

namespace nnload::cli {

namespace {

nlohmann::json tensor_json(const std::string& name, DType dtype, const Shape& shape) {
  return {{"name", name}, {"dtype", std::string(dtype_name(dtype))}, {"shape", shape}};
}

void print_json(const Model& model) {
  nlohmann::json j;
  const ModelInfo& info = model.info();
  j["format"] = info.format;
  j["producer"] = info.producer;
  j["producer_version"] = info.producer_version;
  j["name"] = info.name;
  j["metadata"] = info.metadata;
  for (const TensorInfo& t : model.inputs())
    j["inputs"].push_back(tensor_json(t.name, t.dtype, t.shape));
  for (const TensorInfo& t : model.outputs())
    j["outputs"].push_back(tensor_json(t.name, t.dtype, t.shape));
  j["weights"] = nlohmann::json::array();
  for (const WeightInfo& w : model.weights()) {
    nlohmann::json e = tensor_json(w.name, w.dtype, w.shape);
    e["trainable"] = w.trainable;
    if (!w.location.empty()) e["location"] = w.location;
    j["weights"].push_back(e);
  }
  j["values"] = nlohmann::json::array();
  for (const ValueEntry& v : info.values)
    j["values"].push_back({{"name", v.name}, {"repr", v.repr}});
  j["notes"] = info.notes;
  j["can_predict"] = model.can_predict();
  std::cout << j.dump(2) << '\n';
}

void print_text(const Model& model) {
  const ModelInfo& info = model.info();
  std::cout << "format:   " << info.format << '\n'
            << "producer: " << info.producer << ' ' << info.producer_version << '\n'
            << "name:     " << info.name << '\n';
  for (const auto& [key, value] : info.metadata) std::cout << "  " << key << ": " << value << '\n';
  std::cout << "inputs:\n";
  for (const TensorInfo& t : model.inputs()) {
    std::cout << "  " << t.name << "  " << dtype_name(t.dtype) << ' ' << shape_to_list(t.shape)
              << '\n';
  }
  std::cout << "outputs:\n";
  for (const TensorInfo& t : model.outputs()) {
    std::cout << "  " << t.name << "  " << dtype_name(t.dtype) << ' ' << shape_to_list(t.shape)
              << '\n';
  }
  const std::vector<WeightInfo> weights = model.weights();
  std::int64_t total = 0;
  for (const WeightInfo& w : weights) total += shape_size(w.shape);
  std::cout << "weights: " << weights.size() << " tensors, " << total << " values\n";
  for (const WeightInfo& w : weights) {
    std::cout << "  " << w.name << "  " << dtype_name(w.dtype) << ' ' << shape_to_list(w.shape)
              << (w.trainable ? "" : "  (non-trainable)")
              << (w.location.empty() ? "" : "  saved on " + w.location) << '\n';
  }
  if (!info.values.empty()) {
    std::cout << "values: " << info.values.size() << " non-tensor entries\n";
    for (const ValueEntry& v : info.values) std::cout << "  " << v.name << " = " << v.repr << '\n';
  }
  for (const std::string& note : info.notes) std::cout << "note: " << note << '\n';
  if (!model.can_predict()) std::cout << "weights only: no architecture to run\n";
}

}  // namespace

Command add_inspect_command(CLI::App& app) {
  auto source = std::make_shared<ModelSource>();
  auto json = std::make_shared<bool>(false);
  CLI::App* sub =
      app.add_subcommand("inspect", "Show the format, inputs, outputs and weights of a model");
  source->add_options(sub);
  sub->add_flag("--json", *json, "Print JSON instead of text");
  return {sub, [source, json] {
            const Model model = source->load();
            if (*json) {
              print_json(model);
            } else {
              print_text(model);
            }
            return 0;
          }};
}

}  // namespace nnload::cli
