// The API of one account in the admin area (JSON; the admin gate, CSRF
// and the re-authentication window run before these):
//   GET    /api/v1/admin/users/{id}                 the account (UserJson)
//   POST   .../activate .../deactivate .../unlock .../clear-password-lock
//          .../verify-email .../reset-totp           200 the account
//   POST   .../lock {"until": unix|null} or {"duration": "1h"}
//   POST   .../sessions/revoke                      200 {"ended": N}
//   DELETE .../sessions/{handle}                    204, 404 no such session
//   PUT    .../roles {"roles": [...]}               200 the account
//   PUT    .../expiry {"account_expires_at": unix|null,
//                      "password_expires_at": unix|null|"now"}
//   DELETE /api/v1/admin/users/{id} {"confirm": "<username>"}  204
// 404 unknown id, 409 guard_rail, 422 invalid (fields). Never the password
// hash, the TOTP key or the avatar's bytes.
#include <string>
#include <vector>

#include "latchkey/account/user_admin.h"
#include "portal/admin/gate.h"
#include "portal/admin/user_detail.h"
#include "portal/api/body_fields.h"

namespace latchkey::portal {
namespace {

nlohmann::json OptTime(std::optional<int64_t> t) {
  return t ? nlohmann::json(*t) : nlohmann::json(nullptr);
}

nlohmann::json UserJson(const UserDetail& d) {
  const User& u = d.user;
  nlohmann::json sessions = nlohmann::json::array();
  for (const SessionInfo& s : d.sessions) {
    sessions.push_back({{"handle", s.handle},
                        {"created_at", s.created_at},
                        {"last_seen_at", s.last_seen_at},
                        {"expires_at", s.expires_at},
                        {"ip", s.ip},
                        {"user_agent", s.user_agent}});
  }
  nlohmann::json events = nlohmann::json::array();
  for (const AuditEntry& e : d.events) {
    events.push_back({{"ts", e.ts_micros / 1'000'000},
                      {"event", e.event},
                      {"service", e.service},
                      {"rhost", e.rhost},
                      {"outcome", e.outcome},
                      {"detail", e.detail}});
  }
  return {{"id", u.id},
          {"username", u.username},
          {"email", u.email},
          {"full_name", u.full_name},
          {"roles", u.roles},
          {"is_admin", u.HasRole("admin")},
          {"is_active", u.is_active},
          {"email_verified", u.email_verified()},
          {"has_avatar", u.has_avatar},
          {"has_totp", u.has_totp()},
          {"recovery_codes_left", d.recovery_codes_left},
          {"failed_logins", u.failed_logins},
          {"password_locked_until", OptTime(d.password_locked_until)},
          {"admin_locked_until", OptTime(d.admin_locked_until)},
          {"admin_locked_until_unlocked",
           d.admin_locked_until == kLockedUntilUnlocked},
          {"account_expires_at", OptTime(u.account_expires_at)},
          {"password_changed_at", OptTime(u.password_changed_at)},
          {"password_expires_at", OptTime(u.password_expires_at)},
          {"last_login_at", OptTime(u.last_login_at)},
          {"created_at", u.created_at},
          {"uid", OptTime(u.uid)},
          {"sessions", sessions},
          {"recent_events", events}};
}

// The account as it is now, 200.
Response Answer(Context& ctx, int64_t id) {
  Result<std::optional<User>> user = ctx.services().users().FindById(id);
  if (!user.ok()) return ctx.Fail(user.status(), "reading a user");
  if (!*user) return ctx.ApiError(404, "not_found", "There is no such user.");
  Result<UserDetail> d = LoadUserDetail(ctx, std::move(**user));
  if (!d.ok()) return ctx.Fail(d.status(), "reading a user");
  return ctx.Json(UserJson(*d));
}

// A refused action: 409 guard_rail, 422 invalid (under `field`), 404.
Response Refused(Context& ctx, const Status& s, std::string_view field) {
  switch (ActionStatus(s)) {
    case 409:
      return ctx.ApiError(409, "guard_rail", s.message());
    case 422: {
      FieldErrors errors;
      errors.Add(field.empty() ? "request" : field, s.message());
      return InvalidFields(ctx, errors);
    }
    case 404:
      if (!field.empty()) {
        FieldErrors errors;
        errors.Add(field, s.message());
        return InvalidFields(ctx, errors);
      }
      return ctx.ApiError(404, "not_found", s.message());
    default:
      return ctx.Fail(s, "an admin action");
  }
}

// Runs `action` on the path's user; answers the account as it is then. A
// refusal for bad input names `field`.
template <typename Action>
Response Act(Context& ctx, Action action, std::string_view field = {}) {
  TargetLookup target = FindTarget(ctx);
  if (target.refusal) return std::move(*target.refusal);
  UserAdmin admin(ctx.services());
  const Status s = action(admin, *target.user, ActorOf(ctx));
  if (!s.ok()) return Refused(ctx, s, field);
  return Answer(ctx, target.user->id);
}

// A time member: a Unix time or null (nullopt). `now_ok` also takes "now".
// False (with the field error) for anything else.
bool TimeMember(Context& ctx, const nlohmann::json& body, const char* name,
                bool now_ok, std::optional<int64_t>& out, FieldErrors& errors) {
  const nlohmann::json& v = body.at(name);
  if (v.is_null()) {
    out.reset();
  } else if (v.is_number_integer()) {
    out = v.get<int64_t>();
  } else if (now_ok && v.is_string() && v.get<std::string>() == "now") {
    out = ctx.services().clock().NowUnix();
  } else {
    errors.Add(name, now_ok ? "must be a Unix time, null or \"now\""
                            : "must be a Unix time or null");
    return false;
  }
  return true;
}

}  // namespace

Response ApiAdminUserGet(Context& ctx) {
  TargetLookup target = FindTarget(ctx);
  if (target.refusal) return std::move(*target.refusal);
  return Answer(ctx, target.user->id);
}

Response ApiAdminUserActivate(Context& ctx) {
  return Act(ctx, [](UserAdmin& a, const User& u, const AdminActor& by) {
    return a.SetActive(u, true, by).status();
  });
}

Response ApiAdminUserDeactivate(Context& ctx) {
  return Act(ctx, [](UserAdmin& a, const User& u, const AdminActor& by) {
    return a.SetActive(u, false, by).status();
  });
}

Response ApiAdminUserLock(Context& ctx) {
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  const int64_t now = ctx.services().clock().NowUnix();
  int64_t until = 0;
  FieldErrors errors;
  if (body.contains("duration")) {
    const std::string d = StringMember(body, "duration", errors);
    if (errors.empty()) {
      Result<int64_t> end = ParseLockEnd(d, now);
      if (!end.ok()) return Refused(ctx, end.status(), "duration");
      until = *end;
    }
  } else if (body.contains("until")) {
    const nlohmann::json& v = body["until"];
    if (v.is_null()) {
      until = kLockedUntilUnlocked;
    } else if (v.is_number_integer()) {
      until = v.get<int64_t>();
    } else {
      errors.Add("until", "must be a Unix time or null");
    }
  } else {
    errors.Add("until", "required (or duration)");
  }
  if (!errors.empty()) return InvalidFields(ctx, errors);
  return Act(
      ctx,
      [&](UserAdmin& a, const User& u, const AdminActor& by) {
        return a.Lock(u, until, by);
      },
      "until");
}

Response ApiAdminUserUnlock(Context& ctx) {
  return Act(ctx, [](UserAdmin& a, const User& u, const AdminActor& by) {
    return a.UnlockAdmin(u, by);
  });
}

Response ApiAdminUserClearPasswordLock(Context& ctx) {
  return Act(ctx, [](UserAdmin& a, const User& u, const AdminActor& by) {
    return a.ClearPasswordLock(u, by);
  });
}

Response ApiAdminUserVerifyEmail(Context& ctx) {
  return Act(ctx, [](UserAdmin& a, const User& u, const AdminActor& by) {
    return a.MarkEmailVerified(u, by).status();
  });
}

Response ApiAdminUserResetTotp(Context& ctx) {
  return Act(ctx, [](UserAdmin& a, const User& u, const AdminActor& by) {
    return a.DisableTotp(u, by).status();
  });
}

Response ApiAdminUserRevokeSessions(Context& ctx) {
  TargetLookup target = FindTarget(ctx);
  if (target.refusal) return std::move(*target.refusal);
  UserAdmin admin(ctx.services());
  Result<uint64_t> ended = admin.RevokeSessions(*target.user, ActorOf(ctx));
  if (!ended.ok()) return Refused(ctx, ended.status(), {});
  return ctx.Json({{"ended", *ended}});
}

Response ApiAdminUserRevokeSession(Context& ctx) {
  TargetLookup target = FindTarget(ctx);
  if (target.refusal) return std::move(*target.refusal);
  UserAdmin admin(ctx.services());
  Result<bool> ended = admin.RevokeSession(
      *target.user, ctx.req().Param("handle"), ActorOf(ctx));
  if (!ended.ok()) return Refused(ctx, ended.status(), {});
  if (!*ended) {
    return ctx.ApiError(404, "not_found", "That session has already ended.");
  }
  return Response::NoContent();
}

Response ApiAdminUserRoles(Context& ctx) {
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  const nlohmann::json& list = body["roles"];
  FieldErrors errors;
  std::vector<std::string> roles;
  if (!list.is_array()) {
    errors.Add("roles", "must be a list of role names");
  } else {
    for (const nlohmann::json& r : list) {
      if (!r.is_string()) {
        errors.Add("roles", "must be a list of role names");
        break;
      }
      roles.push_back(r.get<std::string>());
    }
  }
  if (!errors.empty()) return InvalidFields(ctx, errors);
  TargetLookup target = FindTarget(ctx);
  if (target.refusal) return std::move(*target.refusal);
  UserAdmin admin(ctx.services());
  Result<bool> changed = admin.SetRoles(*target.user, roles, ActorOf(ctx));
  if (!changed.ok()) return Refused(ctx, changed.status(), "roles");
  return Answer(ctx, target.user->id);
}

Response ApiAdminUserExpiry(Context& ctx) {
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  std::optional<int64_t> account;
  std::optional<int64_t> password;
  const bool has_account = body.contains("account_expires_at");
  const bool has_password = body.contains("password_expires_at");
  if (!has_account && !has_password) {
    errors.Add("account_expires_at",
               "give account_expires_at, "
               "password_expires_at or both");
  }
  if (has_account) {
    TimeMember(ctx, body, "account_expires_at", false, account, errors);
  }
  if (has_password) {
    TimeMember(ctx, body, "password_expires_at", true, password, errors);
  }
  if (!errors.empty()) return InvalidFields(ctx, errors);
  TargetLookup target = FindTarget(ctx);
  if (target.refusal) return std::move(*target.refusal);
  UserAdmin admin(ctx.services());
  const AdminActor actor = ActorOf(ctx);
  if (has_account) {
    Status s = admin.SetAccountExpiry(*target.user, account, actor);
    if (!s.ok()) return Refused(ctx, s, "account_expires_at");
  }
  if (has_password) {
    Status s = admin.SetPasswordExpiry(*target.user, password, actor);
    if (!s.ok()) return Refused(ctx, s, "password_expires_at");
  }
  return Answer(ctx, target.user->id);
}

Response ApiAdminUserDelete(Context& ctx) {
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  const std::string confirm = RequiredString(body, "confirm", errors);
  if (!errors.empty()) return InvalidFields(ctx, errors);
  TargetLookup target = FindTarget(ctx);
  if (target.refusal) return std::move(*target.refusal);
  if (confirm != target.user->username) {
    errors.Add("confirm", "must be the username, " + target.user->username);
    return InvalidFields(ctx, errors);
  }
  UserAdmin admin(ctx.services());
  const Status s = admin.Delete(*target.user, ActorOf(ctx));
  if (!s.ok()) return Refused(ctx, s, {});
  return Response::NoContent();
}

}  // namespace latchkey::portal
