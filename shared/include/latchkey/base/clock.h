// Clock: the time source, behind an interface so lockout expiry, token
// expiry and TOTP windows are tested with a settable clock.
#ifndef LATCHKEY_BASE_CLOCK_H_
#define LATCHKEY_BASE_CLOCK_H_

#include <cstdint>

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

}  // namespace latchkey

#endif  // LATCHKEY_BASE_CLOCK_H_
