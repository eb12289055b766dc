// nnload.KerasCustomLayer (opset 1+): runs a user's nnload::keras::CustomLayer, carried by the
// node as the opaque attribute "layer" (see formats/keras/custom_layers.cpp).
#include <cstring>

#include "core/fail.hpp"
#include "nnload/keras.hpp"
#include "ops/keras_custom/table.hpp"

namespace nnload::ops {

namespace {

using LayerPtr = std::shared_ptr<const keras::CustomLayer>;

std::string describe(const std::vector<std::pair<DType, Shape>>& types) {
  std::string out;
  for (const auto& [dtype, shape] : types)
    out += (out.empty() ? "" : ", ") + std::string(dtype_name(dtype)) + shape_to_list(shape);
  return out;
}

// User code may throw anything; the executor and callers expect nnload::Error.
template <class Fn>
auto guarded(const std::string& layer, const char* what, Fn&& fn) {
  try {
    return fn();
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    fail(ErrorCode::invalid_argument, "custom layer '{}': {} threw: {}", layer, what, e.what());
  }
}

class CustomLayerKernel final : public Kernel {
 public:
  CustomLayerKernel(LayerPtr layer, std::string name) : layer_(std::move(layer)), name_(name) {}

  void run(std::span<const Tensor> inputs, std::span<Tensor> outputs) const override {
    const std::vector<Tensor> args(inputs.begin(), inputs.end());
    const std::vector<Tensor> results =
        guarded(name_, "call()", [&] { return layer_->call(args); });
    if (results.size() != outputs.size()) {
      fail(ErrorCode::shape, "custom layer '{}': call() returned {} tensors, output_types() {}",
           name_, results.size(), outputs.size());
    }
    for (std::size_t i = 0; i < results.size(); ++i) {
      const Tensor& r = results[i];
      if (r.dtype() != outputs[i].dtype() || r.shape() != outputs[i].shape()) {
        fail(ErrorCode::shape,
             "custom layer '{}': call() returned output {} as {}{}, output_types() said {}{}",
             name_, i, dtype_name(r.dtype()), shape_to_list(r.shape()),
             dtype_name(outputs[i].dtype()), shape_to_list(outputs[i].shape()));
      }
      if (r.nbytes() > 0 && r.raw() != outputs[i].raw())
        std::memcpy(outputs[i].mutable_raw(), r.raw(), r.nbytes());
    }
  }

 private:
  LayerPtr layer_;
  std::string name_;
};

class CustomLayerOp final : public Op {
 public:
  explicit CustomLayerOp(const graph::Node& node)
      : layer_(std::static_pointer_cast<const keras::CustomLayer>(node.attrs.get_object("layer"))),
        name_(node.attrs.string_or("layer_name", node.name)) {
    if (!layer_) fail(ErrorCode::invalid_argument, "attribute 'layer' holds no custom layer");
  }

  std::vector<TensorType> infer(std::span<const InputInfo> inputs) const override {
    std::vector<std::pair<DType, Shape>> in;
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      if (!inputs[i].present) fail(ErrorCode::shape, "input {} is missing", i);
      in.emplace_back(inputs[i].dtype, inputs[i].shape);
    }
    const auto out = guarded(name_, "output_types()", [&] { return layer_->output_types(in); });
    std::vector<TensorType> types;
    for (const auto& [dtype, shape] : out) {
      for (std::int64_t d : shape) {
        if (d < 0) {
          fail(ErrorCode::shape, "custom layer '{}': output_types() for inputs {} gave {}", name_,
               describe(in), describe(out));
        }
      }
      types.push_back({dtype, shape});
    }
    return types;
  }

  std::unique_ptr<Kernel> make_kernel(std::span<const InputInfo>,
                                      std::span<const TensorType>) const override {
    return std::make_unique<CustomLayerKernel>(layer_, name_);
  }

 private:
  LayerPtr layer_;
  std::string name_;
};

}  // namespace

OpTable keras_custom::custom_layer_ops() {
  return {{"nnload", "KerasCustomLayer", 1, graph::kLatestOpset,
           [](const graph::Node& node) -> std::unique_ptr<Op> {
             return std::make_unique<CustomLayerOp>(node);
           }}};
}

}  // namespace nnload::ops
