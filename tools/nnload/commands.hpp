// The nnload command-line tool: one file per subcommand, each registering itself on the app.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <utility>

namespace nnload::cli {

// The action to run when a subcommand was chosen; it returns the exit code. Options are bound
// to state the action owns.
using Action = std::function<int()>;
using Command = std::pair<CLI::App*, Action>;

Command add_summary_command(CLI::App& app);
Command add_inspect_command(CLI::App& app);
Command add_predict_command(CLI::App& app);
Command add_weights_command(CLI::App& app);
Command add_ops_command(CLI::App& app);
Command add_signatures_command(CLI::App& app);
Command add_bench_command(CLI::App& app);

}  // namespace nnload::cli
