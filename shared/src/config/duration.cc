#include <cstdint>
#include <string>
#include <string_view>

#include "latchkey/config/config.h"

namespace latchkey {
namespace {

// Ten years: far beyond any sensible setting, and small enough that callers
// may add the value to a nanosecond time_point without overflowing.
constexpr int64_t kMaxMillis = int64_t{3650} * 24 * 3600 * 1000;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUnitChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

Status Bad(std::string_view text, std::string_view why) {
  std::string shown(text.substr(0, 64));
  if (text.size() > 64) shown += "...";
  return InvalidArgument("bad duration '" + shown + "': " + std::string(why));
}

// Milliseconds per unit, or 0 for an unknown unit.
int64_t UnitMillis(std::string_view unit) {
  if (unit == "ms") return 1;
  if (unit == "s") return 1000;
  if (unit == "m") return 60 * 1000;
  if (unit == "h") return 3600 * 1000;
  if (unit == "d") return 24 * 3600 * 1000;
  return 0;
}

}  // namespace

Result<Millis> ParseDuration(std::string_view text) {
  constexpr std::string_view kUse = " (units: ms, s, m, h, d)";
  if (text.empty()) return Bad(text, "empty");
  if (text[0] == '-') return Bad(text, "negative");

  int64_t total = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    if (!IsDigit(text[pos])) {
      return Bad(
          text,
          std::string("expected a number") +
              (pos == 0 ? ""
                        : " after '" + std::string(text.substr(0, pos)) + "'") +
              std::string(kUse));
    }
    const size_t number_start = pos;
    int64_t number = 0;
    bool too_large = false;
    for (; pos < text.size() && IsDigit(text[pos]); ++pos) {
      if (number > kMaxMillis) {
        too_large = true;  // keep scanning so the unit is still checked
        continue;
      }
      number = number * 10 + (text[pos] - '0');
    }
    const std::string_view digits =
        text.substr(number_start, pos - number_start);
    const size_t unit_start = pos;
    while (pos < text.size() && IsUnitChar(text[pos])) ++pos;
    const std::string_view unit = text.substr(unit_start, pos - unit_start);

    int64_t per_unit = 0;
    if (unit.empty()) {
      // A bare number means seconds, but only as the whole text: "1h30" is
      // more likely a typo than 1h and 30 seconds.
      if (number_start != 0 || pos != text.size()) {
        return Bad(text, "missing unit after '" + std::string(digits) + "'" +
                             std::string(kUse));
      }
      per_unit = 1000;
    } else {
      per_unit = UnitMillis(unit);
      if (per_unit == 0) {
        return Bad(text, "unknown unit '" + std::string(unit) + "'" +
                             std::string(kUse));
      }
    }
    if (too_large || number > kMaxMillis / per_unit ||
        total + number * per_unit > kMaxMillis) {
      return Bad(text, "too large (at most 3650d)");
    }
    total += number * per_unit;
  }
  return Millis(total);
}

}  // namespace latchkey
