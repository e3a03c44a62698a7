// AuditLog: every login attempt, lockout, password change, TOTP change, role
// change and admin action becomes ONE `auth_events` row and ONE syslog line
// (LOG_AUTHPRIV).
//
// Never pass a password, token, code or key in any field: `username_tried`
// holds what was typed as the user name (people sometimes type their
// password there, which is why it is bounded and only ever logged under
// LOG_AUTHPRIV), `detail` is a short fixed phrase chosen by the core.
#ifndef LATCHKEY_STORE_AUDIT_H_
#define LATCHKEY_STORE_AUDIT_H_

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/clock.h"
#include "latchkey/base/result.h"
#include "latchkey/db/db.h"

namespace latchkey {

enum class AuditEvent {
  kLoginSuccess,              // login_success
  kLoginFailure,              // login_failure (wrong password or code)
  kUnknownUser,               // unknown_user
  kLoginDenied,               // login_denied (right password, but inactive,
                              // unverified or expired; detail says which)
  kAccountLocked,             // account_locked (a lock began)
  kRefusedLocked,             // refused_locked (attempt while locked)
  kAddressThrottled,          // address_throttled
  kTotpOk,                    // totp_ok
  kTotpWrong,                 // totp_wrong (wrong TOTP or recovery code)
  kTotpReplayed,              // totp_replayed
  kRecoveryCodeUsed,          // recovery_code_used
  kPasswordChanged,           // password_changed
  kPasswordReset,             // password_reset (by link or by an admin)
  kTotpEnabled,               // totp_enabled
  kTotpDisabled,              // totp_disabled
  kRecoveryCodesRegenerated,  // recovery_codes_regenerated
  kRoleAdded,                 // role_added
  kRoleRemoved,               // role_removed
  kRoleCreated,               // role_created
  kUserCreated,               // user_created
  kUserDeleted,               // user_deleted
  kUserActivated,             // user_activated
  kUserDeactivated,           // user_deactivated
  kUserLocked,                // user_locked (by an admin)
  kUserUnlocked,              // user_unlocked
  kUserUpdated,               // user_updated
  kEmailVerified,             // email_verified
  kEmailChanged,              // email_changed
  kSessionOpen,               // session_open
  kSessionClose,              // session_close
  kRehash,                    // rehash (stored hash upgraded at login)
  kResetRequested,            // reset_requested (a reset link was asked
                              // for a known address: sent, or over its limit)
  kTotpEnrolFailed,           // totp_enrol_failed (a wrong code confirming
                              // a new TOTP key)
  kHostAdded,                 // host_added (latchkeyctl host add)
  kHostRevoked,               // host_revoked (latchkeyctl host revoke)
  kOtherSessionsEnded,        // other_sessions_ended ("sign out all other
                              // sessions" in the portal or the API)
  // Admin area, roles and audit log part:
  kRoleDeleted,  // role_deleted (its members lost it; detail says how many)
  // Invitations and reset links (issue 11, part "invite"):
  kResetMailSent,       // reset_mail_sent (an admin had a reset mail sent)
  kResetLinkIssued,     // reset_link_issued (an admin was shown a one-time
                        // reset link; the detail has its validity)
  kUserInvited,         // user_invited (an admin invited a new account)
  kInvitationAccepted,  // invitation_accepted (the invitee set a password)
  // Admin actions on a user (issue 11, the user page and its actions):
  kPasswordLockCleared,  // password_lock_cleared (by an admin)
  kExpiryChanged,        // expiry_changed (account or password expiry)
  kSessionsRevoked,      // sessions_revoked (a user's sessions, by an admin)
  kGuardOverridden,      // guard_overridden (a guard rail skipped: --force)
  // Fleet mode (issue 12):
  kHostGroupCreated,   // host_group_created
  kHostGroupDeleted,   // host_group_deleted
  kHostGroupChanged,   // host_group_changed (a host moved, a flag set)
  kAccessRuleAdded,    // access_rule_added (role -> host group [service])
  kAccessRuleRemoved,  // access_rule_removed
  kHostAlarm,          // host_alarm (one host reported many failures)
  kAccessDenied,       // access_denied (no host access rule admits it)
  kSshKeyAdded,        // ssh_key_added (detail: fingerprint)
  kSshKeyRemoved,      // ssh_key_removed (detail: fingerprint)
  kOfflineLogin,       // offline_login (a host admitted a cached verifier
                       // while no directory answered; delivered later)
  kOfflineFailure,     // offline_failure (a wrong password offline)
};

// The stable snake_case name above (what `event` holds and syslog shows).
std::string_view AuditEventName(AuditEvent event);
// The inverse; nullopt for an unknown name.
std::optional<AuditEvent> AuditEventFromName(std::string_view name);
// Every event's name, in the enum's order (for a filter's choices).
std::vector<std::string_view> AuditEventNames();

enum class AuditOutcome { kOk, kFail };
std::string_view AuditOutcomeName(AuditOutcome outcome);  // "ok" / "fail"

// Where an attempt came from. All strings may come from an attacker.
struct AuthContext {
  std::string service;     // sshd, sudo, login, portal, api, cli
  std::string rhost;       // PAM_RHOST or client IP; "" for local
  std::string tty;         // PAM_TTY
  std::string user_agent;  // HTTP User-Agent (syslog only; no column)
  int64_t pid = 0;         // 0: not logged
  // Fleet mode: the name of the host whose agent asked the directory
  // (auth_events.host, and "host=" in the syslog line); "" otherwise. Also
  // scopes the per-address counter (IpKey): an address a host reports
  // counts under that host's name only.
  std::string host;
};

// --- Pure helpers for attacker strings ---

// Limits, in characters of the escaped text (the column sizes).
inline constexpr size_t kAuditUsernameMax = 64;
inline constexpr size_t kAuditRhostMax = 255;
inline constexpr size_t kAuditTtyMax = 64;
inline constexpr size_t kAuditUserAgentMax = 255;
inline constexpr size_t kAuditDetailMax = 255;
inline constexpr size_t kAuditServiceMax = 32;

// Escapes `raw` for a log line or a utf8mb4 column: '\\' -> "\\\\",
// '"' -> "\\\"", control characters (< 0x20, 0x7f) and bytes that are not
// part of valid UTF-8 -> "\\xNN" (lower-case hex); valid UTF-8 otherwise
// kept. The result is cut to at most `max_chars` code points, never inside
// a UTF-8 sequence or an escape, so it is always valid UTF-8.
std::string EscapeLogField(std::string_view raw, size_t max_chars);

// A field value for a syslog line: as is if non-empty and made only of
// [A-Za-z0-9._:@+/-], else EscapeLogField(raw, max) in double quotes.
std::string LogValue(std::string_view raw, size_t max_chars);

struct AuditRecord {
  AuditEvent event = AuditEvent::kLoginFailure;
  std::optional<int64_t> user_id;
  std::string_view username_tried;
  AuditOutcome outcome = AuditOutcome::kFail;
  std::string_view detail;
};

// The syslog line, e.g.
//   latchkey[sshd]: login_failure user=bob rhost=203.0.113.5 outcome=fail
//   detail="wrong password"
// (one line; tty=, ua=, pid= and detail= only when set; user_id=N when known).
std::string FormatAuditLine(const AuditRecord& record, const AuthContext& ctx);

// --- Sinks ---

enum class LogLevel { kInfo, kNotice, kWarning };

class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void Write(LogLevel level, std::string_view line) = 0;
};

