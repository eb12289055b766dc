// nnload signatures DIR: a SavedModel's signatures, laid out as `saved_model_cli show --all`
// prints them.
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "nnload/model.hpp"

namespace nnload::cli {

namespace {

// TensorFlow's enum names, as saved_model_cli prints them.
std::string tf_type_name(const SignatureTensor& t) {
  if (!t.foreign_dtype.empty()) return t.foreign_dtype;
  switch (t.dtype) {
    case DType::f32:
      return "DT_FLOAT";
    case DType::f64:
      return "DT_DOUBLE";
    case DType::f16:
      return "DT_HALF";
    case DType::bf16:
      return "DT_BFLOAT16";
    case DType::i8:
      return "DT_INT8";
    case DType::i16:
      return "DT_INT16";
    case DType::i32:
      return "DT_INT32";
    case DType::i64:
      return "DT_INT64";
    case DType::u8:
      return "DT_UINT8";
    case DType::boolean:
      return "DT_BOOL";
    case DType::string:
      return "DT_STRING";
  }
  return "DT_INVALID";
}

std::string shape_text(const SignatureTensor& t) {
  if (!t.rank_known) return "unknown_rank";
  std::string s = "(";
  for (std::size_t i = 0; i < t.shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(t.shape[i]);
  if (t.shape.size() == 1) s += ",";
  return s + ")";
}

void print_tensors(const char* what, const std::vector<SignatureTensor>& tensors) {
  std::cout << "  The given SavedModel SignatureDef contains the following " << what << "(s):\n";
  for (const SignatureTensor& t : tensors) {
    std::cout << "    " << what << "s['" << t.key << "'] tensor_info:\n"
              << "        dtype: " << tf_type_name(t) << '\n'
              << "        shape: " << shape_text(t) << '\n'
              << "        name: " << t.tensor_name << '\n';
  }
}

}  // namespace

Command add_signatures_command(CLI::App& app) {
  auto model_path = std::make_shared<std::string>();
  auto tags = std::make_shared<std::vector<std::string>>();
  CLI::App* sub = app.add_subcommand(
      "signatures", "List a SavedModel's signatures (like saved_model_cli show --all)");
  sub->add_option("model", *model_path, "SavedModel directory (or any model file)")->required();
  sub->add_option("--tag", *tags,
                  "Tag of the meta graph to show (repeat for a tag set; default serve)");
  return {sub, [model_path, tags] {
            LoadOptions options;
            if (!tags->empty()) options.tags = *tags;
            const Model model = load(*model_path, options);
            const ModelInfo& info = model.info();
            if (model.signatures().empty()) {
              std::cout << info.format << " files have no signatures; see `nnload inspect`\n";
              return 0;
            }
            auto it = info.metadata.find("tags");
            const std::string tag_set = it != info.metadata.end() ? it->second : "serve";
            std::cout << "MetaGraphDef with tag-set: '" << tag_set
                      << "' contains the following SignatureDefs:\n";
            for (const SignatureInfo& s : model.signatures()) {
              std::cout << "\nsignature_def['" << s.name << "']:\n";
              print_tensors("input", s.inputs);
              print_tensors("output", s.outputs);
              std::cout << "  Method name is: " << s.method_name << '\n';
            }
            return 0;
          }};
}

}  // namespace nnload::cli
