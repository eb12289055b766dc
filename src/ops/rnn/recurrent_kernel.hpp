// The time loop RNN, GRU and LSTM share, around a per-op Cell that owns the gate math.
//
// One matrix product projects every step's input at once (X W^T + bias, all directions side
// by side); each step then multiplies the hidden state by R (packed once when constant) and
// the cell turns gates into the new state. Rows whose sequence has ended stay as they were;
// a reverse direction starts at each sequence's own last step, as ONNX's reference and ONNX
// Runtime do. Rows whose Keras mask (nnload rows) is false at a step stay as they were too,
// and output their state, or zeros with zero_output_for_mask.
//
// A Cell<T> provides:
//   static constexpr int kGates;                 rows of W per hidden unit
//   void projection_bias(const T* b, T* out)     the bias folded into the projection, from
//                                                B[d] (2 * kGates * hidden) into kGates * hidden
//   std::int64_t work_size()                     scratch elements per direction
//   void step(std::int64_t d, const Step<T>& s)  one step of direction d, state in place
#pragma once

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>

#include "core/fail.hpp"
#include "linalg/parallel.hpp"
#include "linalg/recurrent_activation.hpp"
#include "linalg/row_product.hpp"
#include "ops/rnn/recurrent.hpp"

namespace nnload::ops::rnn {

template <class T>
struct Step {
  std::int64_t batch = 0, hidden = 0;
  const T* const* x;  // per row: its projected input this step (kGates * hidden), or nullptr
                      // when the row's sequence has ended
  T* h;               // [batch, hidden], Ht-1 in, Ht out (rows with x == nullptr untouched)
  T* c;               // [batch, hidden] cell state (LSTM)
  T* work;            // work_size() elements, zero at the first step
  const T* r;         // R[d] as given to this run (ignored where R was packed)
  const T* b;         // B[d] or nullptr
  const T* p;         // P[d] or nullptr
};

// fn(row) for each row still running, in parallel when the rows hold enough work.
template <class T, class Fn>
void for_active_rows(const Step<T>& s, std::int64_t work_per_row, Fn&& fn) {
  const std::int64_t grain =
      std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(work_per_row, 1));
  linalg::parallel_for(s.batch, grain, [&](std::int64_t begin, std::int64_t end) {
    for (std::int64_t row = begin; row < end; ++row) {
      if (s.x[row] != nullptr) fn(row);
    }
  });
}

// The gate loops' building blocks, each one vectorised pass over a gate's `n` values.
template <class T>
struct GateMath {
  std::int64_t n = 0;
  std::optional<T> clip;

  // g = clip(g + x)
  void add(T* __restrict g, const T* __restrict x) const {
    for (std::int64_t j = 0; j < n; ++j) g[j] += x[j];
    clip_in_place(g);
  }
  // g = clip(g + x + p * c), the peephole form
  void add_peephole(T* __restrict g, const T* __restrict x, const T* __restrict p,
                    const T* __restrict c) const {
    if (p == nullptr) return add(g, x);
    for (std::int64_t j = 0; j < n; ++j) g[j] += x[j] + p[j] * c[j];
    clip_in_place(g);
  }
  void clip_in_place(T* __restrict g) const {
    if (!clip) return;
    const T hi = *clip, lo = -*clip;
    for (std::int64_t j = 0; j < n; ++j) g[j] = std::min(std::max(g[j], lo), hi);
  }
  void activate(const linalg::RecurrentActivation& f, T* g) const {
    linalg::apply_recurrent_activation(f, g, n);
  }
};

template <class T, class Cell>
class RecurrentKernel final : public Kernel {
 public:
  RecurrentKernel(const RecurrentAttrs& attrs, const Geometry& g, Cell cell,
                  std::span<const InputInfo> inputs)
      : attrs_(attrs),
        g_(g),
        cell_(std::move(cell)),
        columns_(Cell::kGates * g.hidden),
        projection_(g.seq * g.batch, g.input, g.directions * columns_, has_input(inputs, kB),
                    inputs[kW].has_value() ? inputs[kW].value->template data<T>() : nullptr) {}

