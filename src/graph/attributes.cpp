#include "graph/attributes.hpp"

#include "core/fail.hpp"

namespace nnload::graph {

const AttrValue& Attributes::find(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) fail(ErrorCode::invalid_argument, "missing attribute '{}'", name);
  return it->second;
}

namespace {
template <class T>
const T& expect(const AttrValue& value, const std::string& name, const char* wanted) {
  if (const T* v = std::get_if<T>(&value)) return *v;
  fail(ErrorCode::invalid_argument, "attribute '{}' is not {}", name, wanted);
}
}  // namespace

std::int64_t Attributes::get_int(const std::string& name) const {
  return expect<std::int64_t>(find(name), name, "an integer");
}

double Attributes::get_float(const std::string& name) const {
  const AttrValue& v = find(name);
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  return expect<double>(v, name, "a float");
}

const std::string& Attributes::get_string(const std::string& name) const {
  return expect<std::string>(find(name), name, "a string");
}

std::vector<std::int64_t> Attributes::get_ints(const std::string& name) const {
  const AttrValue& v = find(name);
  if (const auto* i = std::get_if<std::int64_t>(&v)) return {*i};
  return expect<std::vector<std::int64_t>>(v, name, "a list of integers");
}

std::vector<double> Attributes::get_floats(const std::string& name) const {
  const AttrValue& v = find(name);
  if (const auto* f = std::get_if<double>(&v)) return {*f};
  if (const auto* ints = std::get_if<std::vector<std::int64_t>>(&v)) {
    return std::vector<double>(ints->begin(), ints->end());
  }
  return expect<std::vector<double>>(v, name, "a list of floats");
}

const std::vector<std::string>& Attributes::get_strings(const std::string& name) const {
  return expect<std::vector<std::string>>(find(name), name, "a list of strings");
}

const Tensor& Attributes::get_tensor(const std::string& name) const {
  return expect<Tensor>(find(name), name, "a tensor");
}

const OpaqueObject& Attributes::get_object(const std::string& name) const {
  return expect<OpaqueObject>(find(name), name, "an object");
}

std::int64_t Attributes::int_or(const std::string& name, std::int64_t fallback) const {
  return has(name) ? get_int(name) : fallback;
}

double Attributes::float_or(const std::string& name, double fallback) const {
  return has(name) ? get_float(name) : fallback;
}

std::string Attributes::string_or(const std::string& name, const std::string& fallback) const {
  return has(name) ? get_string(name) : fallback;
}

std::vector<std::int64_t> Attributes::ints_or(const std::string& name,
                                              std::vector<std::int64_t> fallback) const {
  return has(name) ? get_ints(name) : fallback;
}

std::vector<double> Attributes::floats_or(const std::string& name,
                                          std::vector<double> fallback) const {
  return has(name) ? get_floats(name) : fallback;
}

std::string Attributes::to_string() const {
  std::string out;
  for (const auto& [name, value] : values_) {
    if (!out.empty()) out += ", ";
    out += name + "=";
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, Tensor>) {
            out += "tensor" + shape_to_list(v.shape());
          } else if constexpr (std::is_same_v<T, OpaqueObject>) {
            out += "<object>";
          } else if constexpr (std::is_same_v<T, std::string>) {
            out += "'" + v + "'";
          } else {
            out += fmt::format("{}", v);
          }
        },
        value);
  }
  return out;
}

}  // namespace nnload::graph
