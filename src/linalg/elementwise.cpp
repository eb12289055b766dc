#include "linalg/elementwise.hpp"

#include "linalg/broadcast.hpp"

namespace nnload::linalg {

BroadcastPlan plan_broadcast(const Shape& a, const Shape& b, const Shape& out) {
  BroadcastPlan plan;
  plan.size = shape_size(out);
  const std::int64_t a_size = shape_size(a);
  const std::int64_t b_size = shape_size(b);
  std::vector<std::int64_t> a_strides = broadcast_strides(a, out);
  std::vector<std::int64_t> b_strides = broadcast_strides(b, out);
  if (plan.size == 0 || plan.size == 1) return plan;
  if (a_size == plan.size && b_size == plan.size) return plan;
  if (a_size == 1 && b_size == plan.size) {
    plan.kind = BroadcastPlan::Kind::a_scalar;
    return plan;
  }
  if (b_size == 1 && a_size == plan.size) {
    plan.kind = BroadcastPlan::Kind::b_scalar;
    return plan;
  }
  plan.kind = BroadcastPlan::Kind::general;
  // From the innermost dimension out: drop 1s, and merge a dimension into the one inside it
  // when both inputs continue their stride pattern across the boundary.
  std::vector<std::int64_t> dims;
  std::vector<std::int64_t> as;
  std::vector<std::int64_t> bs;
  for (std::size_t i = out.size(); i-- > 0;) {
    const std::int64_t d = out[i];
    if (d == 1) continue;
    if (!dims.empty() && a_strides[i] == as.back() * dims.back() &&
        b_strides[i] == bs.back() * dims.back()) {
      dims.back() *= d;
      continue;
    }
    dims.push_back(d);
    as.push_back(a_strides[i]);
    bs.push_back(b_strides[i]);
  }
  plan.dims.assign(dims.rbegin(), dims.rend());
  plan.a_strides.assign(as.rbegin(), as.rend());
  plan.b_strides.assign(bs.rbegin(), bs.rend());
  return plan;
}

}  // namespace nnload::linalg
