// CSRF tokens for the portal's forms and API calls.
//
// With a session, the token is derived from the session's random
// csrf_secret: base64url(HMAC-SHA256(csrf_secret, "latchkey-csrf-v1")), so
// it needs no storage and dies with the session.
//
// Before login (login, register, forgot and reset forms) there is no
// session: the browser gets a random pre-session id in a cookie, and the
// token is a signature of that id under the portal's own key,
// base64url(MacKey("csrf-pre").Mac(id)) with the MacKey derived (HKDF) from
// [portal] secret_key_file - a signed double-submit token. A site that
// cannot read or set our cookies cannot produce a matching pair, and a PAM
// host, which holds only [security] secret_key_file, cannot either.
//
// Every check compares in constant time. Thread-safe (no mutable state).
#ifndef LATCHKEY_CRYPTO_CSRF_H_
#define LATCHKEY_CRYPTO_CSRF_H_

#include <string>
#include <string_view>
#include <utility>

#include "latchkey/base/random.h"
#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"
#include "latchkey/crypto/mac_key.h"

namespace latchkey {

class CsrfTokens {
 public:
  // The MAC label CsrfTokens' key must be derived with.
  static constexpr std::string_view kLabel = "csrf-pre";
  // `key`: MacKey::Derive(portal key, kLabel).
  explicit CsrfTokens(MacKey key) : key_(std::move(key)) {}

  // The token for a session's csrf_secret (43 base64url characters).
  static std::string ForSession(const Secret& csrf_secret);
  // True iff `token` is the token of `csrf_secret`. An empty secret never
  // matches.
  static bool CheckSession(const Secret& csrf_secret, std::string_view token);

  // A new pre-session id: base64url of 32 random bytes (43 characters).
  static Result<std::string> NewPreSessionId(Random& random);
  // True iff `id` has the shape NewPreSessionId makes.
  static bool IsPreSessionId(std::string_view id);

  // The token for a pre-session id ("" for an id of the wrong shape).
  std::string ForPreSession(std::string_view pre_id) const;
  // True iff `pre_id` is well-formed and `token` is its token.
  bool CheckPreSession(std::string_view pre_id, std::string_view token) const;

 private:
  MacKey key_;
};

}  // namespace latchkey

#endif  // LATCHKEY_CRYPTO_CSRF_H_
