// The form actions of the admin area's user page (POST, CSRF; the admin
// gate with its re-authentication window runs before these). Each one
// calls UserAdmin (account/user_admin.h: validation, guard rails, audit
// "by <admin>", mails) and redirects back to /admin/users/{id} (or to the
// admin page named by return_to, such as the overview) with a notice, or shows
// the page again: 422 with a field error, 409 with a guard rail's sentence, 404
// for an unknown user.
//   /activate /deactivate /lock (duration) /unlock /clear-password-lock
//   /roles (role checkboxes: the full set) /verify-email /reset-totp
//   /sessions/revoke /sessions/{handle}/revoke
//   /expiry (account_expires, password_expires) /delete (confirm)
#include <string>
#include <vector>

#include "latchkey/account/user_admin.h"
#include "portal/admin/gate.h"
#include "portal/admin/user_detail.h"

namespace latchkey::portal {
namespace {

// The refusal of an action on the page: the field error (422) under
// `field`, the guard rail's sentence (409), 404, or Fail().
Response Refused(Context& ctx, const User& target, const Status& s,
                 std::string_view field, UserPageForm form = UserPageForm()) {
  const int status = ActionStatus(s);
  if (status == 0) return ctx.Fail(s, "an admin action");
  if (status == 404 && field.empty()) {
    return ctx.Error(404, "not_found", s.message());
  }
  if (status == 409 || field.empty()) {
    form.error = s.message();
  } else {
    form.errors.Add(field, s.message());
  }
  return RenderUserPage(ctx, target, form, status == 404 ? 422 : status);
}

// Runs `action` on the path's user; redirects with `notice` when it
// succeeds.
template <typename Action>
Response Act(Context& ctx, std::string_view notice, Action action) {
  TargetLookup target = FindTarget(ctx);
  if (target.refusal) return std::move(*target.refusal);
  UserAdmin admin(ctx.services());
  const Status s = action(admin, *target.user, ActorOf(ctx));
  if (!s.ok()) return Refused(ctx, *target.user, s, {});
  // A form elsewhere in the admin area (the overview's Unlock) says where
  // to go back to; the user page's own forms name that page.
  const std::string_view back = ctx.req().Field(kReturnToField);
  if (!back.empty() && back.rfind("/admin/users/", 0) != 0) {
    return ctx.Redirect(WithNotice(AdminReturnPath(back), notice));
  }
  return ctx.Redirect(UserPagePath(target.user->id, notice));
}

}  // namespace

Response AdminUserActivate(Context& ctx) {
  return Act(ctx, "admin_user_activated",
             [](UserAdmin& a, const User& u, const AdminActor& by) {
               return a.SetActive(u, true, by).status();
             });
}

Response AdminUserDeactivate(Context& ctx) {
  return Act(ctx, "admin_user_deactivated",
             [](UserAdmin& a, const User& u, const AdminActor& by) {
               return a.SetActive(u, false, by).status();
             });
}

Response AdminUserLock(Context& ctx) {
  TargetLookup target = FindTarget(ctx);
  if (target.refusal) return std::move(*target.refusal);
  const std::string_view duration = ctx.req().Field("duration");
  UserPageForm form;
  form.values["duration"] = duration;
  Result<int64_t> until =
      ParseLockEnd(duration, ctx.services().clock().NowUnix());
  if (!until.ok()) {
    return Refused(ctx, *target.user, until.status(), "duration",
                   std::move(form));
  }
  UserAdmin admin(ctx.services());
  const Status s = admin.Lock(*target.user, *until, ActorOf(ctx));
  if (!s.ok())
    return Refused(ctx, *target.user, s, "duration", std::move(form));
  return ctx.Redirect(UserPagePath(target.user->id, "admin_user_locked"));
}

Response AdminUserUnlock(Context& ctx) {
  return Act(ctx, "admin_user_unlocked",
             [](UserAdmin& a, const User& u, const AdminActor& by) {
               return a.UnlockAdmin(u, by);
             });
}

Response AdminUserClearPasswordLock(Context& ctx) {
  return Act(ctx, "admin_password_lock_cleared",
             [](UserAdmin& a, const User& u, const AdminActor& by) {
               return a.ClearPasswordLock(u, by);
             });
}

Response AdminUserRoles(Context& ctx) {
  TargetLookup target = FindTarget(ctx);
  if (target.refusal) return std::move(*target.refusal);
  std::vector<std::string> roles;
  for (const FormField& f : ctx.req().form.fields()) {
    if (f.name == "roles") roles.push_back(f.value);
  }
  UserAdmin admin(ctx.services());
  Result<bool> changed = admin.SetRoles(*target.user, roles, ActorOf(ctx));
  if (!changed.ok()) {
    return Refused(ctx, *target.user, changed.status(), "roles");
  }
  return ctx.Redirect(UserPagePath(target.user->id, "admin_roles_saved"));
}

Response AdminUserVerifyEmail(Context& ctx) {
  return Act(ctx, "admin_email_verified",
             [](UserAdmin& a, const User& u, const AdminActor& by) {
               return a.MarkEmailVerified(u, by).status();
             });
}

Response AdminUserResetTotp(Context& ctx) {
  return Act(ctx, "admin_totp_reset",
             [](UserAdmin& a, const User& u, const AdminActor& by) {
               return a.DisableTotp(u, by).status();
             });
}

Response AdminUserRevokeSessions(Context& ctx) {
  return Act(ctx, "admin_sessions_revoked",
             [](UserAdmin& a, const User& u, const AdminActor& by) {
               return a.RevokeSessions(u, by).status();
             });
}

Response AdminUserRevokeSession(Context& ctx) {
  const std::string handle(ctx.req().Param("handle"));
  return Act(ctx, "admin_session_revoked",
             [&](UserAdmin& a, const User& u, const AdminActor& by) {
               Result<bool> ended = a.RevokeSession(u, handle, by);
               if (ended.ok() && !*ended) {
                 return NotFound("That session has already ended.");
               }
               return ended.status();
             });
}

namespace {

// "none" as nullopt for `none`, "now" (when allowed) as now, else a
// date. Adds the field error and returns false when it is none of these.
bool ReadExpiry(Context& ctx, std::string_view field, bool allow_now,
                std::optional<int64_t>& out, FieldErrors& errors) {
  const std::string_view text = ctx.req().Field(field);
  if (text == "none" || text == "never") {
    out.reset();
    return true;
  }
  if (allow_now && text == "now") {
    out = ctx.services().clock().NowUnix();
    return true;
  }
  Result<int64_t> at = ParseAdminTime(text);
  if (!at.ok()) {
    errors.Add(field, allow_now ? "Enter a date such as 2027-01-31, now "
                                  "(must change at next login) or none."
                                : "Enter a date such as 2027-01-31, or none.");
    return false;
  }
  out = *at;
  return true;
}

}  // namespace

Response AdminUserExpiry(Context& ctx) {
  TargetLookup target = FindTarget(ctx);
  if (target.refusal) return std::move(*target.refusal);
  const User& u = *target.user;
  UserPageForm form;
  form.values["account_expires"] = ctx.req().Field("account_expires");
  form.values["password_expires"] = ctx.req().Field("password_expires");
  std::optional<int64_t> account;
  std::optional<int64_t> password;
  const bool ok_account =
      ReadExpiry(ctx, "account_expires", false, account, form.errors);
  const bool ok_password =
      ReadExpiry(ctx, "password_expires", true, password, form.errors);
  if (!ok_account || !ok_password) return RenderUserPage(ctx, u, form, 422);
  UserAdmin admin(ctx.services());
  const AdminActor actor = ActorOf(ctx);
  // Only what changed is written (and audited): the fields show the
  // current values to the minute.
  if (account != u.account_expires_at) {
    const Status s = admin.SetAccountExpiry(u, account, actor);
    if (!s.ok()) return Refused(ctx, u, s, "account_expires", std::move(form));
  }
  if (password != u.password_expires_at) {
    const Status s = admin.SetPasswordExpiry(u, password, actor);
    if (!s.ok()) {
      return Refused(ctx, u, s, "password_expires", std::move(form));
    }
  }
  return ctx.Redirect(UserPagePath(u.id, "admin_expiry_saved"));
}

Response AdminUserDelete(Context& ctx) {
  TargetLookup target = FindTarget(ctx);
  if (target.refusal) return std::move(*target.refusal);
  const User& u = *target.user;
  const std::string_view confirm = ctx.req().Field("confirm");
  if (confirm != u.username) {
    UserPageForm form;
    form.values["confirm"] = confirm;
    form.errors.Add("confirm",
                    "Type the username, " + u.username + ", to confirm.");
    return RenderUserPage(ctx, u, form, 422);
  }
  UserAdmin admin(ctx.services());
  const Status s = admin.Delete(u, ActorOf(ctx));
  if (!s.ok()) return Refused(ctx, u, s, {});
  return ctx.Redirect("/admin/users?notice=admin_user_deleted");
}

}  // namespace latchkey::portal
