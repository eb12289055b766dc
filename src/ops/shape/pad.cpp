// ONNX Pad (1 `paddings`, 2..10 `pads`/`value` attributes; 11..17 pads/constant_value inputs;
// 18 `axes` input; 19+ wrap mode). Modes constant, reflect, edge (and wrap); negative pads crop.
#include <algorithm>
#include <cstring>

#include "core/dtype_dispatch.hpp"
#include "core/fail.hpp"
#include "linalg/strided_copy.hpp"
#include "ops/bind.hpp"
#include "ops/shape/families.hpp"
#include "ops/shape/op_inputs.hpp"

namespace nnload::ops {

namespace {

enum class PadMode { constant, reflect, edge, wrap };

struct PadAttrs {
  bool from_inputs = true;
  std::vector<std::int64_t> pads;  // opset 1..10
  double value = 0;                // opset 1..10
  PadMode mode = PadMode::constant;
  bool axes_input = false;  // opset 18+
};

PadMode parse_mode(const graph::Node& n, bool allow_wrap) {
  const std::string mode = n.attrs.string_or("mode", "constant");
  if (mode == "constant") return PadMode::constant;
  if (mode == "reflect") return PadMode::reflect;
  if (mode == "edge") return PadMode::edge;
  if (mode == "wrap" && allow_wrap) return PadMode::wrap;
  fail(ErrorCode::invalid_argument, "Pad: mode '{}', expected constant, reflect, edge{}", mode,
       allow_wrap ? " or wrap" : " (wrap needs opset 19)");
}

PadAttrs parse_pad_1(const graph::Node& n) {
  return {false, n.attrs.get_ints("paddings"), n.attrs.float_or("value", 0), parse_mode(n, false),
          false};
}
PadAttrs parse_pad_2(const graph::Node& n) {
  return {false, n.attrs.get_ints("pads"), n.attrs.float_or("value", 0), parse_mode(n, false),
          false};
}
PadAttrs parse_pad_11(const graph::Node& n) { return {true, {}, 0, parse_mode(n, false), false}; }
PadAttrs parse_pad_18(const graph::Node& n) { return {true, {}, 0, parse_mode(n, false), true}; }
PadAttrs parse_pad_19(const graph::Node& n) { return {true, {}, 0, parse_mode(n, true), true}; }

// Begin and end padding per input dimension, from the attribute or the pads/axes inputs.
struct PadAmounts {
  std::vector<std::int64_t> begin, end;
};

template <class Get>
PadAmounts pad_amounts(const PadAttrs& a, std::size_t rank, Get&& get) {
  std::vector<std::int64_t> pads = a.from_inputs ? get(1, "pads") : a.pads;
  std::vector<std::int64_t> axes;
  if (a.axes_input) axes = get(3, "axes");
  if (axes.empty()) {
    for (std::size_t i = 0; i < rank; ++i) axes.push_back(static_cast<std::int64_t>(i));
  }
  axes = normalize_axes(axes, static_cast<std::int64_t>(rank), "Pad");
  if (pads.size() != 2 * axes.size()) {
    fail(ErrorCode::invalid_argument, "Pad: pads [{}] has {} entries, expected {} (2 per axis)",
         fmt::join(pads, ", "), pads.size(), 2 * axes.size());
  }
  PadAmounts p{std::vector<std::int64_t>(rank, 0), std::vector<std::int64_t>(rank, 0)};
  for (std::size_t i = 0; i < axes.size(); ++i) {
    p.begin[static_cast<std::size_t>(axes[i])] = pads[i];
    p.end[static_cast<std::size_t>(axes[i])] = pads[i + axes.size()];
  }
  return p;
}

// Negative pads crop first; the modes then pad what is left (the kept extent).
std::int64_t kept(std::int64_t d, std::int64_t begin, std::int64_t end) {
  return d - std::max<std::int64_t>(0, -begin) - std::max<std::int64_t>(0, -end);
}

Shape padded_shape(const PadAttrs& a, const Shape& in, const PadAmounts& p) {
  Shape out = in;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const std::int64_t rest = kept(in[i], p.begin[i], p.end[i]);
    if (rest < 0) {
      fail(ErrorCode::shape, "Pad: pads {} and {} crop more than the {} elements of dimension {}",
           p.begin[i], p.end[i], in[i], i);
    }
    out[i] = rest + std::max<std::int64_t>(0, p.begin[i]) + std::max<std::int64_t>(0, p.end[i]);
    const bool grows = p.begin[i] > 0 || p.end[i] > 0;
    if (a.mode != PadMode::constant && rest == 0 && grows) {
      fail(ErrorCode::shape, "Pad: cannot pad an empty dimension {} in a non-constant mode", i);
    }
  }
  return out;
}

std::vector<TensorType> infer_pad(const PadAttrs& a, std::span<const InputInfo> in) {
  if (a.from_inputs) {
    check_input_count(in, 2, a.axes_input ? 4 : 3, "Pad");
    if (has_input(in, 2) && in[2].dtype != in[0].dtype) {
      fail(ErrorCode::shape, "Pad: constant_value has dtype {}, data has {}",
           dtype_name(in[2].dtype), dtype_name(in[0].dtype));
    }
  } else {
    check_input_count(in, 1, 1, "Pad");
  }
  const PadAmounts p = pad_amounts(a, in[0].shape.size(), [&](std::size_t i, const char* what) {
    if (!has_input(in, i)) return std::vector<std::int64_t>{};
    return int_values(constant_input(in, i, "Pad", what), "Pad", what);
  });
  return {{in[0].dtype, padded_shape(a, in[0].shape, p)}};
}

// Where output index o of a padded axis reads from: x = o - begin in the kept extent's
// coordinates, folded back into it per mode, or -1 for the constant.
std::vector<std::int64_t> axis_map(PadMode mode, std::int64_t d, std::int64_t begin,
                                   std::int64_t end, std::int64_t out) {
  const std::int64_t crop = std::max<std::int64_t>(0, -begin);
  const std::int64_t n = kept(d, begin, end);
  const std::int64_t pad = std::max<std::int64_t>(0, begin);
  std::vector<std::int64_t> map(static_cast<std::size_t>(out));
  for (std::int64_t o = 0; o < out; ++o) {
    const std::int64_t x = o - pad;
    std::int64_t m = x;
    if (x < 0 || x >= n) {
      switch (mode) {
        case PadMode::constant:
          m = -1;
          break;
        case PadMode::edge:
          m = std::clamp<std::int64_t>(x, 0, n - 1);
          break;
        case PadMode::wrap:
          m = ((x % n) + n) % n;
          break;
        case PadMode::reflect: {
          if (n == 1) {
            m = 0;
            break;
          }
          const std::int64_t period = 2 * (n - 1);
          m = ((x % period) + period) % period;
          if (m >= n) m = period - m;
          break;
        }
      }
    }
    map[static_cast<std::size_t>(o)] = m < 0 ? -1 : m + crop;
  }
  return map;
}

void run_pad(const PadAttrs& a, std::span<const Tensor> in, std::span<Tensor> out) {
  const Shape& s = in[0].shape();
  const PadAmounts p = pad_amounts(a, s.size(), [&](std::size_t i, const char* what) {
    return has_input(in, i) ? int_values(in[i], "Pad", what) : std::vector<std::int64_t>{};
  });
  std::vector<std::vector<std::int64_t>> maps(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    maps[i] = axis_map(a.mode, s[i], p.begin[i], p.end[i], out[0].shape()[i]);
  }
  alignas(8) unsigned char fill[8] = {};
  if (a.from_inputs && has_input(in, 2) && in[2].numel() > 0) {
    std::memcpy(fill, in[2].raw(), dtype_size(in[2].dtype()));
  } else if (!a.from_inputs) {
    convert_elements(&a.value, DType::f64, fill, in[0].dtype(), 1);
  }
  linalg::gather_axes(in[0].raw(), s, maps, out[0].mutable_raw(), dtype_size(in[0].dtype()), fill);
}

}  // namespace

OpTable pad_ops() {
  return {
      {"", "Pad", 1, 1, ops::bind<PadAttrs>(parse_pad_1, infer_pad, run_pad)},
      {"", "Pad", 2, 10, ops::bind<PadAttrs>(parse_pad_2, infer_pad, run_pad)},
      {"", "Pad", 11, 17, ops::bind<PadAttrs>(parse_pad_11, infer_pad, run_pad)},
      {"", "Pad", 18, 18, ops::bind<PadAttrs>(parse_pad_18, infer_pad, run_pad)},
      {"", "Pad", 19, graph::kLatestOpset, ops::bind<PadAttrs>(parse_pad_19, infer_pad, run_pad)},
  };
}

}  // namespace nnload::ops
