// UserAdmin: what an administrator does to accounts (latchkeyctl user ...,
// and the portal's /admin pages). Each action validates its input, applies
// it through the stores and writes one audit row naming the acting admin,
// so every door audits admin actions the same way.
#ifndef LATCHKEY_ACCOUNT_USER_ADMIN_H_
#define LATCHKEY_ACCOUNT_USER_ADMIN_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/auth/password_policy.h"
#include "latchkey/base/random.h"
#include "latchkey/base/result.h"
#include "latchkey/base/secret.h"
#include "latchkey/db/db.h"
#include "latchkey/store/audit.h"
#include "latchkey/store/user_store.h"

namespace latchkey {

class Services;

// Who performs an admin action.
struct AdminActor {
  AuthContext ctx;   // service ("cli", "portal", "api"), rhost, tty, pid
  std::string name;  // e.g. "root (uid 0)" or "alice"; audited in the
                     // detail as "by <name>" (cut to fit the column)
  // The acting admin's own account (the portal and the API); nullopt for
  // root at the CLI. Guard rails keep an admin from locking out, demoting
  // or deleting this account.
  std::optional<int64_t> account_id;
  // The CLI's --force: skips the guard rails (self and last admin). The
  // override is audited.
  bool force = false;
};

// admin_locked_until for an admin lock that lasts until an admin unlocks:
// 9999-12-31T23:59:59Z, the largest DATETIME.
inline constexpr int64_t kLockedUntilUnlocked = 253402300799;

enum class InitialPassword {
  kGiven,      // NewAccount::password, checked by the PasswordPolicy
  kGenerated,  // a strong random one, returned once in CreatedAccount
  kUnusable,   // a random one that is never shown: no password login
               // until an admin or a reset link sets one
};

struct NewAccount {
  std::string username;
  std::string email;
  std::string full_name;
  std::vector<std::string> roles = {"user"};
  bool is_active = true;
  bool email_verified = true;  // an admin vouches for the address
  InitialPassword password_mode = InitialPassword::kGenerated;
  Secret password;  // kGiven only
};

struct CreatedAccount {
  int64_t id = 0;
  Secret password;  // kGenerated: the password, to show once; else empty
};

struct TotpEnrollment {
  Secret key;                          // raw 20-byte key
  Secret base32;                       // the key in base32, for typing in
  Secret uri;                          // otpauth://totp/... (holds the key)
  std::vector<Secret> recovery_codes;  // kRecoveryCodeCount, shown once
};

// The end of an admin lock typed by a person: "until unlocked" (also
// "unlocked" or "forever") gives kLockedUntilUnlocked; a duration such as
// "30m", "1h", "7d" (ParseDuration, at least one second) gives now plus it.
// Errors: InvalidArgument "not a duration such as 1h or 7d, or 'until
// unlocked'".
Result<int64_t> ParseLockEnd(std::string_view text, int64_t now);

// A point in time typed by a person, UTC: "2027-01-31" (midnight),
// "2027-01-31T18:00", "2027-01-31T18:00:00" or either with a final "Z" (the
// forms of HTML date and datetime-local inputs). Errors: InvalidArgument
// "not a date such as 2027-01-31 or 2027-01-31T18:00".
Result<int64_t> ParseAdminTime(std::string_view text);

// Length of GeneratePassword's passwords, and its alphabet: letters and
// digits without look-alikes (0/O, 1/l/I), drawn uniformly (~115 bits).
inline constexpr size_t kGeneratedPasswordLength = 20;

// A random password that `policy` accepts for `username` and `email` (a
// few tries). Errors: Random's error; InvalidArgument from the policy if
// no try passed (a policy stricter than any random password of that
// length, e.g. min_password_length > 20).
Result<Secret> GeneratePassword(Random& random, const PasswordPolicy& policy,
                                std::string_view username,
                                std::string_view email);

// Guard rails (every door: portal, API, CLI). An admin cannot deactivate,
// lock, delete, demote (remove the admin role from) or reset the TOTP of
// their own account (AdminActor::account_id): FailedPrecondition "you
// cannot deactivate your own account". And the last administrator cannot
// lose the role or its standing: a "standing" administrator holds the
// admin role, is active, has TOTP enrolled and no admin lock in force; an
// action that would take the last one's standing away is refused with
// FailedPrecondition "bob is the last administrator: deactivating bob
// would leave no active administrator with TOTP and no admin lock. Make
// another administrator first." The check and the change run in one
// transaction that first locks the `admin` row of `roles` (FOR UPDATE), a
// mutex every guarded action takes, so two admins demoting each other at
// once cannot leave none: the second waits, then counts again.
// AdminActor::force skips both rails; when a rail would have refused, one
// guard_overridden row is audited with the refusal's sentence.
//
// When the target holds the admin role (before or after the change), a
// role change and a TOTP reset queue SecurityNotifier::AdminTargeted mails
// in the same transaction.
//
// Not thread-safe (uses `services`, which is bound to one Connection).
// Errors common to every call: db errors (Unavailable, Internal, ...).
class UserAdmin {
 public:
  explicit UserAdmin(Services& services);

