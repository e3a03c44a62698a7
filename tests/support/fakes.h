// Test doubles of the core's Clock and Random: time that moves only when a
// test says so, and bytes that repeat from a seed. Never linked into a
// shipped binary.
#ifndef LATCHKEY_TESTS_SUPPORT_FAKES_H_
#define LATCHKEY_TESTS_SUPPORT_FAKES_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <span>

#include "latchkey/base/clock.h"
#include "latchkey/base/random.h"

namespace latchkey {

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

// Deterministic bytes from a seed (SHA-256 in counter mode). Thread-safe.
class FakeRandom final : public Random {
 public:
  explicit FakeRandom(uint64_t seed = 1) : seed_(seed) {}
  Status Fill(std::span<uint8_t> out) override;

 private:
  std::mutex mu_;
  uint64_t seed_;
  uint64_t counter_ = 0;
};

}  // namespace latchkey

#endif  // LATCHKEY_TESTS_SUPPORT_FAKES_H_
