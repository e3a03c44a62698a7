// Password hashing: Argon2id (libargon2) in PHC form for new hashes, and
// verification of imported formats.
#ifndef LATCHKEY_PASSWORD_HASH_H_
#define LATCHKEY_PASSWORD_HASH_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "latchkey/config.h"
#include "latchkey/random.h"
#include "latchkey/result.h"

namespace latchkey {

// The hash formats verification understands.
enum class HashFormat {
  kArgon2id,       // $argon2id$v=19$m=..,t=..,p=..$salt$hash (PHC)
  kPbkdf2Sha256,   // $pbkdf2-sha256$i=N$salt$hash (PHC, passlib style too)
  kDjangoPbkdf2,   // pbkdf2_sha256$N$salt$base64hash
  kCryptYescrypt,  // $y$...
  kCryptSha512,    // $6$...
  kCryptBcrypt,    // $2b$ / $2y$ / $2a$
  kUnknown,
};

// Recognises the format from the prefix only; does not validate the rest.
HashFormat DetectHashFormat(std::string_view stored);

struct HashParams {
  HashScheme scheme = HashScheme::kArgon2id;
  uint32_t argon2_memory_kib = 19456;
  uint32_t argon2_time = 2;
  uint32_t argon2_parallelism = 1;
  uint32_t pbkdf2_iterations = 600000;
  static HashParams FromConfig(const SecurityConfig& s);
};

// Thread-safe (const methods, no shared mutable state apart from Random,
// which must itself be thread-safe).
class PasswordHasher {
 public:
  PasswordHasher(HashParams params, Random& random);

  // A new hash under the current scheme and parameters, with a fresh
  // 16-byte salt. Errors: Internal if the KDF fails (e.g. out of memory) or
  // Random fails; InvalidArgument if `password` contains a NUL byte or the
  // parameters are outside what Verify accepts.
  Result<std::string> Hash(std::string_view password) const;

  // true if `password` matches `stored`, false if it does not.
  // Errors: InvalidArgument for an unknown or malformed hash string, and for
  // costs no sane system stores (argon2id m > 4 GiB, t > 1000, p > 64, salt
  // < 8 or hash < 16 bytes; pbkdf2 > 10M iterations; bcrypt cost > 20;
  // sha512crypt rounds > 10M), refused before any work is done.
  // The comparison of derived keys is constant-time. Nothing is truncated,
  // except that bcrypt reads only 72 bytes (the format's own limit); crypt(3)
  // hashes never match a password with a NUL or of 512 bytes or more.
  Result<bool> Verify(std::string_view password, std::string_view stored) const;

  // true unless `stored` is the current scheme with the current parameters.
  bool NeedsRehash(std::string_view stored) const;

  // Does the work of one Verify against a current-parameter hash and throws
  // the answer away, so an unknown user costs what a wrong password costs.
  void DummyVerify(std::string_view password) const;

  const HashParams& params() const { return params_; }

 private:
  HashParams params_;
  Random& random_;
};

}  // namespace latchkey

#endif  // LATCHKEY_PASSWORD_HASH_H_
