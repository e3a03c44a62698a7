// The texts of latchkey's mails: plain text, links built from [portal]
// base_url, the site named by [totp] issuer. Pure functions; callers queue
// the result with MailOutbox::Enqueue(user.email, text).
//
// Tokens go into links only; nothing an attacker typed reaches a mail sent
// to someone else (the "someone tried to register" mail names no name).
// Addresses in `ctx.rhost` are escaped and bounded.
#ifndef LATCHKEY_MAIL_MAIL_TEXTS_H_
#define LATCHKEY_MAIL_MAIL_TEXTS_H_

#include <cstdint>
#include <string_view>

#include "latchkey/config/config.h"
#include "latchkey/mail/mail.h"
#include "latchkey/store/audit.h"
#include "latchkey/store/user_store.h"

namespace latchkey::mail_texts {

// base_url/activate?token=TOKEN, valid 48 hours.
MailText Activation(const Config& config, const User& user,
                    std::string_view token);
// To the owner of an address someone tried to register with again.
MailText RegistrationAttempt(const Config& config);
// base_url/reset?token=TOKEN, valid 1 hour.
MailText PasswordReset(const Config& config, const User& user,
                       std::string_view token);
// An administrator made an account for `user`: base_url/invite?token=TOKEN
// to choose a password, valid 7 days (kInvitationTokenTtl).
MailText Invitation(const Config& config, const User& user,
                    std::string_view token);
MailText PasswordChanged(const Config& config, const User& user, int64_t when,
                         const AuthContext& ctx);
// To the NEW address: base_url/email/confirm?token=TOKEN, valid 48 hours.
MailText EmailChangeConfirm(const Config& config, const User& user,
                            std::string_view new_email, std::string_view token);
// To the OLD address: a change to `new_email` was asked for.
MailText EmailChangeNotice(const Config& config, const User& user,
                           std::string_view new_email);
// To the owner of an address another account tried to move to.
MailText EmailInUse(const Config& config);
MailText TotpEnabled(const Config& config, const User& user, int64_t when);
MailText TotpDisabled(const Config& config, const User& user, int64_t when);
MailText RecoveryCodesRegenerated(const Config& config, const User& user,
                                  int64_t when);
MailText AccountLocked(const Config& config, const User& user,
                       int64_t locked_until, const AuthContext& ctx);
// [mail] login_notification.
MailText NewLogin(const Config& config, const User& user, int64_t when,
                  const AuthContext& ctx);
// A TOTP code that was already used was entered again (possible theft).
// To every admin (`admin`) when an admin action aimed at an administrator
// account (`target`): `action` is one of AdminNoticeAction's texts, `by`
// the acting admin, at `when`, from `ctx`.
MailText AdminNotice(const Config& config, const User& admin,
                     std::string_view target, std::string_view action,
                     std::string_view by, int64_t when, const AuthContext& ctx);
MailText TotpReplay(const Config& config, const User& user, int64_t when,
                    const AuthContext& ctx);
// An SSH public key (`fingerprint`, `algorithm`) was added to the account
// at `when`, from `ctx`; `by` names an administrator who added it (empty:
// the user on the portal). Says how to remove it (issue 12, ssh keys).
MailText SshKeyAdded(const Config& config, const User& user,
                     std::string_view fingerprint, std::string_view algorithm,
                     std::string_view by, int64_t when, const AuthContext& ctx);

// "2023-11-14 22:13 UTC".
std::string FormatUtc(int64_t unix_seconds);

}  // namespace latchkey::mail_texts

#endif  // LATCHKEY_MAIL_MAIL_TEXTS_H_