  void run(std::span<const Tensor> inputs, std::span<Tensor> outputs) const override {
    const std::vector<std::int64_t> lengths = sequence_lengths(
        has_input(inputs, kSequenceLens) ? &inputs[kSequenceLens] : nullptr, g_.batch, g_.seq);
    const std::int64_t all_columns = g_.directions * columns_;
    const bool has_b = has_input(inputs, kB);
    const T* b = has_b ? inputs[kB].data<T>() : nullptr;

    // Every step's projected input, and per direction: h, c, the cell's work and the step's
    // row pointers. Allocated here, before any parallel region, once per run.
    const auto projected_size = static_cast<std::size_t>(g_.seq * g_.batch * all_columns);
    const auto per_direction =
        static_cast<std::size_t>(2 * g_.batch * g_.hidden + cell_.work_size());
    std::unique_ptr<T[]> projected;
    std::vector<T> scratch;
    std::vector<const T*> rows;
    try {
      projected.reset(new T[projected_size]);
      scratch.resize(per_direction * static_cast<std::size_t>(g_.directions));
      rows.resize(static_cast<std::size_t>(g_.batch * g_.directions));
    } catch (const std::bad_alloc&) {
      fail(ErrorCode::invalid_argument,
           "out of memory: {} bytes of scratch for {} steps of {} sequences",
           (projected_size + per_direction * static_cast<std::size_t>(g_.directions)) * sizeof(T),
           g_.seq, g_.batch);
    }
    std::vector<T> bias(has_b ? static_cast<std::size_t>(all_columns) : 0);
    for (std::int64_t d = 0; has_b && d < g_.directions; ++d) {
      cell_.projection_bias(b + d * 2 * columns_, bias.data() + d * columns_);
    }
    projection_.run(inputs[kX].data<T>(), inputs[kW].data<T>(), bias.data(), projected.get());

    const bool* mask = attrs_.mask_input >= 0 && has_input(inputs, attrs_.mask_input)
                           ? inputs[static_cast<std::size_t>(attrs_.mask_input)].data<bool>()
                           : nullptr;
    T* y = want(outputs, 0) ? outputs[0].mutable_data<T>() : nullptr;
    T* y_h = want(outputs, 1) ? outputs[1].mutable_data<T>() : nullptr;
    T* y_c = want(outputs, 2) ? outputs[2].mutable_data<T>() : nullptr;
    // Directions are independent: with two threads or more each runs on its own.
    linalg::parallel_for(g_.directions, 1, [&](std::int64_t begin, std::int64_t end) {
      for (std::int64_t d = begin; d < end; ++d) {
        run_direction(d, inputs, lengths, mask, projected.get(),
                      scratch.data() + static_cast<std::size_t>(d) * per_direction,
                      rows.data() + d * g_.batch, y, y_h, y_c);
      }
    });
  }

 private:
  bool want(std::span<Tensor> outputs, std::size_t i) const {
    return i < outputs.size() && attrs_.want[i] && outputs[i].defined() && outputs[i].numel() > 0;
  }
  // Offsets of [d, row] in initial_h/Y_h-shaped tensors, and of [t, d, row] in Y, per layout.
  std::int64_t state_offset(std::int64_t d, std::int64_t row) const {
    return (g_.batch_first ? row * g_.directions + d : d * g_.batch + row) * g_.hidden;
  }
  std::int64_t y_offset(std::int64_t t, std::int64_t d, std::int64_t row) const {
    return (g_.batch_first ? (row * g_.seq + t) * g_.directions + d
                           : (t * g_.directions + d) * g_.batch + row) *
           g_.hidden;
  }

