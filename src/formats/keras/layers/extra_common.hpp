// Small node-building helpers shared by the attention and extra layer builders (attention*.cpp,
// extra*.cpp), and the family tables extra.cpp concatenates.
#pragma once

#include <string>
#include <vector>

#include "core/fail.hpp"
#include "formats/keras/layers/layers.hpp"

namespace nnload::formats::keras::extra {

LayerRows conv_transpose_layers();     // extra_conv.cpp
LayerRows norm_layers();               // extra_norm.cpp: GroupNormalization, UnitNormalization, Dot
LayerRows locally_connected_layers();  // extra_local.cpp
LayerRows image_layers();              // extra_image.cpp: Resizing, CenterCrop
LayerRows lookup_layers();             // extra_lookup.cpp: IntegerLookup, StringLookup (error)
LayerRows tf_op_layers();              // extra_tf_ops.cpp: TFOpLambda, SlicingOpLambda, ...

// The shape of any value built so far, -1 where it depends on unknown input dimensions;
// Error(corrupt) naming the layer when it can't be inferred.
Shape shape_of(LayerContext& ctx, int value);

int transpose(LayerContext& ctx, int x, std::vector<int64_t> perm, const std::string& step);
// ONNX Reshape: 0 copies the input dimension at the same position, -1 is inferred.
int reshape(LayerContext& ctx, int x, std::vector<int64_t> shape, const std::string& step);
int unsqueeze(LayerContext& ctx, int x, std::vector<int64_t> axes, const std::string& step);
int cast(LayerContext& ctx, int x, DType to, const std::string& step);
// Dimension `axis` of x's run-time shape as an int64 scalar value.
int dim(LayerContext& ctx, int x, int64_t axis, const std::string& step);

// Keras' masked softmax/score bias: x where `mask` is true, x + (-1e9) where it is false (Keras
// adds (1 - mask) * -1e9, which is the same float32 sum). `mask` may have any dtype (nonzero is
// true) and broadcasts against x.
int mask_scores(LayerContext& ctx, int x, int mask, const std::string& step);
// Logical and of two masks, either of which may be -1 (none).
int and_masks(LayerContext& ctx, int a, int b, const std::string& step);
// A [1, rows, cols] bool mask, true where column <= row (Keras' causal mask); rows is dimension
// `row_axis` of `row_source`, cols dimension `col_axis` of `col_source`, at run time.
int causal_mask(LayerContext& ctx, int row_source, int64_t row_axis, int col_source,
                int64_t col_axis, const std::string& step);

// A call keyword holding a list of tensors and nulls ("mask": [q_mask, None]): the graph value of
// each entry, -1 for null or a non-tensor entry; empty when the keyword is absent.
std::vector<int> kwarg_list(LayerContext& ctx, const char* key);
// A boolean call keyword (return_attention_scores, use_causal_mask, ...).
bool call_flag(LayerContext& ctx, const char* key, bool fallback = false);

// Keras' inverse L2 norm over `axes` (keepdims), as each Keras version computes it:
// min(rsqrt(sum(x^2)), 1/epsilon) (Keras 3's ops.normalize) when `clamp_inverse`, else
// rsqrt(max(sum(x^2), epsilon)) (tf.math.l2_normalize).
int inverse_l2_norm(LayerContext& ctx, int x, const std::vector<int64_t>& axes, double epsilon,
                    bool clamp_inverse, const std::string& step);

}  // namespace nnload::formats::keras::extra

namespace nnload::formats::keras::extra {

// The arguments of an op layer's call (TFOpLambda, Keras 3 op layers) as one JSON tree, graph
// values standing in for tensors as {"__nnload_value__": id}.
struct OpArgs {
  LayerContext& ctx;
  Json positional = Json::array();
  Json named = Json::object();

  // Argument `position`, else the first of `names` given by keyword; nullptr when absent/null.
  const Json* find(std::size_t position, std::initializer_list<const char*> names) const;
  const Json& need(std::size_t position, std::initializer_list<const char*> names) const;
  // A graph value for `j`: the tensor it stands for, or a constant made from its numbers (cast
  // like `like` when that is a value).
  int tensor(const Json& j, int like, const std::string& step);
};

Json value_placeholder(int value);
// `j` with every tensor reference (`is_ref`) replaced, in order, by the placeholder of the next
// of `values` (the graph values the model builder resolved for them); `next` advances.
Json replace_tensor_refs(const Json& j, bool (*is_ref)(const Json&), const std::vector<int>& values,
                         std::size_t& next);
bool is_value(const Json& j);
int value_of(const Json& j);

// One output of an op layer from its arguments; nullptr when the name is unknown.
using OpBuilder = int (*)(OpArgs& args);
OpBuilder find_tf_function(std::string_view name);     // TFOpLambda "function" names
OpBuilder find_keras_op(std::string_view class_name);  // Keras 3 keras.ops classes
std::vector<std::string> tf_function_names();
std::vector<std::string> keras_op_names();

// x[spec] with numpy/TensorFlow basic indexing: integers, slices, ellipsis, newaxis; slices
// written as tf.keras ({"start", "stop", "step"}) or Keras 3 ({"class_name": "__slice__"}) do.
int getitem(LayerContext& ctx, int x, const Json& spec);

}  // namespace nnload::formats::keras::extra
