// The pure half of audit.h: escaping attacker strings and formatting the
// syslog line.
#include <array>
#include <cstdio>
#include <string>

#include "base/utf8_seq.h"
#include "latchkey/store/audit.h"

namespace latchkey {
namespace {

struct EventName {
  AuditEvent event;
  std::string_view name;
};

constexpr std::array<EventName, 56> kEventNames = {{
    {AuditEvent::kLoginSuccess, "login_success"},
    {AuditEvent::kLoginFailure, "login_failure"},
    {AuditEvent::kUnknownUser, "unknown_user"},
    {AuditEvent::kLoginDenied, "login_denied"},
    {AuditEvent::kAccountLocked, "account_locked"},
    {AuditEvent::kRefusedLocked, "refused_locked"},
    {AuditEvent::kAddressThrottled, "address_throttled"},
    {AuditEvent::kTotpOk, "totp_ok"},
    {AuditEvent::kTotpWrong, "totp_wrong"},
    {AuditEvent::kTotpReplayed, "totp_replayed"},
    {AuditEvent::kRecoveryCodeUsed, "recovery_code_used"},
    {AuditEvent::kPasswordChanged, "password_changed"},
    {AuditEvent::kPasswordReset, "password_reset"},
    {AuditEvent::kTotpEnabled, "totp_enabled"},
    {AuditEvent::kTotpDisabled, "totp_disabled"},
    {AuditEvent::kRecoveryCodesRegenerated, "recovery_codes_regenerated"},
    {AuditEvent::kRoleAdded, "role_added"},
    {AuditEvent::kRoleRemoved, "role_removed"},
    {AuditEvent::kRoleCreated, "role_created"},
    {AuditEvent::kUserCreated, "user_created"},
    {AuditEvent::kUserDeleted, "user_deleted"},
    {AuditEvent::kUserActivated, "user_activated"},
    {AuditEvent::kUserDeactivated, "user_deactivated"},
    {AuditEvent::kUserLocked, "user_locked"},
    {AuditEvent::kUserUnlocked, "user_unlocked"},
    {AuditEvent::kUserUpdated, "user_updated"},
    {AuditEvent::kEmailVerified, "email_verified"},
    {AuditEvent::kEmailChanged, "email_changed"},
    {AuditEvent::kSessionOpen, "session_open"},
    {AuditEvent::kSessionClose, "session_close"},
    {AuditEvent::kRehash, "rehash"},
    {AuditEvent::kResetRequested, "reset_requested"},
    {AuditEvent::kTotpEnrolFailed, "totp_enrol_failed"},
    {AuditEvent::kHostAdded, "host_added"},
    {AuditEvent::kHostRevoked, "host_revoked"},
    {AuditEvent::kOtherSessionsEnded, "other_sessions_ended"},
    // Admin area, roles and audit log part:
    {AuditEvent::kRoleDeleted, "role_deleted"},
    {AuditEvent::kResetMailSent, "reset_mail_sent"},
    {AuditEvent::kResetLinkIssued, "reset_link_issued"},
    {AuditEvent::kUserInvited, "user_invited"},
    {AuditEvent::kInvitationAccepted, "invitation_accepted"},
    {AuditEvent::kPasswordLockCleared, "password_lock_cleared"},
    {AuditEvent::kExpiryChanged, "expiry_changed"},
    {AuditEvent::kSessionsRevoked, "sessions_revoked"},
    {AuditEvent::kGuardOverridden, "guard_overridden"},
    {AuditEvent::kHostGroupCreated, "host_group_created"},
    {AuditEvent::kHostGroupDeleted, "host_group_deleted"},
    {AuditEvent::kHostGroupChanged, "host_group_changed"},
    {AuditEvent::kAccessRuleAdded, "access_rule_added"},
    {AuditEvent::kAccessRuleRemoved, "access_rule_removed"},
    {AuditEvent::kHostAlarm, "host_alarm"},
    {AuditEvent::kAccessDenied, "access_denied"},
    {AuditEvent::kSshKeyAdded, "ssh_key_added"},
    {AuditEvent::kSshKeyRemoved, "ssh_key_removed"},
    {AuditEvent::kOfflineLogin, "offline_login"},
    {AuditEvent::kOfflineFailure, "offline_failure"},
}};

// Code points that reorder or break lines in viewers (Trojan Source,
// CVE-2021-42574) are escaped too, although they are valid UTF-8.
bool IsDeceptive(uint32_t cp) {
  return cp == 0x2028 || cp == 0x2029 || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069) || cp == 0x200E || cp == 0x200F ||
         cp == 0x061C;
}

void AppendHexEscape(std::string& out, uint8_t byte) {
  char buf[5];
  std::snprintf(buf, sizeof buf, "\\x%02x", byte);
  out.append(buf, 4);
}

bool IsBareChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' ||
         c == '@' || c == '+' || c == '/' || c == '-';
}

}  // namespace

