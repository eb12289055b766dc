// What a Model shares between its copies: the loaded model, its executor, and the output
// shapes of its layers as probed at load time (for summary()).
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <vector>

#include "formats/loaded_model.hpp"
#include "graph/executor.hpp"

namespace nnload::detail {

struct SignatureImpl {
  SignatureInfo info;
  std::shared_ptr<const graph::Executor> executor;  // null when it can't run: see error_*
  ErrorCode error_code = ErrorCode::unsupported;
  std::string error_message;
};

struct ModelImpl {
  formats::LoadedModel model;
  std::shared_ptr<const graph::Executor> executor;
  std::vector<SignatureImpl> signatures;
  std::vector<SignatureInfo> signature_infos;
  // Per layer row, per output: the shape with -1 where it depends on an unknown input
  // dimension; nullopt when it could not be inferred.
  std::vector<std::vector<std::optional<Shape>>> layer_shapes;
  // Runs model.overridable's graph. Built on the first predict that overrides an initializer
  // (most callers never do; IR 3 files list every weight as overridable), then kept.
  mutable std::once_flag override_once;
  mutable std::shared_ptr<const graph::Executor> override_executor;
  mutable std::string override_error;
};

}  // namespace nnload::detail
