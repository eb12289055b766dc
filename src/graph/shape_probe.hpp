// Shapes of values when some input dimensions are unknown (-1): inferred twice with different
// stand-in sizes; a dimension that changes between the two depends on an unknown input
// dimension and comes back as -1.
#pragma once

#include <optional>
#include <vector>

#include "graph/executor.hpp"

namespace nnload::graph {

// nullopt for a value whose type can't be inferred (the graph fails shape inference, or the
// value is not computed).
std::vector<std::optional<ops::TensorType>> probe_types(const Executor& executor,
                                                        const std::vector<int>& values);
std::vector<std::optional<Shape>> probe_shapes(const Executor& executor,
                                               const std::vector<int>& values);

// One value of a graph still being built (a copy is compiled; for occasional use only).
std::optional<Shape> probe_shape(const Graph& graph, int value);

}  // namespace nnload::graph
