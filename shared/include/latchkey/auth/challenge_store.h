// ChallengeStore: the portal's pending second-factor challenges, kept on
// the server (table login_challenges, sql/006). The browser holds only a
// random id (base64url of 32 bytes, 43 characters); the table is keyed by
// its SHA-256, so a copy of the table does not let anyone finish a sign-in.
//
// A challenge is bound to the browser that passed the password step: the
// SHA-256 of its pre-session cookie (lk_pre) is stored with it, and only a
// request carrying that same cookie can take it. It is used up by the first
// code attempt, right or wrong: Take deletes it in one statement (DELETE
// ... RETURNING), so two parallel attempts cannot both get it. It expires
// kChallengeTtl after it was issued.
//
// Adding a field to SecondFactorChallenge: add a column in a new migration
// (and to the portal's grants if it is a new table), then write it in
// Issue's INSERT and read it in Take's RETURNING list (challenge_store.cc,
// one line each).
//
// Not thread-safe (one Connection). Errors common to every call: db errors
// (Unavailable, Internal).
#ifndef LATCHKEY_AUTH_CHALLENGE_STORE_H_
#define LATCHKEY_AUTH_CHALLENGE_STORE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "latchkey/auth/authenticator.h"
#include "latchkey/base/clock.h"
#include "latchkey/base/random.h"
#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"
#include "latchkey/db/db.h"

namespace latchkey {

class ChallengeStore {
 public:
  ChallengeStore(db::Connection& db, const Clock& clock, Random& random);

  // Stores `challenge` for the browser whose pre-session cookie is
  // `browser` (not empty); returns the id to give that browser. Errors:
  // InvalidArgument for an empty `browser`; Random's error.
  Result<Secret> Issue(const SecondFactorChallenge& challenge,
                       std::string_view browser);

  // Takes the challenge named by `id` if it was issued to `browser`: it is
  // deleted whatever happens next. nullopt when there is none (never
  // issued, already taken, malformed id), when `browser` is another
  // browser's cookie (the challenge stays for its own browser), or when it
  // has expired.
  Result<std::optional<SecondFactorChallenge>> Take(std::string_view id,
                                                    std::string_view browser);

  // Deletes up to `limit` expired challenges; returns how many.
  Result<uint64_t> PurgeExpired(uint64_t limit = 1000);

 private:
  db::Connection& db_;
  const Clock& clock_;
  Random& random_;
};

}  // namespace latchkey

#endif  // LATCHKEY_AUTH_CHALLENGE_STORE_H_
