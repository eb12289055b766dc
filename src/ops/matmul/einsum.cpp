// ONNX Einsum (opset 12+): float32 (products on oneDNN), float64, int32, int64.
#include <algorithm>
#include <optional>
#include <type_traits>

#include "core/dtype_dispatch.hpp"
#include "core/fail.hpp"
#include "linalg/parallel.hpp"
#include "linalg/strided_copy.hpp"
#include "ops/matmul/einsum_plan.hpp"
#include "ops/matmul/matmul.hpp"

namespace nnload::ops {

namespace {

using einsum::Gather;
using einsum::Plan;

// Integer sums wrap around (as in ONNX Runtime) instead of overflowing into undefined behaviour.
template <class T>
T add(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  } else {
    return a + b;
  }
}
template <class T>
T mul(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
  } else {
    return a * b;
  }
}

// Sum of src over the gather's summed axes (the last one innermost); `index` is scratch.
template <class T>
T sum_axes(const Gather& g, const T* src, std::vector<std::int64_t>& index) {
  const std::size_t rank = g.sum_dims.size();
  const std::int64_t inner = g.sum_dims.back(), inner_stride = g.sum_strides.back();
  std::fill(index.begin(), index.end(), 0);
  T acc{0};
  while (true) {
    for (std::int64_t j = 0; j < inner; ++j) acc = add(acc, src[j * inner_stride]);
    std::size_t d = rank - 1;
    while (true) {
      if (d == 0) return acc;
      --d;
      src += g.sum_strides[d];
      if (++index[d] < g.sum_dims[d]) break;
      src -= g.sum_strides[d] * g.sum_dims[d];
      index[d] = 0;
    }
  }
}

template <class T>
void gather(const Gather& g, const T* src, T* dst) {
  const std::int64_t count = shape_size(g.dims);
  if (count == 0) return;
  if (g.sum_dims.empty()) {
    linalg::strided_copy(src, g.strides, g.dims, dst, sizeof(T));
    return;
  }
  const std::int64_t inner = shape_size(g.sum_dims);
  if (inner == 0) {
    std::fill(dst, dst + count, T{0});
    return;
  }
  const std::size_t rank = g.dims.size();
  linalg::parallel_for(
      count, std::max<std::int64_t>(1, 16384 / inner), [&](std::int64_t begin, std::int64_t end) {
        std::vector<std::int64_t> index(rank), sum_index(g.sum_dims.size());
        std::int64_t offset = 0;
        for (std::int64_t rest = begin, d = static_cast<std::int64_t>(rank) - 1; d >= 0; --d) {
          const auto u = static_cast<std::size_t>(d);
          index[u] = rest % g.dims[u];
          rest /= g.dims[u];
          offset += index[u] * g.strides[u];
        }
        for (std::int64_t o = begin; o < end; ++o) {
          dst[o] = sum_axes(g, src + offset, sum_index);
          for (std::size_t d = rank; d-- > 0;) {
            offset += g.strides[d];
            if (++index[d] < g.dims[d]) break;
            offset -= g.strides[d] * g.dims[d];
            index[d] = 0;
          }
        }
      });
}

template <class T>
void integer_matmul(const linalg::MatMulProblem& p, const T* a, const T* b, T* y) {
  const std::int64_t rows = p.batch_size() * p.m;
  if (rows == 0 || p.n == 0) return;
  const std::int64_t grain =
      std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(p.k * p.n, 1));
  linalg::parallel_for(rows, grain, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t r = begin; r < end; ++r) {
      const std::int64_t batch = r / p.m, i = r % p.m;
      const T* am = a + batch * p.m * p.k;
      const T* bm = b + batch * p.k * p.n;
      T* out = y + r * p.n;
      std::fill(out, out + p.n, T{0});
      for (std::int64_t k = 0; k < p.k; ++k) {
        const T av = p.trans_a ? am[k * p.m + i] : am[i * p.k + k];
        for (std::int64_t j = 0; j < p.n; ++j) {
          out[j] = add(out[j], mul(av, p.trans_b ? bm[j * p.k + k] : bm[k * p.n + j]));
        }
      }
    }
  });
}

class EinsumKernel final : public Kernel {
 public:
  EinsumKernel(Plan plan, DType dtype) : plan_(std::move(plan)), dtype_(dtype) {
    for (const einsum::Step& step : plan_.steps) {
      auto& mm = matmuls_.emplace_back();
      if (dtype == DType::f32 && !step.problem.empty()) mm.emplace(step.problem, nullptr, nullptr);
    }
  }

