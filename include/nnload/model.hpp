// Loading a saved model and running it.
//
//   nnload::Model model = nnload::load("my_model.h5");   // throws nnload::Error
//   model.summary(std::cout);
//   std::vector<nnload::Tensor> y = model.predict({x});
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "nnload/tensor.hpp"

namespace nnload {

// A model input or output as declared by the file: -1 marks a dimension fixed only at run time.
// Time one op type took in Model::profile: the graph's nodes of that op that ran, and their
// kernels' seconds.
struct OpProfile {
  std::string op;  // "Conv", "MatMul", or an internal op with its domain: "nnload.Conv"
  int nodes = 0;
  double seconds = 0;
};

struct TensorInfo {
  std::string name;
  DType dtype = DType::f32;
  Shape shape;
};

struct WeightInfo {
  std::string name;  // the weight's name in the file ("dense/kernel:0", "fc1.weight")
  DType dtype = DType::f32;
  Shape shape;
  bool trainable = true;
  std::string location;  // where the file says it was saved ("cuda:0"), when it says so
};

// A non-tensor entry of the file's object tree (a PyTorch checkpoint's "epoch", ...), printed as
// Python's repr() would print it.
struct ValueEntry {
  std::string name;
  std::string repr;
};

struct ModelInfo {
  std::string format;            // "Keras HDF5"
  std::string producer;          // "Keras"
  std::string producer_version;  // "2.3.1"
  std::string name;              // the model's own name, when the file has one
  // Further facts from the file (backend, Keras class name, ...), for `nnload inspect`.
  std::map<std::string, std::string> metadata;
  // Non-tensor entries of the file, and things its reader noticed (inert objects of unknown
  // classes, callables named by a pickle and not run, ...).
  std::vector<ValueEntry> values;
  std::vector<std::string> notes;
};

// One input or output of a signature (a TensorFlow SavedModel's named entry point).
struct SignatureTensor {
  std::string key;          // the name callers use ("x")
  std::string tensor_name;  // the graph tensor behind it ("serving_default_x:0")
  DType dtype = DType::f32;
  Shape shape;  // -1 for unknown dimensions
  bool rank_known = true;
  // The file's own type name when it has no nnload dtype ("DT_STRING" for a serialized
  // tf.Example input); empty otherwise.
  std::string foreign_dtype;
};

struct SignatureInfo {
  std::string name;         // "serving_default"
  std::string method_name;  // "tensorflow/serving/predict"
  std::vector<SignatureTensor> inputs;
  std::vector<SignatureTensor> outputs;
};

// What a model file may make nnload do while it is read. Model files are untrusted input: the
// defaults are generous for real models and stop hostile ones before they allocate, recurse or
// loop without bound. Going past one is Error(corrupt) naming the limit. They apply to the
// load() call that was given them, on its thread.
struct ReadLimits {
  // A declared size (a tensor, an HDF5 dataset or attribute) may exceed the bytes of the file
  // that holds it at most this many times, plus 1 MiB: constants can be compressed or
  // broadcast, but a 1 kB file can't ask for gigabytes. Compressed zip entries are bounded by
  // deflate's own ratio (~1032:1).
  std::uint64_t max_expansion = 64;
  // Nesting depth: pickle containers, JSON configs (nested models), HDF5 groups.
  std::uint32_t max_depth = 1000;
  // Values a file may make nnload create: pickle objects, JSON values, graph nodes.
  std::uint64_t max_objects = 50'000'000;
};

struct LoadOptions {
  int threads = 0;  // threads per prediction; 0 = all cores
  ReadLimits limits;
  // SavedModel: the tag set of the meta graph to load (all of them must match).
  std::vector<std::string> tags = {"serve"};
  // Keras: the architecture to load the file's weights into, as a Keras JSON config: the JSON
  // text itself, or the path of a .json file (model.to_json(), a .keras archive's config.json),
  // of a .keras archive or of a full-model .h5 (their configs). The file is then a weights-only
  // file (save_weights: legacy HDF5, or Keras 3's .weights.h5) or a full .h5/.keras whose own
  // config is set aside. Legacy weights match layers by name, else by order; Keras 3 weights
  // by Keras' own paths. Error(corrupt) when config and weights disagree.
  std::string keras_config;
};

namespace detail {
struct ModelImpl;
struct SignatureImpl;
}  // namespace detail

// A signature of a model, callable by input key.
class Signature {
 public:
  Signature(std::shared_ptr<const detail::ModelImpl> model, const detail::SignatureImpl* impl,
            int threads);
  const SignatureInfo& info() const;
  // Inputs by key; returns the outputs by key. Error(not_found) for a missing or unknown key,
  // Error(shape) for a wrong dtype or shape, the signature's own error when nnload can't run it
  // (an unsupported op, say).
  std::map<std::string, Tensor> run(const std::map<std::string, Tensor>& inputs) const;

