// GET /admin/users/{id}: one account for an admin. Profile, roles, state
// (active, verified, both locks, failures, expiry, password age), TOTP and
// recovery codes left, last login, the uid nss-sync gave, the active
// sessions (each with a revoke button, and "revoke all"), the last 20
// audit events, and a form for every action (user_actions.cc).
#include <string>

#include "latchkey/account/ssh_keys.h"
#include "latchkey/account/user_admin.h"
#include "latchkey/mail/mail_texts.h"
#include "portal/admin/user_detail.h"
#include "portal/admin/view.h"
#include "portal/device_label.h"
#include "portal/relative_time.h"
#include "portal/ssh_key_view.h"

namespace latchkey::portal {
namespace {

// "2027-01-31" at midnight UTC, else "2027-01-31T18:00": what the expiry
// fields show and ParseAdminTime reads back.
std::string InputTime(int64_t t) {
  std::string iso = IsoTime(t);  // 2027-01-31T18:00:00Z
  if (iso.size() < 16) return iso;
  if (iso.substr(10, 9) == "T00:00:00") return iso.substr(0, 10);
  return iso.substr(0, 16);
}

tmpl::Value When(std::optional<int64_t> t, int64_t now) {
  if (!t) return tmpl::Value();
  return TimeView(*t, now);
}

}  // namespace

Response RenderUserPage(Context& ctx, const User& target,
                        const UserPageForm& form, int status) {
  Result<UserDetail> detail = LoadUserDetail(ctx, target);
  if (!detail.ok()) return ctx.Fail(detail.status(), "reading a user");
  const User& u = detail->user;
  const int64_t now = ctx.services().clock().NowUnix();
  tmpl::Dict view = AdminView(ctx, u.username, "users");

  tmpl::Dict t;
  t["id"] = u.id;
  t["username"] = u.username;
  t["email"] = u.email;
  t["full_name"] = u.full_name;
  t["is_active"] = u.is_active;
  t["email_verified"] = u.email_verified();
  t["has_totp"] = u.has_totp();
  t["is_admin"] = u.HasRole("admin");
  t["has_avatar"] = u.has_avatar;
  t["recovery_codes_left"] = detail->recovery_codes_left;
  t["failed_logins"] = static_cast<int64_t>(u.failed_logins);
  t["password_locked_until"] = When(detail->password_locked_until, now);
  if (detail->admin_locked_until) {
    if (*detail->admin_locked_until == kLockedUntilUnlocked) {
      t["admin_locked_indefinitely"] = true;
    } else {
      t["admin_locked_until"] = TimeView(*detail->admin_locked_until, now);
    }
    t["admin_locked"] = true;
  }
  t["account_expires"] = When(u.account_expires_at, now);
  t["account_expired"] = u.AccountExpired(now);
  t["password_changed"] = When(u.password_changed_at, now);
  t["password_expires"] = When(u.password_expires_at, now);
  t["password_expired"] = u.PasswordExpired(now);
  t["last_login"] = When(u.last_login_at, now);
  t["created"] = TimeView(u.created_at, now);
  if (u.uid) t["uid"] = *u.uid;
  view["target"] = std::move(t);

  Result<std::vector<Role>> roles = ctx.services().users().ListRoles();
  if (!roles.ok()) return ctx.Fail(roles.status(), "listing roles");
  tmpl::List role_rows;
  for (const Role& r : *roles) {
    tmpl::Dict row;
    row["name"] = r.name;
    row["description"] = r.description;
    row["held"] = u.HasRole(r.name);
    role_rows.emplace_back(std::move(row));
  }
  view["roles"] = std::move(role_rows);
  tmpl::List held;
  for (const std::string& r : u.roles) held.emplace_back(r);
  view["held_roles"] = std::move(held);

  tmpl::List sessions;
  for (const SessionInfo& s : detail->sessions) {
    sessions.emplace_back(SessionView(s, now));
  }
  view["has_sessions"] = !sessions.empty();
  view["sessions"] = std::move(sessions);

  tmpl::List events;
  for (const AuditEntry& e : detail->events) {
    tmpl::Dict row;
    row["when"] = TimeView(e.ts_micros / 1'000'000, now);
    row["event"] = e.event;
    row["service"] = e.service;
    row["rhost"] = e.rhost;
    row["outcome"] = e.outcome;
    row["failed"] = e.outcome != "ok";
    row["detail"] = e.detail;
    events.emplace_back(std::move(row));
  }
  view["has_events"] = !events.empty();
  view["events"] = std::move(events);

  // The forms' values: what was typed, else the current state.
  tmpl::Dict values;
  values["duration"] = std::string("until unlocked");
  values["account_expires"] =
      u.account_expires_at ? InputTime(*u.account_expires_at) : "none";
  values["password_expires"] =
      u.password_expires_at ? InputTime(*u.password_expires_at) : "none";
  for (const auto& [k, v] : form.values) values[k] = v;
  view["values"] = std::move(values);
  if (!form.error.empty()) view["error"] = form.error;
  view["errors"] = form.errors.View();

  // SSH public keys (issue 12, part "sshkeys"): read-only here; the CLI
  // (latchkeyctl user ssh-key) and the owner's /ssh-keys change them.
  Result<std::vector<StoredSshKey>> keys =
      SshKeys(ctx.services()).ListKeys(u.id);
  if (!keys.ok()) return ctx.Fail(keys.status(), "listing SSH keys");
  tmpl::List key_rows;
  for (const StoredSshKey& k : *keys) key_rows.emplace_back(SshKeyView(k, now));
  view["has_ssh_keys"] = !key_rows.empty();
  view["ssh_keys"] = std::move(key_rows);
  return ctx.Page("admin_user", view, status);
}

Response AdminUserPage(Context& ctx) {
  TargetLookup target = FindTarget(ctx);
  if (target.refusal) return std::move(*target.refusal);
  return RenderUserPage(ctx, *target.user, UserPageForm(), 200);
}

}  // namespace latchkey::portal
