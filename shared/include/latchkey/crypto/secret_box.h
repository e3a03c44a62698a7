// SecretBox: AES-256-GCM encryption of small secrets (TOTP keys) under the
// 32-byte secret key. Layout: 0x01 version | 12-byte nonce | ciphertext |
// 16-byte tag. `aad` binds a ciphertext to its owner (e.g. the user id),
// so a row copied to another user does not decrypt. GCM authenticates the
// version byte followed by `aad`. Nonces are random (from `random`), so one
// key is good for far more than the number of secrets latchkey stores.
#ifndef LATCHKEY_CRYPTO_SECRET_BOX_H_
#define LATCHKEY_CRYPTO_SECRET_BOX_H_

#include <string>
#include <string_view>

#include "latchkey/base/encoding.h"
#include "latchkey/base/random.h"
#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"

namespace latchkey {

class SecretBox {
 public:
  // `key` must be 32 bytes; otherwise every call fails with
  // FailedPrecondition.
  SecretBox(Secret key, Random& random);

  Result<std::string> Seal(std::string_view plaintext,
                           std::string_view aad) const;
  // Errors: PermissionDenied when authentication fails (wrong key, wrong
  // aad, tampered data); InvalidArgument when too short or bad version.
  Result<Secret> Open(std::string_view sealed, std::string_view aad) const;

  // HMAC-SHA256 under a subkey derived from the secret key for `purpose`
  // (so the key never serves two uses directly):
  //   subkey = HMAC-SHA256(key, "latchkey:" + purpose)
  //   Mac    = HMAC-SHA256(subkey, message)
  // Stable for a given key, purpose and message. With a key that is not 32
  // bytes it fails closed: it returns an unpredictable digest.
  Sha256Digest Mac(std::string_view purpose, std::string_view message) const;

 private:
  Secret key_;
  Random& random_;
};

}  // namespace latchkey

#endif  // LATCHKEY_CRYPTO_SECRET_BOX_H_
