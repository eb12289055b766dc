// nnload ConvLSTM 1: the time loop of Keras' ConvLSTM1D/2D/3D, channels-first.
//
// Inputs: X [batch, seq, 4F, d...], the input convolution of every step with its bias already
// added (one Conv over batch*seq images does that outside the loop), gates in Keras order
// i, f, c, o; R [4F, F, k...], the recurrent kernel (ONNX Conv layout); optional initial_h and
// initial_c [batch, F, d...]; optional mask [batch, seq] bool (Keras' step mask).
// Attributes as nnload LSTM: activations (f, g, h), activation_alpha/beta, direction forward or
// reverse, zero_output_for_mask. Outputs: Y [batch, seq, F, d...] (at each step's own time
// index, as ONNX LSTM writes Y), Y_h and Y_c [batch, F, d...].
// Each step: Z = conv(Ht-1, R) (stride 1, TensorFlow's "same" padding) + Xt; it = f(Zi),
// ft = f(Zf), Ct = ft Ct-1 + it g(Zc), ot = f(Zo), Ht = ot h(Ct).
#include <algorithm>
#include <cstring>

#include "core/fail.hpp"
#include "linalg/parallel.hpp"
#include "ops/registry.hpp"
#include "ops/rnn/families.hpp"
#include "ops/rnn/recurrent.hpp"

namespace nnload::ops::rnn {

namespace {

enum ConvLstmInput { kCx = 0, kCr, kCh, kCc, kCmask };

struct ConvLstmGeometry {
  DType dtype = DType::f32;
  std::int64_t batch = 0, seq = 0, filters = 0, spatial = 1;  // spatial: product of d...
  Shape state;                                                // [batch, F, d...]
};

bool present(std::span<const InputInfo> inputs, std::size_t i) {
  return i < inputs.size() && inputs[i].present;
}
bool present(std::span<const Tensor> inputs, std::size_t i) {
  return i < inputs.size() && inputs[i].defined();
}

ConvLstmGeometry check(std::span<const InputInfo> inputs) {
  if (inputs.size() < 2 || inputs.size() > 5 || !inputs[kCx].present || !inputs[kCr].present) {
    fail(ErrorCode::invalid_argument,
         "ConvLSTM takes X, R and optional initial_h, initial_c, mask; got {} inputs",
         inputs.size());
  }
  ConvLstmGeometry g;
  g.dtype = inputs[kCx].dtype;
  if (g.dtype != DType::f32 && g.dtype != DType::f64) {
    fail(ErrorCode::unsupported, "X has dtype {}, supported: float32, float64",
         dtype_name(g.dtype));
  }
  const Shape& x = inputs[kCx].shape;
  const Shape& r = inputs[kCr].shape;
  if (x.size() < 4 || x.size() > 6) {
    fail(ErrorCode::shape, "X has shape {}, expected [batch, seq, 4*filters, d...] with 1 to 3 d",
         shape_to_list(x));
  }
  if (r.size() != x.size() - 1 || r[0] % 4 != 0 || r[0] != x[2] || r[1] * 4 != r[0]) {
    fail(ErrorCode::shape,
         "R has shape {}, expected [4*filters, filters, k...] with 4*filters = {}",
         shape_to_list(r), x[2]);
  }
  if (inputs[kCr].dtype != g.dtype) {
    fail(ErrorCode::shape, "R has dtype {}, X has {}", dtype_name(inputs[kCr].dtype),
         dtype_name(g.dtype));
  }
  g.batch = x[0];
  g.seq = x[1];
  g.filters = r[1];
  g.state = {g.batch, g.filters};
  for (std::size_t i = 3; i < x.size(); ++i) {
    g.state.push_back(x[i]);
    g.spatial *= x[i];
  }
  for (std::size_t i : {std::size_t{kCh}, std::size_t{kCc}}) {
    if (!present(inputs, i)) continue;
    if (inputs[i].shape != g.state || inputs[i].dtype != g.dtype) {
      fail(ErrorCode::shape, "{} has shape {} ({}), expected {} ({})",
           i == kCh ? "initial_h" : "initial_c", shape_to_list(inputs[i].shape),
           dtype_name(inputs[i].dtype), shape_to_list(g.state), dtype_name(g.dtype));
    }
  }
  if (present(inputs, kCmask)) {
    const InputInfo& m = inputs[kCmask];
    if (m.dtype != DType::boolean || m.shape != Shape{g.batch, g.seq}) {
      fail(ErrorCode::shape, "mask has shape {} ({}), expected [{}, {}] (bool)",
           shape_to_list(m.shape), dtype_name(m.dtype), g.batch, g.seq);
    }
  }
  return g;
}

template <class T>
class ConvLstmKernel final : public Kernel {
 public:
  ConvLstmKernel(const RecurrentAttrs& attrs, ConvLstmGeometry g, std::unique_ptr<Op> conv,
                 std::unique_ptr<Kernel> conv_kernel)
      : attrs_(attrs),
        g_(std::move(g)),
        conv_(std::move(conv)),
        conv_kernel_(std::move(conv_kernel)) {}

