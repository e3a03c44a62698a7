// SecurityNotifier: the mails that authentication events send to the
// account's owner, queued in `mail_outbox` (mail.h) with the texts of
// mail_texts.h. The Authenticator calls it, so the PAM module and the portal
// send the same mails from the same place:
//   - AccountLocked: a failure began a lock (once per lock);
//   - TotpReplayed:  a TOTP code that was already used was entered again
//                    (once per replay);
//   - NewLogin:      a login succeeded, when [mail] login_notification = on;
//   - PasswordChanged: a password was changed through PAM (`passwd`).
//
// Each call is at most one INSERT on `db`, meant to run inside the caller's
// transaction, so an event and its mail commit (or vanish) together.
//
// Mail goes only to a verified address: an unverified one may belong to
// someone else (anyone can register with any address), who must not learn
// about the account. A user without one gets no mail and no error.
//
// A mail never changes a login's result. The only error returned is
// Unavailable (the connection was lost, so the caller's transaction is lost
// too); any other failure to queue (an address the outbox refuses, a missing
// INSERT grant on mail_outbox, another server error) is written as one
// warning line to the log sink and the call returns Ok.
#ifndef LATCHKEY_SECURITY_NOTIFIER_H_
#define LATCHKEY_SECURITY_NOTIFIER_H_

#include <cstdint>
#include <string_view>

#include "latchkey/audit.h"
#include "latchkey/clock.h"
#include "latchkey/config.h"
#include "latchkey/db.h"
#include "latchkey/mail.h"
#include "latchkey/status.h"
#include "latchkey/user_store.h"

namespace latchkey {

// Not thread-safe (one Connection). `config`, `clock` and `sink` must
// outlive it.
class SecurityNotifier {
 public:
  SecurityNotifier(db::Connection& db, const Clock& clock, const Config& config,
                   LogSink& sink);

  // "Your account is temporarily locked", until `locked_until` (Unix
  // seconds), naming where the failing attempt came from (`ctx`).
  Status AccountLocked(const User& user, int64_t locked_until,
                       const AuthContext& ctx);
  // "A used sign-in code was entered again", now, from `ctx`.
  Status TotpReplayed(const User& user, const AuthContext& ctx);
  // "Your password was changed", now, from `ctx` (a `passwd` through PAM,
  // on the host `ctx` names).
  Status PasswordChanged(const User& user, const AuthContext& ctx);
  // "New sign-in to your account", now, from `ctx`, if login notification
  // is on. Off: returns Ok at once, without touching the database.
  Status NewLogin(const User& user, const AuthContext& ctx);
  // Whether NewLogin would queue a mail for `user` (notification on, and a
  // verified address).
  bool MailsNewLogin(const User& user) const;

  bool login_notification() const { return config_.mail.login_notification; }

 private:
  Status Queue(std::string_view kind, const User& user, const MailText& text,
               const AuthContext& ctx);

  MailOutbox outbox_;
  const Clock& clock_;
  const Config& config_;
  LogSink& sink_;
};

}  // namespace latchkey

#endif  // LATCHKEY_SECURITY_NOTIFIER_H_
