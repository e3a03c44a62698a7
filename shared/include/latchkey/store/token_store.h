// TokenStore: one-use links (account activation, password reset, email
// change, invitation). A token is 32 random bytes in base64url; only its
// SHA-256 is stored. Use is one atomic UPDATE, so two racing uses give one
// success.
#ifndef LATCHKEY_STORE_TOKEN_STORE_H_
#define LATCHKEY_STORE_TOKEN_STORE_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "latchkey/base/clock.h"
#include "latchkey/base/random.h"
#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"
#include "latchkey/config/config.h"
#include "latchkey/db/db.h"

namespace latchkey {

enum class TokenPurpose { kActivate, kReset, kEmailChange, kInvite };

// "activate", "reset", "email_change", "invite" (the column's ENUM
// values; 'invite' since migration 014).
std::string_view TokenPurposeName(TokenPurpose purpose);

inline constexpr Seconds kActivationTokenTtl{48 * 3600};
inline constexpr Seconds kResetTokenTtl{3600};
inline constexpr Seconds kEmailChangeTokenTtl{48 * 3600};
// An invitation (account/invitation.h) waits a week for its invitee.
inline constexpr Seconds kInvitationTokenTtl{7 * 24 * 3600};
// Whole hours: the mails say "valid for N hours" (mail_texts.cc).
static_assert(kActivationTokenTtl.count() % 3600 == 0 &&
              kResetTokenTtl.count() % 3600 == 0 &&
              kEmailChangeTokenTtl.count() % 3600 == 0 &&
              kInvitationTokenTtl.count() % 3600 == 0);

enum class TokenState { kValid, kUsed, kExpired, kUnknown };

struct TokenPeek {
  TokenState state = TokenState::kUnknown;
  std::optional<int64_t> user_id;  // set unless kUnknown
};

struct ConsumedToken {
  int64_t user_id = 0;
  std::optional<std::string> payload;  // e.g. the new email address
};

// Not thread-safe (one Connection).
class TokenStore {
 public:
  TokenStore(db::Connection& db, const Clock& clock, Random& random);

  // A new token (43 base64url characters) valid for `ttl`. `payload`
  // (<= 254 bytes) is returned by Consume. Other open tokens of the user
  // stay valid (call VoidOpen first to replace them). Errors: NotFound
  // "no user with id N", InvalidArgument for a long payload, db errors.
  Result<Secret> Issue(int64_t user_id, TokenPurpose purpose, Seconds ttl,
                       std::optional<std::string> payload = std::nullopt);

  // What a page should say about `token`, without using it. A token of
  // another purpose is kUnknown.
  Result<TokenPeek> Peek(std::string_view token, TokenPurpose purpose);

  // Uses the token: one UPDATE ... SET used_at = now WHERE token_sha256 = ?
  // AND purpose = ? AND used_at IS NULL AND expires_at > now; the caller
  // whose UPDATE changed the row won. Errors: FailedPrecondition "this link
  // has already been used" / "this link has expired"; NotFound "this link
  // is not valid"; db errors.
  Result<ConsumedToken> Consume(std::string_view token, TokenPurpose purpose);

  // Marks every open token of the user for `purpose` as used (a password
  // change voids reset links). Returns how many.
  Result<uint64_t> VoidOpen(int64_t user_id, TokenPurpose purpose);

 private:
  db::Connection& db_;
  const Clock& clock_;
  Random& random_;
};

}  // namespace latchkey

#endif  // LATCHKEY_STORE_TOKEN_STORE_H_
