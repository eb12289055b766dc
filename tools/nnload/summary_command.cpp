// nnload summary MODEL: the layer table, as Keras' model.summary() prints it.
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "nnload/model.hpp"

namespace nnload::cli {

Command add_summary_command(CLI::App& app) {
  auto model_path = std::make_shared<std::string>();
  CLI::App* sub =
      app.add_subcommand("summary", "Print the model's layers, output shapes and parameter counts");
  sub->add_option("model", *model_path, "Model file or directory")->required();
  return {sub, [model_path] {
            const Model model = load(*model_path);
            model.summary(std::cout);
            return 0;
          }};
}

}  // namespace nnload::cli
