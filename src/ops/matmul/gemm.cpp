// ONNX Gemm: opset 7+ (C optional from 11, unidirectionally broadcast to [M, N]) and
// 1..6 (C required; broadcast only with broadcast=1); nnload.Gemm adds a fused activation.
#include "core/fail.hpp"
#include "ops/matmul/fused_activation.hpp"
#include "ops/matmul/matmul.hpp"
#include "ops/matmul/matmul_kernel.hpp"

namespace nnload::ops {

namespace {

struct GemmAttrs {
  float alpha = 1, beta = 1;
  bool trans_a = false, trans_b = false;
  bool legacy = false;  // opset 1..6
  bool legacy_broadcast = false;
  linalg::Activation activation;
};

class GemmOp final : public Op {
 public:
  explicit GemmOp(GemmAttrs attrs) : attrs_(attrs) {}

  std::vector<TensorType> infer(std::span<const InputInfo> inputs) const override {
    const linalg::MatMulProblem p = problem(inputs);
    return {{inputs[0].dtype, {p.m, p.n}}};
  }

  std::unique_ptr<Kernel> make_kernel(std::span<const InputInfo> inputs,
                                      std::span<const TensorType>) const override {
    const linalg::MatMulProblem p = problem(inputs);
    return make_matmul_kernel(p, inputs[0].dtype, inputs,
                              p.addend == linalg::MatMulProblem::Addend::none ? -1 : 2);
  }

 private:
  linalg::MatMulProblem problem(std::span<const InputInfo> inputs) const {
    const bool has_c = inputs.size() > 2 && inputs[2].present;
    if (inputs.size() < 2 || inputs.size() > 3 || (attrs_.legacy && !has_c)) {
      fail(ErrorCode::invalid_argument, "expected inputs A, B and {}C, got {} inputs",
           attrs_.legacy ? "" : "optional ", inputs.size());
    }
    const DType dtype = inputs[0].dtype;
    if (dtype != DType::f32 && dtype != DType::f64) {
      fail(ErrorCode::unsupported, "A has dtype {}, supported: float32, float64",
           dtype_name(dtype));
    }
    for (std::size_t i = 1; i < inputs.size(); ++i) {
      if (inputs[i].present && inputs[i].dtype != dtype) {
        fail(ErrorCode::shape, "input {} has dtype {}, A has {}", i, dtype_name(inputs[i].dtype),
             dtype_name(dtype));
      }
    }
    if (dtype == DType::f64 && attrs_.activation.kind != linalg::ActivationKind::none) {
      fail(ErrorCode::unsupported, "a fused activation needs float32, A is float64");
    }
    const Shape& a = inputs[0].shape;
    const Shape& b = inputs[1].shape;
    if (a.size() != 2 || b.size() != 2) {
      fail(ErrorCode::shape, "A and B must be 2-D, got {} and {}", shape_to_list(a),
           shape_to_list(b));
    }
    linalg::MatMulProblem p;
    p.trans_a = attrs_.trans_a;
    p.trans_b = attrs_.trans_b;
    p.m = p.trans_a ? a[1] : a[0];
    p.k = p.trans_a ? a[0] : a[1];
    const std::int64_t kb = p.trans_b ? b[1] : b[0];
    p.n = p.trans_b ? b[0] : b[1];
    if (kb != p.k) {
      fail(ErrorCode::shape, "op(A) is [{}, {}] and op(B) is [{}, {}] (transA {}, transB {})", p.m,
           p.k, kb, p.n, p.trans_a ? 1 : 0, p.trans_b ? 1 : 0);
    }
    p.alpha = attrs_.alpha;
    p.beta = attrs_.beta;
    p.activation = attrs_.activation;
    if (has_c) {
      const Shape& c = inputs[2].shape;
      const Shape y{p.m, p.n};
      bool fits = c.size() <= 2;
      for (std::size_t i = 0; fits && i < c.size(); ++i) {
        const std::int64_t want = y[2 - c.size() + i];
        fits = c[i] == want || c[i] == 1;
      }
      if (attrs_.legacy && !attrs_.legacy_broadcast) fits = c == y;
      if (!fits) {
        fail(ErrorCode::shape, "C has shape {}, which does not broadcast to [{}, {}]{}",
             shape_to_list(c), p.m, p.n,
             attrs_.legacy && !attrs_.legacy_broadcast ? " (broadcast=0: must equal it)" : "");
      }
      // A C that is one row of N values rides along as oneDNN's bias; others are copied into Y
      // and added by a sum post-op.
      const bool row =
          (c.size() == 1 && c[0] == p.n) || (c.size() == 2 && c[0] == 1 && c[1] == p.n);
      if (p.beta != 0.0f) {
        p.addend = row && p.alpha == 1.0f ? linalg::MatMulProblem::Addend::row
                                          : linalg::MatMulProblem::Addend::matrix;
        p.c_shape = c;
      }
    }
    return p;
  }

  GemmAttrs attrs_;
};

GemmAttrs parse_gemm(const graph::Node& node) {
  const graph::Attributes& a = node.attrs;
  GemmAttrs attrs;
  attrs.alpha = static_cast<float>(a.float_or("alpha", 1.0));
  attrs.beta = static_cast<float>(a.float_or("beta", 1.0));
  attrs.trans_a = a.int_or("transA", 0) != 0;
  attrs.trans_b = a.int_or("transB", 0) != 0;
  attrs.activation = parse_fused_activation(a);
  return attrs;
}

}  // namespace

std::unique_ptr<Op> make_gemm(const graph::Node& node) {
  return std::make_unique<GemmOp>(parse_gemm(node));
}

std::unique_ptr<Op> make_gemm_v1(const graph::Node& node) {
  GemmAttrs attrs = parse_gemm(node);
  attrs.legacy = true;
  attrs.legacy_broadcast = node.attrs.int_or("broadcast", 0) != 0;
  return std::make_unique<GemmOp>(attrs);
}

}  // namespace nnload::ops
