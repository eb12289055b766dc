// Basic indexing for op layers (x[...] in tf.keras' SlicingOpLambda and Keras 3's GetItem):
// integers, slices with constant bounds and steps, Ellipsis and newaxis, as Slice, Squeeze and
// Unsqueeze nodes.
#include <limits>

#include "formats/keras/layers/extra_common.hpp"

namespace nnload::formats::keras {

namespace extra {

namespace {

struct Index {
  enum class Kind { integer, slice, ellipsis, newaxis } kind;
  int64_t start = 0, stop = 0, step = 1;
  bool has_start = false, has_stop = false;
};

Index parse_index(LayerContext& ctx, const Json& e) {
  Index i;
  if (e.is_null()) return {Index::Kind::newaxis};
  if (e.is_number_integer()) {
    i.kind = Index::Kind::integer;
    i.start = e.get<int64_t>();
    return i;
  }
  if (e.is_object()) {
    const std::string cls = e.value("class_name", "");
    if (cls == "__ellipsis__") return {Index::Kind::ellipsis};
    const Json& s = cls == "__slice__" ? e.value("config", Json::object()) : e;
    if (s.contains("start") || s.contains("stop") || s.contains("step")) {
      i.kind = Index::Kind::slice;
      auto read = [&](const char* key, int64_t& out) {
        if (!s.contains(key) || s[key].is_null()) return false;
        if (!s[key].is_number_integer())
          ctx.unsupported("slice bound " + s[key].dump() + " is not a constant integer");
        out = s[key].get<int64_t>();
        return true;
      };
      i.has_start = read("start", i.start);
      i.has_stop = read("stop", i.stop);
      read("step", i.step);
      if (i.step == 0) ctx.corrupt("slice step is 0");
      return i;
    }
  }
  ctx.unsupported("index " + e.dump() +
                  " is not supported (integers, slices, ..., None with constant bounds)");
}

}  // namespace

int getitem(LayerContext& ctx, int x, const Json& spec) {
  std::vector<Index> items;
  if (spec.is_array()) {
    for (const Json& e : spec) items.push_back(parse_index(ctx, e));
  } else {
    items.push_back(parse_index(ctx, spec));
  }
  const Shape shape = shape_of(ctx, x);
  const auto rank = static_cast<int64_t>(shape.size());
  int64_t consuming = 0, ellipses = 0;
  for (const Index& i : items) {
    consuming += i.kind == Index::Kind::integer || i.kind == Index::Kind::slice;
    ellipses += i.kind == Index::Kind::ellipsis;
  }
  if (ellipses > 1) ctx.corrupt("an index has more than one ellipsis");
  if (consuming > rank)
    ctx.corrupt(fmt::format("{} indices for a tensor of rank {}", consuming, rank));
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  std::vector<int64_t> starts, ends, axes, steps, squeezed, inserted;
  int64_t axis = 0, out_axis = 0;
  for (const Index& i : items) {
    switch (i.kind) {
      case Index::Kind::ellipsis:
        axis += rank - consuming;
        out_axis += rank - consuming;
        break;
      case Index::Kind::newaxis:
        inserted.push_back(out_axis++);
        break;
      case Index::Kind::integer: {
        const int64_t dim = shape[static_cast<std::size_t>(axis)];
        if (dim >= 0 && (i.start >= dim || i.start < -dim))
          ctx.corrupt(
              fmt::format("index {} is out of range for axis {} of size {}", i.start, axis, dim));
        starts.push_back(i.start);
        ends.push_back(i.start == -1 ? kMax : i.start + 1);
        steps.push_back(1);
        axes.push_back(axis);
        squeezed.push_back(axis++);
        break;
      }
      case Index::Kind::slice:
        starts.push_back(i.has_start ? i.start : (i.step > 0 ? 0 : kMax));
        ends.push_back(i.has_stop ? i.stop : (i.step > 0 ? kMax : kMin));
        steps.push_back(i.step);
        axes.push_back(axis++);
        ++out_axis;
        break;
    }
  }
  int y = x;
  if (!axes.empty()) {
    y = ctx.add("Slice", "Slice",
                {x, ctx.int64s("starts", starts), ctx.int64s("ends", ends),
                 ctx.int64s("axes", axes), ctx.int64s("steps", steps)});
  }
  if (!squeezed.empty())
    y = ctx.add("Squeeze", "Squeeze", {y, ctx.int64s("squeeze_axes", squeezed)});
  if (!inserted.empty()) y = unsqueeze(ctx, y, inserted, "newaxis");
  return y;
}

}  // namespace extra

}  // namespace nnload::formats::keras
