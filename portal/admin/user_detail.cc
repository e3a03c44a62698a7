#include "portal/admin/user_detail.h"

#include <algorithm>
#include <charconv>

#include "latchkey/account/user_admin.h"

namespace latchkey::portal {

TargetLookup FindTarget(Context& ctx) {
  TargetLookup out;
  const std::string_view text = ctx.req().Param("id");
  int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() ||
      id <= 0) {
    out.refusal = ctx.Error(404, "not_found", "There is no such user.");
    return out;
  }
  Result<std::optional<User>> user = ctx.services().users().FindById(id);
  if (!user.ok()) {
    out.refusal = ctx.Fail(user.status(), "reading a user");
  } else if (!*user) {
    out.refusal = ctx.Error(404, "not_found", "There is no such user.");
  } else {
    out.user = std::move(**user);
  }
  return out;
}

Result<UserDetail> LoadUserDetail(Context& ctx, User user) {
  Services& s = ctx.services();
  UserDetail d;
  LK_ASSIGN_OR_RETURN(d.recovery_codes_left,
                      s.totp_step().RemainingRecoveryCodes(user.id));
  d.password_locked_until = s.lockout_store().AccountLocked(user);
  d.admin_locked_until = s.lockout_store().AdminLocked(user);
  LK_ASSIGN_OR_RETURN(d.sessions, ctx.sessions().ListForUser(user.id));
  AuditFilter filter;
  filter.user = user.username;
  filter.limit = 20;
  LK_ASSIGN_OR_RETURN(d.events, s.audit().Query(filter));
  std::reverse(d.events.begin(), d.events.end());
  d.user = std::move(user);
  return d;
}

int ActionStatus(const Status& status) {
  switch (status.code()) {
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kInvalidArgument:
      return 422;
    case StatusCode::kNotFound:
      return 404;
    default:
      return 0;
  }
}

std::string UserPagePath(int64_t id, std::string_view notice) {
  std::string path = "/admin/users/" + std::to_string(id);
  if (!notice.empty()) path += "?notice=" + std::string(notice);
  return path;
}

}  // namespace latchkey::portal
