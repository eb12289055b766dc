#include "formats/savedmodel/saved_model_file.hpp"

#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/text_format.h>

#include <climits>
#include <set>

#include "core/fail.hpp"
#include "io/mapped_file.hpp"

namespace nnload::formats::savedmodel {

namespace {

// Collects the text parser's first complaint instead of letting protobuf log it.
class FirstError final : public google::protobuf::io::ErrorCollector {
 public:
  void AddError(int line, int column, const std::string& message) override {
    if (text.empty()) text = fmt::format("line {}, column {}: {}", line + 1, column + 1, message);
  }
  void AddWarning(int, int, const std::string&) override {}
  std::string text;
};

tf::SavedModel parse_binary(const std::filesystem::path& path) {
  const std::shared_ptr<const io::MappedFile> file = io::MappedFile::open(path);
  // Protobuf messages are limited to 2 GB; TensorFlow writes larger models chunked (.cpb).
  if (file->size() > static_cast<std::uint64_t>(INT_MAX)) {
    fail(ErrorCode::unsupported, "{}: {} bytes, over the 2 GB a protobuf message can hold",
         file->name(), file->size());
  }
  tf::SavedModel model;
  // Failures become our Error; protobuf would also print them (invalid UTF-8) to stderr.
  const google::protobuf::LogSilencer quiet;
  if (!model.ParseFromArray(file->bytes().data(), static_cast<int>(file->size()))) {
    fail(ErrorCode::corrupt,
         "{}: not a valid SavedModel protobuf ({} bytes; damaged, or a string holds invalid UTF-8)",
         file->name(), file->size());
  }
  return model;
}

tf::SavedModel parse_text(const std::filesystem::path& path) {
  const std::shared_ptr<const io::MappedFile> file = io::MappedFile::open(path);
  if (file->size() > static_cast<std::uint64_t>(INT_MAX))
    fail(ErrorCode::unsupported, "{}: {} bytes, too large a text proto", file->name(),
         file->size());
  const std::string text(reinterpret_cast<const char*>(file->bytes().data()), file->size());
  google::protobuf::TextFormat::Parser parser;
  // TensorFlow's files hold every field of its protos; ours declare only the fields we read.
  parser.AllowUnknownField(true);
  parser.AllowFieldNumber(true);
  FirstError errors;
  parser.RecordErrorsTo(&errors);
  tf::SavedModel model;
  const google::protobuf::LogSilencer quiet;
  if (!parser.ParseFromString(text, &model)) {
    fail(ErrorCode::corrupt, "{}: not a valid SavedModel text proto ({})", file->name(),
         errors.text.empty() ? "parse error" : errors.text);
  }
  return model;
}

std::string tag_set(const google::protobuf::RepeatedPtrField<std::string>& tags) {
  std::set<std::string> sorted(tags.begin(), tags.end());
  return fmt::format("{{{}}}", fmt::join(sorted, ", "));
}

}  // namespace

tf::SavedModel read_saved_model(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir / "saved_model.pb", ec))
    return parse_binary(dir / "saved_model.pb");
  if (std::filesystem::exists(dir / "saved_model.pbtxt", ec))
    return parse_text(dir / "saved_model.pbtxt");
  if (std::filesystem::exists(dir / "saved_model.cpb", ec)) {
    fail(ErrorCode::unsupported, "{}: chunked SavedModels (over 2 GB) are not supported yet",
         (dir / "saved_model.cpb").string());
  }
  fail(ErrorCode::not_found, "{}: no saved_model.pb or saved_model.pbtxt", dir.string());
}

const tf::MetaGraphDef& select_meta_graph(const tf::SavedModel& model,
                                          const std::vector<std::string>& tags,
                                          const std::filesystem::path& dir) {
  const std::set<std::string> wanted(tags.begin(), tags.end());
  std::vector<std::string> present;
  for (const tf::MetaGraphDef& meta : model.meta_graphs()) {
    const auto& have = meta.meta_info_def().tags();
    if (std::set<std::string>(have.begin(), have.end()) == wanted) return meta;
    present.push_back(tag_set(have));
  }
  if (present.empty())
    fail(ErrorCode::corrupt, "{}: the SavedModel has no meta graphs", dir.string());
  fail(ErrorCode::not_found, "{}: no meta graph has the tags {{{}}} (tag sets present: {})",
       dir.string(), fmt::join(wanted, ", "), fmt::join(present, "; "));
}

}  // namespace nnload::formats::savedmodel