  void run(std::span<const Tensor> inputs, std::span<Tensor> outputs) const override {
    const std::int64_t n = g_.filters * g_.spatial;  // one gate of one row
    Tensor h = Tensor::zeros(g_.dtype, g_.state);
    Tensor c = Tensor::zeros(g_.dtype, g_.state);
    Shape z_shape = g_.state;
    z_shape[1] *= 4;
    Tensor z = Tensor::empty(g_.dtype, z_shape);
    const auto bytes = static_cast<std::size_t>(n) * sizeof(T);
    if (present(inputs, kCh)) std::memcpy(h.mutable_raw(), inputs[kCh].raw(), h.nbytes());
    if (present(inputs, kCc)) std::memcpy(c.mutable_raw(), inputs[kCc].raw(), c.nbytes());
    const bool* mask = present(inputs, kCmask) ? inputs[kCmask].data<bool>() : nullptr;
    const T* x = inputs[kCx].data<T>();
    T* y = want(outputs, 0) ? outputs[0].mutable_data<T>() : nullptr;
    T* hp = h.mutable_data<T>();
    T* cp = c.mutable_data<T>();
    T* zp = z.mutable_data<T>();
    const bool reversed = attrs_.direction == Direction::reverse;
    const linalg::RecurrentActivation& f = attrs_.activations[0];
    const linalg::RecurrentActivation& gg = attrs_.activations[1];
    const linalg::RecurrentActivation& hh = attrs_.activations[2];
    for (std::int64_t step = 0; step < g_.seq; ++step) {
      const std::int64_t t = reversed ? g_.seq - 1 - step : step;
      const Tensor conv_in[2] = {h, inputs[kCr]};
      Tensor conv_out[1] = {z};
      conv_kernel_->run(conv_in, conv_out);
      const std::int64_t grain =
          std::max<std::int64_t>(1, 16384 / std::max<std::int64_t>(4 * n, 1));
      linalg::parallel_for(g_.batch, grain, [&](std::int64_t begin, std::int64_t end) {
        for (std::int64_t b = begin; b < end; ++b) {
          T* hb = hp + b * n;
          T* out = y != nullptr ? y + ((b * g_.seq) + t) * n : nullptr;
          if (mask != nullptr && !mask[b * g_.seq + t]) {
            if (out == nullptr) continue;
            if (attrs_.zero_output_for_mask) {
              std::memset(out, 0, bytes);
            } else {
              std::memcpy(out, hb, bytes);
            }
            continue;
          }
          T* zb = zp + b * 4 * n;
          const T* xb = x + ((b * g_.seq) + t) * 4 * n;
          for (std::int64_t j = 0; j < 4 * n; ++j) zb[j] += xb[j];
          T* gi = zb;
          T* gf = zb + n;
          T* gc = zb + 2 * n;
          T* go = zb + 3 * n;
          linalg::apply_recurrent_activation(f, gi, n);
          linalg::apply_recurrent_activation(f, gf, n);
          linalg::apply_recurrent_activation(gg, gc, n);
          linalg::apply_recurrent_activation(f, go, n);
          T* cb = cp + b * n;
          for (std::int64_t j = 0; j < n; ++j) cb[j] = gf[j] * cb[j] + gi[j] * gc[j];
          std::copy(cb, cb + n, gc);
          linalg::apply_recurrent_activation(hh, gc, n);
          for (std::int64_t j = 0; j < n; ++j) hb[j] = go[j] * gc[j];
          if (out != nullptr) std::memcpy(out, hb, bytes);
        }
      });
    }
    if (want(outputs, 1)) std::memcpy(outputs[1].mutable_raw(), h.raw(), h.nbytes());
    if (want(outputs, 2)) std::memcpy(outputs[2].mutable_raw(), c.raw(), c.nbytes());
  }

