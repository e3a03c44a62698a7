#include "latchkey/auth/login_record.h"

#include <optional>
#include <string>

#include "latchkey/nss/name_on_host.h"

namespace latchkey {

LoginRecorder::LoginRecorder(UserStore& users, AuditLog& audit)
    : users_(users), audit_(audit) {}

Status LoginRecorder::Opened(std::string_view username, const AuthContext& ctx,
                             std::optional<int64_t> host_uid) {
  return Record(AuditEvent::kSessionOpen, username, ctx, host_uid);
}

Status LoginRecorder::Closed(std::string_view username, const AuthContext& ctx,
                             std::optional<int64_t> host_uid) {
  return Record(AuditEvent::kSessionClose, username, ctx, host_uid);
}

Status LoginRecorder::Record(AuditEvent event, std::string_view username,
                             const AuthContext& ctx,
                             std::optional<int64_t> host_uid) {
  LK_ASSIGN_OR_RETURN(std::optional<User> user,
                      users_.FindByUsername(username));
  if (!user || !HoldsHostUid(*user, host_uid)) {
    // The name is an attacker-free system value here (PAM_USER after
    // authentication), but keep it bounded like every logged name.
    return NotFound("no user named '" +
                    EscapeLogField(username, kAuditUsernameMax) + "'");
  }
  if (event == AuditEvent::kSessionOpen) {
    LK_RETURN_IF_ERROR(users_.RecordLogin(user->id));
  }
  const std::string detail =
      ctx.pid > 0 ? "pid " + std::to_string(ctx.pid) : std::string();
  return audit_.Record(event, user->id, user->username, ctx, AuditOutcome::kOk,
                       detail);
}

}  // namespace latchkey
