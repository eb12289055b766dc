// Node attributes: named, typed values, as in ONNX's AttributeProto.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "nnload/tensor.hpp"

namespace nnload::graph {

// An object a node carries for its op (a user's custom layer implementation): opaque to the
// graph, shared by copies of the node.
using OpaqueObject = std::shared_ptr<const void>;

using AttrValue = std::variant<std::int64_t, double, std::string, std::vector<std::int64_t>,
                               std::vector<double>, std::vector<std::string>, Tensor, OpaqueObject>;

class Attributes {
 public:
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  void set(const std::string& name, AttrValue value) { values_[name] = std::move(value); }
  void erase(const std::string& name) { values_.erase(name); }
  const std::map<std::string, AttrValue>& all() const { return values_; }

  // Typed reads. An integer attribute reads as float too (ONNX writers are not consistent).
  // A missing attribute or a wrong type throws Error(invalid_argument) naming the attribute.
  std::int64_t get_int(const std::string& name) const;
  double get_float(const std::string& name) const;
  const std::string& get_string(const std::string& name) const;
  std::vector<std::int64_t> get_ints(const std::string& name) const;
  std::vector<double> get_floats(const std::string& name) const;
  const std::vector<std::string>& get_strings(const std::string& name) const;
  const Tensor& get_tensor(const std::string& name) const;
  const OpaqueObject& get_object(const std::string& name) const;

  std::int64_t int_or(const std::string& name, std::int64_t fallback) const;
  double float_or(const std::string& name, double fallback) const;
  std::string string_or(const std::string& name, const std::string& fallback) const;
  std::vector<std::int64_t> ints_or(const std::string& name,
                                    std::vector<std::int64_t> fallback) const;
  std::vector<double> floats_or(const std::string& name, std::vector<double> fallback) const;

  // "alpha=0.2, axis=1" for debug output.
  std::string to_string() const;

 private:
  const AttrValue& find(const std::string& name) const;
  std::map<std::string, AttrValue> values_;
};

}  // namespace nnload::graph
