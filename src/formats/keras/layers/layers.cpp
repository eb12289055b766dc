#include "formats/keras/layers/layers.hpp"

namespace nnload::formats::keras {

const std::map<std::string, LayerBuilder, std::less<>>& keras_layers() {
  static const std::map<std::string, LayerBuilder, std::less<>> table = [] {
    std::map<std::string, LayerBuilder, std::less<>> all;
    for (const LayerRows& rows :
         {core_layers(), conv_layers(), pooling_layers(), normalization_layers(),
          reshaping_layers(), merge_layers(), activation_layers(), preprocessing_layers(),
          recurrent_layers(), attention_layers(), extra_layers(), keras1_layers()}) {
      for (const auto& [name, builder] : rows) all.emplace(std::string(name), builder);
    }
    return all;
  }();
  return table;
}

LayerBuilder find_layer_builder(std::string_view class_name) {
  const auto& table = keras_layers();
  auto it = table.find(class_name);
  return it == table.end() ? nullptr : it->second;
}

std::vector<std::string> supported_layers() {
  std::vector<std::string> names;
  for (const auto& [name, builder] : keras_layers()) names.push_back(name);
  return names;
}

}  // namespace nnload::formats::keras
