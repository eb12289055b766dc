// ONNX MatMul (opset 1+, numpy semantics) and nnload.MatMul, which adds an optional bias
// input [N] and a fused activation: Keras's Dense in one primitive.
#include "ops/matmul/matmul.hpp"

#include "core/fail.hpp"
#include "linalg/broadcast.hpp"
#include "ops/matmul/fused_activation.hpp"
#include "ops/matmul/matmul_kernel.hpp"

namespace nnload::ops {

namespace {

struct MatMulShapes {
  linalg::MatMulProblem problem;
  Shape y;
};

class MatMulOp final : public Op {
 public:
  MatMulOp(linalg::Activation activation, bool allow_bias)
      : activation_(activation), allow_bias_(allow_bias) {}

  std::vector<TensorType> infer(std::span<const InputInfo> inputs) const override {
    return {{inputs.empty() ? DType::f32 : inputs[0].dtype, shapes(inputs).y}};
  }

  std::unique_ptr<Kernel> make_kernel(std::span<const InputInfo> inputs,
                                      std::span<const TensorType>) const override {
    const MatMulShapes s = shapes(inputs);
    return make_matmul_kernel(s.problem, inputs[0].dtype, inputs, has_bias(inputs) ? 2 : -1);
  }

 private:
  static bool has_bias(std::span<const InputInfo> inputs) {
    return inputs.size() > 2 && inputs[2].present;
  }

  MatMulShapes shapes(std::span<const InputInfo> inputs) const {
    const std::size_t max_inputs = allow_bias_ ? 3 : 2;
    if (inputs.size() < 2 || inputs.size() > max_inputs) {
      fail(ErrorCode::invalid_argument, "expected inputs A, B{}, got {} inputs",
           allow_bias_ ? " and optional bias" : "", inputs.size());
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
    if (dtype == DType::f64 && activation_.kind != linalg::ActivationKind::none) {
      fail(ErrorCode::unsupported, "a fused activation needs float32, A is float64");
    }
    const Shape& a = inputs[0].shape;
    const Shape& b = inputs[1].shape;
    if (a.empty() || b.empty()) {
      fail(ErrorCode::shape, "MatMul needs operands of rank >= 1, got A {} and B {}",
           shape_to_list(a), shape_to_list(b));
    }
    // numpy: a 1-D A is a row [1, K], a 1-D B a column [K, 1]; the added axis is dropped after.
    const Shape a2 = a.size() == 1 ? Shape{1, a[0]} : a;
    const Shape b2 = b.size() == 1 ? Shape{b[0], 1} : b;
    MatMulShapes s;
    linalg::MatMulProblem& p = s.problem;
    p.m = a2[a2.size() - 2];
    p.k = a2.back();
    p.n = b2.back();
    if (b2[b2.size() - 2] != p.k) {
      fail(ErrorCode::shape, "A {} has {} columns, B {} has {} rows", shape_to_list(a), p.k,
           shape_to_list(b), b2[b2.size() - 2]);
    }
    Shape batch_a(a2.begin(), a2.end() - 2), batch_b(b2.begin(), b2.end() - 2);
    p.batch_y = linalg::broadcast_shapes(batch_a, batch_b);
    batch_a.insert(batch_a.begin(), p.batch_y.size() - batch_a.size(), 1);
    batch_b.insert(batch_b.begin(), p.batch_y.size() - batch_b.size(), 1);
    p.batch_a = batch_a;
    p.batch_b = batch_b;
    p.activation = activation_;
    if (has_bias(inputs)) {
      if (inputs[2].shape != Shape{p.n}) {
        fail(ErrorCode::shape, "bias has shape {}, expected [{}]", shape_to_list(inputs[2].shape),
             p.n);
      }
      p.addend = linalg::MatMulProblem::Addend::row;
    }
    s.y = p.batch_y;
    if (a.size() > 1) s.y.push_back(p.m);
    if (b.size() > 1) s.y.push_back(p.n);
    return s;
  }

  linalg::Activation activation_;
  bool allow_bias_;
};

}  // namespace

std::unique_ptr<Op> make_matmul(const graph::Node& node) {
  return std::make_unique<MatMulOp>(parse_fused_activation(node.attrs), node.domain == "nnload");
}

}  // namespace nnload::ops