  // The user named `username`. Errors: NotFound "no user named 'bob'".
  Result<User> Find(std::string_view username);
  // The user with this id. Errors: NotFound "no user with id 7".
  Result<User> FindById(int64_t id);
  // How many standing administrators there are now (see above).
  Result<int64_t> StandingAdmins();

  // Creates the account and audits user_created. Checks, in order: the
  // username (ValidateUsername: InvalidArgument, e.g. "the username 'root'
  // is reserved for a system account"), the email ("email: not a valid
  // email address"), the full name ("full name: ..."), the role names
  // ("role: ..."), that no user has that username (AlreadyExists "a user
  // named 'bob' already exists") or email (AlreadyExists "a user with the
  // email 'b@x.org' already exists"), the password ("password: <the
  // policy's sentence>"); unknown role: NotFound "no role named 'x'".
  Result<CreatedAccount> Create(const NewAccount& account,
                                const AdminActor& actor);

  // The usernames of existing accounts that a new account could not take
  // now: IsBuiltinReservedUsername or listed in [security]
  // reserved_names_file. Such accounts keep working (they were made
  // before the name was reserved); latchkeyctl doctor lists them so an
  // admin can rename them. Sorted. Errors: ReadReservedNames' errors.
  Result<std::vector<std::string>> HoldersOfReservedNames();

