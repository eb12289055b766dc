#include "api/summary.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <numeric>

namespace nnload::detail {

namespace {

std::string thousands(std::int64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string shapes_text(const std::vector<std::optional<Shape>>& shapes) {
  if (shapes.empty()) return "?";
  std::vector<std::string> parts;
  for (const auto& s : shapes) parts.push_back(s ? shape_to_string(*s) : "?");
  if (parts.size() == 1) return parts[0];
  return fmt::format("[{}]", fmt::join(parts, ", "));
}

// Keras pads each field to its column and cuts what does not fit; a long name wraps instead
// so it stays readable.
void print_row(std::ostream& out, const std::vector<std::string>& fields,
               const std::vector<std::size_t>& widths) {
  std::string line;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    std::string f = " " + fields[i];
    if (f.size() < widths[i]) f.append(widths[i] - f.size(), ' ');
    line += f;
  }
  while (!line.empty() && line.back() == ' ') line.pop_back();
  out << line << '\n';
}

// A SavedModel's signatures, one line each: name, inputs and outputs with dtypes and shapes.
void print_signatures(const formats::LoadedModel& m, std::ostream& out) {
  auto list = [](const std::vector<SignatureTensor>& tensors) {
    std::vector<std::string> parts;
    for (const SignatureTensor& t : tensors) {
      const std::string type =
          t.foreign_dtype.empty() ? std::string(dtype_name(t.dtype)) : t.foreign_dtype;
      parts.push_back(t.key + ": " + type + " " +
                      (t.rank_known ? shape_to_list(t.shape) : std::string("?")));
    }
    return fmt::format("{}", fmt::join(parts, ", "));
  };
  out << "Signatures:\n";
  for (const formats::LoadedSignature& sig : m.signatures) {
    out << "  " << sig.info.name << (sig.info.name == m.default_signature ? " (default)" : "")
        << ": (" << list(sig.info.inputs) << ") -> (" << list(sig.info.outputs) << ")"
        << (sig.graph ? "" : "  [can't run]") << '\n';
  }
}

// Models without a layer table (weights-only files; formats without layers): inputs, outputs
// and the weight tensors.
void print_plain_summary(const formats::LoadedModel& m, std::ostream& out) {
  const bool signatures = !m.signatures.empty();
  out << "Model: \"" << m.info.name << "\" (" << m.info.format
      << (m.graph || signatures ? "" : ", weights only") << ")\n";
  if (signatures) {
    print_signatures(m, out);
    out << "Variables:\n";
  } else if (m.graph) {
    out << "Inputs:\n";
    for (const TensorInfo& t : m.inputs)
      out << "  " << t.name << "  " << dtype_name(t.dtype) << ' ' << shape_to_string(t.shape)
          << '\n';
    out << "Outputs:\n";
    for (const TensorInfo& t : m.outputs)
      out << "  " << t.name << "  " << dtype_name(t.dtype) << ' ' << shape_to_string(t.shape)
          << '\n';
  }
  std::int64_t total = 0;
  std::size_t width = 20;
  for (const formats::NamedWeight& w : m.weights) width = std::max(width, w.name.size() + 2);
  for (const formats::NamedWeight& w : m.weights) {
    total += w.value.numel();
    std::string name = w.name;
    name.resize(width, ' ');
    out << "  " << name << dtype_name(w.value.dtype()) << ' ' << shape_to_list(w.value.shape())
        << '\n';
  }
  out << "Total params: " << thousands(total) << '\n';
}

}  // namespace

void print_summary(const ModelImpl& impl, std::ostream& out) {
  const formats::LoadedModel& m = impl.model;
  if (!m.layers) {
    print_plain_summary(m, out);
    return;
  }
  const formats::LayerTable& table = *m.layers;
  const bool connected = table.show_connections;
  std::vector<std::size_t> widths =
      connected ? std::vector<std::size_t>{33, 26, 12, 30} : std::vector<std::size_t>{29, 26, 10};
  // Widen the first two columns to fit the longest entry, so long layer names stay aligned.
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const formats::LayerRow& row = table.rows[r];
    widths[0] = std::max(widths[0], row.name.size() + row.class_name.size() + 5);
    if (r < impl.layer_shapes.size())
      widths[1] = std::max(widths[1], shapes_text(impl.layer_shapes[r]).size() + 2);
  }
  const std::size_t line_length = std::accumulate(widths.begin(), widths.end(), std::size_t{0});
  const std::string rule(line_length, '_');
  const std::string double_rule(line_length, '=');

  out << "Model: \"" << table.model_name << "\"\n" << rule << '\n';
  std::vector<std::string> header = {"Layer (type)", "Output Shape", "Param #"};
  if (connected) header.push_back("Connected to");
  print_row(out, header, widths);
  out << double_rule << '\n';
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    const formats::LayerRow& row = table.rows[r];
    const std::string shape =
        r < impl.layer_shapes.size() ? shapes_text(impl.layer_shapes[r]) : "?";
    std::vector<std::string> fields = {row.name + " (" + row.class_name + ")", shape,
                                       std::to_string(row.params)};
    if (connected) fields.push_back(row.connected_to.empty() ? "" : row.connected_to[0]);
    print_row(out, fields, widths);
    for (std::size_t c = 1; connected && c < row.connected_to.size(); ++c) {
      print_row(out, {"", "", "", row.connected_to[c]}, widths);
    }
    out << (r + 1 < table.rows.size() ? "\n" : "");
  }
  out << double_rule << '\n';
  out << "Total params: " << thousands(table.trainable_params + table.non_trainable_params) << '\n';
  out << "Trainable params: " << thousands(table.trainable_params) << '\n';
  out << "Non-trainable params: " << thousands(table.non_trainable_params) << '\n';
  out << rule << '\n';
  if (!m.signatures.empty()) print_signatures(m, out);
}

}  // namespace nnload::detail
