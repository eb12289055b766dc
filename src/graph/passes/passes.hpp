// Graph rewrites run once at load time, before any plan is compiled. Each pass keeps the graph's
// meaning and states its preconditions by name in its own file.
#pragma once

#include "graph/graph.hpp"

namespace nnload::graph::passes {

// Evaluates nodes whose inputs are all constants (weight layout conversions, folded
// normalisation parameters...) and turns their outputs into constants. Returns nodes folded.
int fold_constants(Graph& graph);
// Removes nodes none of whose outputs reach a graph output. Returns nodes removed.
int remove_dead_nodes(Graph& graph);
// Bypasses Identity nodes (reads of their output read their input instead).
int remove_identities(Graph& graph);
// Orders nodes so every node comes after the producers of its inputs; throws Error(corrupt)
// on a cycle or on a read of a value nothing produces.
void sort_topologically(Graph& graph);

// Folds per-channel Mul/Add constants after a Conv (inference BatchNormalization) into the
// Conv's weight and bias.
int fold_scale_shift_into_conv(Graph& graph);
// MatMul by a constant matrix followed by Add of a constant row vector -> nnload.MatMul with a
// bias input.
int fuse_matmul_bias(Graph& graph);
// Conv/ConvTranspose/MatMul/Gemm followed by a pointwise activation -> the nnload-domain op
// with an `activation` attribute.
int fuse_activation(Graph& graph);

// Runs channels-first Conv chains (with their pools, pointwise ops and Concats) in
// channels-last layout, transposing only where a chain starts and where a consumer needs
// channels-first. Returns nodes converted.
int to_channels_last(Graph& graph);

// The standard pipeline, in order.
void optimize(Graph& graph);

}  // namespace nnload::graph::passes
