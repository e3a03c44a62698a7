#include "latchkey/store/audit.h"

#include <syslog.h>

#include <algorithm>

#include "latchkey/store/audit_query.h"

namespace latchkey {

void SyslogSink::Write(LogLevel level, std::string_view line) {
  int priority = LOG_INFO;
  if (level == LogLevel::kNotice) priority = LOG_NOTICE;
  if (level == LogLevel::kWarning) priority = LOG_WARNING;
  const std::string text(line);
  syslog(LOG_AUTHPRIV | priority, "%s", text.c_str());
}

void CapturingLogSink::Write(LogLevel /*level*/, std::string_view line) {
  std::lock_guard<std::mutex> lock(mu_);
  lines_.emplace_back(line);
}

std::vector<std::string> CapturingLogSink::lines() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lines_;
}

void CapturingLogSink::clear() {
  std::lock_guard<std::mutex> lock(mu_);
  lines_.clear();
}

AuditLog::AuditLog(db::Connection& db, const Clock& clock, LogSink& sink)
    : db_(db), clock_(clock), sink_(sink) {}

namespace {

constexpr std::string_view kInsertEvent =
    "INSERT INTO auth_events (ts, user_id, username_tried, event, service, "
    "rhost, tty, outcome, detail, host) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";

LogLevel LevelOf(const AuditRecord& r) {
  switch (r.event) {
    case AuditEvent::kAccountLocked:
    case AuditEvent::kAddressThrottled:
    case AuditEvent::kTotpReplayed:
      return LogLevel::kWarning;
    default:
      return r.outcome == AuditOutcome::kOk ? LogLevel::kInfo
                                            : LogLevel::kNotice;
  }
}

}  // namespace

Status AuditLog::Record(AuditEvent event, std::optional<int64_t> user_id,
                        std::string_view username_tried, const AuthContext& ctx,
                        AuditOutcome outcome, std::string_view detail) {
  AuditRecord r;
  r.event = event;
  r.user_id = user_id;
  r.username_tried = username_tried;
  r.outcome = outcome;
  r.detail = detail;
  return Record(r, ctx);
}

Status AuditLog::Record(const AuditRecord& r, const AuthContext& ctx) {
  sink_.Write(LevelOf(r), FormatAuditLine(r, ctx));
  const std::string user = EscapeLogField(r.username_tried, kAuditUsernameMax);
  const std::string service = EscapeLogField(ctx.service, kAuditServiceMax);
  const std::string rhost = EscapeLogField(ctx.rhost, kAuditRhostMax);
  const std::string tty = EscapeLogField(ctx.tty, kAuditTtyMax);
  const std::string detail = EscapeLogField(r.detail, kAuditDetailMax);
  auto result = db_.Execute(
      kInsertEvent, {db::Timestamp{clock_.NowUnixMicros()},
                     db::OrNull(r.user_id), std::string_view(user),
                     AuditEventName(r.event), std::string_view(service),
                     std::string_view(rhost), std::string_view(tty),
                     AuditOutcomeName(r.outcome), std::string_view(detail),
                     ctx.host.empty() ? db::Value(db::Null{})
                                      : db::Value(std::string_view(ctx.host))});
  if (!result.ok()) return result.status().WithContext("audit");
  return Status::Ok();
}

void AuditLog::PrepareAhead() { db_.PrepareAhead(kInsertEvent); }

void AuditLog::LogOnly(const AuditRecord& r, const AuthContext& ctx) {
  sink_.Write(LevelOf(r), FormatAuditLine(r, ctx));
}

Result<std::vector<AuditEntry>> AuditLog::Query(const AuditFilter& filter) {
  LK_ASSIGN_OR_RETURN(std::vector<AuditEntry> rows,
                      QueryAuditEvents(db_, filter));
  std::reverse(rows.begin(), rows.end());
  return rows;
}

}  // namespace latchkey