std::string_view AuditEventName(AuditEvent event) {
  for (const EventName& e : kEventNames) {
    if (e.event == event) return e.name;
  }
  return "unknown_event";
}

std::vector<std::string_view> AuditEventNames() {
  std::vector<std::string_view> names;
  names.reserve(kEventNames.size());
  for (const EventName& e : kEventNames) names.push_back(e.name);
  return names;
}

std::optional<AuditEvent> AuditEventFromName(std::string_view name) {
  for (const EventName& e : kEventNames) {
    if (e.name == name) return e.event;
  }
  return std::nullopt;
}

std::string_view AuditOutcomeName(AuditOutcome outcome) {
  return outcome == AuditOutcome::kOk ? "ok" : "fail";
}

std::string EscapeLogField(std::string_view raw, size_t max_chars) {
  std::string out;
  out.reserve(std::min(raw.size(), max_chars * 4));
  size_t chars = 0;
  size_t i = 0;
  std::string piece;
  while (i < raw.size()) {
    piece.clear();
    size_t piece_chars = 0;
    uint32_t cp = 0;
    const size_t len = internal::Utf8SequenceAt(raw, i, &cp);
    if (len == 0) {
      AppendHexEscape(piece, static_cast<uint8_t>(raw[i]));
      piece_chars = 4;
      i += 1;
    } else if (internal::IsControl(cp) || IsDeceptive(cp)) {
      for (size_t k = 0; k < len; ++k) {
        AppendHexEscape(piece, static_cast<uint8_t>(raw[i + k]));
      }
      piece_chars = 4 * len;
      i += len;
    } else if (cp == '\\' || cp == '"') {
      piece.push_back('\\');
      piece.push_back(static_cast<char>(cp));
      piece_chars = 2;
      i += 1;
    } else {
      piece.append(raw.substr(i, len));
      piece_chars = 1;
      i += len;
    }
    if (chars + piece_chars > max_chars) break;
    out += piece;
    chars += piece_chars;
  }
  return out;
}

std::string LogValue(std::string_view raw, size_t max_chars) {
  bool bare = !raw.empty() && raw.size() <= max_chars;
  for (char c : raw) {
    if (!bare) break;
    bare = IsBareChar(c);
  }
  if (bare) return std::string(raw);
  return "\"" + EscapeLogField(raw, max_chars) + "\"";
}

std::string FormatAuditLine(const AuditRecord& record, const AuthContext& ctx) {
  std::string line = "latchkey[";
  line +=
      EscapeLogField(ctx.service.empty() ? "-" : ctx.service, kAuditServiceMax);
  line += "]: ";
  line += AuditEventName(record.event);
  line += " user=";
  line += LogValue(record.username_tried, kAuditUsernameMax);
  if (record.user_id) line += " user_id=" + std::to_string(*record.user_id);
  line += " rhost=";
  line += LogValue(ctx.rhost, kAuditRhostMax);
  if (!ctx.tty.empty()) line += " tty=" + LogValue(ctx.tty, kAuditTtyMax);
  if (!ctx.user_agent.empty()) {
    line += " ua=" + LogValue(ctx.user_agent, kAuditUserAgentMax);
  }
  if (ctx.pid != 0) line += " pid=" + std::to_string(ctx.pid);
  if (!ctx.host.empty()) line += " host=" + LogValue(ctx.host, 64);
  line += " outcome=";
  line += AuditOutcomeName(record.outcome);
  if (!record.detail.empty()) {
    line +=
        " detail=\"" + EscapeLogField(record.detail, kAuditDetailMax) + "\"";
  }
  return line;
}

}  // namespace latchkey
