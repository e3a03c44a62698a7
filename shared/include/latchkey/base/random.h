// Random: the source of unpredictable bytes, behind an interface so tests
// can be deterministic.
#ifndef LATCHKEY_BASE_RANDOM_H_
#define LATCHKEY_BASE_RANDOM_H_

#include <cstdint>
#include <span>

#include "latchkey/base/status.h"

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

}  // namespace latchkey

#endif  // LATCHKEY_BASE_RANDOM_H_
