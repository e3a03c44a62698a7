// SshKeyStore: the `ssh_keys` table (migration 015). A user's SSH public
// keys, which sshd on fleet hosts reads through the agent
// (AuthorizedKeysCommand latchkey-ssh-keys %u). Rows are written already
// validated (account/ssh_keys.h parses and checks a key before Add); this
// layer only stores and reads them.
//
// Not thread-safe (one Connection). Errors: the db layer's, and those named.
#ifndef LATCHKEY_STORE_SSH_KEY_STORE_H_
#define LATCHKEY_STORE_SSH_KEY_STORE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/clock.h"
#include "latchkey/base/result.h"
#include "latchkey/db/db.h"

namespace latchkey {

struct StoredSshKey {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string algorithm;    // "ssh-ed25519", "sk-ssh-ed25519@openssh.com", ...
  std::string public_key;   // the base64 blob
  std::string fingerprint;  // "SHA256:..." (unpadded base64)
  std::string comment;      // may be ""
  int64_t created_at = 0;   // Unix seconds
  std::optional<int64_t> expires_at;  // Unix seconds; nullopt: no expiry

  // "<algorithm> <public_key>[ <comment>]": one authorized_keys line.
  std::string AuthorizedKeysLine() const;
};

class SshKeyStore {
 public:
  SshKeyStore(db::Connection& db, const Clock& clock);

  // Stores a key (created_at = now); fills in and returns its id. Errors:
  // AlreadyExists "this key is already on the account" for the same
  // (user, fingerprint).
  Result<StoredSshKey> Add(StoredSshKey key);
  // Every key of the user, expired ones included, oldest first.
  Result<std::vector<StoredSshKey>> ListForUser(int64_t user_id);
  // The keys sshd may accept now: not expired (expires_at > now or none),
  // of an account that exists and is active. Oldest first. An unknown or
  // inactive user gives an empty list.
  Result<std::vector<StoredSshKey>> ActiveForUsername(
      std::string_view username);
  // The key `key_id` of `user_id`; nullopt when there is none (another
  // user's key id gives nullopt too).
  Result<std::optional<StoredSshKey>> Find(int64_t user_id, int64_t key_id);
  // Deletes the key `key_id` of `user_id` and returns it. Errors: NotFound
  // "no such key" (also for another user's key).
  Result<StoredSshKey> Remove(int64_t user_id, int64_t key_id);
  // The number of keys of `user_id`, with the user's row locked (SELECT
  // ... FOR UPDATE) until the caller's transaction ends, so that two adds
  // at once count one after the other (the per-user limit). Call inside a
  // transaction. Errors: NotFound "no user with id N".
  Result<size_t> CountForUserLocked(int64_t user_id);

 private:
  db::Connection& db_;
  const Clock& clock_;
};

}  // namespace latchkey

#endif  // LATCHKEY_STORE_SSH_KEY_STORE_H_
