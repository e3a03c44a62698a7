// Clock: the time source, behind an interface so lockout expiry, token
// expiry and TOTP windows are tested with a settable clock.
#ifndef LATCHKEY_CLOCK_H_
#define LATCHKEY_CLOCK_H_

#include <atomic>
#include <chrono>
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

// A clock that moves only when told. Thread-safe.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(int64_t unix_seconds = 1'700'000'000)
      : micros_(unix_seconds * 1'000'000) {}
  int64_t NowUnix() const override { return micros_.load() / 1'000'000; }
  int64_t NowUnixMicros() const override { return micros_.load(); }
  void Set(int64_t unix_seconds) { micros_.store(unix_seconds * 1'000'000); }
  void Advance(std::chrono::microseconds d) { micros_.fetch_add(d.count()); }

 private:
  std::atomic<int64_t> micros_;
};

}  // namespace latchkey

#endif  // LATCHKEY_CLOCK_H_
