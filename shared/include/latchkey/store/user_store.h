// UserStore: the `users`, `roles` and `user_roles` tables, and the pure
// validation of what people type into them (username, email, full name).
// Listing and searching accounts is UserSearch's (user_search.h).
#ifndef LATCHKEY_STORE_USER_STORE_H_
#define LATCHKEY_STORE_USER_STORE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "latchkey/base/clock.h"
#include "latchkey/base/result.h"
#include "latchkey/base/status.h"
#include "latchkey/db/db.h"

namespace latchkey {

// One row of `users` plus its role names. Times are Unix seconds (UTC).
struct User {
  int64_t id = 0;
  std::string username;
  std::string email;  // lower-case
  std::string full_name;
  std::string password_hash;  // PHC or crypt(3) string; not a secret in
                              // itself, but never log it
  bool is_active = true;
  std::optional<int64_t> email_verified_at;
  std::optional<int64_t> locked_until;  // the password lock; may lie in the
                                        // past (kept for the lock doubling);
                                        // locked iff > now
  std::optional<int64_t>
      admin_locked_until;  // the admin lock (lockout_store.h)
  uint32_t failed_logins = 0;
  uint32_t lock_count = 0;
  std::optional<int64_t> last_failed_at;
  std::optional<int64_t> last_locked_at;  // when the most recent lock began
  std::optional<int64_t> password_changed_at;
  std::optional<int64_t> password_expires_at;
  std::optional<int64_t> account_expires_at;
  std::string totp_secret_enc;  // SecretBox-sealed TOTP key; "" = no TOTP
  std::optional<int64_t> totp_last_step;
  std::optional<int64_t> uid;  // assigned by nss-sync
  bool has_avatar = false;
  int64_t created_at = 0;
  int64_t updated_at = 0;
  std::optional<int64_t> last_login_at;
  std::vector<std::string> roles;  // sorted by name

