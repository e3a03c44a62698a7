// SecurityNotifier: the mails that authentication events send to the
// account's owner, queued in `mail_outbox` (mail.h) with the texts of
// mail_texts.h. The Authenticator calls it, so the PAM module and the portal
// send the same mails from the same place:
//   - AccountLocked: a failure began a lock (once per lock);
//   - TotpReplayed:  a TOTP code that was already used was entered again
//                    (once per replay);
//   - NewLogin:      a login succeeded, when [mail] login_notification = on;
//   - PasswordChanged: a password was changed through PAM (`passwd`).
// (kinds: account_locked, totp_replayed, new_login, password_changed)
//
// Each call is at most one INSERT on `db`, meant to run inside the caller's
// transaction, so an event and its mail commit (or vanish) together. The
// row holds no address and no text, only (user_id, kind, params): the
// kind's name below, and the little the text needs that the user's row
// does not hold (where the attempt came from, the lock's end), bounded and
// percent-encoded. A host's database role may INSERT nothing else into
// mail_outbox (sql/grants.sql), so root on one host cannot make the
// trusted sender mail anyone anything. The portal's mail worker calls
// RenderQueuedMails, which writes the address and the text (mail_texts.h,
// the portal's [portal] base_url and [totp] issuer) from the user's row as
// it is then. The portal's own Authenticator queues the same way: one way
// for every security mail.
//
// Mail goes only to a verified address: an unverified one may belong to
// someone else (anyone can register with any address), who must not learn
// about the account. A user without one gets no mail and no error; this is
// checked when queueing and again when rendering.
//
// A mail never changes a login's result. The only error returned is
// Unavailable (the connection was lost, so the caller's transaction is lost
// too); any other failure to queue (a missing INSERT grant on mail_outbox,
// another server error) is written as one warning line to the log sink and
// the call returns Ok. An address the outbox refuses is found when the row
// is rendered, which marks it failed with the reason.
#ifndef LATCHKEY_AUTH_SECURITY_NOTIFIER_H_
#define LATCHKEY_AUTH_SECURITY_NOTIFIER_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "latchkey/base/clock.h"
#include "latchkey/base/status.h"
#include "latchkey/config/config.h"
#include "latchkey/db/db.h"
#include "latchkey/mail/mail.h"
#include "latchkey/store/audit.h"
#include "latchkey/store/user_store.h"

namespace latchkey {

// What an admin did to an administrator account, for
// SecurityNotifier::AdminTargeted.
enum class AdminNoticeAction {
  kResetLink,     // "issued a one-time password reset link"
  kResetMail,     // "sent a password reset mail"
  kTotpReset,     // "removed two-step sign-in (TOTP)"
  kRolesChanged,  // "changed the roles"
};

// What RenderQueuedMails did.
struct RenderReport {
  size_t rendered = 0;  // address and text written; DeliverDue sends them
  size_t skipped = 0;   // marked failed, the reason in last_error
};

// Renders every undelivered (user, kind) row of mail_outbox that has no
// address yet: the user's current verified address, the text of the kind
// with `config`'s texts, and the time the row was queued as the event's
// time. A row that cannot be rendered is marked failed (failed_at = now,
// never sent) with the reason in last_error: "skipped: the user has no
// verified address", "skipped: the user no longer exists", "skipped:
// unknown kind" or the address check's error. Safe with several portal
// instances (a row is written only while still unrendered). Errors: db
// errors only.
Result<RenderReport> RenderQueuedMails(db::Connection& db, const Clock& clock,
                                       const Config& config,
                                       size_t batch = 100);

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
  // An admin action aimed at an administrator account (`target` holds the
  // admin role): one mail to every active admin with a verified address,
  // the target included, saying that `by` did `action` (AdminNoticeAction)
  // now, from `ctx`. Admins hear of a reset link, a TOTP reset or a role
  // change on a fellow admin's account, so one stolen admin session cannot
  // quietly take over another. (kind admin_notice)
  Status AdminTargeted(const User& target, AdminNoticeAction action,
                       std::string_view by, const AuthContext& ctx);
  // Whether NewLogin would queue a mail for `user` (notification on, and a
  // verified address).
  bool MailsNewLogin(const User& user) const;

  bool login_notification() const { return config_.mail.login_notification; }

 private:
  // One INSERT of (user.id, kind, params + where `ctx` came from).
  Status Queue(std::string_view kind, const User& user, std::string params,
               const AuthContext& ctx);

  db::Connection& db_;
  const Clock& clock_;
  const Config& config_;
  LogSink& sink_;
};

}  // namespace latchkey

#endif  // LATCHKEY_AUTH_SECURITY_NOTIFIER_H_
