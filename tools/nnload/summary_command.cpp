// nnload summary MODEL (or --config C --weights W): the layer table, as Keras' model.summary()
// prints it.
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "model_source.hpp"
#include "nnload/model.hpp"

namespace nnload::cli {

Command add_summary_command(CLI::App& app) {
  auto source = std::make_shared<ModelSource>();
  CLI::App* sub =
      app.add_subcommand("summary", "Print the model's layers, output shapes and parameter counts");
  source->add_options(sub);
  return {sub, [source] {
            const Model model = source->load();
            model.summary(std::cout);
            return 0;
          }};
}

}  // namespace nnload::cli