  bool has_totp() const { return !totp_secret_enc.empty(); }
  bool HasRole(std::string_view role) const;
  bool email_verified() const { return email_verified_at.has_value(); }
  // The one rule for "expired", for every door: an expiry time that is
  // set and not after `now` (Unix seconds).
  bool AccountExpired(int64_t now) const;
  // The password must change before the account is used (PAM's
  // PAM_NEW_AUTHTOK_REQD; the portal asks for a new one).
  bool PasswordExpired(int64_t now) const;
};

struct NewUser {
  std::string username;       // checked with ValidateUsername
  std::string email;          // normalized with NormalizeEmail
  std::string full_name;      // checked with ValidateFullName
  std::string password_hash;  // already hashed (PasswordHasher::Hash or an
                              // imported hash); never a plain password
  bool is_active = true;
  bool email_verified = false;  // true: email_verified_at = now
  std::optional<int64_t> password_expires_at;
  std::optional<int64_t> account_expires_at;
  std::vector<std::string> roles = {"user"};
};

struct Role {
  std::string name;
  std::string description;
};

// --- Pure validation (no database) ---

// The longest username CheckUsernameForm accepts, in bytes.
inline constexpr size_t kMaxUsernameBytes = 32;

// THE username rule: OK if `name` matches ^[a-z_][a-z0-9_-]{0,31}$ (so no
// space, tab, control character or upper case anywhere). A name that fails
// it names no account: MatchLogin (and so every lookup by name, in PAM, the
// portal and the CLI) answers "no such user" without asking the database,
// and the stores refuse to create it. Errors: InvalidArgument, one sentence
// for a person.
Status CheckUsernameForm(std::string_view name);

// The operating system's own account names (Debian's base-passwd and
// common daemons): root, daemon, bin, sys, sync, games, man, lp, mail,
// news, uucp, proxy, www-data, backup, list, irc, nobody, sshd, systemd-*,
// _apt, messagebus, latchkey. nss-sync never writes an entry for one.
bool IsSystemUsername(std::string_view name);

// IsSystemUsername, plus the built-in list of names that distributions,
// cloud images and common services create on hosts, or that people take
// for an administrator's (kReservedNames in user_validation.cc: admin and
// every name starting with "admin", administrator, ubuntu, debian, centos,
// ec2-user, cloud-user, azureuser, deploy, git, postgres, mysql, nginx,
// test, guest, every name starting with '_', ...). No new account may take
// one. Accounts that hold such a name from before keep working; `latchkeyctl
// doctor` lists them.
bool IsBuiltinReservedUsername(std::string_view name);

// The names in [security] reserved_names_file: one per line, '#' starts a
// comment, blanks around a name and blank lines are ignored. An empty
// `path` gives no names. Errors: IoError naming the file (a configured
// file that cannot be read is an error, never "no names"); InvalidArgument
// "<path>:<line>: ..." for a line that is not a username (CheckUsernameForm).
Result<std::set<std::string>> ReadReservedNames(const std::string& path);

// OK if `name` may be given to a NEW account: CheckUsernameForm, not
// IsBuiltinReservedUsername, not in `reserved_names_file` (ReadReservedNames;
// "" = none) and not an entry of `passwd_file`, the host's own accounts
// (read with fgetpwent_r, so NSS entries such as libnss-extrausers written
// by nss-sync do not count; a missing file counts as empty). A database
// account named like a host's account would otherwise claim that account
// on every host that has it. Errors: InvalidArgument, one sentence for a
// person, e.g. "the username 'root' is reserved for a system account";
// ReadReservedNames' errors for the file.
Status ValidateUsername(std::string_view name,
                        const std::string& passwd_file = "/etc/passwd",
                        const std::string& reserved_names_file = "");

// Trimmed and lower-cased; exactly one '@'; local part 1..64 characters of
// printable ASCII without spaces, quotes or "..", not starting or ending
// with '.'; domain of dot-separated labels [a-z0-9-] (or UTF-8 letters),
// not starting or ending with '-', at least two labels; at most 254 bytes;
// no spaces or control characters. Errors: InvalidArgument "not a valid
// email address".
Result<std::string> NormalizeEmail(std::string_view email);

// OK if valid UTF-8 of at most 200 code points without control characters.
// Errors: InvalidArgument.
Status ValidateFullName(std::string_view name);

// OK if `name` matches ^[a-z][a-z0-9_-]{0,63}$. Errors: InvalidArgument.
Status ValidateRoleName(std::string_view name);

// --- Database access ---

// What a login names: the column ("u.email" or "u.username") and the value
// to compare it with. An email (normalized) when `login` contains '@' and
// `usernames_only` is false, else a username (exact: CheckUsernameForm, and
// the columns' NO PAD collation compares byte for byte). nullopt when it
// can name no user (a malformed email, a name that fails
// CheckUsernameForm), so callers need no query. The one rule behind
// UserStore::FindByLogin/FindByUsername and LookUpLogin.
struct LoginMatch {
  std::string_view column;
  std::string value;
};
std::optional<LoginMatch> MatchLogin(std::string_view login,
                                     bool usernames_only);

// The SELECT list of every User column, roles included, reading table
// alias `u` (users). For queries elsewhere in the core that join users, so
// the account comes in the same round trip (SessionStore::LookupWithUser).
std::string_view UserSelectColumns();
// How many columns UserSelectColumns() has (a query may add its own after).
inline constexpr size_t kUserSelectColumnCount = 24;
// The User in `row`, whose UserSelectColumns() start at index `first`.
User UserFromRow(const db::Row& row, size_t first = 0);

//
// Errors common to every call: Unavailable / Internal from the db layer.
// Not thread-safe (it uses one Connection).
class UserStore {
 public:
  UserStore(db::Connection& db, const Clock& clock);

  // `login` is an email if it contains '@' (normalized first), else a
  // username (exact, case-sensitive). One query, roles included.
  // Returns nullopt for no such user (also for a malformed email).
  Result<std::optional<User>> FindByLogin(std::string_view login);
  Result<std::optional<User>> FindById(int64_t id);
  Result<std::optional<User>> FindByUsername(std::string_view username);
  Result<std::optional<User>> FindByEmail(std::string_view email);

