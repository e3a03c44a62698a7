// An admin's reset mail and one-time reset link for a user (issue 11, part
// "invite"; core: account/invitation.h). The forms live on the user's page
// (templates/admin_user_links.html):
//   POST /admin/users/{id}/reset-mail   303 to /admin/users/{id}
//                                       ?notice=reset_mail_sent
//   POST /admin/users/{id}/reset-link   valid (default 1h, at most 24h):
//                                       a page that shows the link ONCE
//                                       (Cache-Control: no-store, as every
//                                       page), or the form again with the
//                                       error (422)
//   POST /api/v1/admin/users/{id}/reset-mail  202 {"status": "queued"}
//   POST /api/v1/admin/users/{id}/reset-link {"valid": "1h"?}
//        201 {"url", "expires_at"}; 422 invalid (fields.valid)
//   POST /admin/users/{id}/resend-invitation  303 to /admin/users/{id}
//                                       ?notice=invitation_resent
//   POST /api/v1/admin/users/{id}/resend-invitation  202 {"status":
//                                       "invited"}; 409 not_pending when
//                                       accepted already or never invited
// Unknown id: 404; a deactivated account: 409 inactive.
#include <optional>
#include <string>

#include "latchkey/account/invitation.h"
#include "latchkey/base/field_errors.h"
#include "latchkey/mail/mail_texts.h"
#include "portal/admin/gate.h"
#include "portal/admin/user_id.h"
#include "portal/admin/view.h"
#include "portal/api/body_fields.h"

