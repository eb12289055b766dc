// StringNormalizer (opset 10-25): removes stopwords and changes case in a [C] or [1, C] string
// tensor. Case folding is ASCII-only (locale is accepted and not used): letters outside ASCII
// keep their case.
#include <algorithm>
#include <set>

#include "core/fail.hpp"
#include "graph/graph.hpp"
#include "ops/text/families.hpp"

namespace nnload::ops {

namespace {

enum class CaseChange { none, lower, upper };

std::string with_case(std::string s, CaseChange change) {
  if (change == CaseChange::lower) {
    std::transform(s.begin(), s.end(), s.begin(), [](char c) {
      return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    });
  } else if (change == CaseChange::upper) {
    std::transform(s.begin(), s.end(), s.begin(), [](char c) {
      return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c;
    });
  }
  return s;
}

struct Normalizer {
  CaseChange change = CaseChange::none;
  bool case_sensitive = false;
  std::set<std::string> stopwords;  // lower-cased when matching ignores case

  bool is_stopword(const std::string& s) const {
    return stopwords.count(case_sensitive ? s : with_case(s, CaseChange::lower)) != 0;
  }

  // The kept strings, case changed; ONNX keeps one empty string when nothing is left.
  std::vector<std::string> apply(std::span<const std::string> in) const {
    std::vector<std::string> out;
    for (const std::string& s : in) {
      if (!is_stopword(s)) out.push_back(with_case(s, change));
    }
    if (out.empty()) out.emplace_back();
    return out;
  }
};

Shape output_shape(const Shape& input, std::size_t kept) {
  const auto n = static_cast<std::int64_t>(kept);
  return input.size() == 1 ? Shape{n} : Shape{1, n};
}

class NormalizerKernel final : public Kernel {
 public:
  explicit NormalizerKernel(Normalizer n) : n_(std::move(n)) {}
  void run(std::span<const Tensor> inputs, std::span<Tensor> outputs) const override {
    const std::vector<std::string> kept = n_.apply(inputs[0].values<std::string>());
    if (output_shape(inputs[0].shape(), kept.size()) != outputs[0].shape()) {
      fail(ErrorCode::shape, "StringNormalizer: {} strings kept, the plan expected shape {}",
           kept.size(), shape_to_list(outputs[0].shape()));
    }
    std::copy(kept.begin(), kept.end(), outputs[0].mutable_data<std::string>());
  }

 private:
  Normalizer n_;
};

class NormalizerOp final : public Op {
 public:
  explicit NormalizerOp(const graph::Node& node) {
    const std::string action = node.attrs.string_or("case_change_action", "NONE");
    if (action == "LOWER") {
      n_.change = CaseChange::lower;
    } else if (action == "UPPER") {
      n_.change = CaseChange::upper;
    } else if (action != "NONE") {
      fail(ErrorCode::invalid_argument,
           "StringNormalizer: case_change_action '{}' (expected NONE, LOWER or UPPER)", action);
    }
    n_.case_sensitive = node.attrs.int_or("is_case_sensitive", 0) != 0;
    if (node.attrs.has("stopwords")) {
      for (const std::string& w : node.attrs.get_strings("stopwords"))
        n_.stopwords.insert(n_.case_sensitive ? w : with_case(w, CaseChange::lower));
    }
  }

  bool accepts_strings() const override { return true; }

  std::vector<TensorType> infer(std::span<const InputInfo> inputs) const override {
    if (inputs.size() != 1) fail(ErrorCode::invalid_argument, "StringNormalizer takes one input");
    const InputInfo& x = inputs[0];
    if (x.dtype != DType::string)
      fail(ErrorCode::shape, "StringNormalizer: input is {}, expected string", dtype_name(x.dtype));
    if (!(x.shape.size() == 1 || (x.shape.size() == 2 && x.shape[0] == 1))) {
      fail(ErrorCode::shape, "StringNormalizer: input shape {} (expected [C] or [1, C])",
           shape_to_list(x.shape));
    }
    if (!x.has_value()) {
      // How many strings survive depends on the text; the executor plans string inputs by value.
      fail(ErrorCode::unsupported, "StringNormalizer: the output size depends on the input text");
    }
    const std::vector<std::string> kept = n_.apply(x.value->values<std::string>());
    return {{DType::string, output_shape(x.shape, kept.size())}};
  }

  std::unique_ptr<Kernel> make_kernel(std::span<const InputInfo>,
                                      std::span<const TensorType>) const override {
    return std::make_unique<NormalizerKernel>(n_);
  }

 private:
  Normalizer n_;
};

}  // namespace

OpTable string_normalizer_ops() {
  return {{"", "StringNormalizer", 10, graph::kLatestOpset,
           [](const graph::Node& node) -> std::unique_ptr<Op> {
             return std::make_unique<NormalizerOp>(node);
           }}};
}

}  // namespace nnload::ops
