// ONNX comparisons to bool: Equal, Less, Greater (opset 1-6 with `broadcast`/`axis`, 7+),
// LessOrEqual, GreaterOrEqual (12+); logic on bool: And, Or, Xor (1-6, 7+), Not (1+); BitShift
// (11+, uint8: nnload's only unsigned type).
#include "ops/elementwise/binary.hpp"
#include "ops/elementwise/rows.hpp"

namespace nnload::ops::elementwise {

namespace {

template <class T>
struct EqualFn {
  bool operator()(T a, T b) const { return a == b; }
};
template <class T>
struct LessFn {
  bool operator()(T a, T b) const { return a < b; }
};
template <class T>
struct LessOrEqualFn {
  bool operator()(T a, T b) const { return a <= b; }
};
template <class T>
struct GreaterFn {
  bool operator()(T a, T b) const { return a > b; }
};
template <class T>
struct GreaterOrEqualFn {
  bool operator()(T a, T b) const { return a >= b; }
};
template <class T>
struct AndFn {
  T operator()(T a, T b) const { return a && b; }
};
template <class T>
struct OrFn {
  T operator()(T a, T b) const { return a || b; }
};
template <class T>
struct XorFn {
  T operator()(T a, T b) const { return a != b; }
};
template <class T>
struct NotFn {
  T operator()(T a) const { return !a; }
};

// Shifting by the type's width or more gives 0 (a plain shift would be undefined).
template <class T>
struct ShiftLeftFn {
  T operator()(T a, T b) const {
    return b >= T(sizeof(T) * 8) ? T(0) : static_cast<T>(static_cast<unsigned>(a) << b);
  }
};
template <class T>
struct ShiftRightFn {
  T operator()(T a, T b) const { return b >= T(sizeof(T) * 8) ? T(0) : static_cast<T>(a >> b); }
};

constexpr DTypeMask kShiftTypes = mask_of(DType::u8);

void run_bit_shift(const BinaryAttrs& attrs, std::span<const Tensor> in, std::span<Tensor> out) {
  if (attrs.shift_left) {
    run_binary<kShiftTypes, ShiftLeftFn, false>(attrs, in, out);
  } else {
    run_binary<kShiftTypes, ShiftRightFn, false>(attrs, in, out);
  }
}

BinaryAttrs parse_bit_shift(const graph::Node& node) {
  if (!node.attrs.has("direction")) {
    fail(ErrorCode::invalid_argument, "missing attribute 'direction' ('LEFT' or 'RIGHT')");
  }
  return parse_binary(node);
}

constexpr DTypeMask kEqualTypes = kNumericTypes | kBoolType;

}  // namespace

OpTable compare_logic_rows() {
  return {
      legacy_binary_row<kEqualTypes, EqualFn, true>("Equal", 1, 6),
      binary_row<kEqualTypes, EqualFn, true>("Equal", 7),
      legacy_binary_row<kNumericTypes, LessFn, true>("Less", 1, 6),
      binary_row<kNumericTypes, LessFn, true>("Less", 7),
      binary_row<kNumericTypes, LessOrEqualFn, true>("LessOrEqual", 12),
      legacy_binary_row<kNumericTypes, GreaterFn, true>("Greater", 1, 6),
      binary_row<kNumericTypes, GreaterFn, true>("Greater", 7),
      binary_row<kNumericTypes, GreaterOrEqualFn, true>("GreaterOrEqual", 12),
      legacy_binary_row<kBoolType, AndFn>("And", 1, 6),
      binary_row<kBoolType, AndFn>("And", 7),
      legacy_binary_row<kBoolType, OrFn>("Or", 1, 6),
      binary_row<kBoolType, OrFn>("Or", 7),
      legacy_binary_row<kBoolType, XorFn>("Xor", 1, 6),
      binary_row<kBoolType, XorFn>("Xor", 7),
      unary_row<kBoolType, NotFn>("Not", 1),
      {"", "BitShift", 11, graph::kLatestOpset,
       ops::bind<BinaryAttrs>(parse_bit_shift, infer_binary<kShiftTypes, false>, run_bit_shift)},
  };
}

}  // namespace nnload::ops::elementwise
