// Runs the command-line tool built with the tests (NNLOAD_CLI_PATH), or another program, through
// the shell as a user would, and collects its exit status and what it printed.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "support/temp_files.hpp"

namespace nnload::testing {

struct CliRun {
  int status = -1;  // the exit status; -1 when the process did not exit (a signal: a crash)
  std::string out;
  std::string err;
};

// std::system's result as an exit status, -1 for a process killed by a signal.
inline int exit_status(int raw) { return WIFEXITED(raw) ? WEXITSTATUS(raw) : -1; }

// `command_line` with stdout and stderr kept apart, in files under `dir`.
inline CliRun run_command(const std::string& command_line, const std::filesystem::path& dir) {
  const std::filesystem::path out = dir / "stdout.txt", err = dir / "stderr.txt";
  CliRun r;
  r.status =
      exit_status(std::system((command_line + " >" + out.string() + " 2>" + err.string()).c_str()));
  r.out = read_text(out);
  r.err = read_text(err);
  return r;
}

// nnload with `args`, stdout and stderr kept apart.
inline CliRun run_cli(const std::string& args, const std::filesystem::path& dir) {
  return run_command(std::string(NNLOAD_CLI_PATH) + " " + args, dir);
}

// `command_line` with stdout and stderr together in `log` (as a terminal shows them); the exit
// status.
inline int run_logged(const std::string& command_line, const std::filesystem::path& log) {
  return exit_status(std::system((command_line + " >" + log.string() + " 2>&1").c_str()));
}

// nnload with `args`, stdout and stderr together in `log`; the exit status.
inline int run_cli_logged(const std::string& args, const std::filesystem::path& log) {
  return run_logged(std::string(NNLOAD_CLI_PATH) + " " + args, log);
}

}  // namespace nnload::testing
