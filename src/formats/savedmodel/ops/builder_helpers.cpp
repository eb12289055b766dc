#include "formats/savedmodel/ops/builder_helpers.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "core/fail.hpp"
#include "ops/onnx_dtype.hpp"

namespace nnload::formats::savedmodel {

namespace {}  // namespace

int cast(TfOpContext& ctx, int value, DType to, const std::string& step) {
  graph::Attributes a;
  a.set("to", ops::onnx_dtype_number(to));
  return ctx.add("Cast", step, {value}, a);
}

int int64_input(TfOpContext& ctx, std::size_t input, const std::string& type_attr_name,
                const std::string& step) {
  const DType dtype = ctx.attr_dtype(type_attr_name, DType::i32);
  if (dtype == DType::i64) return ctx.input(input);
  if (!is_integer(dtype)) {
    ctx.corrupt(fmt::format("attribute '{}' is {}, expected int32 or int64", type_attr_name,
                            dtype_name(dtype)));
  }
  return cast(ctx, ctx.input(input), DType::i64, step);
}

int typed_scalar(TfOpContext& ctx, const std::string& step, DType dtype, double value) {
  return ctx.constant(step, Tensor::scalar<double>(value).to(dtype));
}

std::vector<std::int64_t> constant_ints(TfOpContext& ctx, std::size_t input, const char* what) {
  const Tensor* t = ctx.constant_input(input);
  if (t == nullptr) {
    ctx.unsupported(
        fmt::format("{} (input {}) is computed; nnload needs it to be a constant", what, input));
  }
  if (!is_integer(t->dtype())) {
    ctx.corrupt(
        fmt::format("{} has dtype {}, expected an integer type", what, dtype_name(t->dtype())));
  }
  const Tensor v = t->to(DType::i64);
  return {v.values<std::int64_t>().begin(), v.values<std::int64_t>().end()};
}

std::int64_t constant_int(TfOpContext& ctx, std::size_t input, const char* what) {
  const std::vector<std::int64_t> v = constant_ints(ctx, input, what);
  if (v.size() != 1) {
    ctx.corrupt(fmt::format("{} holds {} values, expected one", what, v.size()));
  }
  return v[0];
}

std::optional<Shape> known_shape(TfOpContext& ctx, std::size_t input) {
  if (const Tensor* t = ctx.constant_input(input)) return t->shape();
  const graph::Value& v = ctx.graph().value(ctx.input(input));
  if (v.shape_known) return v.shape;
  return std::nullopt;
}

int align_axes(TfOpContext& ctx, int value, int like, std::int64_t start, const std::string& step) {
  const int shape = ctx.add("Shape", step + "_shape", {value});
  const int rank = ctx.add("Size", step + "_rank", {shape});
  const int like_rank =
      ctx.add("Size", step + "_like_rank", {ctx.add("Shape", step + "_like_shape", {like})});
  const int taken =
      ctx.add("Add", step + "_taken",
              {rank, ctx.constant(step + "_start", Tensor::scalar<std::int64_t>(start))});
  const int count = ctx.add("Sub", step + "_count", {like_rank, taken});
  const int count_1d =
      ctx.add("Reshape", step + "_count_1d", {count, ctx.int64s(step + "_one_dim", {1})});
  graph::Attributes one;
  one.set("value", Tensor::from_vector<std::int64_t>({1}, {1}));
  const int ones = ctx.add("ConstantOfShape", step + "_ones", {count_1d}, one);
  graph::Attributes axis0;
  axis0.set("axis", std::int64_t{0});
  const int target = ctx.add("Concat", step + "_target", {shape, ones}, axis0);
  return ctx.add("Reshape", step, {value, target});
}

DataLayout data_layout(TfOpContext& ctx, std::size_t spatial) {
  const std::string channels_last = std::string("N") + std::string("DHW").substr(3 - spatial) + "C";
  const std::string channels_first = std::string("NC") + std::string("DHW").substr(3 - spatial);
  const std::string format = ctx.attr_string("data_format", channels_last);
  if (format == channels_last) return {true, spatial};
  if (format == channels_first) return {false, spatial};
  ctx.unsupported(fmt::format("data_format '{}' is not supported (expected {} or {})", format,
                              channels_last, channels_first));
}

std::vector<std::int64_t> spatial_entries(TfOpContext& ctx, const std::string& attr,
                                          const DataLayout& layout, std::int64_t neutral,
                                          std::optional<std::vector<std::int64_t>> fallback) {
  const std::vector<std::int64_t> all = ctx.attr_ints(attr, std::move(fallback));
  if (all.size() != layout.rank()) {
    ctx.corrupt(
        fmt::format("attribute '{}' has {} entries, expected {}", attr, all.size(), layout.rank()));
  }
  if (all[0] != neutral || all[layout.channel_axis()] != neutral) {
    ctx.unsupported(
        fmt::format("attribute '{}' is [{}]: only {} is supported on the batch and "
                    "channel axes",
                    attr, fmt::join(all, ", "), neutral));
  }
  return {all.begin() + static_cast<std::ptrdiff_t>(layout.first_spatial()),
          all.begin() + static_cast<std::ptrdiff_t>(layout.first_spatial() + layout.spatial)};
}

void set_padding(TfOpContext& ctx, const DataLayout& layout, graph::Attributes& attrs,
                 bool allow_explicit) {
  const std::string padding = ctx.attr_string("padding");
  if (padding == "SAME") {
    attrs.set("auto_pad", std::string("SAME_UPPER"));
  } else if (padding == "VALID") {
    attrs.set("auto_pad", std::string("VALID"));
  } else if (padding == "EXPLICIT" && allow_explicit) {
    const std::vector<std::int64_t> all = ctx.attr_ints("explicit_paddings", {{}});
    if (all.size() != 2 * layout.rank()) {
      ctx.corrupt(fmt::format("explicit_paddings has {} entries, expected {}", all.size(),
                              2 * layout.rank()));
    }
    const std::size_t c = layout.channel_axis();
    if (all[0] != 0 || all[1] != 0 || all[2 * c] != 0 || all[2 * c + 1] != 0) {
      ctx.unsupported(fmt::format("explicit_paddings [{}] pads the batch or channel axis",
                                  fmt::join(all, ", ")));
    }
    std::vector<std::int64_t> pads(2 * layout.spatial);
    for (std::size_t i = 0; i < layout.spatial; ++i) {
      const std::int64_t before = all[2 * (layout.first_spatial() + i)];
      const std::int64_t after = all[2 * (layout.first_spatial() + i) + 1];
      if (before < 0 || after < 0) {
        ctx.corrupt(
            fmt::format("explicit_paddings [{}] has a negative entry", fmt::join(all, ", ")));
      }
      pads[i] = before;
      pads[layout.spatial + i] = after;
    }
    attrs.set("pads", pads);
  } else {
    ctx.unsupported(fmt::format("padding '{}' is not supported", padding));
  }
}

}  // namespace nnload::formats::savedmodel
