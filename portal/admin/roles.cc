// Roles in the admin area (account/role_admin.h):
//   GET  /admin/roles                 the list with member counts, and a
//                                     form to create one
//   POST /admin/roles                 create (name, description)
//   POST /admin/roles/{name}/delete   without confirm=yes: a page saying
//                                     how many members lose the role; with
//                                     it: delete
//   GET    /api/v1/admin/roles        {"roles": [...]}
//   POST   /api/v1/admin/roles        {"name", "description"}: 201; 422;
//                                     409 already_exists
//   DELETE /api/v1/admin/roles/{name} 204; 404; 409 builtin_role
#include "latchkey/account/role_admin.h"
#include "latchkey/base/field_errors.h"
#include "latchkey/base/strings.h"
#include "portal/admin/gate.h"
#include "portal/admin/view.h"
#include "portal/api/body_fields.h"

namespace latchkey::portal {
namespace {

nlohmann::json RoleJson(const RoleSummary& r) {
  return {{"name", r.name},
          {"description", r.description},
          {"members", r.members},
          {"builtin", IsBuiltinRole(r.name)}};
}

// The form's own checks, field by field, with the core's rules; then the
// create (its AlreadyExists is the caller's to show). OK with `errors`
// non-empty: nothing was created.
Status CreateRole(Context& ctx, std::string_view name,
                  std::string_view description, FieldErrors& errors) {
  if (name.empty()) {
    errors.Add("name", "Enter a name for the role.");
  } else if (Status s = ValidateRoleName(name); !s.ok()) {
    errors.Add("name", Sentence(s.message()));
  }
  if (Status s = ValidateRoleDescription(description); !s.ok()) {
    errors.Add("description", Sentence(s.message()));
  }
  if (!errors.empty()) return Status::Ok();
  return RoleAdmin(ctx.services()).Create(name, description, ActorOf(ctx));
}

Response RenderRoles(Context& ctx, const FieldErrors& errors,
                     std::string_view name, std::string_view description,
                     std::string_view error, int status) {
  Result<std::vector<RoleSummary>> roles = RoleAdmin(ctx.services()).List();
  if (!roles.ok()) return ctx.Fail(roles.status(), "listing roles");
  tmpl::Dict view = AdminView(ctx, "Roles", "roles");
  tmpl::List rows;
  for (const RoleSummary& r : *roles) {
    tmpl::Dict row;
    row["name"] = r.name;
    row["description"] = r.description;
    row["members"] = r.members;
    row["builtin"] = IsBuiltinRole(r.name);
    rows.emplace_back(std::move(row));
  }
  view["roles"] = std::move(rows);
  view["name"] = name;
  view["description"] = description;
  view["errors"] = errors.View();
  if (!error.empty()) view["error"] = error;
  return ctx.Page("admin_roles", view, status);
}

}  // namespace

Response AdminRolesPage(Context& ctx) {
  return RenderRoles(ctx, FieldErrors(), {}, {}, {}, 200);
}

Response AdminRolesCreate(Context& ctx) {
  const std::string name(Trim(ctx.req().Field("name")));
  const std::string description(Trim(ctx.req().Field("description")));
  FieldErrors errors;
  Status s = CreateRole(ctx, name, description, errors);
  if (s.code() == StatusCode::kAlreadyExists) {
    errors.Add("name", Sentence(s.message()));
    return RenderRoles(ctx, errors, name, description, {}, 409);
  }
  if (!s.ok()) return ctx.Fail(s, "creating a role");
  if (!errors.empty()) {
    return RenderRoles(ctx, errors, name, description, {}, 422);
  }
  return ctx.Redirect("/admin/roles?notice=role_created");
}

Response AdminRoleDelete(Context& ctx) {
  const std::string name(ctx.req().Param("name"));
  RoleAdmin roles(ctx.services());
  if (ctx.req().Field("confirm") != "yes") {
    Result<std::vector<RoleSummary>> all = roles.List();
    if (!all.ok()) return ctx.Fail(all.status(), "listing roles");
    for (const RoleSummary& r : *all) {
      if (r.name != name) continue;
      if (IsBuiltinRole(name)) break;
      tmpl::Dict view = AdminView(ctx, "Delete a role", "roles");
      view["name"] = r.name;
      view["description"] = r.description;
      view["members"] = r.members;
      view["has_members"] = r.members > 0;
      view["one_member"] = r.members == 1;
      return ctx.Page("admin_role_delete", view);
    }
  }
  Result<int64_t> deleted = roles.Delete(name, ActorOf(ctx));
  if (deleted.status().code() == StatusCode::kNotFound) {
    return ctx.Error(404, "not_found", "There is no role of that name.");
  }
  if (deleted.status().code() == StatusCode::kFailedPrecondition) {
    return RenderRoles(ctx, FieldErrors(), {}, {},
                       Sentence(deleted.status().message()), 409);
  }
  if (!deleted.ok()) return ctx.Fail(deleted.status(), "deleting a role");
  return ctx.Redirect("/admin/roles?notice=role_deleted");
}

Response ApiAdminRoles(Context& ctx) {
  Result<std::vector<RoleSummary>> roles = RoleAdmin(ctx.services()).List();
  if (!roles.ok()) return ctx.Fail(roles.status(), "listing roles");
  nlohmann::json list = nlohmann::json::array();
  for (const RoleSummary& r : *roles) list.push_back(RoleJson(r));
  return ctx.Json({{"roles", std::move(list)}});
}

Response ApiAdminRoleCreate(Context& ctx) {
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  const std::string name = StringMember(body, "name", errors);
  const std::string description = StringMember(body, "description", errors);
  if (!errors.empty()) return InvalidFields(ctx, errors);
  Status s = CreateRole(ctx, name, description, errors);
  if (s.code() == StatusCode::kAlreadyExists) {
    return ctx.ApiError(409, "already_exists", Sentence(s.message()));
  }
  if (!s.ok()) return ctx.Fail(s, "creating a role");
  if (!errors.empty()) return InvalidFields(ctx, errors);
  return ctx.Json(RoleJson({name, description, 0}), 201);
}

Response ApiAdminRoleDelete(Context& ctx) {
  Result<int64_t> deleted =
      RoleAdmin(ctx.services()).Delete(ctx.req().Param("name"), ActorOf(ctx));
  if (deleted.status().code() == StatusCode::kNotFound) {
    return ctx.ApiError(404, "not_found", "There is no role of that name.");
  }
  if (deleted.status().code() == StatusCode::kFailedPrecondition) {
    return ctx.ApiError(409, "builtin_role",
                        Sentence(deleted.status().message()));
  }
  if (!deleted.ok()) return ctx.Fail(deleted.status(), "deleting a role");
  return Response::NoContent();
}

}  // namespace latchkey::portal