// syslog(LOG_AUTHPRIV | level, "%s", line). Never calls openlog/closelog:
// the core lives inside sshd, sudo and login, whose ident it keeps.
class SyslogSink final : public LogSink {
 public:
  void Write(LogLevel level, std::string_view line) override;
};

// Keeps the lines, for tests. Thread-safe.
class CapturingLogSink final : public LogSink {
 public:
  void Write(LogLevel level, std::string_view line) override;
  std::vector<std::string> lines() const;
  void clear();

 private:
  mutable std::mutex mu_;
  std::vector<std::string> lines_;
};

// --- The log ---

// A position in the log, newest first: rows strictly older than it come
// after it. (ts, id) and not id alone, because the order is by time.
struct AuditCursor {
  int64_t ts_micros = 0;
  int64_t id = 0;
};

// Which rows QueryAuditEvents (audit_query.h) returns; every field narrows.
struct AuditFilter {
  // The rows of an account or of a name typed at a prompt: username_tried
  // equal to it, or user_id of the account so named (an all-digit value,
  // which no username is, is an account id).
  std::string user;
  std::optional<AuditEvent> event;
  std::string service;  // exact ("sshd", "portal", ...); "" = any
  std::optional<AuditOutcome> outcome;
  // rhost: exact, or a prefix when it ends in '*' ("203.0.113.*").
  std::string address;
  std::optional<int64_t> since;       // Unix seconds, inclusive
  std::optional<int64_t> until;       // Unix seconds, exclusive
  std::optional<AuditCursor> before;  // keyset paging: older than this
  uint32_t limit = 50;                // capped at 10000
};

struct AuditEntry {
  int64_t id = 0;
  int64_t ts_micros = 0;  // Unix microseconds
  std::optional<int64_t> user_id;
  std::string username_tried;  // escaped as stored
  std::string event;
  std::string service;
  std::string rhost;
  std::string tty;
  std::string outcome;
  std::string detail;
};

// Not thread-safe (one Connection); the sink must be.
class AuditLog {
 public:
  AuditLog(db::Connection& db, const Clock& clock, LogSink& sink);

  // Writes the syslog line first, then the row. A database failure still
  // leaves the syslog line and returns the db error.
  Status Record(AuditEvent event, std::optional<int64_t> user_id,
                std::string_view username_tried, const AuthContext& ctx,
                AuditOutcome outcome, std::string_view detail = {});
  Status Record(const AuditRecord& record, const AuthContext& ctx);
  // The syslog line only, for when the database is known to be down (a
  // row would cost another connect_timeout and fail anyway).
  void LogOnly(const AuditRecord& record, const AuthContext& ctx);
  // Lets the server prepare Record()'s statement while the caller computes
  // something long (the KDF of a login): see db::Connection::PrepareAhead.
  void PrepareAhead();

  // The newest `limit` matching rows, oldest first (for `audit tail`):
  // QueryAuditEvents (audit_query.h) in the opposite order.
  Result<std::vector<AuditEntry>> Query(const AuditFilter& filter);

 private:
  db::Connection& db_;
  const Clock& clock_;
  LogSink& sink_;
};

}  // namespace latchkey

#endif  // LATCHKEY_STORE_AUDIT_H_
