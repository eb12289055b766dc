// The table from TensorFlow op name to builder: the family tables concatenated.
#include <map>
#include <string>

#include "formats/savedmodel/tf_op_context.hpp"

namespace nnload::formats::savedmodel {

namespace {
const std::map<std::string, TfOpBuilder, std::less<>>& table() {
  static const std::map<std::string, TfOpBuilder, std::less<>> all = [] {
    std::map<std::string, TfOpBuilder, std::less<>> rows;
    for (const TfOpRows& family : {tf_math_ops(), tf_nn_ops(), tf_array_ops(), tf_image_ops()}) {
      for (const auto& [name, builder] : family) rows.emplace(std::string(name), builder);
    }
    return rows;
  }();
  return all;
}
}  // namespace

TfOpBuilder find_tf_op(std::string_view op) {
  auto it = table().find(op);
  return it == table().end() ? nullptr : it->second;
}

std::vector<std::string> supported_tf_ops() {
  std::vector<std::string> names;
  for (const auto& [name, builder] : table()) names.push_back(name);
  return names;
}

}  // namespace nnload::formats::savedmodel