namespace latchkey::portal {
namespace {

// The account of the route's {id}, or the 404 answer.
struct Target {
  std::optional<User> user;
  std::optional<Response> refusal;
};

Target FindTarget(Context& ctx) {
  Target t;
  const std::optional<int64_t> id = ParseUserId(ctx.req().Param("id"));
  if (id) {
    Result<std::optional<User>> found = ctx.services().users().FindById(*id);
    if (!found.ok()) {
      t.refusal = ctx.Fail(found.status(), "finding a user");
      return t;
    }
    t.user = std::move(*found);
  }
  if (!t.user)
    t.refusal = ctx.Error(404, "not_found", "There is no such user.");
  return t;
}

std::string UserPath(const User& user) {
  return "/admin/users/" + std::to_string(user.id);
}

// The answer when the core said no: 409 for an inactive account (the
// admin's to fix), else the incident page/JSON; nullopt when `s` is Ok.
std::optional<Response> Refusal(Context& ctx, const Status& s,
                                std::string_view what,
                                std::string_view conflict = "inactive") {
  if (s.ok()) return std::nullopt;
  if (s.code() == StatusCode::kFailedPrecondition) {
    return ctx.Error(409, conflict, Sentence(s.message()));
  }
  return ctx.Fail(s, what);
}

Response ShowLinkForm(Context& ctx, const User& user, std::string_view valid,
                      std::string_view error, int status) {
  tmpl::Dict view = AdminView(ctx, "One-time reset link", "users");
  tmpl::Dict target;
  target["id"] = std::to_string(user.id);
  target["username"] = user.username;
  view["target"] = std::move(target);
  view["valid"] = valid;
  if (!error.empty()) {
    tmpl::Dict errors;
    errors["valid"] = error;
    view["errors"] = std::move(errors);
    view["error"] = "Please correct the field marked below.";
  }
  return ctx.Page("admin_reset_link", view, status);
}

// A mail to the route's user: AccountLinks::SendResetMail or
// ResendInvitation. The refusal (404, 409 `conflict`, an incident), or
// nullopt when the mail is queued (and the worker nudged), with `path` the
// user's admin page.
using MailAction = Status (AccountLinks::*)(const User&, const AdminActor&);
std::optional<Response> MailToTarget(Context& ctx, MailAction action,
                                     std::string_view what,
                                     std::string_view conflict,
                                     std::string& path) {
  Target t = FindTarget(ctx);
  if (t.refusal) return std::move(t.refusal);
  AccountLinks links(ctx.services());
  if (auto r = Refusal(ctx, (links.*action)(*t.user, ActorOf(ctx)), what,
                       conflict)) {
    return r;
  }
  ctx.app().NudgeMail();
  path = UserPath(*t.user);
  return std::nullopt;
}

}  // namespace

Response AdminResetMailSubmit(Context& ctx) {
  std::string path;
  if (auto r = MailToTarget(ctx, &AccountLinks::SendResetMail,
                            "sending a reset mail", "inactive", path)) {
    return std::move(*r);
  }
  return ctx.Redirect(path + "?notice=reset_mail_sent");
}

Response AdminResetLinkSubmit(Context& ctx) {
  Target t = FindTarget(ctx);
  if (t.refusal) return std::move(*t.refusal);
  std::string_view valid = ctx.req().Field("valid");
  if (valid.empty()) valid = "1h";
  Result<Seconds> validity = ParseResetLinkValidity(valid);
  if (!validity.ok()) {
    return ShowLinkForm(ctx, *t.user, valid,
                        Sentence(validity.status().message()), 422);
  }
  AccountLinks links(ctx.services());
  Result<IssuedResetLink> link =
      links.IssueResetLink(*t.user, *validity, ActorOf(ctx));
  if (auto r = Refusal(ctx, link.status(), "issuing a reset link")) {
    return std::move(*r);
  }
  ctx.app().NudgeMail();  // admin notices, when the user is an admin
  tmpl::Dict view = AdminView(ctx, "One-time reset link", "users");
  tmpl::Dict target;
  target["id"] = std::to_string(t.user->id);
  target["username"] = t.user->username;
  view["target"] = std::move(target);
  view["url"] = std::string(link->url.view());
  view["expires_at"] = mail_texts::FormatUtc(link->expires_at);
  return ctx.Page("admin_reset_link", view, 201);
}

Response ApiAdminResetMail(Context& ctx) {
  std::string path;
  if (auto r = MailToTarget(ctx, &AccountLinks::SendResetMail,
                            "sending a reset mail", "inactive", path)) {
    return std::move(*r);
  }
  return ctx.Json({{"status", "queued"}}, 202);
}

Response ApiAdminResetLink(Context& ctx) {
  Target t = FindTarget(ctx);
  if (t.refusal) return std::move(*t.refusal);
  // No body at all means the default validity.
  nlohmann::json body =
      ctx.req().body.empty() ? nlohmann::json::object() : ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  std::string valid = StringMember(body, "valid", errors);
  if (!errors.empty()) return InvalidFields(ctx, errors);
  if (valid.empty()) valid = "1h";
  Result<Seconds> validity = ParseResetLinkValidity(valid);
  if (!validity.ok()) {
    errors.Add("valid", Sentence(validity.status().message()));
    return InvalidFields(ctx, errors);
  }
  AccountLinks links(ctx.services());
  Result<IssuedResetLink> link =
      links.IssueResetLink(*t.user, *validity, ActorOf(ctx));
  if (auto r = Refusal(ctx, link.status(), "issuing a reset link")) {
    return std::move(*r);
  }
  ctx.app().NudgeMail();
  return ctx.Json({{"url", std::string(link->url.view())},
                   {"expires_at", IsoTime(link->expires_at)}},
                  201);
}

Response AdminResendInvitationSubmit(Context& ctx) {
  std::string path;
  if (auto r = MailToTarget(ctx, &AccountLinks::ResendInvitation,
                            "resending an invitation", "not_pending", path)) {
    return std::move(*r);
  }
  return ctx.Redirect(path + "?notice=invitation_resent");
}

Response ApiAdminResendInvitation(Context& ctx) {
  std::string path;
  if (auto r = MailToTarget(ctx, &AccountLinks::ResendInvitation,
                            "resending an invitation", "not_pending", path)) {
    return std::move(*r);
  }
  return ctx.Json({{"status", "invited"}}, 202);
}

}  // namespace latchkey::portal