  // Audits user_activated / user_deactivated. Returns whether it changed.
  // Deactivating is guarded (FailedPrecondition, see above) and ends the
  // user's portal sessions.
  Result<bool> SetActive(const User& user, bool active,
                         const AdminActor& actor);
  // Sets the admin lock (lockout_store.h) until `until` (Unix seconds;
  // kLockedUntilUnlocked for "until unlocked"), replacing any admin lock;
  // the password lock is its own. The PAM account phase refuses an
  // admin-locked account. Audits user_locked. InvalidArgument if `until`
  // is not in the future. Guarded.
  Status Lock(const User& user, int64_t until, const AdminActor& actor);
  // Clears both locks (admin and password) and the failure counts; audits
  // user_unlocked "admin and password locks" (latchkeyctl user unlock).
  Status Unlock(const User& user, const AdminActor& actor);
  // Clears the admin lock only; audits user_unlocked "admin lock".
  Status UnlockAdmin(const User& user, const AdminActor& actor);
  // Clears the password lock only (the automatic lock, the failure count
  // and the lock doubling); audits password_lock_cleared.
  Status ClearPasswordLock(const User& user, const AdminActor& actor);
  // Deletes the account (audit rows and the uid's tombstone in given_uids
  // stay, so the uid is never given again); audits user_deleted. Guarded.
  Status Delete(const User& user, const AdminActor& actor);
  // Audit role_added / role_removed when something changed; return
  // whether it did. Errors: InvalidArgument (role name), NotFound "no role
  // named 'x'" (adding; removing an unknown role changes nothing).
  // Removing admin is guarded.
  Result<bool> AddRole(const User& user, std::string_view role,
                       const AdminActor& actor);
  Result<bool> RemoveRole(const User& user, std::string_view role,
                          const AdminActor& actor);
  // Replaces the user's roles with exactly `roles` (duplicates ignored):
  // one role_added / role_removed row per change. Returns whether anything
  // changed. Errors: InvalidArgument "role: ...", NotFound "no role named
  // 'x'" (nothing changes). Removing admin is guarded.
  Result<bool> SetRoles(const User& user, const std::vector<std::string>& roles,
                        const AdminActor& actor);
  // email_verified_at = now; audits email_verified. Returns false (and
  // audits nothing) if the address was already verified.
  Result<bool> MarkEmailVerified(const User& user, const AdminActor& actor);
  // Ends every portal session of the user; audits sessions_revoked "N
  // ended". Returns how many ended.
  Result<uint64_t> RevokeSessions(const User& user, const AdminActor& actor);
  // Ends the user's session with this handle (SessionStore::Revoke);
  // audits sessions_revoked "session <handle>". Returns false (nothing
  // audited) if the user has no such session.
  Result<bool> RevokeSession(const User& user, std::string_view handle,
                             const AdminActor& actor);
  // Account expiry (nullopt: never; a past time expires it at once) and
  // password expiry (nullopt: never; now or earlier: must change at the
  // next login). Each audits expiry_changed, e.g. "account expires
  // 2027-01-31T00:00:00Z", "password must change at next login".
  Status SetAccountExpiry(const User& user, std::optional<int64_t> at,
                          const AdminActor& actor);
  Status SetPasswordExpiry(const User& user, std::optional<int64_t> at,
                           const AdminActor& actor);
  // Sets the password without asking for the old one, through
  // AccountService::ChangePassword (so open reset links and portal sessions
  // end), audited there as password_reset. `must_change`: expired at once,
  // so the next login must change it. Errors: InvalidArgument "password:
  // <the policy's sentence>".
  Status SetPassword(const User& user, const Secret& password, bool must_change,
                     const AdminActor& actor);
  // Generates and stores a TOTP key and new recovery codes for the user;
  // audits totp_enabled. Errors: FailedPrecondition "TOTP is already
  // enabled for 'bob'" (reset it first), or the secret key file's error
  // (FailedPrecondition when missing: "... run latchkeyctl gen-key").
  Result<TotpEnrollment> EnableTotp(const User& user, const AdminActor& actor);
  // Removes the TOTP key and the recovery codes; audits totp_disabled.
  // Returns false (and audits nothing) if the user had no TOTP. Guarded
  // (the TOTP reset); mails the admins when `user` is an admin.
  Result<bool> DisableTotp(const User& user, const AdminActor& actor);

 private:
  // What a guarded action does to the target's standing as an admin.
  enum class Guarded { kDeactivate, kLock, kDelete, kRemoveAdmin, kTotpReset };

  Status Audit(AuditEvent event, const User& user, const AdminActor& actor,
               std::string_view what = {});
  // Starts a transaction and takes the admin mutex (the `admin` row of
  // `roles`, FOR UPDATE) as its first read. Every guarded action and role
  // change runs in one, and commits it.
  Result<db::Transaction> LockAdmins();
  // The rails for `what` on `user`, inside LockAdmins' transaction:
  // FailedPrecondition with the sentence, or Ok; with actor.force a rail
  // that would refuse is audited (guard_overridden) and passed.
  Status CheckRails(const User& user, Guarded what, const AdminActor& actor);
  // The role change behind AddRole, RemoveRole and SetRoles: `next` maps
  // the roles held now (read under the mutex) to the new set.
  using RoleMap =
      std::function<std::vector<std::string>(const std::vector<std::string>&)>;
  Result<bool> ChangeRoles(const User& user, const RoleMap& next,
                           const AdminActor& actor);

  Services& services_;
};

}  // namespace latchkey

#endif  // LATCHKEY_ACCOUNT_USER_ADMIN_H_
