#include "api/layer_shapes.hpp"

#include "graph/shape_probe.hpp"

namespace nnload::detail {

std::vector<std::vector<std::optional<Shape>>> probe_layer_shapes(
    const graph::Executor& executor, const formats::LayerTable& table) {
  std::vector<int> values;
  for (const formats::LayerRow& row : table.rows) values.insert(values.end(), row.outputs.begin(), row.outputs.end());
  const std::vector<std::optional<Shape>> shapes = graph::probe_shapes(executor, values);
  std::vector<std::vector<std::optional<Shape>>> result;
  std::size_t next = 0;
  for (const formats::LayerRow& row : table.rows) {
    result.emplace_back(shapes.begin() + static_cast<std::ptrdiff_t>(next),
                        shapes.begin() + static_cast<std::ptrdiff_t>(next + row.outputs.size()));
    next += row.outputs.size();
  }
  return result;
}

}  // namespace nnload::detail
