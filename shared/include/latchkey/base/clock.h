// Clock: the time source, behind an interface so lockout expiry, token
// expiry and TOTP windows are tested with a settable clock.
#ifndef LATCHKEY_BASE_CLOCK_H_
#define LATCHKEY_BASE_CLOCK_H_

#include <cstdint>
#include <string>

namespace latchkey {

class Clock {
 public:
  virtual ~Clock() = default;
  // Seconds since the Unix epoch, UTC.
  virtual int64_t NowUnix() const = 0;
  // Microseconds since the Unix epoch, UTC.
  virtual int64_t NowUnixMicros() const = 0;
};

// The real wall clock. Thread-safe. Shared() returns a process-wide instance
// with no mutable state.
class SystemClock final : public Clock {
 public:
  int64_t NowUnix() const override;
  int64_t NowUnixMicros() const override;
  static const SystemClock& Shared();
};

// `unix_seconds` as ISO 8601 UTC, e.g. "2026-12-04T22:10:00Z": the one
// way every log line, audit detail and CLI table writes a point in time.
// The decimal seconds if the time cannot be broken down.
std::string IsoTime(int64_t unix_seconds);

}  // namespace latchkey

#endif  // LATCHKEY_BASE_CLOCK_H_
