// TotpStep: a user's TOTP key (sealed by SecretBox with aad
// "totp:<user_id>") and one-time recovery codes (stored as
// SecretBox::Mac("recovery", "<user_id>:" + normalized code)).
#ifndef LATCHKEY_AUTH_TOTP_STEP_H_
#define LATCHKEY_AUTH_TOTP_STEP_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/clock.h"
#include "latchkey/base/random.h"
#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"
#include "latchkey/crypto/secret_box.h"
#include "latchkey/crypto/totp.h"
#include "latchkey/db/db.h"
#include "latchkey/store/user_store.h"

namespace latchkey {

// Not thread-safe (one Connection).
//
// `box` may be null (no secret key file): then every call that needs the
// key fails with FailedPrecondition(`missing_key_message`), e.g. "the
// secret key file /etc/latchkey/secret.key is missing: run latchkeyctl
// gen-key". Errors otherwise: db errors; NotFound "no user with id N".
class TotpStep {
 public:
  TotpStep(db::Connection& db, const Clock& clock, Random& random,
           const Totp& totp, const SecretBox* box,
           std::string missing_key_message);

  // Stores `key` sealed for the user and sets totp_last_step to
  // `accepted_step` (the step of the code that confirmed enrolment, so it
  // cannot be replayed), replacing any earlier key.
  Status Enable(int64_t user_id, const Secret& key,
                std::optional<int64_t> accepted_step = std::nullopt);
  // The user's key. Errors: NotFound "TOTP is not enabled for this user";
  // PermissionDenied when it does not decrypt (wrong key file).
  Result<Secret> GetKey(const User& user) const;
  Result<Secret> GetKey(int64_t user_id);
  // Clears the key and last step and deletes the recovery codes, in one
  // transaction (the caller's when one is open; the caller commits).
  Status Disable(int64_t user_id);

  // Checks `code` against the user's key at the clock's now, then records
  // the step with one UPDATE ... WHERE totp_last_step IS NULL OR
  // totp_last_step < step; if that changes no row a racing use of the same
  // code won, and the verdict is kReplayed. Errors: NotFound (no TOTP),
  // FailedPrecondition (no key file), PermissionDenied (undecryptable).
  Result<TotpVerdict> VerifyTotp(const User& user, std::string_view code);

  // Deletes the user's codes and stores kRecoveryCodeCount new ones, in one
  // transaction; returns them for showing once.
  Result<std::vector<Secret>> ReplaceRecoveryCodes(int64_t user_id);
  // Uses a code: one UPDATE ... SET used_at WHERE user_id, code_hash and
  // used_at IS NULL. Returns true iff this call used it.
  Result<bool> UseRecoveryCode(int64_t user_id, std::string_view code);
  // Unused codes left.
  Result<int64_t> RemainingRecoveryCodes(int64_t user_id);

  const Totp& totp() const { return totp_; }

 private:
  Status KeyAvailable() const;
  std::string CodeHash(int64_t user_id, std::string_view code) const;

  db::Connection& db_;
  const Clock& clock_;
  Random& random_;
  const Totp& totp_;
  const SecretBox* box_;
  std::string missing_key_message_;
};

// The aad binding a sealed TOTP key to its user: "totp:<user_id>".
std::string TotpAad(int64_t user_id);

}  // namespace latchkey

#endif  // LATCHKEY_AUTH_TOTP_STEP_H_
