// Where a command's model comes from: a model file or directory, or Keras weights plus the
// architecture as a Keras JSON config (--config, with --weights or the positional MODEL).
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "nnload/model.hpp"

namespace nnload::cli {

struct ModelSource {
  std::string model;
  std::string config;
  std::string weights;

  // Adds the positional MODEL (optional when --weights is given), --config and --weights.
  void add_options(CLI::App* sub);
  // Error(invalid_argument) for a missing or doubled model.
  Model load(LoadOptions options = {}) const;
};

}  // namespace nnload::cli