  // Validates (ValidateUsername with its defaults: the callers that know
  // the config check the username with it first), inserts the user and
  // its roles in one transaction and
  // returns the new id. Errors: InvalidArgument (validation, naming the
  // field), AlreadyExists "username 'bob' is taken" / "email
  // 'b@x.org' is already registered" (message names 'username' or
  // 'email'), NotFound "no role named 'x'".
  Result<int64_t> Create(const NewUser& user);

  // Stores a new hash; password_changed_at = now and password_expires_at =
  // `expires_at` (nullopt clears it). Errors: NotFound "no user with id N".
  Status SetPasswordHash(int64_t id, std::string_view hash,
                         std::optional<int64_t> expires_at = std::nullopt);
  // Replaces the hash only if it still equals `old_hash` (rehash on login:
  // a concurrent password change wins). Does not touch
  // password_changed_at. Returns whether the row changed.
  Result<bool> ReplaceHashIfUnchanged(int64_t id, std::string_view old_hash,
                                      std::string_view new_hash);

  // Errors for the setters below: NotFound "no user with id N".
  Status SetActive(int64_t id, bool active);
  Status MarkEmailVerified(int64_t id);
  Status SetFullName(int64_t id, std::string_view full_name);
  // Normalizes; `verified` sets email_verified_at = now, else clears it.
  // Errors also: InvalidArgument, AlreadyExists naming 'email'.
  Status SetEmail(int64_t id, std::string_view email, bool verified);
  Status SetAccountExpiry(int64_t id, std::optional<int64_t> expires_at);
  Status SetPasswordExpiry(int64_t id, std::optional<int64_t> expires_at);
  // Avatar bytes and MIME type (already checked by the caller). Empty
  // `bytes` removes the avatar.
  Status SetAvatar(int64_t id, std::string_view bytes, std::string_view type);
  // {bytes, type}; NotFound if the user has no avatar.
  Result<std::pair<std::string, std::string>> GetAvatar(int64_t id);
  // last_login_at = now.
  Status RecordLogin(int64_t id);
  // Deletes the user (roles, tokens, codes, sessions cascade; audit rows
  // and the uid's tombstone in given_uids stay). Errors: NotFound.
  Status Delete(int64_t id);
  // Every username, sorted (for latchkeyctl doctor's reserved-name check).
  Result<std::vector<std::string>> Usernames();

  // Roles. Unknown role: NotFound "no role named 'x'".
  Result<std::vector<Role>> ListRoles();
  // RoleStore::Create (role_store.h). Errors: InvalidArgument
  // (ValidateRoleName, ValidateRoleDescription), AlreadyExists.
  Status CreateRole(std::string_view name, std::string_view description);
  // Idempotent: adding a held role or removing a missing one is OK.
  // Returns whether anything changed.
  Result<bool> AddRole(int64_t user_id, std::string_view role);
  Result<bool> RemoveRole(int64_t user_id, std::string_view role);
  // Replaces all roles of the user in one transaction (the caller's when
  // one is open; the caller commits).
  Status SetRoles(int64_t user_id, const std::vector<std::string>& roles);

 private:
  Result<std::optional<User>> FindWhere(std::string_view where_sql,
                                        db::Value param);
  Result<std::optional<User>> FindMatch(const std::optional<LoginMatch>& m);
  Result<int64_t> RoleId(std::string_view role);
  Status RequireUser(int64_t id, uint64_t affected);
  // Runs `sql`, "UPDATE users SET <column> = ?, updated_at = ? WHERE id = ?",
  // with `value`, now and `id`. Errors: NotFound for no such user, the
  // database's.
  Status UpdateColumn(int64_t id, std::string_view sql, db::Value value);

  db::Connection& db_;
  const Clock& clock_;
};

}  // namespace latchkey

#endif  // LATCHKEY_STORE_USER_STORE_H_
