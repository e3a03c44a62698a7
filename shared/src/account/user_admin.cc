#include "latchkey/account/user_admin.h"

#include <time.h>

#include <array>
#include <cstdio>
#include <set>
#include <span>
#include <utility>

#include "latchkey/base/clock.h"
#include "latchkey/base/encoding.h"
#include "latchkey/crypto/totp.h"
#include "latchkey/services/services.h"
#include "latchkey/store/session_store.h"

namespace latchkey {
namespace {

constexpr std::string_view kPasswordAlphabet =
    "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
constexpr int kPasswordTries = 5;

Status WithField(const Status& s, std::string_view field) {
  if (s.ok() || s.code() != StatusCode::kInvalidArgument) return s;
  return s.WithContext(field);
}

// Uniform over kPasswordAlphabet: bytes at or above the largest multiple of
// the alphabet's size are drawn again.
Result<Secret> RandomPassword(Random& random) {
  constexpr size_t kSize = kPasswordAlphabet.size();
  constexpr unsigned kLimit = 256 - 256 % kSize;
  Secret out = Secret::OfSize(kGeneratedPasswordLength);
  Secret pool = Secret::OfSize(64);
  size_t filled = 0;
  while (filled < out.size()) {
    LK_RETURN_IF_ERROR(random.Fill(std::span<uint8_t>(
        reinterpret_cast<uint8_t*>(pool.mutable_data()), pool.size())));
    for (const uint8_t b : pool.bytes()) {
      if (b >= kLimit) continue;
      out.mutable_data()[filled++] = kPasswordAlphabet[b % kSize];
      if (filled == out.size()) break;
    }
  }
  return out;
}

// A password nobody knows: 32 random bytes in base64url.
Result<Secret> UnusablePassword(Random& random) {
  Secret raw = Secret::OfSize(32);
  LK_RETURN_IF_ERROR(random.Fill(std::span<uint8_t>(
      reinterpret_cast<uint8_t*>(raw.mutable_data()), raw.size())));
  std::string text = Base64UrlEncode(raw.view());
  return Secret::Take(text);
}

}  // namespace

Result<Secret> GeneratePassword(Random& random, const PasswordPolicy& policy,
                                std::string_view username,
                                std::string_view email) {
  Status refused;
  for (int i = 0; i < kPasswordTries; ++i) {
    LK_ASSIGN_OR_RETURN(Secret password, RandomPassword(random));
    refused = policy.Check(password.view(), username, email);
    if (refused.ok()) return password;
  }
  return refused;
}

UserAdmin::UserAdmin(Services& services) : services_(services) {}

Result<User> UserAdmin::Find(std::string_view username) {
  LK_ASSIGN_OR_RETURN(std::optional<User> user,
                      services_.users().FindByUsername(username));
  if (!user) return NotFound("no user named '" + std::string(username) + "'");
  return std::move(*user);
}

Status UserAdmin::Audit(AuditEvent event, const User& user,
                        const AdminActor& actor, std::string_view what) {
  std::string detail(what);
  if (!detail.empty()) detail += " ";
  detail += "by " + actor.name;
  return services_.audit().Record(event, user.id, user.username, actor.ctx,
                                  AuditOutcome::kOk, detail);
}

Result<CreatedAccount> UserAdmin::Create(const NewAccount& account,
                                         const AdminActor& actor) {
  LK_RETURN_IF_ERROR(ValidateUsername(
      account.username, services_.config().nss.local_passwd_file,
      services_.config().security.reserved_names_file));
  Result<std::string> email = NormalizeEmail(account.email);
  if (!email.ok()) return WithField(email.status(), "email");
  LK_RETURN_IF_ERROR(
      WithField(ValidateFullName(account.full_name), "full name"));
  for (const std::string& role : account.roles) {
    LK_RETURN_IF_ERROR(WithField(ValidateRoleName(role), "role"));
  }
  UserStore& users = services_.users();
  LK_ASSIGN_OR_RETURN(std::optional<User> same_name,
                      users.FindByUsername(account.username));
  if (same_name) {
    return AlreadyExists("a user named '" + account.username +
                         "' already exists");
  }
  LK_ASSIGN_OR_RETURN(std::optional<User> same_email,
                      users.FindByEmail(*email));
  if (same_email) {
    return AlreadyExists("a user with the email '" + *email +
                         "' already exists");
  }

  CreatedAccount created;
  Secret unusable;
  const Secret* password = &account.password;
  switch (account.password_mode) {
    case InitialPassword::kGiven:
      LK_RETURN_IF_ERROR(
          WithField(services_.policy().Check(account.password.view(),
                                             account.username, *email),
                    "password"));
      break;
    case InitialPassword::kGenerated: {
      LK_ASSIGN_OR_RETURN(
          created.password,
          GeneratePassword(services_.random(), services_.policy(),
                           account.username, *email));
      password = &created.password;
      break;
    }
    case InitialPassword::kUnusable: {
      LK_ASSIGN_OR_RETURN(unusable, UnusablePassword(services_.random()));
      password = &unusable;
      break;
    }
  }
  LK_ASSIGN_OR_RETURN(std::string hash,
                      services_.hasher().Hash(password->view()));

  NewUser row;
  row.username = account.username;
  row.email = *email;
  row.full_name = account.full_name;
  row.password_hash = std::move(hash);
  row.is_active = account.is_active;
  row.email_verified = account.email_verified;
  row.roles = account.roles;
  Result<int64_t> id = users.Create(row);
  if (!id.ok()) {
    // A concurrent create won the race after the checks above.
    const Status& s = id.status();
    if (s.code() == StatusCode::kAlreadyExists &&
        s.message().starts_with("username")) {
      return AlreadyExists("a user named '" + account.username +
                           "' already exists");
    }
    if (s.code() == StatusCode::kAlreadyExists &&
        s.message().starts_with("email")) {
      return AlreadyExists("a user with the email '" + *email +
                           "' already exists");
    }
    return s;
  }
  created.id = *id;
  User user;
  user.id = *id;
  user.username = account.username;
  std::string what;
  switch (account.password_mode) {
    case InitialPassword::kGiven:
      what = "with a given password";
      break;
    case InitialPassword::kGenerated:
      what = "with a generated password";
      break;
    case InitialPassword::kUnusable:
      what = "without a usable password";
      break;
  }
  LK_RETURN_IF_ERROR(Audit(AuditEvent::kUserCreated, user, actor, what));
  return created;
}

Result<std::vector<std::string>> UserAdmin::HoldersOfReservedNames() {
  LK_ASSIGN_OR_RETURN(
      const std::set<std::string> listed,
      ReadReservedNames(services_.config().security.reserved_names_file));
  LK_ASSIGN_OR_RETURN(std::vector<std::string> names,
                      services_.users().Usernames());
  std::erase_if(names, [&](const std::string& name) {
    return !IsBuiltinReservedUsername(name) && !listed.contains(name);
  });
  return names;
}

Result<bool> UserAdmin::SetActive(const User& user, bool active,
                                  const AdminActor& actor) {
  if (user.is_active == active) return false;
  if (active) {
    LK_RETURN_IF_ERROR(services_.users().SetActive(user.id, true));
    LK_RETURN_IF_ERROR(Audit(AuditEvent::kUserActivated, user, actor));
    return true;
  }
  LK_ASSIGN_OR_RETURN(db::Transaction tx, LockAdmins());
  LK_RETURN_IF_ERROR(CheckRails(user, Guarded::kDeactivate, actor));
  LK_RETURN_IF_ERROR(services_.users().SetActive(user.id, false));
  // A deactivated account keeps no portal session.
  SessionStore sessions(services_.db(), services_.clock(), services_.random(),
                        services_.config().session);
  LK_RETURN_IF_ERROR(sessions.DestroyAllForUser(user.id).status());
  LK_RETURN_IF_ERROR(Audit(AuditEvent::kUserDeactivated, user, actor));
  LK_RETURN_IF_ERROR(tx.Commit());
  return true;
}

Status UserAdmin::Lock(const User& user, int64_t until,
                       const AdminActor& actor) {
  if (until <= services_.clock().NowUnix()) {
    return InvalidArgument("the lock must end in the future");
  }
  if (until > kLockedUntilUnlocked) until = kLockedUntilUnlocked;
  LK_ASSIGN_OR_RETURN(db::Transaction tx, LockAdmins());
  LK_RETURN_IF_ERROR(CheckRails(user, Guarded::kLock, actor));
  LK_RETURN_IF_ERROR(services_.lockout_store().LockUntil(user.id, until));
  LK_RETURN_IF_ERROR(Audit(AuditEvent::kUserLocked, user, actor,
                           until == kLockedUntilUnlocked
                               ? "until unlocked"
                               : "until " + IsoTime(until)));
  return tx.Commit();
}

Status UserAdmin::Unlock(const User& user, const AdminActor& actor) {
  LK_RETURN_IF_ERROR(services_.lockout_store().Unlock(user.id));
  return Audit(AuditEvent::kUserUnlocked, user, actor,
               "admin and password locks");
}

Status UserAdmin::Delete(const User& user, const AdminActor& actor) {
  LK_ASSIGN_OR_RETURN(db::Transaction tx, LockAdmins());
  LK_RETURN_IF_ERROR(CheckRails(user, Guarded::kDelete, actor));
  LK_RETURN_IF_ERROR(services_.users().Delete(user.id));
  LK_RETURN_IF_ERROR(Audit(AuditEvent::kUserDeleted, user, actor));
  return tx.Commit();
}

Result<bool> UserAdmin::AddRole(const User& user, std::string_view role,
                                const AdminActor& actor) {
  LK_RETURN_IF_ERROR(WithField(ValidateRoleName(role), "role"));
  return ChangeRoles(
      user,
      [&](const std::vector<std::string>& held) {
        std::vector<std::string> next = held;
        next.emplace_back(role);
        return next;
      },
      actor);
}

Result<bool> UserAdmin::RemoveRole(const User& user, std::string_view role,
                                   const AdminActor& actor) {
  LK_RETURN_IF_ERROR(WithField(ValidateRoleName(role), "role"));
  // Nobody holds a role that does not exist: removing one changes nothing.
  return ChangeRoles(
      user,
      [&](const std::vector<std::string>& held) {
        std::vector<std::string> next = held;
        std::erase(next, role);
        return next;
      },
      actor);
}

Result<bool> UserAdmin::SetRoles(const User& user,
                                 const std::vector<std::string>& roles,
                                 const AdminActor& actor) {
  return ChangeRoles(
      user, [&](const std::vector<std::string>&) { return roles; }, actor);
}

Status UserAdmin::SetPassword(const User& user, const Secret& password,
                              bool must_change, const AdminActor& actor) {
  // Checked here first so the message names the field, as Create's does.
  LK_RETURN_IF_ERROR(WithField(
      services_.policy().Check(password.view(), user.username, user.email),
      "password"));
  PasswordChangeOptions options;
  options.is_reset = true;
  options.must_change = must_change;
  options.audit_note = "by " + actor.name;
  return services_.accounts().ChangePassword(user.id, password, nullptr,
                                             actor.ctx, options);
}

Result<TotpEnrollment> UserAdmin::EnableTotp(const User& user,
                                             const AdminActor& actor) {
  if (user.has_totp()) {
    return FailedPrecondition("TOTP is already enabled for '" + user.username +
                              "' (reset it first to enrol a new key)");
  }
  LK_RETURN_IF_ERROR(services_.secret_box().status());
  TotpEnrollment out;
  LK_ASSIGN_OR_RETURN(out.key,
                      services_.totp().GenerateKey(services_.random()));
  std::string base32 = Base32Encode(out.key.view());
  out.base32 = Secret::Take(base32);
  std::string uri = services_.totp().OtpauthUri(user.username, out.key);
  out.uri = Secret::Take(uri);
  LK_RETURN_IF_ERROR(services_.totp_step().Enable(user.id, out.key));
  LK_ASSIGN_OR_RETURN(out.recovery_codes,
                      services_.totp_step().ReplaceRecoveryCodes(user.id));
  LK_RETURN_IF_ERROR(Audit(AuditEvent::kTotpEnabled, user, actor));
  return out;
}

Result<bool> UserAdmin::DisableTotp(const User& user, const AdminActor& actor) {
  LK_ASSIGN_OR_RETURN(int64_t codes,
                      services_.totp_step().RemainingRecoveryCodes(user.id));
  if (!user.has_totp() && codes == 0) return false;
  LK_ASSIGN_OR_RETURN(db::Transaction tx, LockAdmins());
  LK_RETURN_IF_ERROR(CheckRails(user, Guarded::kTotpReset, actor));
  if (user.HasRole("admin")) {
    LK_RETURN_IF_ERROR(services_.security_notifier().AdminTargeted(
        user, AdminNoticeAction::kTotpReset, actor.name, actor.ctx));
  }
  LK_RETURN_IF_ERROR(services_.totp_step().Disable(user.id));
  LK_RETURN_IF_ERROR(Audit(AuditEvent::kTotpDisabled, user, actor));
  LK_RETURN_IF_ERROR(tx.Commit());
  return true;
}

}  // namespace latchkey
