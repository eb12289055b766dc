// How much a graph's compilation may copy of its constants (ops/constant_copy_budget.hpp).
#pragma once

#include <cstdint>

#include "graph/graph.hpp"

namespace nnload::graph {

// The graph's allowance when set, else max_expansion x the bytes of its constants (constants
// viewing the same bytes counted once: a torch module referenced 300 times adds its weight as
// 300 constants over one storage) plus 64 MiB for small graphs. Real models copy about their
// constants' size. passes::optimize sets the allowance before folding, so that constants the
// passes made (300 folded transposes of that weight) do not raise it.
std::uint64_t constant_copy_limit(const Graph& graph);

}  // namespace nnload::graph
