// Backend choice, measured with bench/gemm_backends.cpp on this machine (AMD EPYC, AVX-512,
// 2 cores shared with other jobs; best of 5 runs, microseconds per product):
//
//   M x K x N        threads  oneDNN packed  oneDNN plain  OpenBLAS sgemm
//   1 x 784 x 512       1          17.3          38.7          67.6
//   64 x 784 x 512      1         201.3         225.1         424.4
//   1 x 512 x 10        1           1.6           1.6           1.3
//   128 x 256 x 256     1          67.0          66.6         136.1
//   128 x 256 x 1024    1         264.4         281.6         542.9
//   1 x 2048 x 1000     1          83.0          83.0         346.3
//   64 x 3136 x 64      1         102.0         102.4         221.9
//   1 x 784 x 512       2           7.6          76.7          80.2
//   64 x 784 x 512      2         104.4         303.4         459.4
//   128 x 256 x 1024    2         136.4         491.2         569.1
//   1 x 2048 x 1000     2          44.8         105.5         414.0
//
// oneDNN's brgemm matmul with weights packed once is 2-4x faster than OpenBLAS 0.3.21, which
// does not know this CPU and falls back to its Haswell (AVX2) kernels; only a 1 x 512 x 10
// product is marginally faster in OpenBLAS. So float32 products all go to oneDNN with constant
// B packed at compile time, and OpenBLAS is not linked.
#include "ops/matmul/matmul_kernel.hpp"

#include <optional>

#include "ops/constant_copy_budget.hpp"

namespace nnload::ops {

namespace {

class MatMulKernel final : public Kernel {
 public:
  MatMulKernel(const linalg::MatMulProblem& p, DType dtype, std::span<const InputInfo> inputs,
               int addend_input)
      : problem_(p), dtype_(dtype), addend_input_(addend_input) {
    if (dtype != DType::f32 || p.empty()) return;
    // A constant B is packed into the plan while the budget allows, else read as it is.
    const float* b =
        inputs[1].has_value() &&
                take_constant_copy_budget(static_cast<std::uint64_t>(shape_size(p.batch_b)) *
                                          static_cast<std::uint64_t>(p.k * p.n) * sizeof(float))
            ? inputs[1].value->data<float>()
            : nullptr;
    const float* addend = nullptr;
    // A constant bias row is scaled into the plan; a constant Gemm C is still copied per run.
    if (addend_input >= 0 && p.addend == linalg::MatMulProblem::Addend::row &&
        inputs[static_cast<std::size_t>(addend_input)].has_value()) {
      addend = inputs[static_cast<std::size_t>(addend_input)].value->data<float>();
    }
    plan_.emplace(p, b, addend);
  }

  void run(std::span<const Tensor> inputs, std::span<Tensor> outputs) const override {
    const void* addend =
        addend_input_ >= 0 && inputs.size() > static_cast<std::size_t>(addend_input_)
            ? inputs[static_cast<std::size_t>(addend_input_)].raw()
            : nullptr;
    Tensor& y = outputs[0];
    if (dtype_ == DType::f64) {
      linalg::matmul_loop(problem_, inputs[0].data<double>(), inputs[1].data<double>(),
                          static_cast<const double*>(addend), y.mutable_data<double>());
    } else if (plan_) {
      plan_->run(inputs[0].data<float>(), inputs[1].data<float>(),
                 static_cast<const float*>(addend), y.mutable_data<float>());
    } else {
      linalg::matmul_loop(problem_, inputs[0].data<float>(), inputs[1].data<float>(),
                          static_cast<const float*>(addend), y.mutable_data<float>());
    }
  }

 private:
  linalg::MatMulProblem problem_;
  DType dtype_;
  int addend_input_;
  std::optional<linalg::MatMulPlan> plan_;
};

}  // namespace

std::unique_ptr<Kernel> make_matmul_kernel(const linalg::MatMulProblem& problem, DType dtype,
                                           std::span<const InputInfo> inputs, int addend_input) {
  return std::make_unique<MatMulKernel>(problem, dtype, inputs, addend_input);
}

}  // namespace nnload::ops
