// Random: the source of unpredictable bytes, behind an interface so tests
// can be deterministic.
#ifndef LATCHKEY_RANDOM_H_
#define LATCHKEY_RANDOM_H_

#include <cstdint>
#include <mutex>
#include <span>

#include "latchkey/status.h"

namespace latchkey {

class Random {
 public:
  virtual ~Random() = default;
  // Fills `out` with random bytes. Fails only if the system CSPRNG fails.
  virtual Status Fill(std::span<uint8_t> out) = 0;
};

// OpenSSL's RAND_bytes (a CSPRNG seeded by the kernel). Thread-safe.
class SystemRandom final : public Random {
 public:
  Status Fill(std::span<uint8_t> out) override;
  static SystemRandom& Shared();
};

// Deterministic bytes from a seed (SHA-256 in counter mode). For tests only.
// Thread-safe.
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

#endif  // LATCHKEY_RANDOM_H_
