// Creating the secret key file (security.secret_key_file) that encrypts
// TOTP keys and keys the HMACs.
#ifndef LATCHKEY_CRYPTO_KEY_FILE_H_
#define LATCHKEY_CRYPTO_KEY_FILE_H_

#include <cstddef>
#include <string>

#include "latchkey/base/random.h"
#include "latchkey/base/status.h"

namespace latchkey {

inline constexpr size_t kSecretKeyBytes = 32;

// Writes kSecretKeyBytes random bytes (raw) to `path` with mode 0600,
// atomically: a temp file in the same directory, fsync, rename, fsync of
// the directory; a failure leaves no temp file and any old key intact.
// Without `overwrite`, an existing `path` (of any kind) is refused with
// AlreadyExists "<path> exists; ...". Errors: IoError naming the file and
// the errno text (e.g. a missing directory); Random's error.
Status WriteSecretKeyFile(const std::string& path, Random& random,
                          bool overwrite);

}  // namespace latchkey

#endif  // LATCHKEY_CRYPTO_KEY_FILE_H_
