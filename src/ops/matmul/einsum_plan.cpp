// Einsum (opset 12+): parsing the equation and planning pairwise contractions.
#include "ops/matmul/einsum_plan.hpp"

#include <algorithm>
#include <cctype>
#include <string>

#include "core/fail.hpp"
#include "linalg/broadcast.hpp"

namespace nnload::ops::einsum {

namespace {

// Letters map to labels in ASCII order ('A'..'Z' then 'a'..'z'), which is the order numpy and
// ONNX Runtime use for implicit outputs. Dimensions under "..." get labels from kFirstEllipsis.
constexpr int kLetters = 52;
constexpr int kFirstEllipsis = kLetters;

int letter_label(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  return 26 + (c - 'a');
}

std::string label_name(int label) {
  if (label < 26) return std::string(1, static_cast<char>('A' + label));
  if (label < kLetters) return std::string(1, static_cast<char>('a' + label - 26));
  return fmt::format("...[{}]", label - kFirstEllipsis);
}

std::string term_text(const Term& term) {
  std::string s;
  for (int e : term.entries) s += e == kEllipsis ? "..." : label_name(e);
  return s;
}

Term parse_term(std::string_view s, std::string_view equation) {
  Term term;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (std::isalpha(static_cast<unsigned char>(c))) {
      term.entries.push_back(letter_label(c));
    } else if (c == '.') {
      if (s.substr(i, 3) != "...") {
        fail(ErrorCode::invalid_argument, "equation '{}': '.' must be part of '...'", equation);
      }
      if (term.has_ellipsis()) {
        fail(ErrorCode::invalid_argument, "equation '{}': term '{}' has more than one '...'",
             equation, s);
      }
      term.entries.push_back(kEllipsis);
      i += 2;
    } else {
      fail(ErrorCode::invalid_argument, "equation '{}': unexpected character '{}'", equation, c);
    }
  }
  return term;
}

// A tensor seen with one axis per distinct label: repeated labels (a diagonal) have their
// strides added, size-1 dimensions broadcast against other operands have stride 0.
struct View {
  std::vector<int> labels;
  Shape dims;
  std::vector<std::int64_t> strides;

  std::ptrdiff_t find(int label) const {
    const auto it = std::find(labels.begin(), labels.end(), label);
    return it == labels.end() ? -1 : it - labels.begin();
  }
};

bool is_contiguous(const Shape& dims, const std::vector<std::int64_t>& strides) {
  std::int64_t expected = 1;
  for (std::size_t i = dims.size(); i-- > 0;) {
    if (dims[i] != 1 && strides[i] != expected) return false;
    expected *= dims[i];
  }
  return true;
}

Gather make_gather(const View& v, const std::vector<int>& keep) {
  Gather g;
  for (int label : keep) {
    const auto u = static_cast<std::size_t>(v.find(label));
    g.dims.push_back(v.dims[u]);
    g.strides.push_back(v.strides[u]);
  }
  for (std::size_t u = 0; u < v.labels.size(); ++u) {
    if (std::find(keep.begin(), keep.end(), v.labels[u]) != keep.end()) continue;
    g.sum_dims.push_back(v.dims[u]);
    g.sum_strides.push_back(v.strides[u]);
  }
  g.direct = g.sum_dims.empty() && (shape_size(g.dims) == 0 || is_contiguous(g.dims, g.strides));
  return g;
}

std::vector<int> concat(std::initializer_list<const std::vector<int>*> parts) {
  std::vector<int> all;
  for (const auto* p : parts) all.insert(all.end(), p->begin(), p->end());
  return all;
}

}  // namespace

bool Term::has_ellipsis() const {
  return std::find(entries.begin(), entries.end(), kEllipsis) != entries.end();
}

std::int64_t Term::letter_count() const {
  return static_cast<std::int64_t>(entries.size()) - (has_ellipsis() ? 1 : 0);
}

