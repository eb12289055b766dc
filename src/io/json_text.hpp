// JSON from model files (Keras configs, SavedModel metadata) is untrusted: parsed within the
// calling thread's ReadLimits, so a deeply nested or huge document is refused while it is read
// (nlohmann's parser is iterative, but destroying a deep document recurses once per level), and
// read back through io::Json, whose numbers convert to integers only when they fit.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace nnload::io {

// Error(corrupt): a JSON number `value` does not fit the integer type an accessor asked for.
[[noreturn]] void json_number_out_of_range(double value, std::string_view type);

// nlohmann's get<int>() of a floating-point value is a plain static_cast: undefined behaviour
// when the value is out of the integer's range (a config saying "units": 1e300). This serializer
// checks the range first and otherwise does what nlohmann's own (adl_serializer) does.
template <class T, class = void>
struct CheckedNumbers {
  template <class BasicJson, class Target>
  static auto from_json(BasicJson&& j, Target& value) noexcept(false)
      -> decltype(nlohmann::adl_serializer<T>::from_json(std::forward<BasicJson>(j), value)) {
    if constexpr (std::is_integral_v<Target> && !std::is_same_v<Target, bool>) {
      if (j.is_number_float()) check_fits<Target>(j.template get_ref<const double&>());
    }
    return nlohmann::adl_serializer<T>::from_json(std::forward<BasicJson>(j), value);
  }
  template <class BasicJson>
  static auto from_json(BasicJson&& j) noexcept(false)
      -> decltype(nlohmann::adl_serializer<T>::from_json(std::forward<BasicJson>(j))) {
    return nlohmann::adl_serializer<T>::from_json(std::forward<BasicJson>(j));
  }
  template <class BasicJson, class Source>
  static auto to_json(BasicJson& j, Source&& value) noexcept(false)
      -> decltype(nlohmann::adl_serializer<T>::to_json(j, std::forward<Source>(value))) {
    return nlohmann::adl_serializer<T>::to_json(j, std::forward<Source>(value));
  }

 private:
  // A double converts to Target (truncating toward zero) without undefined behaviour when it
  // lies in (min - 1, max + 1); both bounds are powers of two, exact as doubles.
  template <class Target>
  static void check_fits(double v) {
    constexpr int kDigits = std::numeric_limits<Target>::digits;
    const double upper = static_cast<double>(std::uint64_t{1} << (kDigits - 1)) * 2.0;
    const bool fits =
        std::is_signed_v<Target> ? (v >= -upper && v < upper) : (v > -1.0 && v < upper);
    if (!fits)
      json_number_out_of_range(
          v, std::is_signed_v<Target> ? "a signed integer" : "an unsigned integer");
  }
};

using Json = nlohmann::basic_json<std::map, std::vector, std::string, bool, std::int64_t,
                                  std::uint64_t, double, std::allocator, CheckedNumbers>;

// Error(corrupt) naming `what` when the text is not JSON, nests deeper than
// ReadLimits::max_depth or holds more than ReadLimits::max_objects values.
Json parse_json(std::string_view text, std::string_view what);

}  // namespace nnload::io
