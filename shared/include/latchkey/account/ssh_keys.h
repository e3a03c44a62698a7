// SshKeys: a user's SSH public keys (issue 12, fleet mode), which fleet
// hosts hand to sshd (AuthorizedKeysCommand, through the agent and the
// directory's /host/v1/ssh-keys). One home for the rules of adding and
// removing a key, for the portal, the API and the CLI:
//   - the key is parsed and checked (crypto/ssh_public_key.h);
//   - at most kMaxSshKeysPerUser keys an account;
//   - an optional expiry, in the future and at most kMaxSshKeyLifetime
//     ahead;
//   - every added key is audited (ssh_key_added, the fingerprint in the
//     detail) and mailed to the owner's verified address; every removed
//     key is audited (ssh_key_removed).
// A key lets its holder in at ssh without the password or the code, so the
// portal asks for both again before AddKey (reauth.h,
// Reauthentication::GateEveryFactor); this class does not check that:
// the CLI (root) adds keys without it.
#ifndef LATCHKEY_ACCOUNT_SSH_KEYS_H_
#define LATCHKEY_ACCOUNT_SSH_KEYS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/field_errors.h"
#include "latchkey/base/result.h"
#include "latchkey/services/services.h"
#include "latchkey/store/audit.h"
#include "latchkey/store/ssh_key_store.h"

namespace latchkey {

inline constexpr size_t kMaxSshKeysPerUser = 20;
// 5 years of 365 days.
inline constexpr Seconds kMaxSshKeyLifetime{5 * 365 * 86400};

// Who acts: the account's owner (by empty) or an administrator (by: "root
// (uid 0)", "alice"; audited as "by <by>" and named in the mail).
struct SshKeyActor {
  AuthContext ctx;
  std::string by;
};

struct AddedSshKey {
  // Per field, for the form and the API's 422: "key" (the parser's
  // message, as a sentence) and "expires_at". Non-empty: nothing stored.
  FieldErrors errors;
  StoredSshKey key;  // errors empty: the stored key, with its id
};

// Not thread-safe (uses one Services).
class SshKeys {
 public:
  explicit SshKeys(Services& services);

  // Adds the key of `line` (one authorized_keys-style line) to the account
  // `user_id`, expiring at `expires_at` (Unix seconds; nullopt: never).
  // Field errors as described at AddedSshKey. On success, in one
  // transaction: the row, the audit row (ssh_key_added "SHA256:... <type>"
  // plus " by <by>") and, for a verified address, the mail "A new SSH key
  // was added to your account" (fingerprint, when, from where, how to
  // remove it). Errors: AlreadyExists "this key is already on the
  // account"; ResourceExhausted "an account may have at most 20 SSH keys:
  // remove one first"; NotFound "no user with id N"; db errors.
  Result<AddedSshKey> AddKey(int64_t user_id, std::string_view line,
                             std::optional<int64_t> expires_at,
                             const SshKeyActor& actor);

  // Removes key `key_id` of `user_id` (another user's id: NotFound, and
  // nothing changes), audited as ssh_key_removed with the fingerprint.
  // Errors: NotFound "no such key"; NotFound "no user with id N"; db
  // errors.
  Result<StoredSshKey> RemoveKey(int64_t user_id, int64_t key_id,
                                 const SshKeyActor& actor);

  // The key of `user_id` whose id (decimal) or fingerprint ("SHA256:...")
  // is `id_or_fingerprint`, or nullopt (the CLI's argument).
  Result<std::optional<StoredSshKey>> FindKey(
      int64_t user_id, std::string_view id_or_fingerprint);

  // Every key of the account, expired ones included, oldest first.
  Result<std::vector<StoredSshKey>> ListKeys(int64_t user_id);

  // Whether `key` has expired at `now` (Unix seconds).
  static bool Expired(const StoredSshKey& key, int64_t now) {
    return key.expires_at && *key.expires_at <= now;
  }

 private:
  Services& s_;
  SshKeyStore store_;
};

}  // namespace latchkey

#endif  // LATCHKEY_ACCOUNT_SSH_KEYS_H_