 private:
  std::shared_ptr<const detail::ModelImpl> model_;
  const detail::SignatureImpl* impl_;
  int threads_;
};

class Model {
 public:
  explicit Model(std::shared_ptr<const detail::ModelImpl> impl, int threads = 0);

  const ModelInfo& info() const;
  // False for files that hold weights only (a PyTorch state_dict): predict() then explains how
  // to run them (nnload::nn modules with load_state_dict).
  bool can_predict() const;
  const std::vector<TensorInfo>& inputs() const;
  const std::vector<TensorInfo>& outputs() const;
  // ONNX initializers that the file also declares as graph inputs: predict() by name takes a
  // value for them in place of the stored one (not passing one keeps the stored value).
  std::vector<TensorInfo> overridable_inputs() const;

  // Runs predict(inputs) `runs` times timing every kernel; per op type, slowest first (seconds
  // summed over the runs). For finding where a model's time goes (`nnload bench --profile`).
  std::vector<OpProfile> profile(const std::vector<Tensor>& inputs, int runs = 1) const;

  // Runs the model on inputs given in inputs() order; returns outputs in outputs() order.
  // Inputs must have the declared dtype and a shape matching the declared one (any size where
  // it is -1); otherwise Error(shape) says what was expected and what was given. Safe to call
  // from several threads at once.
  std::vector<Tensor> predict(const std::vector<Tensor>& inputs) const;
  // predict({x}) and predict({x1, x2}) pick this one, not the named form below.
  std::vector<Tensor> predict(std::initializer_list<Tensor> inputs) const {
    return predict(std::vector<Tensor>(inputs));
  }
  // The same with inputs and outputs keyed by name.
  std::map<std::string, Tensor> predict(const std::map<std::string, Tensor>& inputs) const;

  // The model's layer table (Keras' model.summary() for Keras files): layers, output shapes,
  // parameter counts and totals.
  void summary(std::ostream& out) const;

  // SavedModel signatures (empty for formats without them). predict() runs the default one
  // (serving_default).
  const std::vector<SignatureInfo>& signatures() const;
  // The signature of that name ("" for the default); Error(not_found) listing the names.
  Signature signature(const std::string& name = "") const;

  std::vector<WeightInfo> weights() const;
  // A weight by its name in the file; Error(not_found) lists a few names when absent.
  Tensor weight(const std::string& name) const;

  // Threads used by later predictions of this Model object (0 = all cores).
  void set_threads(int threads) { threads_ = threads; }
  int threads() const { return threads_; }

 private:
  std::shared_ptr<const detail::ModelImpl> impl_;
  int threads_ = 0;
};

// Loads a model file or directory; the format is detected from the content, not the name.
Model load(const std::filesystem::path& path, const LoadOptions& options = {});

// Loads Keras weights into the architecture `config` describes (LoadOptions::keras_config):
//   nnload::Model m = nnload::load_keras("model.json", "model.weights.h5");
Model load_keras(const std::string& config, const std::filesystem::path& weights,
                 LoadOptions options = {});

}  // namespace nnload
