#include "linalg/gemm.hpp"

#include <algorithm>
#include <cstring>
#include <vector>

#include "core/fail.hpp"
#include "linalg/broadcast.hpp"
#include "linalg/dnnl_engine.hpp"
#include "linalg/parallel.hpp"

namespace nnload::linalg {

namespace {

namespace du = dnnl_util;
using dnnl::memory;

// Logical [batch..., rows, cols]; stored row-major as [batch..., cols, rows] when transposed.
memory::desc matrix_desc(const Shape& batch, std::int64_t rows, std::int64_t cols,
                         bool transposed) {
  memory::dims dims(batch.begin(), batch.end());
  dims.push_back(rows);
  dims.push_back(cols);
  memory::dims strides(dims.size());
  strides[dims.size() - 2] = transposed ? 1 : cols;
  strides[dims.size() - 1] = transposed ? rows : 1;
  std::int64_t running = rows * cols;
  for (std::size_t i = batch.size(); i-- > 0;) {
    strides[i] = running;
    running *= batch[i];
  }
  return du::strided_desc(dims, strides);
}

// Gemm's C (rank <= 2, broadcast to [M, N]) copied into Y, which the sum post-op then scales.
void fill_broadcast(const Shape& c_shape, const float* c, std::int64_t m, std::int64_t n,
                    float* y) {
  const std::int64_t cn = c_shape.empty() ? 1 : c_shape.back();
  const std::int64_t cm = c_shape.size() < 2 ? 1 : c_shape[0];
  for (std::int64_t i = 0; i < m; ++i) {
    const float* row = c + (cm == 1 ? 0 : i * cn);
    float* out = y + i * n;
    if (cn == n) {
      std::memcpy(out, row, static_cast<std::size_t>(n) * sizeof(float));
    } else {
      std::fill(out, out + n, row[0]);
    }
  }
}

}  // namespace

struct MatMulPlan::Impl {
  MatMulProblem p;
  dnnl::primitive primitive;
  memory::desc a_md, b_md, y_md, bias_md, scratchpad;
  du::PackedMemory b_packed;
  std::vector<float> bias_constant;  // beta * row, when the row is constant
  Activation after;
  std::string impl;
};

MatMulPlan::MatMulPlan(const MatMulProblem& p, const float* b, const float* addend)
    : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  s.p = p;
  // Without batch dims on B, the batches of A are just more rows: one 2-D product.
  const bool collapse = shape_size(p.batch_b) == 1 && !p.trans_a && p.batch_a == p.batch_y;
  const Shape none;
  const std::int64_t rows = collapse ? p.batch_size() * p.m : p.m;
  s.a_md = matrix_desc(collapse ? none : p.batch_a, rows, p.k, p.trans_a);
  s.y_md = matrix_desc(collapse ? none : p.batch_y, rows, p.n, false);
  const memory::desc b_user = matrix_desc(collapse ? none : p.batch_b, p.k, p.n, p.trans_b);
  const memory::desc b_request =
      b != nullptr ? memory::desc(b_user.dims(), memory::data_type::f32, memory::format_tag::any)
                   : b_user;
  if (p.addend == MatMulProblem::Addend::row) {
    if (p.alpha != 1.0f) fail(ErrorCode::internal, "MatMulPlan: a bias row needs alpha 1");
    memory::dims dims(s.y_md.dims().size(), 1);
    dims.back() = p.n;
    s.bias_md = du::plain_desc(dims);
    if (addend != nullptr) {
      s.bias_constant.assign(addend, addend + p.n);
      for (float& v : s.bias_constant) v *= p.beta;
    }
  }
  dnnl::primitive_attr attr = du::make_attr();
  if (p.alpha != 1.0f) attr.set_output_scales(0, {p.alpha});
  dnnl::post_ops post_ops;
  if (p.addend == MatMulProblem::Addend::matrix) post_ops.append_sum(p.beta);
  if (!du::append_activation(post_ops, p.activation)) s.after = p.activation;
  attr.set_post_ops(post_ops);
  try {
    const dnnl::matmul::desc desc(s.a_md, b_request, s.bias_md, s.y_md);
    const dnnl::matmul::primitive_desc pd(desc, attr, du::cpu_engine());
    s.primitive = dnnl::matmul(pd);
    s.scratchpad = pd.scratchpad_desc();
    s.b_md = pd.weights_desc();
    s.impl = pd.impl_info_str();
  } catch (const dnnl::error& e) {
    fail(ErrorCode::unsupported, "oneDNN has no matmul for these shapes: {}", e.what());
  }
  if (b != nullptr) s.b_packed = du::PackedMemory(b_user, b, s.b_md);
}

