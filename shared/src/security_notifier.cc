#include "latchkey/security_notifier.h"

#include <string>

#include "latchkey/mail_texts.h"

namespace latchkey {
namespace {

// The error text may quote the address the outbox refused.
constexpr size_t kErrorMax = 300;

}  // namespace

SecurityNotifier::SecurityNotifier(db::Connection& db, const Clock& clock,
                                   const Config& config, LogSink& sink)
    : outbox_(db, clock), clock_(clock), config_(config), sink_(sink) {}

Status SecurityNotifier::AccountLocked(const User& user, int64_t locked_until,
                                       const AuthContext& ctx) {
  if (!user.email_verified() || user.email.empty()) return Status::Ok();
  return Queue("account_locked", user,
               mail_texts::AccountLocked(config_, user, locked_until, ctx),
               ctx);
}

Status SecurityNotifier::TotpReplayed(const User& user,
                                      const AuthContext& ctx) {
  if (!user.email_verified() || user.email.empty()) return Status::Ok();
  return Queue("totp_replayed", user,
               mail_texts::TotpReplay(config_, user, clock_.NowUnix(), ctx),
               ctx);
}

Status SecurityNotifier::PasswordChanged(const User& user,
                                         const AuthContext& ctx) {
  if (!user.email_verified() || user.email.empty()) return Status::Ok();
  return Queue(
      "password_changed", user,
      mail_texts::PasswordChanged(config_, user, clock_.NowUnix(), ctx), ctx);
}

bool SecurityNotifier::MailsNewLogin(const User& user) const {
  return login_notification() && user.email_verified() && !user.email.empty();
}

Status SecurityNotifier::NewLogin(const User& user, const AuthContext& ctx) {
  if (!MailsNewLogin(user)) return Status::Ok();
  return Queue("new_login", user,
               mail_texts::NewLogin(config_, user, clock_.NowUnix(), ctx), ctx);
}

Status SecurityNotifier::Queue(std::string_view kind, const User& user,
                               const MailText& text, const AuthContext& ctx) {
  const Result<int64_t> queued = outbox_.Enqueue(user.email, text);
  if (queued.ok()) return Status::Ok();
  // A lost connection broke the caller's transaction: its attempt fails
  // as unavailable either way. Anything else must not cost the login.
  if (queued.status().code() == StatusCode::kUnavailable) {
    return queued.status();
  }
  std::string line = "latchkey[";
  line +=
      EscapeLogField(ctx.service.empty() ? "-" : ctx.service, kAuditServiceMax);
  line += "]: mail_not_queued mail=";
  line += kind;
  line += " user=" + LogValue(user.username, kAuditUsernameMax);
  line += " user_id=" + std::to_string(user.id);
  line += " error=\"" + EscapeLogField(queued.status().ToString(), kErrorMax) +
          "\"";
  sink_.Write(LogLevel::kWarning, line);
  return Status::Ok();
}

}  // namespace latchkey