 private:
  bool want(std::span<Tensor> outputs, std::size_t i) const {
    return i < outputs.size() && attrs_.want[i] && outputs[i].defined() && outputs[i].numel() > 0;
  }

  RecurrentAttrs attrs_;
  ConvLstmGeometry g_;
  std::unique_ptr<Op> conv_;  // owns what conv_kernel_ may refer to
  std::unique_ptr<Kernel> conv_kernel_;
};

class ConvLstmOp final : public Op {
 public:
  explicit ConvLstmOp(RecurrentAttrs attrs) : attrs_(std::move(attrs)) {}

  std::vector<TensorType> infer(std::span<const InputInfo> inputs) const override {
    const ConvLstmGeometry g = check(inputs);
    Shape y = g.state;
    y.insert(y.begin() + 1, g.seq);
    std::vector<TensorType> types;
    for (int i = 0; i < attrs_.num_outputs; ++i) types.push_back({g.dtype, i == 0 ? y : g.state});
    return types;
  }

  std::unique_ptr<Kernel> make_kernel(std::span<const InputInfo> inputs,
                                      std::span<const TensorType>) const override {
    const ConvLstmGeometry g = check(inputs);
    graph::Node node;
    node.name = "recurrent_conv";
    node.op = "Conv";
    node.attrs.set("auto_pad", std::string("SAME_UPPER"));  // TensorFlow's "same" at stride 1
    node.inputs = {0, 1};
    node.outputs = {0};
    std::unique_ptr<Op> conv = create_op(node, graph::kLatestOpset);
    const InputInfo conv_inputs[2] = {{g.dtype, g.state, nullptr, true}, inputs[kCr]};
    const std::vector<TensorType> types = conv->infer(conv_inputs);
    Shape expected = g.state;
    expected[1] *= 4;
    if (types.size() != 1 || types[0].shape != expected) {
      fail(ErrorCode::shape, "the recurrent convolution of R {} gives {}, expected {}",
           shape_to_list(inputs[kCr].shape),
           types.empty() ? std::string("nothing") : shape_to_list(types[0].shape),
           shape_to_list(expected));
    }
    std::unique_ptr<Kernel> kernel = conv->make_kernel(conv_inputs, types);
    if (g.dtype == DType::f64) {
      return std::make_unique<ConvLstmKernel<double>>(attrs_, g, std::move(conv),
                                                      std::move(kernel));
    }
    return std::make_unique<ConvLstmKernel<float>>(attrs_, g, std::move(conv), std::move(kernel));
  }

 private:
  RecurrentAttrs attrs_;
};

std::unique_ptr<Op> make_conv_lstm(const graph::Node& node) {
  RecurrentAttrs attrs = parse_recurrent(node, kLstmSpec, {.keras_mask = true});
  if (attrs.direction == Direction::bidirectional) {
    fail(ErrorCode::invalid_argument,
         "direction is 'bidirectional', expected 'forward' or 'reverse'");
  }
  return std::make_unique<ConvLstmOp>(std::move(attrs));
}

}  // namespace

OpTable conv_lstm_ops() { return {{"nnload", "ConvLSTM", 1, 1, make_conv_lstm}}; }

}  // namespace nnload::ops::rnn
