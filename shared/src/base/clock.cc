#include "latchkey/base/clock.h"

#include <time.h>

#include <array>
#include <chrono>

namespace latchkey {

int64_t SystemClock::NowUnix() const {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t SystemClock::NowUnixMicros() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const SystemClock& SystemClock::Shared() {
  static const SystemClock clock;
  return clock;
}

std::string IsoTime(int64_t unix_seconds) {
  const time_t t = static_cast<time_t>(unix_seconds);
  struct tm tm {};
  if (gmtime_r(&t, &tm) == nullptr) return std::to_string(unix_seconds);
  std::array<char, 40> buf{};
  const size_t n = strftime(buf.data(), buf.size(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return std::string(buf.data(), n);
}

}  // namespace latchkey
