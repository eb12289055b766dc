// The table from Keras layer class name to builder. Each family file contributes its rows;
// layers.cpp concatenates them.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "formats/keras/layer_context.hpp"

namespace nnload::formats::keras {

// Adds the layer's nodes after its inputs and returns its outputs.
using LayerBuilder = std::vector<int> (*)(LayerContext& ctx);
using LayerRows = std::vector<std::pair<std::string_view, LayerBuilder>>;

LayerRows core_layers();
LayerRows conv_layers();
LayerRows pooling_layers();
LayerRows normalization_layers();
LayerRows reshaping_layers();
LayerRows merge_layers();
LayerRows activation_layers();
LayerRows preprocessing_layers();
LayerRows recurrent_layers();  // SimpleRNN, LSTM, GRU, Bidirectional, TimeDistributed, Masking, ...
LayerRows attention_layers();  // MultiHeadAttention, Attention, AdditiveAttention
LayerRows extra_layers();      // transposed and 3-D convolutions, Dot, LocallyConnected, ...
LayerRows keras1_layers();     // Keras 1's Convolution1D/2D, Merge, ...

const std::map<std::string, LayerBuilder, std::less<>>& keras_layers();
// For a Keras 3 op layer (keras.ops called on symbolic tensors, e.g. module keras.src.ops.numpy,
// class "Add"): its builder; nullptr for ordinary layers. Defined in extra_ops.cpp.
LayerBuilder find_keras_op_builder(const LayerConfig& layer, const KerasVersion& version);
// Builder for a class name, or nullptr.
LayerBuilder find_layer_builder(std::string_view class_name);
std::vector<std::string> supported_layers();

}  // namespace nnload::formats::keras
