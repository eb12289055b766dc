#include "api/detect.hpp"
#include "api/layer_shapes.hpp"
#include "api/model_impl.hpp"
#include "core/fail.hpp"
#include "formats/keras/keras_h5.hpp"
#include "graph/passes/passes.hpp"
#include "nnload/model.hpp"

namespace nnload {

namespace {

formats::LoadedModel read_model(const std::filesystem::path& path) {
  const detail::Format format = detail::detect_format(path);
  switch (format) {
    case detail::Format::keras_h5:
      return formats::keras::load_h5(path);
    default:
      fail(ErrorCode::unsupported, "{}: {} files are not supported yet", path.string(),
           detail::format_name(format));
  }
}

}  // namespace

Model load(const std::filesystem::path& path, const LoadOptions& options) {
  auto impl = std::make_shared<detail::ModelImpl>();
  impl->model = read_model(path);
  formats::LoadedModel& m = impl->model;
  try {
    if (m.layers) {
      // Layer shapes come from the graph as read: later rewrites fuse some layers' outputs away.
      graph::passes::sort_topologically(*m.graph);
      const graph::Executor as_read(m.graph);
      impl->layer_shapes = detail::probe_layer_shapes(as_read, *m.layers);
    }
    graph::passes::optimize(*m.graph);
    impl->executor = std::make_unique<graph::Executor>(m.graph);
  } catch (const Error& e) {
    rethrow_with_context(e, path.string());
  }
  return Model(std::move(impl), options.threads);
}

}  // namespace nnload
