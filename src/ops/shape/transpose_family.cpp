// ONNX Transpose (1+), DepthToSpace (1..10 DCR, 11+ mode DCR/CRD), SpaceToDepth (1+).
#include "core/fail.hpp"
#include "linalg/strided_copy.hpp"
#include "ops/bind.hpp"
#include "ops/shape/families.hpp"
#include "ops/shape/op_inputs.hpp"

namespace nnload::ops {

namespace {

struct TransposeAttrs {
  bool has_perm = false;
  std::vector<std::int64_t> perm;
};

TransposeAttrs parse_transpose(const graph::Node& n) {
  return {n.attrs.has("perm"), n.attrs.ints_or("perm", {})};
}

// The permutation for a rank: the given one, validated, or the reversal ONNX defaults to.
std::vector<std::int64_t> resolve_perm(const TransposeAttrs& a, std::size_t rank) {
  if (!a.has_perm) {
    std::vector<std::int64_t> perm(rank);
    for (std::size_t i = 0; i < rank; ++i) perm[i] = static_cast<std::int64_t>(rank - 1 - i);
    return perm;
  }
  if (a.perm.size() != rank) {
    fail(ErrorCode::invalid_argument, "Transpose: perm [{}] has {} entries for an input of rank {}",
         fmt::join(a.perm, ", "), a.perm.size(), rank);
  }
  std::vector<bool> seen(rank, false);
  for (std::int64_t p : a.perm) {
    if (p < 0 || p >= static_cast<std::int64_t>(rank) || seen[static_cast<std::size_t>(p)]) {
      fail(ErrorCode::invalid_argument, "Transpose: perm [{}] is not a permutation of 0..{}",
           fmt::join(a.perm, ", "), rank - 1);
    }
    seen[static_cast<std::size_t>(p)] = true;
  }
  return a.perm;
}

std::vector<TensorType> infer_transpose(const TransposeAttrs& a, std::span<const InputInfo> in) {
  check_input_count(in, 1, 1, "Transpose");
  const std::vector<std::int64_t> perm = resolve_perm(a, in[0].shape.size());
  Shape out(perm.size());
  for (std::size_t i = 0; i < perm.size(); ++i)
    out[i] = in[0].shape[static_cast<std::size_t>(perm[i])];
  return {{in[0].dtype, out}};
}

void run_transpose(const TransposeAttrs& a, std::span<const Tensor> in, std::span<Tensor> out) {
  const std::vector<std::int64_t> perm = resolve_perm(a, in[0].shape().size());
  linalg::transpose(in[0].raw(), in[0].shape(), perm, out[0].mutable_raw(),
                    dtype_size(in[0].dtype()));
}

// DepthToSpace and SpaceToDepth are a reshape to 6-D, a transpose and a reshape back.
struct BlockAttrs {
  std::int64_t blocksize = 0;
  bool crd = false;  // DepthToSpace mode: CRD instead of the default DCR
};

BlockAttrs parse_block(const graph::Node& n) {
  BlockAttrs a{n.attrs.get_int("blocksize"), false};
  if (a.blocksize <= 0) {
    fail(ErrorCode::invalid_argument, "blocksize {} must be positive", a.blocksize);
  }
  return a;
}

BlockAttrs parse_depth_to_space_11(const graph::Node& n) {
  BlockAttrs a = parse_block(n);
  const std::string mode = n.attrs.string_or("mode", "DCR");
  if (mode != "DCR" && mode != "CRD") {
    fail(ErrorCode::invalid_argument, "DepthToSpace: mode '{}', expected DCR or CRD", mode);
  }
  a.crd = mode == "CRD";
  return a;
}

void check_rank4(const InputInfo& x, const char* op) {
  if (x.shape.size() != 4) {
    fail(ErrorCode::shape, "{}: input has shape {}, expected rank 4 [N, C, H, W]", op,
         shape_to_list(x.shape));
  }
}

std::vector<TensorType> infer_depth_to_space(const BlockAttrs& a, std::span<const InputInfo> in) {
  check_input_count(in, 1, 1, "DepthToSpace");
  check_rank4(in[0], "DepthToSpace");
  const Shape& s = in[0].shape;
  const std::int64_t bb = a.blocksize * a.blocksize;
  if (s[1] % bb != 0) {
    fail(ErrorCode::shape, "DepthToSpace: {} channels are not divisible by blocksize^2 = {}", s[1],
         bb);
  }
  return {{in[0].dtype, {s[0], s[1] / bb, s[2] * a.blocksize, s[3] * a.blocksize}}};
}

void run_depth_to_space(const BlockAttrs& a, std::span<const Tensor> in, std::span<Tensor> out) {
  const Shape& s = in[0].shape();
  const std::int64_t b = a.blocksize;
  const std::int64_t c = s[1] / (b * b);
  Shape view;
  std::vector<std::int64_t> perm;
  if (a.crd) {
    view = {s[0], c, b, b, s[2], s[3]};
    perm = {0, 1, 4, 2, 5, 3};
  } else {
    view = {s[0], b, b, c, s[2], s[3]};
    perm = {0, 3, 4, 1, 5, 2};
  }
  linalg::transpose(in[0].raw(), view, perm, out[0].mutable_raw(), dtype_size(in[0].dtype()));
}

std::vector<TensorType> infer_space_to_depth(const BlockAttrs& a, std::span<const InputInfo> in) {
  check_input_count(in, 1, 1, "SpaceToDepth");
  check_rank4(in[0], "SpaceToDepth");
  const Shape& s = in[0].shape;
  if (s[2] % a.blocksize != 0 || s[3] % a.blocksize != 0) {
    fail(ErrorCode::shape, "SpaceToDepth: spatial size {}x{} is not divisible by blocksize {}",
         s[2], s[3], a.blocksize);
  }
  return {{in[0].dtype,
           {s[0], s[1] * a.blocksize * a.blocksize, s[2] / a.blocksize, s[3] / a.blocksize}}};
}

void run_space_to_depth(const BlockAttrs& a, std::span<const Tensor> in, std::span<Tensor> out) {
  const Shape& s = in[0].shape();
  const std::int64_t b = a.blocksize;
  const Shape view = {s[0], s[1], s[2] / b, b, s[3] / b, b};
  const std::vector<std::int64_t> perm = {0, 3, 5, 1, 2, 4};
  linalg::transpose(in[0].raw(), view, perm, out[0].mutable_raw(), dtype_size(in[0].dtype()));
}

}  // namespace

OpTable transpose_family_ops() {
  return {
      {"", "Transpose", 1, graph::kLatestOpset,
       ops::bind<TransposeAttrs>(parse_transpose, infer_transpose, run_transpose)},
      {"", "DepthToSpace", 1, 10,
       ops::bind<BlockAttrs>(parse_block, infer_depth_to_space, run_depth_to_space)},
      {"", "DepthToSpace", 11, graph::kLatestOpset,
       ops::bind<BlockAttrs>(parse_depth_to_space_11, infer_depth_to_space, run_depth_to_space)},
      {"", "SpaceToDepth", 1, graph::kLatestOpset,
       ops::bind<BlockAttrs>(parse_block, infer_space_to_depth, run_space_to_depth)},
  };
}

}  // namespace nnload::ops
