// Private to password_hash*.cc: the key derivation functions and the parsers
// of the stored formats, one file per family. Every parser refuses parameters
// that would make verification of a stored string burn absurd CPU or memory.
#ifndef LATCHKEY_SRC_CRYPTO_PASSWORD_HASH_INTERNAL_H_
#define LATCHKEY_SRC_CRYPTO_PASSWORD_HASH_INTERNAL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"
#include "latchkey/base/status.h"
#include "latchkey/crypto/password_hash.h"

namespace latchkey::hash_internal {

// A decimal in PHC style: digits only, no sign, no leading zero, fits in 32
// bits. nullopt otherwise.
std::optional<uint32_t> ParseDecimal(std::string_view text);

// The NFC form of `password` when it is valid UTF-8 and not already in
// NFC; nullopt otherwise (ASCII, already NFC, not UTF-8, or ICU failing:
// then the bytes are used as they are). ICU (libicu) does the work.
std::optional<Secret> NfcPassword(std::string_view password);

// The most a stored hash may cost, from the configuration (see
// PasswordHasher::Verify). A hash above them "needs reset".
struct CostCaps {
  uint32_t argon2_memory_kib = 0;
  uint32_t argon2_time = 0;
  uint32_t argon2_parallelism = 0;
  uint32_t pbkdf2_iterations = 0;  // $pbkdf2-sha256$
  uint32_t django_iterations = 0;  // pbkdf2_sha256$
  uint32_t bcrypt_cost = 0;
  uint32_t sha512crypt_rounds = 0;
  uint64_t yescrypt_bytes = 0;  // 128 * r * p * N
  uint32_t yescrypt_time = 0;
};

// InvalidArgument "needs reset: ..." naming the scheme and its cap.
Status AboveCap(std::string_view what);

// Keeps the compiler from proving that a buffer is never read, so a KDF run
// whose result is thrown away (DummyVerify) is not optimised out.
void CompilerBarrier(const void* p);

// ---- Argon2id (password_hash_argon2.cc) ----

inline constexpr uint32_t kArgon2Version = 0x13;                   // "v=19"
inline constexpr uint32_t kArgon2MaxMemoryKib = 4u * 1024 * 1024;  // 4 GiB
inline constexpr uint32_t kArgon2MaxTime = 1000;
inline constexpr uint32_t kArgon2MaxParallelism = 64;
inline constexpr size_t kArgon2MinSaltBytes = 8;
inline constexpr size_t kArgon2MaxSaltBytes = 256;
inline constexpr size_t kArgon2MinHashBytes = 16;
inline constexpr size_t kArgon2MaxHashBytes = 256;

struct Argon2Phc {
  uint32_t version = kArgon2Version;
  uint32_t memory_kib = 0;
  uint32_t time = 0;
  uint32_t parallelism = 0;
  std::string salt;  // decoded
  std::string hash;  // decoded
};

// InvalidArgument unless m, t and p are within the limits above (and
// m >= 8 * p, which Argon2 itself requires).
Status CheckArgon2Params(uint32_t memory_kib, uint32_t time,
                         uint32_t parallelism);

// Parses "$argon2id$v=19$m=M,t=T,p=P$salt$hash" (and the pre-1.3 form
// without "v=", which means version 16). InvalidArgument on any defect.
Result<Argon2Phc> ParseArgon2id(std::string_view stored);

// While one of these lives, Argon2idRaw on this thread takes its memory
// from `arena` (mapping it on first use, or anew when it is too small)
// and leaves it mapped afterwards, wiped by libargon2. nullptr keeps the
// thread's current arena (a KdfMemory's); with none at all, each hash maps
// fresh memory and unmaps it after.
class ScopedArgon2Arena {
 public:
  explicit ScopedArgon2Arena(KdfArena* arena);
  ~ScopedArgon2Arena();
  ScopedArgon2Arena(const ScopedArgon2Arena&) = delete;
  ScopedArgon2Arena& operator=(const ScopedArgon2Arena&) = delete;

 private:
  KdfArena* previous_;
};

// Unmaps an arena's memory (if any) and empties it.
void ReleaseArgon2Arena(KdfArena& arena);

// Makes `arena` (may be nullptr) this thread's arena without a scope, as
// KdfMemory needs; returns the one it replaces.
KdfArena* ExchangeThreadArgon2Arena(KdfArena* arena);

// Maps `bytes` of private memory for Argon2 (huge pages asked for, nothing
// faulted in yet); nullptr if the mapping fails.
uint8_t* MapArgon2Arena(size_t bytes);

// Argon2id of `password` into `out_len` bytes. Internal if the library
// fails (e.g. cannot allocate the memory).
Result<Secret> Argon2idRaw(std::string_view password, std::string_view salt,
                           uint32_t memory_kib, uint32_t time,
                           uint32_t parallelism, uint32_t version,
                           size_t out_len);

std::string FormatArgon2id(uint32_t memory_kib, uint32_t time,
                           uint32_t parallelism, std::string_view salt,
                           std::string_view hash);

// ---- PBKDF2-HMAC-SHA256 (password_hash_pbkdf2.cc) ----

inline constexpr uint32_t kPbkdf2MaxIterations = 10'000'000;
inline constexpr size_t kPbkdf2MaxSaltBytes = 1024;
inline constexpr size_t kPbkdf2MinHashBytes = 16;
inline constexpr size_t kPbkdf2MaxHashBytes = 64;

struct Pbkdf2Parsed {
  uint32_t iterations = 0;
  std::string salt;  // the bytes fed to PBKDF2
  std::string hash;  // decoded derived key
};

Status CheckPbkdf2Iterations(uint32_t iterations);

// "$pbkdf2-sha256$i=N$salt$hash" (PHC) or "$pbkdf2-sha256$N$salt$hash"
// (passlib); salt and hash in standard or passlib's adapted base64.
Result<Pbkdf2Parsed> ParsePbkdf2Sha256(std::string_view stored);

// Django's "pbkdf2_sha256$N$salt$base64(hash)"; the salt is used as text.
Result<Pbkdf2Parsed> ParseDjangoPbkdf2(std::string_view stored);

Result<Secret> Pbkdf2Sha256Raw(std::string_view password, std::string_view salt,
                               uint32_t iterations, size_t out_len);

std::string FormatPbkdf2Sha256(uint32_t iterations, std::string_view salt,
                               std::string_view hash);

// Derives with the parsed parameters and compares in constant time.
Result<bool> VerifyPbkdf2(std::string_view password,
                          const Pbkdf2Parsed& parsed);

// ---- crypt(3) through libxcrypt (password_hash_crypt.cc) ----

inline constexpr uint32_t kBcryptMaxCost = 20;
inline constexpr uint32_t kSha512CryptMaxRounds = 10'000'000;

// $y$, $6$, $2b$/$2y$/$2a$. InvalidArgument for a string crypt(3) refuses,
// for one that is truncated or padded, and for absurd costs (read from the
// string before crypt(3) runs); InvalidArgument "needs reset: ..." (AboveCap)
// for a cost above `caps`.
Result<bool> VerifyCrypt(std::string_view password, std::string_view stored,
                         const CostCaps& caps);

}  // namespace latchkey::hash_internal

#endif  // LATCHKEY_SRC_CRYPTO_PASSWORD_HASH_INTERNAL_H_