  void run(std::span<const Tensor> inputs, std::span<Tensor> outputs) const override {
    visit_dtype(dtype_, [&](auto tag) {
      using T = typename decltype(tag)::type;
      if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> ||
                    std::is_same_v<T, std::int32_t> || std::is_same_v<T, std::int64_t>) {
        run_typed<T>(inputs, outputs[0].mutable_data<T>());
      }
    });
  }

 private:
  template <class T>
  void run_typed(std::span<const Tensor> inputs, T* out) const {
    const T* cur = inputs[0].data<T>();
    std::vector<T> cur_buffer, a_buffer, b_buffer;
    for (std::size_t s = 0; s < plan_.steps.size(); ++s) {
      const einsum::Step& step = plan_.steps[s];
      const T* a = cur;
      if (!step.a.direct) {
        a_buffer.resize(static_cast<std::size_t>(shape_size(step.a.dims)));
        gather(step.a, cur, a_buffer.data());
        a = a_buffer.data();
      }
      const T* b = inputs[step.rhs].data<T>();
      if (!step.b.direct) {
        b_buffer.resize(static_cast<std::size_t>(shape_size(step.b.dims)));
        gather(step.b, b, b_buffer.data());
        b = b_buffer.data();
      }
      std::vector<T> result;
      T* y = out;
      if (!step.writes_output) {
        const linalg::MatMulProblem& p = step.problem;
        result.resize(static_cast<std::size_t>(p.batch_size() * p.m * p.n));
        y = result.data();
      }
      multiply(s, a, b, y);
      cur_buffer = std::move(result);
      cur = y;
    }
    if (plan_.needs_final) gather(plan_.final, cur, out);
  }

  template <class T>
  void multiply(std::size_t s, const T* a, const T* b, T* y) const {
    const linalg::MatMulProblem& p = plan_.steps[s].problem;
    if constexpr (std::is_same_v<T, float>) {
      if (matmuls_[s]) {
        matmuls_[s]->run(a, b, nullptr, y);
      } else {
        linalg::matmul_loop(p, a, b, static_cast<const float*>(nullptr), y);
      }
    } else if constexpr (std::is_same_v<T, double>) {
      linalg::matmul_loop(p, a, b, static_cast<const double*>(nullptr), y);
    } else {
      integer_matmul(p, a, b, y);
    }
  }

  Plan plan_;
  DType dtype_;
  std::vector<std::optional<linalg::MatMulPlan>> matmuls_;
};

class EinsumOp final : public Op {
 public:
  explicit EinsumOp(const graph::Node& node)
      : equation_(einsum::parse_equation(node.attrs.get_string("equation"))) {}

  std::vector<TensorType> infer(std::span<const InputInfo> inputs) const override {
    return {{inputs.front().dtype, plan(inputs).output_shape}};
  }

  std::unique_ptr<Kernel> make_kernel(std::span<const InputInfo> inputs,
                                      std::span<const TensorType>) const override {
    return std::make_unique<EinsumKernel>(plan(inputs), inputs.front().dtype);
  }

 private:
  Plan plan(std::span<const InputInfo> inputs) const {
    if (inputs.empty()) fail(ErrorCode::invalid_argument, "Einsum needs at least one input");
    const DType dtype = inputs[0].dtype;
    if (dtype != DType::f32 && dtype != DType::f64 && dtype != DType::i32 && dtype != DType::i64) {
      fail(ErrorCode::unsupported,
           "input 0 has dtype {}, supported: float32, float64, int32, int64", dtype_name(dtype));
    }
    std::vector<Shape> shapes;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      if (!inputs[i].present) fail(ErrorCode::invalid_argument, "input {} is missing", i);
      if (inputs[i].dtype != dtype) {
        fail(ErrorCode::shape, "input {} has dtype {}, input 0 has {}", i,
             dtype_name(inputs[i].dtype), dtype_name(dtype));
      }
      shapes.push_back(inputs[i].shape);
    }
    return einsum::make_plan(equation_, shapes);
  }

  einsum::Equation equation_;
};

}  // namespace

std::unique_ptr<Op> make_einsum(const graph::Node& node) {
  return std::make_unique<EinsumOp>(node);
}

}  // namespace nnload::ops
