// Hosts in the admin area (account/host_admin.h; issue 12, part "groups"):
//   GET  /admin/hosts                      every host: kind, group, last
//                                          seen, agent version, may reset,
//                                          revoked; a form per action
//   POST /admin/hosts/{host}/group         group ("" = no group)
//   POST /admin/hosts/{host}/may-reset     may_reset_passwords on|off
//   POST /admin/hosts/{host}/revoke        confirm (the host's name)
//   GET   /api/v1/admin/hosts              {"hosts": [...]}
//   GET   /api/v1/admin/hosts/{host}       the host
//   PATCH /api/v1/admin/hosts/{host}       {"group": "web"|null,
//                                          "may_reset_passwords": bool}
//   POST  /api/v1/admin/hosts/{host}/revoke {"confirm": "<name>"}
// 404 unknown host, 409 guard_rail (revoked, direct-mode host, a rail),
// 422 invalid (fields). Adding hosts (and their tokens) is latchkeyctl's.
#include <string>

#include "latchkey/account/host_admin.h"
#include "latchkey/base/field_errors.h"
#include "latchkey/base/strings.h"
#include "portal/admin/gate.h"
#include "portal/admin/host_views.h"
#include "portal/admin/view.h"
#include "portal/api/body_fields.h"
#include "portal/relative_time.h"

