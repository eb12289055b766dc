// TensorFlow slicing, joining and gathering: StridedSlice (nnload.TfStridedSlice, every mask),
// Slice (size -1 = to the end), Pack, Unpack, ConcatV2 (axis last), Concat (axis first), Split,
// SplitV (one size may be -1), GatherV2 (batch_dims 0), Gather.
#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "formats/savedmodel/ops/builder_helpers.hpp"
#include "formats/savedmodel/ops/families.hpp"

namespace nnload::formats::savedmodel {

namespace {

graph::Attributes axis_attr(std::int64_t axis) {
  graph::Attributes a;
  a.set("axis", axis);
  return a;
}

std::vector<int> strided_slice(TfOpContext& ctx) {
  ctx.expect_inputs(4, 4);
  graph::Attributes a;
  for (const char* mask :
       {"begin_mask", "end_mask", "ellipsis_mask", "new_axis_mask", "shrink_axis_mask"}) {
    a.set(mask, ctx.attr_int(mask, 0));
  }
  return {ctx.add("TfStridedSlice", "StridedSlice", ctx.inputs(), a, "nnload")};
}

std::vector<int> slice(TfOpContext& ctx) {
  ctx.expect_inputs(3, 3);
  const int begin = int64_input(ctx, 1, "Index", "begin");
  const int size = int64_input(ctx, 2, "Index", "size");
  const int to_end = ctx.add("Equal", "to_end",
                             {size, ctx.constant("minus_one", Tensor::scalar<std::int64_t>(-1))});
  const int end = ctx.add(
      "Where", "end",
      {to_end, ctx.constant("last", Tensor::scalar(std::numeric_limits<std::int64_t>::max())),
       ctx.add("Add", "begin_plus_size", {begin, size})});
  return {ctx.add("Slice", "Slice", {ctx.input(0), begin, end})};
}

std::vector<int> pack(TfOpContext& ctx) {
  if (ctx.input_count() == 0) ctx.corrupt("takes at least one input, has none");
  const std::int64_t axis = ctx.attr_int("axis", 0);
  const int axes = ctx.int64s("axes", {axis});
  std::vector<int> parts;
  for (std::size_t i = 0; i < ctx.input_count(); ++i) {
    parts.push_back(ctx.add("Unsqueeze", "Unsqueeze_" + std::to_string(i), {ctx.input(i), axes}));
  }
  if (parts.size() == 1) return parts;
  return {ctx.add("Concat", "Concat", parts, axis_attr(axis))};
}

std::vector<int> unpack(TfOpContext& ctx) {
  ctx.expect_inputs(1, 1);
  const std::int64_t num = ctx.attr_int("num");
  const std::int64_t axis = ctx.attr_int("axis", 0);
  if (num < 1) ctx.corrupt(fmt::format("num is {}, expected at least 1", num));
  std::vector<int> pieces = {ctx.input(0)};
  if (num > 1) {
    graph::Attributes a = axis_attr(axis);
    a.set("num_outputs", num);
    pieces = ctx.add_multi("Split", "Split", {ctx.input(0)}, static_cast<int>(num), a);
  }
  const int axes = ctx.int64s("axes", {axis});
  std::vector<int> out;
  for (std::size_t i = 0; i < pieces.size(); ++i) {
    out.push_back(ctx.add("Squeeze", "Squeeze_" + std::to_string(i), {pieces[i], axes}));
  }
  return out;
}

// ConcatV2 has the axis after the values, Concat before them.
std::vector<int> concat(TfOpContext& ctx) {
  const bool v2 = ctx.op() == "ConcatV2";
  if (ctx.input_count() < 2)
    ctx.corrupt(fmt::format("takes an axis and values, has {} inputs", ctx.input_count()));
  const std::size_t axis_input = v2 ? ctx.input_count() - 1 : 0;
  const std::int64_t axis = constant_int(ctx, axis_input, "axis");
  std::vector<int> values(ctx.inputs());
  values.erase(values.begin() + static_cast<std::ptrdiff_t>(axis_input));
  if (values.size() == 1) return {ctx.add("Identity", "Identity", values)};
  return {ctx.add("Concat", "Concat", values, axis_attr(axis))};
}

std::vector<int> split(TfOpContext& ctx) {
  ctx.expect_inputs(2, 2);
  const std::int64_t axis = constant_int(ctx, 0, "split_dim");
  const std::int64_t num = ctx.attr_int("num_split");
  if (num < 1) ctx.corrupt(fmt::format("num_split is {}, expected at least 1", num));
  if (num == 1) return {ctx.add("Identity", "Identity", {ctx.input(1)})};
  graph::Attributes a = axis_attr(axis);
  a.set("num_outputs", num);
  return ctx.add_multi("Split", "Split", {ctx.input(1)}, static_cast<int>(num), a);
}

// size_splits may hold one -1, the rest of the axis: computed from the input's shape in the
// graph (folded when a plan is compiled).
std::vector<int> split_v(TfOpContext& ctx) {
  ctx.expect_inputs(3, 3);
  const std::int64_t axis = constant_int(ctx, 2, "split_dim");
  const std::int64_t num = ctx.attr_int("num_split");
  if (num < 1) ctx.corrupt(fmt::format("num_split is {}, expected at least 1", num));
  if (num == 1) return {ctx.add("Identity", "Identity", {ctx.input(0)})};
  int sizes = -1;
  if (ctx.constant_input(1) == nullptr) {
    sizes = int64_input(ctx, 1, "Tlen", "size_splits");
  } else {
    const std::vector<std::int64_t> given = constant_ints(ctx, 1, "size_splits");
    if (static_cast<std::int64_t>(given.size()) != num) {
      ctx.corrupt(fmt::format("size_splits has {} entries, num_split is {}", given.size(), num));
    }
    const auto rest = std::find(given.begin(), given.end(), -1);
    if (std::count(given.begin(), given.end(), -1) > 1)
      ctx.corrupt(fmt::format("size_splits [{}] has more than one -1", fmt::join(given, ", ")));
    if (rest == given.end()) {
      sizes = ctx.int64s("sizes", given);
    } else {
      std::int64_t known = 0;
      for (std::int64_t v : given) known += v == -1 ? 0 : v;
      const int dims = ctx.add("Shape", "input_shape", {ctx.input(0)});
      const int dim =
          ctx.add("Gather", "axis_size", {dims, ctx.int64s("axis", {axis})}, axis_attr(0));
      const int left = ctx.add("Sub", "rest", {dim, ctx.int64s("known", {known})});
      const int before = ctx.int64s("sizes_before", {given.begin(), rest});
      const int after = ctx.int64s("sizes_after", {rest + 1, given.end()});
      sizes = ctx.add("Concat", "sizes", {before, left, after}, axis_attr(0));
    }
  }
  return ctx.add_multi("Split", "Split", {ctx.input(0), sizes}, static_cast<int>(num),
                       axis_attr(axis));
}

std::vector<int> gather(TfOpContext& ctx) {
  const bool v2 = ctx.op() == "GatherV2";
  ctx.expect_inputs(v2 ? 3 : 2, v2 ? 3 : 2);
  if (v2 && ctx.attr_int("batch_dims", 0) != 0) {
    ctx.unsupported(
        fmt::format("batch_dims={} is not supported (0 is)", ctx.attr_int("batch_dims", 0)));
  }
  const std::int64_t axis = v2 ? constant_int(ctx, 2, "axis") : 0;
  return {ctx.add("Gather", "Gather", {ctx.input(0), ctx.input(1)}, axis_attr(axis))};
}

}  // namespace

TfOpRows tf_slice_rows() {
  return {
      {"StridedSlice", strided_slice},
      {"Slice", slice},
      {"Pack", pack},
      {"Unpack", unpack},
      {"ConcatV2", concat},
      {"Concat", concat},
      {"Split", split},
      {"SplitV", split_v},
      {"GatherV2", gather},
      {"Gather", gather},
  };
}

}  // namespace nnload::formats::savedmodel
