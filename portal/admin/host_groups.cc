// Host groups in the admin area (account/host_admin.h; issue 12, part
// "groups"):
//   GET  /admin/host-groups                   the list with host and rule
//                                             counts, and a create form
//   POST /admin/host-groups                   create (name, description)
//   GET  /admin/host-groups/{group}           its rules (remove; add a
//                                             role + service) and hosts
//   POST /admin/host-groups/{group}/rules     add (role, service)
//   POST /admin/host-groups/{group}/rules/remove  remove (role, service)
//   POST /admin/host-groups/{group}/delete    delete (confirm: the name)
//   GET    /api/v1/admin/host-groups          {"host_groups": [...]}
//   POST   /api/v1/admin/host-groups          {"name", "description"}: 201
//   GET    /api/v1/admin/host-groups/{group}  the group, "rules", "hosts"
//   DELETE /api/v1/admin/host-groups/{group}  {"confirm": "<name>"}: 204
//   POST   /api/v1/admin/host-groups/{group}/rules {"role", "service"}:
//          201 the group
//   DELETE /api/v1/admin/host-groups/{group}/rules {"role", "service"}: 204
// 404 unknown group (or rule), 409 already_exists / guard_rail, 422
// invalid (fields).
#include <string>

#include "latchkey/account/host_admin.h"
#include "latchkey/account/role_admin.h"
#include "latchkey/base/field_errors.h"
#include "latchkey/base/strings.h"
#include "portal/admin/gate.h"
#include "portal/admin/host_views.h"
#include "portal/admin/view.h"
#include "portal/api/body_fields.h"
#include "portal/relative_time.h"

