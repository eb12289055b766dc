// The custom-layer registry of include/nnload/keras.hpp, and the builder that turns a layer with
// a registered implementation into one nnload.KerasCustomLayer node.
#pragma once

#include <string>
#include <vector>

#include "formats/keras/layer_context.hpp"
#include "nnload/keras.hpp"

namespace nnload::formats::keras {

// The names a layer can be registered under, most specific first: its registered_name
// ("pkg>Name"), its class name (Keras 3's legacy .h5 writes "pkg>Name" there), the bare class
// name after a package prefix; a Lambda layer only as "Lambda:<layer name>".
std::vector<std::string> custom_layer_keys(const LayerConfig& layer);
// True when one of the layer's keys is registered.
bool has_custom_layer(const LayerConfig& layer);
// Builds a registered layer: calls its factory with the layer's spec and adds one node that
// runs it. Throws Error(custom_layer_missing) when nothing is registered for the layer.
std::vector<int> build_custom_layer(LayerContext& ctx);

}  // namespace nnload::formats::keras
