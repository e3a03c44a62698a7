// Invitations (issue 11, part "invite"; core: account/invitation.h):
//   GET  /admin/invite           the form: full name, username, email, roles
//                                (?sent=ID: "Invitation sent to ...")
//   POST /admin/invite           creates the account without a usable
//                                password and mails the link (KDF pool);
//                                303 to /admin/invite?sent=ID, or 422/409
//                                with the form and per-field errors
//   POST /api/v1/admin/invitations {"username", "email", "full_name"?,
//                                "roles"?: [..]} 201 {"id", "username",
//                                "email", "status": "invited"}; 422 invalid
//                                with fields; 409 exists with fields
#include <algorithm>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "latchkey/account/invitation.h"
#include "latchkey/base/field_errors.h"
#include "portal/admin/gate.h"
#include "portal/admin/user_id.h"
#include "portal/admin/view.h"
#include "portal/api/body_fields.h"

namespace latchkey::portal {
namespace {

// Where a refusal of AccountLinks::Invite (UserAdmin::Create's checks)
// belongs: the field and its sentence; `taken` for AlreadyExists. A
// status that is none of these is not a form problem.
struct InviteRefusal {
  std::string field;
  std::string message;
  bool taken = false;
};

std::optional<InviteRefusal> RefusalOf(const Status& s) {
  const std::string_view m = s.message();
  InviteRefusal r;
  switch (s.code()) {
    case StatusCode::kInvalidArgument:
      for (const auto& [prefix, field] : {std::pair{"email: ", "email"},
                                          std::pair{"full name: ", "full_name"},
                                          std::pair{"role: ", "roles"}}) {
        if (m.starts_with(prefix)) {
          r.field = field;
          r.message = Sentence(m.substr(std::string_view(prefix).size()));
          return r;
        }
      }
      r.field = "username";  // ValidateUsername's sentences
      r.message = Sentence(m);
      return r;
    case StatusCode::kAlreadyExists:
      r.field = m.starts_with("a user with the email") ? "email" : "username";
      r.message = Sentence(m);
      r.taken = true;
      return r;
    case StatusCode::kNotFound:
      if (!m.starts_with("no role")) break;
      r.field = "roles";
      r.message = Sentence(m);
      return r;
    default:
      break;
  }
  return std::nullopt;
}

// view["roles"]: the roles to offer as checkboxes, `chosen` ticked.
Status AddRoleBoxes(Context& ctx, const std::vector<std::string>& chosen,
                    tmpl::Dict& view) {
  LK_ASSIGN_OR_RETURN(std::vector<Role> roles,
                      ctx.services().users().ListRoles());
  tmpl::List boxes;
  for (const Role& role : roles) {
    tmpl::Dict box;
    box["name"] = role.name;
    box["description"] = role.description;
    box["checked"] =
        std::find(chosen.begin(), chosen.end(), role.name) != chosen.end();
    boxes.emplace_back(std::move(box));
  }
  view["roles"] = std::move(boxes);
  return Status::Ok();
}

std::vector<std::string> FormRoles(const Request& req) {
  std::vector<std::string> roles;
  for (const FormField& f : req.form.fields()) {
    if (f.name == "roles") roles.push_back(f.value);
  }
  return roles;
}

Response ShowInviteForm(Context& ctx, const FieldErrors& errors, int status) {
  tmpl::Dict view = AdminView(ctx, "Invite a user", "users");
  view["for_other"] = true;
  std::vector<std::string> chosen = {"user"};
  if (ctx.req().method == Method::kPost) {
    view["full_name"] = ctx.req().Field("full_name");
    view["username"] = ctx.req().Field("username");
    view["email"] = ctx.req().Field("email");
    chosen = FormRoles(ctx.req());
  } else if (const auto sent = ctx.req().Query("sent"); sent) {
    if (const std::optional<int64_t> id = ParseUserId(*sent); id) {
      Result<std::optional<User>> user = ctx.services().users().FindById(*id);
      if (!user.ok()) return ctx.Fail(user.status(), "finding a user");
      if (*user) {
        view["sent"] = (*user)->email;
        view["sent_username"] = (*user)->username;
        view["sent_id"] = std::to_string(*id);
      }
    }
  }
  if (Status s = AddRoleBoxes(ctx, chosen, view); !s.ok()) {
    return ctx.Fail(s, "listing roles");
  }
  view["errors"] = errors.View();
  if (!errors.empty()) {
    view["error"] = "Please correct the fields marked below.";
  }
  return ctx.Page("admin_invite", view, status);
}

}  // namespace

Response AdminInvitePage(Context& ctx) {
  return ShowInviteForm(ctx, FieldErrors(), 200);
}

Response AdminInviteSubmit(Context& ctx) {
  const Request& req = ctx.req();
  InvitationForm form;
  form.full_name = std::string(req.Field("full_name"));
  form.username = std::string(req.Field("username"));
  form.email = std::string(req.Field("email"));
  form.roles = FormRoles(req);
  FieldErrors errors;
  if (form.username.empty()) errors.Add("username", "Enter a username.");
  if (form.email.empty()) errors.Add("email", "Enter an email address.");
  if (!errors.empty()) return ShowInviteForm(ctx, errors, 422);

  AccountLinks links(ctx.services());
  Result<int64_t> id = links.Invite(form, ActorOf(ctx));
  if (!id.ok()) {
    const std::optional<InviteRefusal> refusal = RefusalOf(id.status());
    if (!refusal) return ctx.Fail(id.status(), "inviting a user");
    errors.Add(refusal->field, refusal->message);
    return ShowInviteForm(ctx, errors, refusal->taken ? 409 : 422);
  }
  ctx.app().NudgeMail();
  return ctx.Redirect("/admin/invite?sent=" + std::to_string(*id));
}

Response ApiAdminInvite(Context& ctx) {
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  InvitationForm form;
  form.username = RequiredString(body, "username", errors);
  form.email = RequiredString(body, "email", errors);
  form.full_name = StringMember(body, "full_name", errors);
  if (const auto it = body.find("roles"); it != body.end() && !it->is_null()) {
    form.roles.clear();
    bool strings = it->is_array();
    if (strings) {
      for (const nlohmann::json& role : *it) {
        if (!role.is_string()) {
          strings = false;
          break;
        }
        form.roles.push_back(role.get<std::string>());
      }
    }
    if (!strings) errors.Add("roles", "must be a list of role names");
  }
  if (!errors.empty()) return InvalidFields(ctx, errors);

  AccountLinks links(ctx.services());
  Result<int64_t> id = links.Invite(form, ActorOf(ctx));
  if (!id.ok()) {
    const std::optional<InviteRefusal> refusal = RefusalOf(id.status());
    if (!refusal) return ctx.Fail(id.status(), "inviting a user");
    errors.Add(refusal->field, refusal->message);
    if (refusal->taken) {
      return ctx.ApiError(409, "exists", refusal->message, errors.Json());
    }
    return InvalidFields(ctx, errors);
  }
  ctx.app().NudgeMail();
  const Result<std::string> email = NormalizeEmail(form.email);
  return ctx.Json({{"id", *id},
                   {"username", form.username},
                   {"email", email.ok() ? *email : form.email},
                   {"status", "invited"}},
                  201);
}

}  // namespace latchkey::portal
