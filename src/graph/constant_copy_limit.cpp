// constant_copy_limit (constant_copy_limit.hpp).
#include "graph/constant_copy_limit.hpp"

#include <algorithm>
#include <set>

#include "core/read_limits.hpp"

namespace nnload::graph {

std::uint64_t constant_copy_limit(const Graph& graph) {
  if (const std::optional<std::uint64_t> allowance = graph.constant_copy_allowance())
    return *allowance;
  std::uint64_t bytes = 0;
  std::set<const void*> counted;
  for (const Value& value : graph.values()) {
    if (value.is_constant() && counted.insert(value.constant.raw()).second)
      bytes += value.constant.nbytes();
  }
  const std::uint64_t expansion = std::max<std::uint64_t>(read_limits().max_expansion, 1);
  constexpr std::uint64_t kFloor = std::uint64_t{64} << 20;
  return bytes > (~std::uint64_t{0} - kFloor) / expansion ? ~std::uint64_t{0}
                                                          : bytes * expansion + kFloor;
}

}  // namespace nnload::graph
