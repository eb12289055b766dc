// nnload predict MODEL --input FILE [--output OUT.npz] [--threads N]
// nnload predict --config model.json --weights w.weights.h5 --input FILE ...
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "core/fail.hpp"
#include "input_files.hpp"
#include "io/npz.hpp"
#include "model_source.hpp"
#include "tensor_text.hpp"

namespace nnload::cli {

namespace {

struct PredictOptions {
  ModelSource source;
  std::vector<std::string> inputs;
  std::string output;
  std::string signature;  // SavedModel signature; empty: the default one
  std::vector<std::string> tags;
  int threads = 0;
};

// A SavedModel signature takes an .npz keyed by its input keys and gives outputs by key.
std::vector<std::pair<std::string, Tensor>> run_signature(const Model& model,
                                                          const PredictOptions& options) {
  const Signature signature = model.signature(options.signature);
  if (options.inputs.size() != 1) {
    fail(ErrorCode::invalid_argument, "give the signature's inputs as one .npz keyed by input key");
  }
  std::map<std::string, Tensor> inputs;
  const std::vector<io::NamedTensor> arrays = io::load_npz(options.inputs[0]);
  for (const SignatureTensor& in : signature.info().inputs) {
    for (const io::NamedTensor& a : arrays) {
      if (a.name == in.key) inputs.emplace(a.name, a.tensor);
    }
    if (!inputs.count(in.key) && signature.info().inputs.size() == 1 && arrays.size() == 1) {
      inputs.emplace(in.key, arrays[0].tensor);
    }
  }
  std::vector<std::pair<std::string, Tensor>> outputs;
  for (auto& [key, tensor] : signature.run(inputs)) outputs.emplace_back(key, std::move(tensor));
  return outputs;
}

int run_predict(const PredictOptions& options) {
  LoadOptions load_options;
  load_options.threads = options.threads;
  if (!options.tags.empty()) load_options.tags = options.tags;
  const Model model = options.source.load(load_options);
  std::vector<std::pair<std::string, Tensor>> outputs;
  if (!model.signatures().empty()) {
    outputs = run_signature(model, options);
  } else {
    if (!options.signature.empty()) {
      fail(ErrorCode::invalid_argument, "{} files have no signatures", model.info().format);
    }
    const std::vector<Tensor> results = model.predict(read_inputs(model, options.inputs));
    for (std::size_t i = 0; i < results.size(); ++i)
      outputs.emplace_back(model.outputs()[i].name, results[i]);
  }
  if (!options.output.empty()) {
    std::vector<io::NamedTensor> named;
    for (auto& [name, tensor] : outputs) named.push_back({name, tensor});
    io::save_npz(options.output, named);  // atomic: a failure leaves no file behind
    return 0;
  }
  for (const auto& [name, tensor] : outputs) {
    std::cout << name << ": " << dtype_name(tensor.dtype()) << ' '
              << shape_to_string(tensor.shape()) << '\n';
    print_tensor(std::cout, tensor);
  }
  return 0;
}

}  // namespace

Command add_predict_command(CLI::App& app) {
  auto options = std::make_shared<PredictOptions>();
  CLI::App* sub = app.add_subcommand("predict", "Run the model on inputs from .npy/.npz/.pb files");
  options->source.add_options(sub);
  sub->add_option("--input,-i", options->inputs,
                  "Input file: one .npz keyed by input name (any single array for a one-input "
                  "model), or one .npy or ONNX TensorProto .pb per input in order")
      ->required();
  sub->add_option("--output,-o", options->output,
                  "Write the outputs to this .npz, keyed by output name");
  sub->add_option("--signature", options->signature,
                  "SavedModel signature to run (default serving_default)");
  sub->add_option("--tag", options->tags,
                  "SavedModel meta graph tag (repeat for a tag set; default serve)");
  sub->add_option("--threads", options->threads, "Threads to use (default: all cores)")
      ->check(CLI::NonNegativeNumber);
  return {sub, [options] { return run_predict(*options); }};
}

}  // namespace nnload::cli
