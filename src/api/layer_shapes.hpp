// Output shapes of every layer for summary(), -1 where a dimension depends on an unknown input
// dimension (batch, sequence length).
#pragma once

#include <optional>
#include <vector>

#include "formats/loaded_model.hpp"
#include "graph/executor.hpp"

namespace nnload::detail {

// Runs on the graph as read, before passes rewrite it (fusion removes some layers' outputs).
std::vector<std::vector<std::optional<Shape>>> probe_layer_shapes(
    const graph::Executor& executor, const formats::LayerTable& table);

}  // namespace nnload::detail
