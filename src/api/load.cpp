#include "api/detect.hpp"
#include "api/model_impl.hpp"
#include "core/fail.hpp"
#include "core/read_limits.hpp"
#include "formats/keras/keras_archive.hpp"
#include "formats/keras/keras_config_load.hpp"
#include "formats/keras/keras_h5.hpp"
#include "formats/onnx/load_onnx.hpp"
#include "formats/savedmodel/load_savedmodel.hpp"
#include "formats/torch/load_torch.hpp"
#include "graph/passes/passes.hpp"
#include "graph/shape_probe.hpp"
#include "nnload/model.hpp"

namespace nnload {

namespace {

formats::LoadedModel read_model(const std::filesystem::path& path, const LoadOptions& options) {
  const detail::Format format = detail::detect_format(path);
  if (!options.keras_config.empty()) {
    if (format != detail::Format::keras_h5 && format != detail::Format::keras_zip) {
      fail(ErrorCode::invalid_argument,
           "{}: a Keras config was given, but this is a {} file, not Keras weights", path.string(),
           detail::format_name(format));
    }
    return formats::keras::load_keras_with_config(path, options.keras_config);
  }
  switch (format) {
    case detail::Format::savedmodel:
      return formats::savedmodel::load_savedmodel(path, options);
    case detail::Format::keras_h5:
      return formats::keras::load_h5(path);
    case detail::Format::keras_zip:
      return formats::keras::load_keras_archive(path);
    case detail::Format::torch:
      return formats::torch::load_torch(path);
    case detail::Format::onnx:
      return formats::onnx::load_onnx(path);
    default:
      fail(ErrorCode::unsupported, "{}: {} files are not supported yet", path.string(),
           detail::format_name(format));
  }
}

// Output types the format did not declare, and every layer's output shapes for summary(), -1
// where a dimension follows an unknown input dimension. Probed on the graph as read: later
// rewrites fuse some layers' outputs away.
void probe_types_as_read(detail::ModelImpl& impl) {
  formats::LoadedModel& m = impl.model;
  graph::passes::sort_topologically(*m.graph);
  const graph::Executor as_read(m.graph);
  std::vector<int> values = m.graph->outputs();
  if (m.layers) {
    for (const formats::LayerRow& row : m.layers->rows)
      values.insert(values.end(), row.outputs.begin(), row.outputs.end());
  }
  const std::vector<std::optional<ops::TensorType>> types = graph::probe_types(as_read, values);
  std::size_t next = 0;
  for (std::size_t i = 0; i < m.graph->outputs().size(); ++i, ++next) {
    if (i < m.outputs.size() && m.outputs[i].shape.empty() && types[next]) {
      m.outputs[i].dtype = types[next]->dtype;
      m.outputs[i].shape = types[next]->shape;
    }
  }
  if (!m.layers || m.layer_graph) return;
  for (const formats::LayerRow& row : m.layers->rows) {
    std::vector<std::optional<Shape>> shapes;
    for (std::size_t o = 0; o < row.outputs.size(); ++o, ++next) {
      shapes.push_back(types[next] ? std::optional<Shape>(types[next]->shape) : std::nullopt);
    }
    impl.layer_shapes.push_back(std::move(shapes));
  }
}

// Output shapes of a layer table whose graph is not the model's (a SavedModel's Keras layers).
void probe_layer_table(detail::ModelImpl& impl, const std::shared_ptr<graph::Graph>& layer_graph) {
  try {
    graph::passes::sort_topologically(*layer_graph);
    const graph::Executor executor(layer_graph);
    for (const formats::LayerRow& row : impl.model.layers->rows) {
      std::vector<std::optional<Shape>> shapes = graph::probe_shapes(executor, row.outputs);
      impl.layer_shapes.push_back(std::move(shapes));
    }
  } catch (const Error&) {
    impl.layer_shapes.clear();  // the table still prints, with '?' shapes
  }
}

// Each signature gets its own optimised graph and executor; one that can't be built keeps its
// error for run() instead of failing the load. The default one also serves predict().
void compile_signatures(detail::ModelImpl& impl, const std::filesystem::path& path) {
  formats::LoadedModel& m = impl.model;
  for (formats::LoadedSignature& s : m.signatures) {
    detail::SignatureImpl sig;
    sig.info = s.info;
    sig.error_code = s.error_code;
    sig.error_message = s.error_message;
    if (s.graph) {
      try {
        graph::passes::optimize(*s.graph);
        sig.executor = std::make_shared<graph::Executor>(s.graph);
      } catch (const Error& e) {
        sig.error_code = e.code();
        sig.error_message =
            fmt::format("{}: signature '{}': {}", path.string(), s.info.name, e.what());
      }
    }
    if (s.info.name == m.default_signature) {
      impl.executor = sig.executor;
      if (!sig.executor) {
        m.weights_only_code = sig.error_code;
        m.weights_only_reason = sig.error_message;
      }
    }
    impl.signature_infos.push_back(sig.info);
    impl.signatures.push_back(std::move(sig));
  }
}

}  // namespace

Model load(const std::filesystem::path& path, const LoadOptions& options) {
  const ScopedReadLimits limits(options.limits);
  auto impl = std::make_shared<detail::ModelImpl>();
  impl->model = read_model(path, options);
  formats::LoadedModel& m = impl->model;
  compile_signatures(*impl, path);
  if (m.layer_graph && m.layers) probe_layer_table(*impl, m.layer_graph);
  if (!m.graph) return Model(std::move(impl), options.threads);  // signatures or weights only
  try {
    probe_types_as_read(*impl);
    graph::passes::optimize(*m.graph);
    impl->executor = std::make_shared<graph::Executor>(m.graph);
  } catch (const Error& e) {
    rethrow_with_context(e, path.string());
  }
  return Model(std::move(impl), options.threads);
}

Model load_keras(const std::string& config, const std::filesystem::path& weights,
                 LoadOptions options) {
  if (config.empty()) fail(ErrorCode::invalid_argument, "load_keras: the config is empty");
  options.keras_config = config;
  return load(weights, options);
}

}  // namespace nnload