Equation parse_equation(std::string_view text) {
  std::string eq;
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) eq += c;
  }
  Equation result;
  const std::size_t arrow = eq.find("->");
  std::string_view lhs = eq, rhs;
  if (arrow != std::string::npos) {
    lhs = std::string_view(eq).substr(0, arrow);
    rhs = std::string_view(eq).substr(arrow + 2);
    result.explicit_output = true;
  }
  std::size_t begin = 0;
  while (true) {
    const std::size_t comma = lhs.find(',', begin);
    result.inputs.push_back(parse_term(lhs.substr(begin, comma - begin), text));
    if (comma == std::string_view::npos) break;
    begin = comma + 1;
  }
  if (result.explicit_output) {
    result.output = parse_term(rhs, text);
    std::vector<bool> seen(kLetters, false);
    for (int e : result.output.entries) {
      if (e == kEllipsis) continue;
      if (seen[static_cast<std::size_t>(e)]) {
        fail(ErrorCode::invalid_argument, "equation '{}': output repeats letter '{}'", text,
             label_name(e));
      }
      seen[static_cast<std::size_t>(e)] = true;
    }
  }
  return result;
}

Plan make_plan(const Equation& eq, std::span<const Shape> shapes) {
  const std::size_t n = eq.inputs.size();
  if (shapes.size() != n) {
    fail(ErrorCode::invalid_argument, "the equation has {} operands, got {} inputs", n,
         shapes.size());
  }
  // Dimensions under "..." align to the right and broadcast, as in numpy.
  std::vector<std::int64_t> ellipsis_rank(n, 0);
  std::int64_t ellipsis = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const Term& term = eq.inputs[i];
    const auto rank = static_cast<std::int64_t>(shapes[i].size());
    if (term.has_ellipsis()) {
      if (rank < term.letter_count()) {
        fail(ErrorCode::invalid_argument, "input {} has rank {}, term '{}' needs at least {}", i,
             rank, term_text(term), term.letter_count());
      }
      ellipsis_rank[i] = rank - term.letter_count();
      ellipsis = std::max(ellipsis, ellipsis_rank[i]);
    } else if (rank != term.letter_count()) {
      fail(ErrorCode::invalid_argument, "input {} has rank {}, term '{}' has {} letters", i, rank,
           term_text(term), term.letter_count());
    }
  }
  const auto labels = static_cast<std::size_t>(kLetters + ellipsis);
  std::vector<std::vector<int>> axes(n);
  for (std::size_t i = 0; i < n; ++i) {
    for (int e : eq.inputs[i].entries) {
      if (e != kEllipsis) {
        axes[i].push_back(e);
        continue;
      }
      for (std::int64_t j = 0; j < ellipsis_rank[i]; ++j) {
        axes[i].push_back(static_cast<int>(kFirstEllipsis + ellipsis - ellipsis_rank[i] + j));
      }
    }
  }

  std::vector<std::int64_t> size(labels, -1);
  std::vector<int> count(labels, 0);
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<std::int64_t> local(labels, -1);
    for (std::size_t a = 0; a < axes[i].size(); ++a) {
      const auto l = static_cast<std::size_t>(axes[i][a]);
      const std::int64_t d = shapes[i][a];
      ++count[l];
      if (local[l] >= 0 && local[l] != d) {
        fail(ErrorCode::shape, "input {} repeats label '{}' over dimensions {} and {}", i,
             label_name(axes[i][a]), local[l], d);
      }
      local[l] = d;
    }
    for (std::size_t l = 0; l < labels; ++l) {
      if (local[l] < 0 || local[l] == size[l] || local[l] == 1) continue;
      if (size[l] >= 0 && size[l] != 1) {
        fail(ErrorCode::shape, "label '{}' has size {} in input {} but {} in an earlier input",
             label_name(static_cast<int>(l)), local[l], i, size[l]);
      }
      size[l] = local[l];
    }
    for (std::size_t l = 0; l < labels; ++l) {
      if (local[l] == 1 && size[l] < 0) size[l] = 1;
    }
  }

  std::vector<int> out;
  if (eq.explicit_output) {
    for (int e : eq.output.entries) {
      if (e == kEllipsis) {
        for (std::int64_t j = 0; j < ellipsis; ++j)
          out.push_back(static_cast<int>(kFirstEllipsis + j));
      } else if (count[static_cast<std::size_t>(e)] == 0) {
        fail(ErrorCode::invalid_argument, "output letter '{}' appears in no input term",
             label_name(e));
      } else {
        out.push_back(e);
      }
    }
    if (ellipsis > 0 && !eq.output.has_ellipsis()) {
      fail(ErrorCode::invalid_argument,
           "the inputs have {} dimensions under '...' but the output term has no '...'", ellipsis);
    }
  } else {
    for (std::int64_t j = 0; j < ellipsis; ++j) out.push_back(static_cast<int>(kFirstEllipsis + j));
    for (int l = 0; l < kLetters; ++l) {
      if (count[static_cast<std::size_t>(l)] == 1) out.push_back(l);
    }
  }

  Plan plan;
  std::vector<std::ptrdiff_t> out_pos(labels, -1);
  for (std::size_t p = 0; p < out.size(); ++p) {
    plan.output_shape.push_back(size[static_cast<std::size_t>(out[p])]);
    out_pos[static_cast<std::size_t>(out[p])] = static_cast<std::ptrdiff_t>(p);
  }

  std::vector<View> views(n);
  for (std::size_t i = 0; i < n; ++i) {
    const auto strides = linalg::contiguous_strides(shapes[i]);
    View& v = views[i];
    for (std::size_t a = 0; a < axes[i].size(); ++a) {
      const int l = axes[i][a];
      const std::int64_t full = size[static_cast<std::size_t>(l)];
      const std::int64_t stride = shapes[i][a] == 1 && full != 1 ? 0 : strides[a];
      const std::ptrdiff_t at = v.find(l);
      if (at >= 0) {
        v.strides[static_cast<std::size_t>(at)] += stride;
      } else {
        v.labels.push_back(l);
        v.dims.push_back(full);
        v.strides.push_back(stride);
      }
    }
  }

  View cur = views[0];
  for (std::size_t i = 1; i < n; ++i) {
    const View& rhs = views[i];
    const bool last = i + 1 == n;
    auto needed = [&](int l) {
      if (out_pos[static_cast<std::size_t>(l)] >= 0) return true;
      for (std::size_t j = i + 1; j < n; ++j) {
        if (views[j].find(l) >= 0) return true;
      }
      return false;
    };
    std::vector<int> batch, m, k, nn;
    for (int l : cur.labels) {
      const bool shared = rhs.find(l) >= 0;
      if (shared) {
        (needed(l) ? batch : k).push_back(l);
      } else if (needed(l)) {
        m.push_back(l);
      }
    }
    for (int l : rhs.labels) {
      if (cur.find(l) < 0 && needed(l)) nn.push_back(l);
    }
    if (last) {
      auto by_output = [&](int x, int y) {
        return out_pos[static_cast<std::size_t>(x)] < out_pos[static_cast<std::size_t>(y)];
      };
      std::stable_sort(batch.begin(), batch.end(), by_output);
      std::stable_sort(m.begin(), m.end(), by_output);
      std::stable_sort(nn.begin(), nn.end(), by_output);
    }
    auto product = [&](const std::vector<int>& ls) {
      std::int64_t p = 1;
      for (int l : ls) p *= size[static_cast<std::size_t>(l)];
      return p;
    };
    Step step;
    step.rhs = i;
    linalg::MatMulProblem& p = step.problem;
    p.batch_y = {product(batch)};
    p.batch_a = p.batch_y;
    p.batch_b = p.batch_y;
    p.m = product(m);
    p.k = product(k);
    p.n = product(nn);
    step.a = make_gather(cur, concat({&batch, &m, &k}));
    if (!step.a.direct) {
      Gather t = make_gather(cur, concat({&batch, &k, &m}));
      if (t.direct) {
        step.a = std::move(t);
        p.trans_a = true;
      }
    }
    step.b = make_gather(rhs, concat({&batch, &k, &nn}));
    if (!step.b.direct) {
      Gather t = make_gather(rhs, concat({&batch, &nn, &k}));
      if (t.direct) {
        step.b = std::move(t);
        p.trans_b = true;
      }
    }
    View result;
    result.labels = concat({&batch, &m, &nn});
    for (int l : result.labels) result.dims.push_back(size[static_cast<std::size_t>(l)]);
    result.strides = linalg::contiguous_strides(result.dims);
    step.writes_output = last && result.labels == out;
    plan.steps.push_back(std::move(step));
    cur = std::move(result);
  }
  plan.needs_final = plan.steps.empty() || !plan.steps.back().writes_output;
  if (plan.needs_final) plan.final = make_gather(cur, out);
  return plan;
}

}  // namespace nnload::ops::einsum
