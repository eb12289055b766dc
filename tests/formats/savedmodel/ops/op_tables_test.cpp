// The TF op families together: each op is mapped once, and every op the SavedModel issue lists
// (besides the graph converter's own: Const, Placeholder, Identity, IdentityN, NoOp, ...) has a
// builder.
#include <gtest/gtest.h>

#include <set>

#include "formats/savedmodel/tf_op_context.hpp"

namespace nnload::formats::savedmodel {
namespace {

TEST(TfOpTables, NoOpIsMappedTwice) {
  std::set<std::string_view> seen;
  for (const TfOpRows& family : {tf_math_ops(), tf_nn_ops(), tf_array_ops(), tf_image_ops()}) {
    for (const auto& [name, builder] : family) {
      EXPECT_TRUE(seen.insert(name).second) << name << " is in two rows";
      EXPECT_NE(builder, nullptr) << name;
    }
  }
}

TEST(TfOpTables, EveryListedOpHasABuilder) {
  for (const char* op : {"MatMul",
                         "BatchMatMul",
                         "BatchMatMulV2",
                         "BatchMatMulV3",
                         "BiasAdd",
                         "Add",
                         "AddV2",
                         "Sub",
                         "Mul",
                         "RealDiv",
                         "Div",
                         "FloorDiv",
                         "FloorMod",
                         "TruncateDiv",
                         "Maximum",
                         "Minimum",
                         "Neg",
                         "Abs",
                         "Square",
                         "Sqrt",
                         "Rsqrt",
                         "Exp",
                         "Log",
                         "Log1p",
                         "Pow",
                         "Reciprocal",
                         "Inv",
                         "Relu",
                         "Relu6",
                         "Elu",
                         "Selu",
                         "LeakyRelu",
                         "Sigmoid",
                         "Tanh",
                         "Softmax",
                         "LogSoftmax",
                         "Softplus",
                         "Softsign",
                         "Erf",
                         "Floor",
                         "Ceil",
                         "Round",
                         "Sign",
                         "Conv2D",
                         "DepthwiseConv2dNative",
                         "Conv2DBackpropInput",
                         "MaxPool",
                         "AvgPool",
                         "FusedBatchNorm",
                         "FusedBatchNormV2",
                         "FusedBatchNormV3",
                         "Mean",
                         "Sum",
                         "Max",
                         "Min",
                         "Prod",
                         "ArgMax",
                         "ArgMin",
                         "All",
                         "Any",
                         "Reshape",
                         "Shape",
                         "Size",
                         "Rank",
                         "StridedSlice",
                         "Slice",
                         "Pack",
                         "Unpack",
                         "ConcatV2",
                         "Concat",
                         "Split",
                         "SplitV",
                         "Squeeze",
                         "ExpandDims",
                         "Transpose",
                         "Cast",
                         "Pad",
                         "PadV2",
                         "MirrorPad",
                         "GatherV2",
                         "Gather",
                         "Tile",
                         "Fill",
                         "Range",
                         "ZerosLike",
                         "OnesLike",
                         "Select",
                         "SelectV2",
                         "Equal",
                         "NotEqual",
                         "Less",
                         "LessEqual",
                         "Greater",
                         "GreaterEqual",
                         "LogicalAnd",
                         "LogicalOr",
                         "LogicalNot",
                         "ResizeBilinear",
                         "ResizeNearestNeighbor",
                         "AddN",
                         "SquaredDifference",
                         "ClipByValue",
                         "BroadcastTo"}) {
    EXPECT_NE(find_tf_op(op), nullptr) << op;
  }
}

}  // namespace
}  // namespace nnload::formats::savedmodel
