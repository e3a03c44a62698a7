// MacKey: HMAC-SHA256 under a subkey that HKDF-SHA256 (RFC 5869, through
// OpenSSL 3's EVP_KDF "HKDF") derives from a 32-byte key for one labelled
// purpose, so one key file never keys two uses directly:
//   subkey = HKDF-SHA256(ikm = key, salt = "", info = "latchkey:" + label)
//   Mac    = HMAC-SHA256(subkey, message)
// The portal keys its own MACs (the pre-session CSRF token) this way from
// [portal] secret_key_file, which PAM hosts do not hold.
// Immutable after Derive: thread-safe.
#ifndef LATCHKEY_CRYPTO_MAC_KEY_H_
#define LATCHKEY_CRYPTO_MAC_KEY_H_

#include <string_view>
#include <utility>

#include "latchkey/base/encoding.h"
#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"

namespace latchkey {

class MacKey {
 public:
  // Errors: InvalidArgument unless `key` is 32 bytes or `label` is empty;
  // Internal if OpenSSL's HKDF fails.
  static Result<MacKey> Derive(const Secret& key, std::string_view label);

  Sha256Digest Mac(std::string_view message) const;

 private:
  explicit MacKey(Secret subkey) : subkey_(std::move(subkey)) {}
  Secret subkey_;
};

}  // namespace latchkey

#endif  // LATCHKEY_CRYPTO_MAC_KEY_H_
