// nnload TfConv2DBackpropInput (1): TensorFlow's Conv2DBackpropInput (a transposed convolution
// whose output size is the `input_sizes` input, padding SAME/VALID/EXPLICIT as the forward
// convolution had). Inputs out_backprop, W in ConvTranspose's [C_in, C_out, k...] layout, and
// input_sizes (int32/int64, rank + 2 entries in the data's layout). Keras computes input_sizes
// from tf.shape() at run time, so this op reads it when the plan is compiled, derives the pads
// and output_padding, and runs nnload.ConvTranspose with them.
#include "core/fail.hpp"
#include "ops/conv/conv.hpp"
#include "ops/shape/op_inputs.hpp"
#include "ops/tf/families.hpp"

namespace nnload::ops::tfops {

namespace {

constexpr const char* kOp = "TfConv2DBackpropInput";

enum class Padding { same, valid, explicit_pads };

struct BackpropAttrs {
  std::vector<std::int64_t> strides, dilations;
  Padding padding = Padding::valid;
  std::vector<std::int64_t> pads;  // EXPLICIT: [begin..., end...]
  bool channels_last = false;
};

BackpropAttrs parse(const graph::Node& n) {
  BackpropAttrs a;
  a.strides = n.attrs.get_ints("strides");
  a.dilations = n.attrs.ints_or("dilations", std::vector<std::int64_t>(a.strides.size(), 1));
  const std::string padding = n.attrs.get_string("padding");
  if (padding == "SAME") {
    a.padding = Padding::same;
  } else if (padding == "VALID") {
    a.padding = Padding::valid;
  } else if (padding == "EXPLICIT") {
    a.padding = Padding::explicit_pads;
    a.pads = n.attrs.get_ints("pads");
  } else {
    fail(ErrorCode::invalid_argument, "{}: padding '{}', expected SAME, VALID or EXPLICIT", kOp,
         padding);
  }
  a.channels_last = n.attrs.int_or("channels_last", 0) != 0;
  const std::size_t k = a.strides.size();
  if (k == 0 || a.dilations.size() != k ||
      (a.padding == Padding::explicit_pads && a.pads.size() != 2 * k)) {
    fail(ErrorCode::invalid_argument,
         "{}: {} strides, {} dilations and {} pads do not describe the same spatial axes", kOp, k,
         a.dilations.size(), a.pads.size());
  }
  for (std::size_t i = 0; i < k; ++i) {
    if (a.strides[i] < 1 || a.dilations[i] < 1)
      fail(ErrorCode::invalid_argument, "{}: stride {} and dilation {} must be positive", kOp,
           a.strides[i], a.dilations[i]);
  }
  return a;
}

// The ConvTranspose node that produces input_sizes from out_backprop.
graph::Node transposed_conv(const BackpropAttrs& a, std::span<const InputInfo> in) {
  check_input_count(in, 3, 3, kOp);
  const std::size_t k = a.strides.size();
  const Shape& dy = in[0].shape;
  const Shape& w = in[1].shape;
  if (dy.size() != k + 2 || w.size() != k + 2) {
    fail(ErrorCode::shape, "{}: out_backprop {} and filter {} must have rank {}", kOp,
         shape_to_list(dy), shape_to_list(w), k + 2);
  }
  const std::vector<std::int64_t> sizes =
      int_values(constant_input(in, 2, kOp, "input_sizes"), kOp, "input_sizes");
  if (sizes.size() != k + 2) {
    fail(ErrorCode::shape, "{}: input_sizes [{}] has {} entries, expected {}", kOp,
         fmt::join(sizes, ", "), sizes.size(), k + 2);
  }
  const std::size_t first_spatial = a.channels_last ? 1 : 2;
  const std::int64_t channels = sizes[a.channels_last ? k + 1 : 1];
  if (channels != w[1]) {
    fail(ErrorCode::shape, "{}: input_sizes asks for {} channels, the filter makes {}", kOp,
         channels, w[1]);
  }
  std::vector<std::int64_t> begin(k), end(k), output_padding(k);
  for (std::size_t i = 0; i < k; ++i) {
    const std::int64_t size = sizes[first_spatial + i], s = a.strides[i];
    const std::int64_t span = (w[2 + i] - 1) * a.dilations[i] + 1;
    const std::int64_t out = dy[first_spatial + i];
    std::int64_t expected = 0;
    switch (a.padding) {
      case Padding::same:
        expected = (size + s - 1) / s;
        begin[i] = std::max<std::int64_t>(0, (out - 1) * s + span - size) / 2;
        break;
      case Padding::valid:
        expected = size >= span ? (size - span) / s + 1 : 0;
        begin[i] = 0;
        break;
      case Padding::explicit_pads: {
        const std::int64_t padded = size + a.pads[i] + a.pads[k + i];
        expected = padded >= span ? (padded - span) / s + 1 : 0;
        begin[i] = a.pads[i];
        break;
      }
    }
    if (size < 0 || out != expected) {
      fail(ErrorCode::shape,
           "{}: out_backprop has {} on spatial axis {}; a convolution of input size {} gives {}",
           kOp, out, i, size, expected);
    }
    // ConvTranspose's output is s * (out - 1) + span - begin - end (+ output_padding): choose
    // end, or pad the end out when the forward convolution left input pixels unread.
    const std::int64_t e = s * (out - 1) + span - begin[i] - size;
    end[i] = std::max<std::int64_t>(e, 0);
    output_padding[i] = std::max<std::int64_t>(-e, 0);
  }
  graph::Node node;
  node.name = kOp;
  node.op = "ConvTranspose";
  node.domain = "nnload";
  std::vector<std::int64_t> pads = begin;
  pads.insert(pads.end(), end.begin(), end.end());
  node.attrs.set("strides", a.strides);
  node.attrs.set("dilations", a.dilations);
  node.attrs.set("pads", pads);
  node.attrs.set("output_padding", output_padding);
  node.attrs.set("channels_last", std::int64_t{a.channels_last ? 1 : 0});
  node.inputs = {0, 1};
  node.outputs = {2};
  return node;
}

class ForwardingKernel final : public Kernel {
 public:
  explicit ForwardingKernel(std::unique_ptr<Kernel> inner) : inner_(std::move(inner)) {}
  void run(std::span<const Tensor> inputs, std::span<Tensor> outputs) const override {
    inner_->run(inputs.first(2), outputs);
  }

 private:
  std::unique_ptr<Kernel> inner_;
};

class BackpropInputOp final : public Op {
 public:
  explicit BackpropInputOp(BackpropAttrs attrs) : attrs_(std::move(attrs)) {}

  std::vector<TensorType> infer(std::span<const InputInfo> in) const override {
    return make_conv_transpose(transposed_conv(attrs_, in))->infer(in.first(2));
  }
  std::unique_ptr<Kernel> make_kernel(std::span<const InputInfo> in,
                                      std::span<const TensorType> out) const override {
    auto inner = make_conv_transpose(transposed_conv(attrs_, in))->make_kernel(in.first(2), out);
    return std::make_unique<ForwardingKernel>(std::move(inner));
  }

 private:
  BackpropAttrs attrs_;
};

}  // namespace

OpTable conv_backprop_rows() {
  return {
      {"nnload", "TfConv2DBackpropInput", 1, 1, [](const graph::Node& n) -> std::unique_ptr<Op> {
         return std::make_unique<BackpropInputOp>(parse(n));
       }}};
}

}  // namespace nnload::ops::tfops
