#include "io/json_text.hpp"

#include "core/fail.hpp"
#include "core/read_limits.hpp"

namespace nnload::io {

void json_number_out_of_range(double value, std::string_view type) {
  fail(ErrorCode::corrupt, "the JSON number {} is out of the range of {}", value, type);
}

Json parse_json(std::string_view text, std::string_view what) {
  const ReadLimits& limits = read_limits();
  std::uint64_t values = 0;
  const auto within_limits = [&](int depth, Json::parse_event_t event, Json&) {
    if (depth > 0 && static_cast<std::uint64_t>(depth) > limits.max_depth) {
      fail(ErrorCode::corrupt, "{}: JSON nested deeper than {} levels (ReadLimits::max_depth)",
           what, limits.max_depth);
    }
    if (event == Json::parse_event_t::value && ++values > limits.max_objects) {
      fail(ErrorCode::corrupt, "{}: JSON holds more than {} values (ReadLimits::max_objects)", what,
           limits.max_objects);
    }
    return true;
  };
  try {
    return Json::parse(text, within_limits);
  } catch (const Json::exception& e) {
    fail(ErrorCode::corrupt, "{} is not valid JSON ({})", what, e.what());
  }
}

}  // namespace nnload::io
