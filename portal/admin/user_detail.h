// What the admin area's user page (user_page.cc), its form actions
// (user_actions.cc) and the API (user_api.cc) share: finding the user the
// path names, reading what the page shows, and turning the core's answer
// to an action into the door's status.
#ifndef LATCHKEY_PORTAL_ADMIN_USER_DETAIL_H_
#define LATCHKEY_PORTAL_ADMIN_USER_DETAIL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "latchkey/store/audit.h"
#include "latchkey/store/session_store.h"
#include "latchkey/store/user_store.h"
#include "portal/context.h"
#include "portal/template.h"

namespace latchkey::portal {

// The user whose id is the path's {id}: the user, or the 404 page / API
// error (a non-numeric or unknown id) or a Fail() to return as is.
struct TargetLookup {
  std::optional<User> user;
  std::optional<Response> refusal;
};
TargetLookup FindTarget(Context& ctx);

// Everything the page and GET /api/v1/admin/users/{id} show.
struct UserDetail {
  User user;
  int64_t recovery_codes_left = 0;
  std::optional<int64_t> password_locked_until;  // in force now
  std::optional<int64_t> admin_locked_until;     // in force now
  std::vector<SessionInfo> sessions;
  std::vector<AuditEntry> events;  // newest first, at most 20
};
// Errors: db errors.
Result<UserDetail> LoadUserDetail(Context& ctx, User user);

// The HTTP status for a refused action: 409 for a guard rail
// (FailedPrecondition), 422 for bad input (InvalidArgument), 404 for
// NotFound; 0 for any other error (the caller Fail()s).
int ActionStatus(const Status& status);

// What a refused form shows again on the page.
struct UserPageForm {
  FieldErrors errors;  // per field: duration, roles, account_expires, ...
  std::string error;   // a guard rail's sentence or another refusal
  tmpl::Dict values;   // what the admin typed, by field name
};
// GET /admin/users/{id}, or a refused form on it with `status`.
Response RenderUserPage(Context& ctx, const User& target,
                        const UserPageForm& form, int status);

// The detail page's path, with "?notice=<code>" when `notice` is given.
std::string UserPagePath(int64_t id, std::string_view notice = {});

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_ADMIN_USER_DETAIL_H_
