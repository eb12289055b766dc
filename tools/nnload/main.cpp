// nnload: load a saved model and inspect or run it. Exit codes: 0 success, 1 an nnload error
// (message on stderr as "error: ..."), 2 bad usage.
#include <iostream>
#include <map>

#include "commands.hpp"
#include "nnload/error.hpp"

int main(int argc, char** argv) {
  CLI::App app{"nnload: load a saved neural-network model (Keras .h5, ...) and run it"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "nnload 0.1.0");
  std::map<CLI::App*, nnload::cli::Action> actions;
  for (auto add : {nnload::cli::add_summary_command, nnload::cli::add_inspect_command,
                   nnload::cli::add_predict_command, nnload::cli::add_weights_command,
                   nnload::cli::add_ops_command, nnload::cli::add_signatures_command,
                   nnload::cli::add_bench_command}) {
    auto [sub, action] = add(app);
    actions[sub] = std::move(action);
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  try {
    for (CLI::App* sub : app.get_subcommands()) return actions.at(sub)();
  } catch (const nnload::Error& e) {
    std::cerr << "error: " << e.what() << '\n';
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: internal: " << e.what() << '\n';
    return 1;
  }
  return 2;
}