MatMulPlan::~MatMulPlan() = default;
MatMulPlan::MatMulPlan(MatMulPlan&&) noexcept = default;
MatMulPlan& MatMulPlan::operator=(MatMulPlan&&) noexcept = default;

std::string MatMulPlan::implementation() const { return impl_->impl; }

void MatMulPlan::run(const float* a, const float* b, const float* addend, float* y) const {
  const Impl& s = *impl_;
  const MatMulProblem& p = s.p;
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, du::wrap(s.a_md, a)},
                                       {DNNL_ARG_DST, du::wrap(s.y_md, y)}};
  args[DNNL_ARG_WEIGHTS] = s.b_packed.defined() ? s.b_packed.wrap() : du::wrap(s.b_md, b);
  std::vector<float> scaled;
  if (p.addend == MatMulProblem::Addend::row) {
    const float* row = addend;
    if (!s.bias_constant.empty()) {
      row = s.bias_constant.data();
    } else if (p.beta != 1.0f) {
      scaled.assign(addend, addend + p.n);
      for (float& v : scaled) v *= p.beta;
      row = scaled.data();
    }
    args[DNNL_ARG_BIAS] = du::wrap(s.bias_md, row);
  } else if (p.addend == MatMulProblem::Addend::matrix) {
    fill_broadcast(p.c_shape, addend, p.m, p.n, y);
  }
  du::execute(s.primitive, s.scratchpad, args);
  if (s.after.kind != ActivationKind::none) {
    apply_activation(s.after, {y, static_cast<std::size_t>(p.batch_size() * p.m * p.n)});
  }
}

template <class T>
void matmul_loop(const MatMulProblem& p, const T* a, const T* b, const T* addend, T* y) {
  const std::int64_t batches = p.batch_size();
  const std::int64_t rows = batches * p.m;
  if (rows == 0 || p.n == 0) return;
  const auto a_strides = broadcast_strides(p.batch_a, p.batch_y);
  const auto b_strides = broadcast_strides(p.batch_b, p.batch_y);
  const std::int64_t cn = p.c_shape.empty() ? 1 : p.c_shape.back();
  const std::int64_t cm = p.c_shape.size() < 2 ? 1 : p.c_shape[0];
  const std::int64_t grain =
      std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(p.k * p.n, 1));
  parallel_for(rows, grain, [&](std::int64_t begin, std::int64_t end) {
    std::vector<T> acc(static_cast<std::size_t>(p.n));
    for (std::int64_t r = begin; r < end; ++r) {
      const std::int64_t batch = r / p.m, i = r % p.m;
      std::int64_t a_batch = 0, b_batch = 0;
      for (std::int64_t rest = batch, d = static_cast<std::int64_t>(p.batch_y.size()) - 1; d >= 0;
           --d) {
        const auto u = static_cast<std::size_t>(d);
        const std::int64_t coordinate = rest % p.batch_y[u];
        rest /= p.batch_y[u];
        a_batch += coordinate * a_strides[u];
        b_batch += coordinate * b_strides[u];
      }
      const T* am = a + a_batch * p.m * p.k;
      const T* bm = b + b_batch * p.k * p.n;
      std::fill(acc.begin(), acc.end(), T(0));
      for (std::int64_t k = 0; k < p.k; ++k) {
        const T av = p.trans_a ? am[k * p.m + i] : am[i * p.k + k];
        if (p.trans_b) {
          for (std::int64_t j = 0; j < p.n; ++j)
            acc[static_cast<std::size_t>(j)] += av * bm[j * p.k + k];
        } else {
          const T* brow = bm + k * p.n;
          for (std::int64_t j = 0; j < p.n; ++j) acc[static_cast<std::size_t>(j)] += av * brow[j];
        }
      }
      T* out = y + r * p.n;
      const T alpha = static_cast<T>(p.alpha), beta = static_cast<T>(p.beta);
      for (std::int64_t j = 0; j < p.n; ++j) {
        T v = alpha * acc[static_cast<std::size_t>(j)];
        if (p.addend == MatMulProblem::Addend::row) v += beta * addend[j];
        if (p.addend == MatMulProblem::Addend::matrix) {
          v += beta * addend[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)];
        }
        out[j] = v;
      }
      if constexpr (std::is_same_v<T, float>) {
        apply_activation(p.activation, {out, static_cast<std::size_t>(p.n)});
      }
    }
  });
}

template void matmul_loop<float>(const MatMulProblem&, const float*, const float*, const float*,
                                 float*);
template void matmul_loop<double>(const MatMulProblem&, const double*, const double*, const double*,
                                  double*);

}  // namespace nnload::linalg
