#include "latchkey/auth/security_notifier.h"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "latchkey/mail/mail_texts.h"

namespace latchkey {
namespace {

// The error text may quote the address the outbox refused.
constexpr size_t kErrorMax = 300;
// last_error is VARCHAR(512).
constexpr size_t kLastErrorMax = 500;
// What of ctx a mail shows (mail_texts.cc's From): the service, escaped to
// kAuditServiceMax characters, and the remote host to 64; escaped text is
// never shorter than the bytes it came from, so these many bytes are all a
// mail can show. Percent-encoded, params stay under 3 * (32 + 64) + 40
// bytes, well within its VARCHAR(1024).
constexpr size_t kParamServiceMax = kAuditServiceMax;
constexpr size_t kParamRhostMax = 64;

bool Plain(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' || c == ':';
}

void AddParam(std::string& out, std::string_view key, std::string_view value,
              size_t max_bytes) {
  static const char kHex[] = "0123456789ABCDEF";
  if (!out.empty()) out += '&';
  out += key;
  out += '=';
  for (char c : value.substr(0, max_bytes)) {
    if (Plain(c)) {
      out += c;
    } else {
      const auto b = static_cast<unsigned char>(c);
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 15];
    }
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The value of `key` in AddParam's encoding; "" if absent or malformed.
std::string GetParam(std::string_view params, std::string_view key) {
  while (!params.empty()) {
    const size_t amp = params.find('&');
    std::string_view pair = params.substr(0, amp);
    params = amp == std::string_view::npos ? std::string_view()
                                           : params.substr(amp + 1);
    const size_t eq = pair.find('=');
    if (eq == std::string_view::npos || pair.substr(0, eq) != key) continue;
    std::string out;
    std::string_view v = pair.substr(eq + 1);
    for (size_t i = 0; i < v.size(); ++i) {
      if (v[i] != '%') {
        out += v[i];
        continue;
      }
      if (i + 2 >= v.size()) return "";
      const int hi = HexValue(v[i + 1]);
      const int lo = HexValue(v[i + 2]);
      if (hi < 0 || lo < 0) return "";
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    return out;
  }
  return "";
}

// AdminNoticeAction as it travels in params, and its words in the mail.
constexpr std::pair<std::string_view, std::string_view> kAdminActions[] = {
    {"reset_link", "issued a one-time password reset link"},
    {"reset_mail", "sent a password reset mail"},
    {"totp_reset", "removed two-step sign-in (TOTP)"},
    {"roles", "changed the roles"},
};

std::string_view AdminActionCode(AdminNoticeAction action) {
  switch (action) {
    case AdminNoticeAction::kResetLink:
      return kAdminActions[0].first;
    case AdminNoticeAction::kResetMail:
      return kAdminActions[1].first;
    case AdminNoticeAction::kTotpReset:
      return kAdminActions[2].first;
    case AdminNoticeAction::kRolesChanged:
      return kAdminActions[3].first;
  }
  return kAdminActions[3].first;
}

std::optional<std::string_view> AdminActionText(std::string_view code) {
  for (const auto& [c, text] : kAdminActions) {
    if (c == code) return text;
  }
  return std::nullopt;
}

std::string Params(const AuthContext& ctx) {
  std::string out;
  AddParam(out, "service", ctx.service, kParamServiceMax);
  AddParam(out, "rhost", ctx.rhost, kParamRhostMax);
  return out;
}

// The text of `kind` for `user`, or nullopt for a kind this build does not
// know.
std::optional<MailText> Render(const Config& config, std::string_view kind,
                               const User& user, std::string_view params,
                               int64_t queued_at) {
  AuthContext ctx;
  ctx.service = GetParam(params, "service");
  ctx.rhost = GetParam(params, "rhost");
  if (kind == "account_locked") {
    const std::string until = GetParam(params, "until");
    int64_t locked_until = 0;
    for (char c : until) {
      if (c < '0' || c > '9' || locked_until > (INT64_MAX - 9) / 10) {
        return std::nullopt;
      }
      locked_until = locked_until * 10 + (c - '0');
    }
    if (until.empty()) return std::nullopt;
    return mail_texts::AccountLocked(config, user, locked_until, ctx);
  }
  if (kind == "totp_replayed") {
    return mail_texts::TotpReplay(config, user, queued_at, ctx);
  }
  if (kind == "password_changed") {
    return mail_texts::PasswordChanged(config, user, queued_at, ctx);
  }
  if (kind == "new_login") {
    return mail_texts::NewLogin(config, user, queued_at, ctx);
  }
  if (kind == "admin_notice") {
    const std::optional<std::string_view> action =
        AdminActionText(GetParam(params, "action"));
    const std::string target = GetParam(params, "target");
    if (!action || target.empty()) return std::nullopt;
    return mail_texts::AdminNotice(config, user, target, *action,
                                   GetParam(params, "by"), queued_at, ctx);
  }
  return std::nullopt;
}

Status Skip(db::Connection& db, const Clock& clock, int64_t id,
            std::string_view reason) {
  const std::string error = EscapeLogField(reason, kLastErrorMax);
  return db
      .Execute(
          "UPDATE mail_outbox SET failed_at = ?, last_error = ? WHERE id = ? "
          "AND to_addr IS NULL AND sent_at IS NULL AND failed_at IS NULL",
          {db::Timestamp{clock.NowUnixMicros()}, std::string_view(error), id})
      .status();
}

}  // namespace

Result<RenderReport> RenderQueuedMails(db::Connection& db, const Clock& clock,
                                       const Config& config, size_t batch) {
  if (batch == 0) batch = 1;
  RenderReport report;
  UserStore users(db, clock);
  MailOutbox outbox(db, clock);
  while (true) {
    LK_ASSIGN_OR_RETURN(
        std::vector<db::Row> rows,
        db.Query("SELECT id, user_id, kind, params, created_at "
                 "FROM mail_outbox WHERE kind IS NOT NULL AND "
                 "to_addr IS NULL AND sent_at IS NULL AND failed_at IS NULL "
                 "ORDER BY id LIMIT ?",
                 {static_cast<uint64_t>(batch)}));
    for (const db::Row& r : rows) {
      const int64_t id = r.i64(0);
      LK_ASSIGN_OR_RETURN(std::optional<User> user, users.FindById(r.i64(1)));
      if (!user) {
        LK_RETURN_IF_ERROR(
            Skip(db, clock, id, "skipped: the user no longer exists"));
        ++report.skipped;
        continue;
      }
      if (!user->email_verified() || user->email.empty()) {
        LK_RETURN_IF_ERROR(
            Skip(db, clock, id, "skipped: the user has no verified address"));
        ++report.skipped;
        continue;
      }
      const std::optional<MailText> text =
          Render(config, r.str(2), *user, r.str(3), r.unix_time(4).value_or(0));
      if (!text) {
        LK_RETURN_IF_ERROR(Skip(db, clock, id, "skipped: unknown kind"));
        ++report.skipped;
        continue;
      }
      Result<bool> filled = outbox.Fill(id, user->email, *text);
      if (!filled.ok()) {
        if (filled.status().code() != StatusCode::kInvalidArgument) {
          return filled.status();
        }
        LK_RETURN_IF_ERROR(
            Skip(db, clock, id, "skipped: " + filled.status().message()));
        ++report.skipped;
        continue;
      }
      if (*filled) ++report.rendered;
    }
    if (rows.size() < batch) break;
  }
  return report;
}

SecurityNotifier::SecurityNotifier(db::Connection& db, const Clock& clock,
                                   const Config& config, LogSink& sink)
    : db_(db), clock_(clock), config_(config), sink_(sink) {}

Status SecurityNotifier::AccountLocked(const User& user, int64_t locked_until,
                                       const AuthContext& ctx) {
  if (!user.email_verified() || user.email.empty()) return Status::Ok();
  std::string params;
  AddParam(params, "until", std::to_string(locked_until), 32);
  return Queue("account_locked", user, std::move(params), ctx);
}

Status SecurityNotifier::TotpReplayed(const User& user,
                                      const AuthContext& ctx) {
  if (!user.email_verified() || user.email.empty()) return Status::Ok();
  return Queue("totp_replayed", user, "", ctx);
}

Status SecurityNotifier::PasswordChanged(const User& user,
                                         const AuthContext& ctx) {
  if (!user.email_verified() || user.email.empty()) return Status::Ok();
  return Queue("password_changed", user, "", ctx);
}

bool SecurityNotifier::MailsNewLogin(const User& user) const {
  return login_notification() && user.email_verified() && !user.email.empty();
}

Status SecurityNotifier::NewLogin(const User& user, const AuthContext& ctx) {
  if (!MailsNewLogin(user)) return Status::Ok();
  return Queue("new_login", user, "", ctx);
}

Status SecurityNotifier::AdminTargeted(const User& target,
                                       AdminNoticeAction action,
                                       std::string_view by,
                                       const AuthContext& ctx) {
  LK_ASSIGN_OR_RETURN(
      std::vector<db::Row> admins,
      db_.Query("SELECT u.id FROM users u JOIN user_roles ur ON ur.user_id = "
                "u.id JOIN roles r ON r.id = ur.role_id WHERE r.name = "
                "'admin' AND u.is_active = 1 AND u.email_verified_at IS NOT "
                "NULL ORDER BY u.id"));
  std::string params;
  AddParam(params, "action", AdminActionCode(action), 32);
  AddParam(params, "target", target.username, kAuditUsernameMax);
  AddParam(params, "by", by, kAuditUsernameMax);
  for (const db::Row& row : admins) {
    User admin;
    admin.id = row.i64(0);
    LK_RETURN_IF_ERROR(Queue("admin_notice", admin, params, ctx));
  }
  return Status::Ok();
}

Status SecurityNotifier::Queue(std::string_view kind, const User& user,
                               std::string params, const AuthContext& ctx) {
  const std::string where = Params(ctx);
  if (!where.empty()) {
    if (!params.empty()) params += '&';
    params += where;
  }
  const db::Timestamp now{clock_.NowUnixMicros()};
  const Result<uint64_t> queued = db_.Execute(
      "INSERT INTO mail_outbox (user_id, kind, params, created_at, "
      "next_attempt_at) VALUES (?, ?, ?, ?, ?)",
      {user.id, kind, std::string_view(params), now, now});
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