  // `mask` is the Keras step mask [batch, seq], or nullptr.
  void run_direction(std::int64_t d, std::span<const Tensor> inputs,
                     const std::vector<std::int64_t>& lengths, const bool* mask, const T* projected,
                     T* scratch, const T** x, T* y, T* y_h, T* y_c) const {
    const std::int64_t batch = g_.batch, hidden = g_.hidden;
    T* h = scratch;
    T* c = h + batch * hidden;
    load_state(inputs, kInitialH, d, h);
    if constexpr (Cell::kGates == 4) load_state(inputs, kInitialC, d, c);
    Step<T> s{batch,
              hidden,
              x,
              h,
              c,
              c + batch * hidden,
              inputs[kR].data<T>() + d * columns_ * hidden,
              has_input(inputs, kB) ? inputs[kB].data<T>() + d * 2 * columns_ : nullptr,
              Cell::kGates == 4 && has_input(inputs, kP) ? inputs[kP].data<T>() + d * 3 * hidden
                                                         : nullptr};
    const bool reversed = attrs_.reversed(d);
    const std::int64_t all_columns = g_.directions * columns_;
    const std::int64_t steps =
        lengths.empty() ? 0 : *std::max_element(lengths.begin(), lengths.end());
    const auto bytes = static_cast<std::size_t>(hidden) * sizeof(T);
    for (std::int64_t step = 0; step < steps; ++step) {
      for (std::int64_t row = 0; row < batch; ++row) {
        const std::int64_t len = lengths[static_cast<std::size_t>(row)];
        const std::int64_t t = reversed ? len - 1 - step : step;
        const bool live = step < len && (mask == nullptr || mask[row * g_.seq + t]);
        x[row] = live ? projected + input_row(t, row) * all_columns + d * columns_ : nullptr;
      }
      cell_.step(d, s);
      for (std::int64_t row = 0; y != nullptr && row < batch; ++row) {
        const std::int64_t len = lengths[static_cast<std::size_t>(row)];
        if (step >= len) continue;
        const std::int64_t t = reversed ? len - 1 - step : step;
        if (x[row] == nullptr && attrs_.zero_output_for_mask) {
          std::memset(y + y_offset(t, d, row), 0, bytes);
        } else {
          std::memcpy(y + y_offset(t, d, row), h + row * hidden, bytes);
        }
      }
    }
    for (std::int64_t row = 0; row < batch; ++row) {
      for (std::int64_t t = lengths[static_cast<std::size_t>(row)]; y != nullptr && t < g_.seq;
           ++t) {
        std::memset(y + y_offset(t, d, row), 0, bytes);
      }
      if (y_h) std::memcpy(y_h + state_offset(d, row), h + row * hidden, bytes);
      if (y_c) std::memcpy(y_c + state_offset(d, row), c + row * hidden, bytes);
    }
  }

  std::int64_t input_row(std::int64_t t, std::int64_t row) const {
    return g_.batch_first ? row * g_.seq + t : t * g_.batch + row;
  }

  void load_state(std::span<const Tensor> inputs, int index, std::int64_t d, T* out) const {
    if (!has_input(inputs, index)) return;
    const T* from = inputs[static_cast<std::size_t>(index)].data<T>();
    for (std::int64_t row = 0; row < g_.batch; ++row) {
      std::memcpy(out + row * g_.hidden, from + state_offset(d, row),
                  static_cast<std::size_t>(g_.hidden) * sizeof(T));
    }
  }

  RecurrentAttrs attrs_;
  Geometry g_;
  Cell cell_;
  std::int64_t columns_;  // kGates * hidden: one direction's projected columns
  linalg::RowProduct<T> projection_;
};

// The kernel for inputs' dtype (float32 or float64; check_inputs allowed no other).
template <template <class> class Cell>
std::unique_ptr<Kernel> make_recurrent_kernel(const RecurrentAttrs& attrs, const Geometry& g,
                                              std::span<const InputInfo> inputs) {
  if (g.dtype == DType::f64) {
    return std::make_unique<RecurrentKernel<double, Cell<double>>>(
        attrs, g, Cell<double>(attrs, g, inputs), inputs);
  }
  return std::make_unique<RecurrentKernel<float, Cell<float>>>(
      attrs, g, Cell<float>(attrs, g, inputs), inputs);
}

}  // namespace nnload::ops::rnn