namespace latchkey::portal {
namespace {

std::string GroupPath(std::string_view name, std::string_view notice = {}) {
  std::string path = "/admin/host-groups/" + std::string(name);
  if (!notice.empty()) path += "?notice=" + std::string(notice);
  return path;
}

// --- the list ---

struct GroupsForm {
  FieldErrors errors;  // name, description
  std::string error;
  std::string name;
  std::string description;
};

Response RenderGroups(Context& ctx, const GroupsForm& form, int status) {
  Result<std::vector<HostGroupSummary>> groups =
      HostAdmin(ctx.services()).ListGroups();
  if (!groups.ok()) return ctx.Fail(groups.status(), "listing host groups");
  tmpl::Dict view = AdminView(ctx, "Host groups", "host_groups");
  tmpl::List rows;
  for (const HostGroupSummary& g : *groups) {
    tmpl::Dict row;
    row["name"] = g.name;
    row["description"] = g.description;
    row["hosts"] = g.hosts;
    row["rules"] = g.rules;
    row["no_rules"] = g.rules == 0;
    rows.emplace_back(std::move(row));
  }
  view["groups"] = std::move(rows);
  view["has_groups"] = !groups->empty();
  view["name"] = form.name;
  view["description"] = form.description;
  view["errors"] = form.errors.View();
  if (!form.error.empty()) view["error"] = form.error;
  return ctx.Page("admin_host_groups", view, status);
}

// The form's checks field by field, then the create (its AlreadyExists is
// the caller's to show). OK with `errors` non-empty: nothing was created.
Status CreateGroup(Context& ctx, std::string_view name,
                   std::string_view description, FieldErrors& errors) {
  if (name.empty()) {
    errors.Add("name", "Enter a name for the host group.");
  } else if (Status s = ValidateHostGroupName(name); !s.ok()) {
    errors.Add("name", Sentence(s.message()));
  }
  if (Status s = ValidateRoleDescription(description); !s.ok()) {
    errors.Add("description", Sentence(s.message()));
  }
  if (!errors.empty()) return Status::Ok();
  return HostAdmin(ctx.services())
      .CreateGroup(name, description, ActorOf(ctx))
      .status();
}

// --- one group ---

struct GroupForm {
  FieldErrors errors;  // role, service, confirm
  std::string error;   // a guard rail's sentence, a duplicate
  std::string role;
  std::string service;
  std::string confirm;
};

Response RenderGroup(Context& ctx, const HostGroupDetail& d,
                     const GroupForm& form, int status) {
  Result<std::vector<RoleSummary>> roles = RoleAdmin(ctx.services()).List();
  if (!roles.ok()) return ctx.Fail(roles.status(), "listing roles");
  const int64_t now = ctx.services().clock().NowUnix();
  tmpl::Dict view = AdminView(ctx, d.group.name, "host_groups");
  tmpl::Dict g;
  g["name"] = d.group.name;
  g["description"] = d.group.description;
  g["hosts"] = d.group.hosts;
  g["created"] = TimeView(d.group.created_at, now);
  view["group"] = std::move(g);
  tmpl::List rules;
  for (const HostAccessRule& r : d.rules) {
    tmpl::Dict row;
    row["role"] = r.role;
    row["service"] = r.service;
    row["service_label"] = ServiceLabel(r.service);
    rules.emplace_back(std::move(row));
  }
  view["rules"] = std::move(rules);
  view["has_rules"] = !d.rules.empty();
  tmpl::List hosts;
  for (const HostSummary& h : d.hosts) hosts.emplace_back(AdminHostRow(h, now));
  view["hosts"] = std::move(hosts);
  view["has_hosts"] = !d.hosts.empty();
  tmpl::List role_options;
  for (const RoleSummary& r : *roles) {
    tmpl::Dict o;
    o["value"] = r.name;
    o["selected"] = r.name == form.role;
    role_options.emplace_back(std::move(o));
  }
  view["roles"] = std::move(role_options);
  view["service"] = form.service;
  view["confirm"] = form.confirm;
  view["errors"] = form.errors.View();
  if (!form.error.empty()) view["error"] = form.error;
  return ctx.Page("admin_host_group", view, status);
}

// The path's group, or the 404 page / API error, or a Fail().
struct GroupLookup {
  std::optional<HostGroupDetail> detail;
  std::optional<Response> refusal;
};

GroupLookup FindGroup(Context& ctx, bool api) {
  GroupLookup out;
  const std::string_view name = ctx.req().Param("group");
  Result<HostGroupDetail> d = HostAdmin(ctx.services()).ShowGroup(name);
  if (d.ok()) {
    out.detail = std::move(*d);
  } else if (d.status().code() == StatusCode::kNotFound) {
    out.refusal = api ? ctx.ApiError(404, "not_found",
                                     "There is no host group of that name.")
                      : ctx.Error(404, "not_found",
                                  "There is no host group of that name.");
  } else {
    out.refusal = ctx.Fail(d.status(), "reading a host group");
  }
  return out;
}

// A refused action on the group page: the group again with the field's
// error (422) or the sentence (409, 404 for a rule that is not there).
Response Refused(Context& ctx, const Status& s, std::string_view field,
                 GroupForm form) {
  const int status = AdminHostActionStatus(s);
  if (status == 0) return ctx.Fail(s, "an admin action on a host group");
  GroupLookup now = FindGroup(ctx, false);
  if (now.refusal) return std::move(*now.refusal);
  if (status == 422 && !field.empty()) {
    form.errors.Add(field, AdminFieldSentence(s, field));
  } else {
    form.error = Sentence(s.message());
  }
  return RenderGroup(ctx, *now.detail, form, status);
}

nlohmann::json GroupDetailJson(const HostGroupDetail& d) {
  nlohmann::json doc = AdminHostGroupJson(d.group);
  nlohmann::json rules = nlohmann::json::array();
  for (const HostAccessRule& r : d.rules)
    rules.push_back(AdminAccessRuleJson(r));
  nlohmann::json hosts = nlohmann::json::array();
  for (const HostSummary& h : d.hosts) hosts.push_back(AdminHostJson(h));
  doc["rules"] = std::move(rules);
  doc["hosts"] = std::move(hosts);
  return doc;
}

// A refused API action: 409 (already_exists, guard_rail), 422 (fields:
// an unknown role is the role field's), 404.
Response ApiRefused(Context& ctx, const Status& s, std::string_view field) {
  const int status = AdminHostActionStatus(s);
  if (status == 409) {
    return ctx.ApiError(409,
                        s.code() == StatusCode::kAlreadyExists
                            ? "already_exists"
                            : "guard_rail",
                        Sentence(s.message()));
  }
  if (status == 422) {
    FieldErrors errors;
    errors.Add(field.empty() ? "request" : field, AdminFieldSentence(s, field));
    return InvalidFields(ctx, errors);
  }
  if (status == 404)
    return ctx.ApiError(404, "not_found", Sentence(s.message()));
  return ctx.Fail(s, "an admin action on a host group");
}

// The role and service of a rule form or body, checked field by field.
void CheckRule(std::string_view role, std::string_view service,
               FieldErrors& errors) {
  if (role.empty()) {
    errors.Add("role", "Choose a role.");
  } else if (Status s = ValidateRoleName(role); !s.ok()) {
    errors.Add("role", Sentence(s.message()));
  }
  if (Status s = ValidateRuleService(service); !s.ok()) {
    errors.Add("service", Sentence(s.message()));
  }
}

// An unknown role is a field error of the rule's form.
bool UnknownRole(const Status& s) {
  return s.code() == StatusCode::kNotFound &&
         s.message().starts_with("no role named");
}

}  // namespace

Response AdminHostGroupsPage(Context& ctx) {
  return RenderGroups(ctx, GroupsForm(), 200);
}

Response AdminHostGroupsCreate(Context& ctx) {
  GroupsForm form;
  form.name = std::string(Trim(ctx.req().Field("name")));
  form.description = std::string(Trim(ctx.req().Field("description")));
  Status s = CreateGroup(ctx, form.name, form.description, form.errors);
  if (s.code() == StatusCode::kAlreadyExists) {
    form.errors.Add("name", Sentence(s.message()));
    return RenderGroups(ctx, form, 409);
  }
  if (!s.ok()) return ctx.Fail(s, "creating a host group");
  if (!form.errors.empty()) return RenderGroups(ctx, form, 422);
  return ctx.Redirect(GroupPath(form.name, "host_group_created"));
}

Response AdminHostGroupPage(Context& ctx) {
  GroupLookup g = FindGroup(ctx, false);
  if (g.refusal) return std::move(*g.refusal);
  return RenderGroup(ctx, *g.detail, GroupForm(), 200);
}

Response AdminHostGroupRuleAdd(Context& ctx) {
  GroupLookup g = FindGroup(ctx, false);
  if (g.refusal) return std::move(*g.refusal);
  const std::string& name = g.detail->group.name;
  GroupForm form;
  form.role = std::string(Trim(ctx.req().Field("role")));
  form.service = std::string(Trim(ctx.req().Field("service")));
  CheckRule(form.role, form.service, form.errors);
  if (!form.errors.empty()) return RenderGroup(ctx, *g.detail, form, 422);
  const Status s = HostAdmin(ctx.services())
                       .AllowRole(name, form.role, form.service, ActorOf(ctx));
  if (UnknownRole(s)) {
    form.errors.Add("role", "There is no role of that name.");
    return RenderGroup(ctx, *g.detail, form, 422);
  }
  if (!s.ok()) return Refused(ctx, s, {}, std::move(form));
  return ctx.Redirect(GroupPath(name, "access_rule_added"));
}

Response AdminHostGroupRuleRemove(Context& ctx) {
  GroupLookup g = FindGroup(ctx, false);
  if (g.refusal) return std::move(*g.refusal);
  const std::string& name = g.detail->group.name;
  const std::string role(Trim(ctx.req().Field("role")));
  const std::string service(Trim(ctx.req().Field("service")));
  GroupForm form;
  CheckRule(role, service, form.errors);
  if (!form.errors.empty()) return RenderGroup(ctx, *g.detail, form, 422);
  const Status s =
      HostAdmin(ctx.services()).DenyRole(name, role, service, ActorOf(ctx));
  if (!s.ok()) return Refused(ctx, s, {}, std::move(form));
  return ctx.Redirect(GroupPath(name, "access_rule_removed"));
}

Response AdminHostGroupDelete(Context& ctx) {
  GroupLookup g = FindGroup(ctx, false);
  if (g.refusal) return std::move(*g.refusal);
  const std::string& name = g.detail->group.name;
  GroupForm form;
  form.confirm = std::string(ctx.req().Field("confirm"));
  if (form.confirm != name) {
    form.errors.Add("confirm",
                    "Type the host group's name, " + name + ", to confirm.");
    return RenderGroup(ctx, *g.detail, form, 422);
  }
  const Status s = HostAdmin(ctx.services()).DeleteGroup(name, ActorOf(ctx));
  if (!s.ok()) return Refused(ctx, s, {}, std::move(form));
  return ctx.Redirect("/admin/host-groups?notice=host_group_deleted");
}

Response ApiAdminHostGroups(Context& ctx) {
  Result<std::vector<HostGroupSummary>> groups =
      HostAdmin(ctx.services()).ListGroups();
  if (!groups.ok()) return ctx.Fail(groups.status(), "listing host groups");
  nlohmann::json list = nlohmann::json::array();
  for (const HostGroupSummary& g : *groups)
    list.push_back(AdminHostGroupJson(g));
  return ctx.Json({{"host_groups", std::move(list)}});
}

Response ApiAdminHostGroupCreate(Context& ctx) {
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  const std::string name = StringMember(body, "name", errors);
  const std::string description = StringMember(body, "description", errors);
  if (!errors.empty()) return InvalidFields(ctx, errors);
  Status s = CreateGroup(ctx, name, description, errors);
  if (s.code() == StatusCode::kAlreadyExists) {
    return ctx.ApiError(409, "already_exists", Sentence(s.message()));
  }
  if (!s.ok()) return ctx.Fail(s, "creating a host group");
  if (!errors.empty()) return InvalidFields(ctx, errors);
  Result<HostGroupDetail> d = HostAdmin(ctx.services()).ShowGroup(name);
  if (!d.ok()) return ctx.Fail(d.status(), "reading a host group");
  return ctx.Json(GroupDetailJson(*d), 201);
}

Response ApiAdminHostGroupGet(Context& ctx) {
  GroupLookup g = FindGroup(ctx, true);
  if (g.refusal) return std::move(*g.refusal);
  return ctx.Json(GroupDetailJson(*g.detail));
}

Response ApiAdminHostGroupDelete(Context& ctx) {
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  const std::string confirm = RequiredString(body, "confirm", errors);
  if (!errors.empty()) return InvalidFields(ctx, errors);
  GroupLookup g = FindGroup(ctx, true);
  if (g.refusal) return std::move(*g.refusal);
  const std::string& name = g.detail->group.name;
  if (confirm != name) {
    errors.Add("confirm", "must be the host group's name, " + name);
    return InvalidFields(ctx, errors);
  }
  const Status s = HostAdmin(ctx.services()).DeleteGroup(name, ActorOf(ctx));
  if (!s.ok()) return ApiRefused(ctx, s, {});
  return Response::NoContent();
}

namespace {

// allow (POST) and deny (DELETE) of {"role", "service"}.
Response ApiRule(Context& ctx, bool allow) {
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  const std::string role = RequiredString(body, "role", errors);
  const std::string service = StringMember(body, "service", errors);
  if (errors.empty()) {
    if (Status s = ValidateRoleName(role); !s.ok()) {
      errors.Add("role", Sentence(s.message()));
    }
    if (Status s = ValidateRuleService(service); !s.ok()) {
      errors.Add("service", Sentence(s.message()));
    }
  }
  if (!errors.empty()) return InvalidFields(ctx, errors);
  GroupLookup g = FindGroup(ctx, true);
  if (g.refusal) return std::move(*g.refusal);
  const std::string& name = g.detail->group.name;
  HostAdmin admin(ctx.services());
  const Status s = allow ? admin.AllowRole(name, role, service, ActorOf(ctx))
                         : admin.DenyRole(name, role, service, ActorOf(ctx));
  if (UnknownRole(s)) {
    errors.Add("role", "There is no role of that name.");
    return InvalidFields(ctx, errors);
  }
  if (!s.ok()) return ApiRefused(ctx, s, {});
  if (!allow) return Response::NoContent();
  Result<HostGroupDetail> d = admin.ShowGroup(name);
  if (!d.ok()) return ctx.Fail(d.status(), "reading a host group");
  return ctx.Json(GroupDetailJson(*d), 201);
}

}  // namespace

Response ApiAdminHostGroupRuleAdd(Context& ctx) { return ApiRule(ctx, true); }

Response ApiAdminHostGroupRuleRemove(Context& ctx) {
  return ApiRule(ctx, false);
}

}  // namespace latchkey::portal