namespace latchkey::portal {

nlohmann::json AdminHostJson(const HostSummary& h) {
  const auto time = [](const std::optional<int64_t>& t) {
    return t ? nlohmann::json(*t) : nlohmann::json(nullptr);
  };
  return {{"name", h.name},
          {"kind", h.kind},
          {"group",
           h.group.empty() ? nlohmann::json(nullptr) : nlohmann::json(h.group)},
          {"may_reset_passwords", h.may_reset_passwords},
          {"created_at", h.created_at},
          {"last_seen_at", time(h.last_seen_at)},
          {"agent_version", h.agent_version.empty()
                                ? nlohmann::json(nullptr)
                                : nlohmann::json(h.agent_version)},
          {"revoked_at", time(h.revoked_at)}};
}

nlohmann::json AdminHostGroupJson(const HostGroupSummary& g) {
  return {{"name", g.name},
          {"description", g.description},
          {"created_at", g.created_at},
          {"host_count", g.hosts},
          {"rule_count", g.rules}};
}

nlohmann::json AdminAccessRuleJson(const HostAccessRule& r) {
  return {{"role", r.role}, {"service", r.service}};
}

tmpl::Dict AdminHostRow(const HostSummary& h, int64_t now) {
  tmpl::Dict row;
  row["name"] = h.name;
  row["kind"] = h.kind;
  row["fleet"] = h.kind == "fleet";
  row["group"] = h.group;
  row["may_reset"] = h.may_reset_passwords;
  row["agent_version"] = h.agent_version;
  if (h.last_seen_at) row["last_seen"] = TimeView(*h.last_seen_at, now);
  if (h.revoked_at) row["revoked"] = TimeView(*h.revoked_at, now);
  row["created"] = TimeView(h.created_at, now);
  return row;
}

int AdminHostActionStatus(const Status& status) {
  switch (status.code()) {
    case StatusCode::kFailedPrecondition:
    case StatusCode::kAlreadyExists:
      return 409;
    case StatusCode::kInvalidArgument:
      return 422;
    case StatusCode::kNotFound:
      return 404;
    default:
      return 0;
  }
}

std::string AdminFieldSentence(const Status& status, std::string_view field) {
  std::string_view message = status.message();
  const std::string prefix = std::string(field) + ": ";
  if (!field.empty() && message.starts_with(prefix)) {
    message.remove_prefix(prefix.size());
  }
  return Sentence(message);
}

namespace {

// What a refused form shows again, on the row of `host`.
struct HostsForm {
  std::string host;
  FieldErrors errors;  // group, may_reset_passwords, confirm
  std::string error;   // a guard rail's sentence
  std::string confirm;
};

Response RenderHosts(Context& ctx, const HostsForm& form, int status) {
  HostAdmin admin(ctx.services());
  Result<std::vector<HostSummary>> hosts = admin.ListHosts();
  if (!hosts.ok()) return ctx.Fail(hosts.status(), "listing hosts");
  Result<std::vector<HostGroupSummary>> groups = admin.ListGroups();
  if (!groups.ok()) return ctx.Fail(groups.status(), "listing host groups");
  const int64_t now = ctx.services().clock().NowUnix();
  tmpl::Dict view = AdminView(ctx, "Hosts", "hosts");
  tmpl::List rows;
  for (const HostSummary& h : *hosts) {
    tmpl::Dict row = AdminHostRow(h, now);
    tmpl::List options;
    tmpl::Dict none;
    none["value"] = "";
    none["label"] = "(no group)";
    none["selected"] = h.group.empty();
    options.emplace_back(std::move(none));
    for (const HostGroupSummary& g : *groups) {
      tmpl::Dict o;
      o["value"] = g.name;
      o["label"] = g.name;
      o["selected"] = g.name == h.group;
      options.emplace_back(std::move(o));
    }
    row["groups"] = std::move(options);
    if (h.name == form.host) {
      row["errors"] = form.errors.View();
      if (!form.error.empty()) row["error"] = form.error;
      row["confirm"] = form.confirm;
    }
    rows.emplace_back(std::move(row));
  }
  view["hosts"] = std::move(rows);
  view["has_hosts"] = !hosts->empty();
  return ctx.Page("admin_hosts", view, status);
}

// A refused action on the row of `host`: 404 page for an unknown host,
// else the list again with the field error (422) or the sentence (409).
Response Refused(Context& ctx, const std::string& host, const Status& s,
                 std::string_view field) {
  const int status = AdminHostActionStatus(s);
  if (status == 0) return ctx.Fail(s, "an admin action on a host");
  if (status == 404 && field.empty()) {
    return ctx.Error(404, "not_found", "There is no host of that name.");
  }
  HostsForm form;
  form.host = host;
  if (status == 409 || field.empty()) {
    form.error = Sentence(s.message());
  } else {
    form.errors.Add(field, AdminFieldSentence(s, field));
  }
  return RenderHosts(ctx, form, status == 404 ? 422 : status);
}

Response Back(Context& ctx, std::string_view notice) {
  const std::string_view back = ctx.req().Field(kReturnToField);
  return ctx.Redirect(WithNotice(
      back.empty() ? "/admin/hosts" : AdminReturnPath(back), notice));
}

// A host that names no row is a 404 before the form is read, so a typo in
// the path never reads as a field error.
std::optional<Response> UnknownHost(Context& ctx, const std::string& name,
                                    bool api) {
  Result<HostSummary> host = HostAdmin(ctx.services()).FindHost(name);
  if (host.ok()) return std::nullopt;
  if (host.status().code() != StatusCode::kNotFound) {
    return ctx.Fail(host.status(), "reading a host");
  }
  return api ? ctx.ApiError(404, "not_found", "There is no host of that name.")
             : ctx.Error(404, "not_found", "There is no host of that name.");
}

}  // namespace

Response AdminHostsPage(Context& ctx) {
  return RenderHosts(ctx, HostsForm(), 200);
}

Response AdminHostGroupSubmit(Context& ctx) {
  const std::string host(ctx.req().Param("host"));
  if (auto r = UnknownHost(ctx, host, false)) return std::move(*r);
  const std::string group(Trim(ctx.req().Field("group")));
  Result<bool> moved =
      HostAdmin(ctx.services())
          .SetHostGroup(
              host,
              group.empty() ? std::nullopt : std::optional<std::string>(group),
              ActorOf(ctx));
  if (!moved.ok()) {
    // An unknown group is the field's error, not a missing page.
    if (moved.status().code() == StatusCode::kNotFound) {
      HostsForm form;
      form.host = host;
      form.errors.Add("group", "There is no host group of that name.");
      return RenderHosts(ctx, form, 422);
    }
    return Refused(ctx, host, moved.status(), "group");
  }
  return Back(ctx, "admin_host_moved");
}

Response AdminHostMayResetSubmit(Context& ctx) {
  const std::string host(ctx.req().Param("host"));
  if (auto r = UnknownHost(ctx, host, false)) return std::move(*r);
  const std::string_view value = ctx.req().Field("may_reset_passwords");
  if (value != "on" && value != "off") {
    HostsForm form;
    form.host = host;
    form.errors.Add("may_reset_passwords", "Choose on or off.");
    return RenderHosts(ctx, form, 422);
  }
  Result<bool> set =
      HostAdmin(ctx.services())
          .SetMayResetPasswords(host, value == "on", ActorOf(ctx));
  if (!set.ok()) return Refused(ctx, host, set.status(), {});
  return Back(ctx, "admin_host_flag_saved");
}

Response AdminHostRevokeSubmit(Context& ctx) {
  const std::string host(ctx.req().Param("host"));
  if (auto r = UnknownHost(ctx, host, false)) return std::move(*r);
  const std::string confirm(ctx.req().Field("confirm"));
  if (confirm != host) {
    HostsForm form;
    form.host = host;
    form.confirm = confirm;
    form.errors.Add("confirm",
                    "Type the host's name, " + host + ", to confirm.");
    return RenderHosts(ctx, form, 422);
  }
  Result<HostSummary> revoked =
      HostAdmin(ctx.services()).RevokeHost(host, ActorOf(ctx));
  if (!revoked.ok()) return Refused(ctx, host, revoked.status(), {});
  return Back(ctx, "admin_host_revoked");
}

namespace {

// A refused API action: 409 guard_rail, 422 invalid (under `field`), 404.
Response ApiRefused(Context& ctx, const Status& s, std::string_view field) {
  switch (AdminHostActionStatus(s)) {
    case 409:
      return ctx.ApiError(409, "guard_rail", Sentence(s.message()));
    case 422:
    case 404: {
      if (AdminHostActionStatus(s) == 404 && field.empty()) {
        return ctx.ApiError(404, "not_found", Sentence(s.message()));
      }
      FieldErrors errors;
      errors.Add(field.empty() ? "request" : field,
                 AdminFieldSentence(s, field));
      return InvalidFields(ctx, errors);
    }
    default:
      return ctx.Fail(s, "an admin action on a host");
  }
}

Response ApiHostAnswer(Context& ctx, const std::string& name) {
  Result<HostSummary> host = HostAdmin(ctx.services()).FindHost(name);
  if (!host.ok()) return ApiRefused(ctx, host.status(), {});
  return ctx.Json(AdminHostJson(*host));
}

}  // namespace

Response ApiAdminHosts(Context& ctx) {
  Result<std::vector<HostSummary>> hosts =
      HostAdmin(ctx.services()).ListHosts();
  if (!hosts.ok()) return ctx.Fail(hosts.status(), "listing hosts");
  nlohmann::json list = nlohmann::json::array();
  for (const HostSummary& h : *hosts) list.push_back(AdminHostJson(h));
  return ctx.Json({{"hosts", std::move(list)}});
}

Response ApiAdminHostGet(Context& ctx) {
  return ApiHostAnswer(ctx, std::string(ctx.req().Param("host")));
}

Response ApiAdminHostPatch(Context& ctx) {
  const std::string host(ctx.req().Param("host"));
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  const bool has_group = body.contains("group");
  const bool has_flag = body.contains("may_reset_passwords");
  std::optional<std::string> group;
  bool flag = false;
  if (!has_group && !has_flag) {
    errors.Add("group", "give group, may_reset_passwords or both");
  }
  if (has_group) {
    const nlohmann::json& g = body["group"];
    if (g.is_string()) {
      group = g.get<std::string>();
    } else if (!g.is_null()) {
      errors.Add("group", "must be a host group's name or null");
    }
  }
  if (has_flag) {
    const nlohmann::json& f = body["may_reset_passwords"];
    if (f.is_boolean()) {
      flag = f.get<bool>();
    } else {
      errors.Add("may_reset_passwords", "must be true or false");
    }
  }
  if (!errors.empty()) return InvalidFields(ctx, errors);
  if (auto r = UnknownHost(ctx, host, true)) return std::move(*r);
  HostAdmin admin(ctx.services());
  const AdminActor actor = ActorOf(ctx);
  if (has_group) {
    Result<bool> moved = admin.SetHostGroup(host, group, actor);
    if (!moved.ok()) return ApiRefused(ctx, moved.status(), "group");
  }
  if (has_flag) {
    Result<bool> set = admin.SetMayResetPasswords(host, flag, actor);
    if (!set.ok()) return ApiRefused(ctx, set.status(), "may_reset_passwords");
  }
  return ApiHostAnswer(ctx, host);
}

Response ApiAdminHostRevoke(Context& ctx) {
  const std::string host(ctx.req().Param("host"));
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  const std::string confirm = RequiredString(body, "confirm", errors);
  if (!errors.empty()) return InvalidFields(ctx, errors);
  if (auto r = UnknownHost(ctx, host, true)) return std::move(*r);
  if (confirm != host) {
    errors.Add("confirm", "must be the host's name, " + host);
    return InvalidFields(ctx, errors);
  }
  Result<HostSummary> revoked =
      HostAdmin(ctx.services()).RevokeHost(host, ActorOf(ctx));
  if (!revoked.ok()) return ApiRefused(ctx, revoked.status(), {});
  return ctx.Json(AdminHostJson(*revoked));
}

}  // namespace latchkey::portal
