// nnload predict MODEL --input FILE [--output OUT.npz] [--threads N]
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "input_files.hpp"
#include "io/npz.hpp"
#include "tensor_text.hpp"

namespace nnload::cli {

namespace {

struct PredictOptions {
  std::string model;
  std::vector<std::string> inputs;
  std::string output;
  int threads = 0;
};

int run_predict(const PredictOptions& options) {
  LoadOptions load_options;
  load_options.threads = options.threads;
  const Model model = load(options.model, load_options);
  const std::vector<Tensor> inputs = read_inputs(model, options.inputs);
  const std::vector<Tensor> outputs = model.predict(inputs);
  if (!options.output.empty()) {
    std::vector<io::NamedTensor> named;
    for (std::size_t i = 0; i < outputs.size(); ++i)
      named.push_back({model.outputs()[i].name, outputs[i]});
    io::save_npz(options.output, named);  // atomic: a failure leaves no file behind
    return 0;
  }
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    std::cout << model.outputs()[i].name << ": " << dtype_name(outputs[i].dtype()) << ' '
              << shape_to_string(outputs[i].shape()) << '\n';
    print_tensor(std::cout, outputs[i]);
  }
  return 0;
}

}  // namespace

Command add_predict_command(CLI::App& app) {
  auto options = std::make_shared<PredictOptions>();
  CLI::App* sub = app.add_subcommand("predict", "Run the model on inputs from .npy/.npz files");
  sub->add_option("model", options->model, "Model file or directory")->required();
  sub->add_option("--input,-i", options->inputs,
                  "Input file: one .npz keyed by input name (any single array for a one-input "
                  "model), or one .npy per input in order")
      ->required();
  sub->add_option("--output,-o", options->output,
                  "Write the outputs to this .npz, keyed by output name");
  sub->add_option("--threads", options->threads, "Threads to use (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  return {sub, [options] { return run_predict(*options); }};
}

}  // namespace nnload::cli
