// nnload weights MODEL --output W.npz: every weight tensor, keyed by its name in the file.
#include <memory>

#include "commands.hpp"
#include "io/npz.hpp"
#include "nnload/model.hpp"

namespace nnload::cli {

Command add_weights_command(CLI::App& app) {
  auto model_path = std::make_shared<std::string>();
  auto output = std::make_shared<std::string>();
  CLI::App* sub = app.add_subcommand("weights", "Export every weight tensor to an .npz file");
  sub->add_option("model", *model_path, "Model file or directory")->required();
  sub->add_option("--output,-o", *output, "The .npz file to write")->required();
  return {sub, [model_path, output] {
            const Model model = load(*model_path);
            std::vector<io::NamedTensor> named;
            for (const WeightInfo& w : model.weights())
              named.push_back({w.name, model.weight(w.name)});
            io::save_npz(*output, named);
            return 0;
          }};
}

}  // namespace nnload::cli
