#include "latchkey/mail/mail_texts.h"

#include <cstdio>
#include <ctime>
#include <string>

#include "latchkey/store/token_store.h"

namespace latchkey::mail_texts {
namespace {

// The lines after a mailed link: how long it lasts, from the token store's
// TTL for it ("48 hours", "1 hour", "7 days": whole days from 3 days on),
// so the mail says what the store does.
std::string LinkValidity(Seconds ttl) {
  const int64_t hours = ttl.count() / 3600;
  std::string how_long;
  if (hours == 1) {
    how_long = "1 hour";
  } else if (hours >= 72 && hours % 24 == 0) {
    how_long = std::to_string(hours / 24) + " days";
  } else {
    how_long = std::to_string(hours) + " hours";
  }
  return "\n\nThe link is valid for " + how_long + " and works once.\n";
}

std::string Site(const Config& c) { return c.totp.issuer; }

std::string Subject(const Config& c, std::string_view what) {
  return "[" + Site(c) + "] " + std::string(what);
}

std::string Hello(const User& user) {
  return "Hello " + (user.full_name.empty() ? user.username : user.full_name) +
         ",\n\n";
}

std::string Signature(const Config& c) {
  return "\n-- \n" + Site(c) + " accounts\n" + c.portal.base_url + "\n";
}

std::string Link(const Config& c, std::string_view path,
                 std::string_view token) {
  return c.portal.base_url + std::string(path) + "?token=" + std::string(token);
}

// Where an event came from, e.g. " from 203.0.113.5 (sshd)".
std::string From(const AuthContext& ctx) {
  std::string out;
  if (!ctx.rhost.empty()) out += " from " + EscapeLogField(ctx.rhost, 64);
  if (!ctx.service.empty()) {
    out += " (" + EscapeLogField(ctx.service, kAuditServiceMax) + ")";
  }
  return out;
}

std::string IfNotYou(const Config& c) {
  return "If this was not you, reset your password at once:\n" +
         c.portal.base_url + "/forgot\n";
}

}  // namespace

std::string FormatUtc(int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d UTC",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                tm.tm_min);
  return buf;
}

MailText Activation(const Config& c, const User& user, std::string_view token) {
  return {Subject(c, "Activate your account"),
          Hello(user) + "Welcome! Please confirm your email address for the " +
              "account \"" + user.username + "\" by opening this link:\n\n" +
              Link(c, "/activate", token) + LinkValidity(kActivationTokenTtl) +
              "If you did not create this account, ignore this mail.\n" +
              Signature(c)};
}

MailText RegistrationAttempt(const Config& c) {
  return {Subject(c, "Someone tried to register with your address"),
          "Hello,\n\nSomeone tried to create a new account with this email "
          "address, which already belongs to an account.\n\n"
          "If it was you: you already have an account. Log in at\n" +
              c.portal.base_url + "/login\nor reset a forgotten password at\n" +
              c.portal.base_url +
              "/forgot\n\nIf it was not you, ignore this mail: nothing was "
              "changed.\n" +
              Signature(c)};
}

MailText PasswordReset(const Config& c, const User& user,
                       std::string_view token) {
  return {Subject(c, "Reset your password"),
          Hello(user) + "Someone (hopefully you) asked to reset the password " +
              "of the account \"" + user.username + "\". To choose a new " +
              "password, open this link:\n\n" + Link(c, "/reset", token) +
              LinkValidity(kResetTokenTtl) +
              "If you did not ask for this, ignore this mail: your password "
              "stays as it is.\n" +
              Signature(c)};
}

MailText Invitation(const Config& c, const User& user, std::string_view token) {
  return {Subject(c, "You are invited: choose your password"),
          Hello(user) + "An administrator has created the account \"" +
              user.username + "\" for you. To choose its password and " +
              "start using it, open this link:\n\n" +
              Link(c, "/invite", token) + LinkValidity(kInvitationTokenTtl) +
              "Your username is \"" + user.username + "\". If you did not " +
              "expect this, ignore this mail: the account stays unusable.\n" +
              Signature(c)};
}

MailText PasswordChanged(const Config& c, const User& user, int64_t when,
                         const AuthContext& ctx) {
  return {Subject(c, "Your password was changed"),
          Hello(user) + "The password of the account \"" + user.username +
              "\" was changed on " + FormatUtc(when) + From(ctx) +
              ". Every signed-in session has been ended.\n\n" + IfNotYou(c) +
              Signature(c)};
}

MailText SshKeyAdded(const Config& c, const User& user,
                     std::string_view fingerprint, std::string_view algorithm,
                     std::string_view by, int64_t when,
                     const AuthContext& ctx) {
  std::string who;
  if (!by.empty()) who = " by the administrator " + EscapeLogField(by, 64);
  return {Subject(c, "A new SSH key was added to your account"),
          Hello(user) + "A new SSH key was added to your account \"" +
              user.username + "\"" + who + " on " + FormatUtc(when) +
              From(ctx) + ":\n\n  " + EscapeLogField(algorithm, 64) + " " +
              EscapeLogField(fingerprint, 64) +
              "\n\nWith this key, its holder can log in over SSH to the "
              "hosts you may use, without your password or code. You can "
              "see and remove your keys at:\n" +
              c.portal.base_url +
              "/ssh-keys\n\nIf this was not you, "
              "remove the key there, then reset your password at once:\n" +
              c.portal.base_url + "/forgot\n" + Signature(c)};
}

MailText AdminNotice(const Config& c, const User& admin,
                     std::string_view target, std::string_view action,
                     std::string_view by, int64_t when,
                     const AuthContext& ctx) {
  return {Subject(c, "An administrator account was changed"),
          Hello(admin) + "On " + FormatUtc(when) + From(ctx) + ", " +
              std::string(by) + " " + std::string(action) +
              " of the administrator account \"" + std::string(target) +
              "\".\n\nEvery administrator gets this mail. If nobody meant "
              "to do this, check the audit log in the admin area now: an "
              "administrator account may be in the wrong hands.\n" +
              Signature(c)};
}

MailText EmailChangeConfirm(const Config& c, const User& user,
                            std::string_view new_email,
                            std::string_view token) {
  return {Subject(c, "Confirm your new email address"),
          Hello(user) + "Someone asked to use " + std::string(new_email) +
              " as the email address of the account \"" + user.username +
              "\". To confirm, open this link:\n\n" +
              Link(c, "/email/confirm", token) +
              LinkValidity(kEmailChangeTokenTtl) +
              "If you did not ask for this, ignore this mail.\n" +
              Signature(c)};
}

MailText EmailChangeNotice(const Config& c, const User& user,
                           std::string_view new_email) {
  return {Subject(c, "Your email address is being changed"),
          Hello(user) + "Someone signed in to the account \"" + user.username +
              "\" asked to change its email address to " +
              std::string(new_email) +
              ". The change takes effect when the link sent to that address "
              "is opened.\n\n" +
              IfNotYou(c) + Signature(c)};
}

MailText EmailInUse(const Config& c) {
  return {Subject(c, "Someone tried to use your address"),
          "Hello,\n\nAnother account asked to change its email address to "
          "this one, which already belongs to an account. Nothing was "
          "changed.\n\nIf it was you, no action is needed; the other account "
          "keeps its old address.\n" +
              Signature(c)};
}

MailText TotpEnabled(const Config& c, const User& user, int64_t when) {
  return {Subject(c, "Two-factor authentication turned on"),
          Hello(user) + "Two-factor authentication (TOTP) was turned on for " +
              "the account \"" + user.username + "\" on " + FormatUtc(when) +
              ". From now on, signing in asks for a code from your "
              "authenticator app.\n\nKeep your recovery codes somewhere safe.\n"
              "If this was not you, reset your password at once:\n" +
              c.portal.base_url + "/forgot\n" + Signature(c)};
}

MailText TotpDisabled(const Config& c, const User& user, int64_t when) {
  return {Subject(c, "Two-factor authentication turned off"),
          Hello(user) + "Two-factor authentication (TOTP) was turned off " +
              "for the account \"" + user.username + "\" on " +
              FormatUtc(when) +
              ". Signing in now needs only the password.\n\n" + IfNotYou(c) +
              Signature(c)};
}

MailText RecoveryCodesRegenerated(const Config& c, const User& user,
                                  int64_t when) {
  return {Subject(c, "New recovery codes"),
          Hello(user) + "New recovery codes were made for the account \"" +
              user.username + "\" on " + FormatUtc(when) +
              ". The old codes no longer work.\n\n" + IfNotYou(c) +
              Signature(c)};
}

MailText AccountLocked(const Config& c, const User& user, int64_t locked_until,
                       const AuthContext& ctx) {
  return {Subject(c, "Your account is temporarily locked"),
          Hello(user) + "After several failed sign-in attempts" + From(ctx) +
              ", the account \"" + user.username + "\" is locked until " +
              FormatUtc(locked_until) +
              ". It unlocks by itself; no action is needed.\n\n"
              "If these attempts were not yours, someone may be guessing your "
              "password. Consider choosing a stronger one, and turn on "
              "two-factor authentication at\n" +
              c.portal.base_url + "/security\n" + Signature(c)};
}

MailText NewLogin(const Config& c, const User& user, int64_t when,
                  const AuthContext& ctx) {
  return {Subject(c, "New sign-in to your account"),
          Hello(user) + "The account \"" + user.username + "\" signed in on " +
              FormatUtc(when) + From(ctx) + ".\n\n" + IfNotYou(c) +
              Signature(c)};
}

MailText TotpReplay(const Config& c, const User& user, int64_t when,
                    const AuthContext& ctx) {
  return {Subject(c, "A used sign-in code was entered again"),
          Hello(user) + "On " + FormatUtc(when) + From(ctx) +
              ", someone entered a two-factor code for the account \"" +
              user.username +
              "\" that had already been used. It was refused.\n\n"
              "This can mean that someone knows your password and saw one of "
              "your codes. " +
              IfNotYou(c) + Signature(c)};
}

}  // namespace latchkey::mail_texts
