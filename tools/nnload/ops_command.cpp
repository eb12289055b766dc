// nnload ops: the op vocabulary (ONNX semantics, plus nnload's internal ops) with opset ranges.
#include <iostream>
#include <map>

#include "commands.hpp"
#include "ops/registry.hpp"

namespace nnload::cli {

Command add_ops_command(CLI::App& app) {
  CLI::App* sub =
      app.add_subcommand("ops", "List the ops nnload implements, with their opset ranges");
  return {sub, [] {
            // Rows of one op (one per opset range) print on one line.
            std::map<std::string, std::vector<std::string>> ranges;
            for (const ops::OpDef* def : ops::all_ops()) {
              const std::string name =
                  def->domain.empty() ? std::string(def->name)
                                      : std::string(def->domain) + "." + std::string(def->name);
              ranges[name].push_back(std::to_string(def->since_version) + "-" +
                                     std::to_string(def->until_version));
            }
            for (const auto& [name, list] : ranges) {
              std::cout << name << "  (opset";
              for (const std::string& r : list) std::cout << ' ' << r;
              std::cout << ")\n";
            }
            return 0;
          }};
}

}  // namespace nnload::cli
