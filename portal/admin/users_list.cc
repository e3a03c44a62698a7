// The admin users list (core: store/user_search.h):
//   GET /admin/users          search form (GET, no script needed), filters,
//                             the table, the capped count, "Next page"
//   GET /api/v1/admin/users   {"users", "next_cursor", "count",
//                             "count_capped"}; 422 with fields for bad
//                             parameters
// Both take the same query parameters: q, active, inactive,
// password_locked, admin_locked, unverified, totp (on|off), role, sort
// (created|last-login), after (the cursor), limit.
#include <string>
#include <utility>
#include <vector>

#include "latchkey/base/field_errors.h"
#include "latchkey/store/user_search.h"
#include "portal/admin/view.h"
#include "portal/api/body_fields.h"
#include "portal/api/json_user.h"
#include "portal/relative_time.h"

namespace latchkey::portal {
namespace {

// The parameters a page link carries on (all but the cursor).
constexpr std::string_view kListParams[] = {"q",
                                            "active",
                                            "inactive",
                                            "password_locked",
                                            "admin_locked",
                                            "unverified",
                                            "totp",
                                            "role",
                                            "sort",
                                            "limit"};

struct ListAnswer {
  Result<UserPage> page = UserPage{};
  FieldErrors errors;
};

ListAnswer RunQuery(Context& ctx) {
  latchkey::FieldErrors core;
  ListAnswer answer;
  Result<UserQuery> query = ParseUserQuery(
      [&](std::string_view name) { return ctx.req().Query(name); }, core);
  if (query.ok()) {
    Services& services = ctx.services();
    UserSearch search(services.db(), services.clock());
    answer.page = search.Find(*query, core);
  } else {
    answer.page = query.status();
  }
  for (const auto& [field, message] : core.fields) {
    answer.errors.Add(field, Sentence(message));
  }
  return answer;
}

// "1 user", "12 users", "10,000+ users".
std::string CountText(const UserPage& page) {
  std::string digits = std::to_string(page.count);
  std::string n;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) n += ',';
    n += digits[i];
  }
  if (page.count_capped) n += '+';
  return n + (page.count == 1 && !page.count_capped ? " user" : " users");
}

// This search's first page ("" for the cursor) or the page after `cursor`.
std::string PageLink(Context& ctx, const std::string& cursor) {
  std::string link = "/admin/users";
  char sep = '?';
  for (std::string_view name : kListParams) {
    std::optional<std::string_view> v = ctx.req().Query(name);
    if (!v || v->empty()) continue;
    link += sep + std::string(name) + "=" + QueryEscape(*v);
    sep = '&';
  }
  if (!cursor.empty())
    link += sep + std::string("after=") + QueryEscape(cursor);
  return link;
}

// <option>s: {value, label, selected}.
tmpl::List Options(
    const std::vector<std::pair<std::string, std::string>>& items,
    std::string_view chosen) {
  tmpl::List list;
  for (const auto& [value, label] : items) {
    tmpl::Dict o;
    o["value"] = value;
    o["label"] = label;
    o["selected"] = value == chosen;
    list.emplace_back(std::move(o));
  }
  return list;
}

tmpl::Dict Row(Context& ctx, const User& u, int64_t now) {
  const LockoutStore& locks = ctx.services().lockout_store();
  tmpl::Dict row;
  row["id"] = u.id;
  row["username"] = u.username;
  row["full_name"] = u.full_name;
  row["email"] = u.email;
  row["inactive"] = !u.is_active;
  row["locked"] = locks.AccountLocked(u).has_value();
  row["admin_locked"] = locks.AdminLocked(u).has_value();
  row["unverified"] = !u.email_verified();
  row["totp"] = u.has_totp();
  std::string roles;
  for (const std::string& r : u.roles) roles += (roles.empty() ? "" : ", ") + r;
  row["roles"] = roles;
  row["created"] = TimeView(u.created_at, now);
  if (u.last_login_at) row["last_login"] = TimeView(*u.last_login_at, now);
  return row;
}

}  // namespace

Response AdminUsersPage(Context& ctx) {
  ListAnswer answer = RunQuery(ctx);
  if (!answer.page.ok() && answer.errors.empty()) {
    return ctx.Fail(answer.page.status(), "listing users");
  }
  tmpl::Dict view = AdminView(ctx, "Users", "users");
  auto param = [&](std::string_view name) {
    return std::string(ctx.req().Query(name).value_or(""));
  };
  tmpl::Dict form;
  form["q"] = param("q");
  for (std::string_view flag : {"active", "inactive", "password_locked",
                                "admin_locked", "unverified"}) {
    const std::string v = param(flag);
    form[std::string(flag)] = !v.empty() && v != "0";
  }
  form["totp"] =
      Options({{"", "Any"}, {"on", "On"}, {"off", "Off"}}, param("totp"));
  form["sort"] = Options(
      {{"created", "Newest accounts"}, {"last-login", "Latest sign-in"}},
      param("sort").empty() ? "created" : param("sort"));
  Result<std::vector<Role>> roles = ctx.services().users().ListRoles();
  if (!roles.ok()) return ctx.Fail(roles.status(), "listing roles");
  std::vector<std::pair<std::string, std::string>> role_items = {{"", "Any"}};
  for (const Role& r : *roles) role_items.emplace_back(r.name, r.name);
  form["roles"] = Options(role_items, param("role"));
  view["form"] = std::move(form);
  view["errors"] = answer.errors.View();
  if (!answer.page.ok()) {
    view["error"] = "Check the search fields marked below.";
    return ctx.Page("admin_users", view, 422);
  }
  const UserPage& page = *answer.page;
  const int64_t now = ctx.services().clock().NowUnix();
  tmpl::List rows;
  for (const User& u : page.users) rows.emplace_back(Row(ctx, u, now));
  view["users"] = std::move(rows);
  view["count_text"] = CountText(page);
  if (!page.next_cursor.empty()) {
    view["next_link"] = PageLink(ctx, page.next_cursor);
  }
  if (ctx.req().Query("after")) view["first_link"] = PageLink(ctx, "");
  return ctx.Page("admin_users", view);
}

Response ApiAdminUsers(Context& ctx) {
  ListAnswer answer = RunQuery(ctx);
  if (!answer.page.ok()) {
    if (!answer.errors.empty()) return InvalidFields(ctx, answer.errors);
    return ctx.Fail(answer.page.status(), "listing users");
  }
  const UserPage& page = *answer.page;
  const LockoutStore& locks = ctx.services().lockout_store();
  nlohmann::json users = nlohmann::json::array();
  for (const User& u : page.users) {
    // UserJson has no hash, TOTP key or avatar; nor does this.
    nlohmann::json j = UserJson(u);
    j["is_active"] = u.is_active;
    j["password_locked_until"] = nullptr;
    if (auto t = locks.AccountLocked(u)) j["password_locked_until"] = *t;
    j["admin_locked_until"] = nullptr;
    if (auto t = locks.AdminLocked(u)) j["admin_locked_until"] = *t;
    j["created_at"] = u.created_at;
    j["last_login_at"] = nullptr;
    if (u.last_login_at) j["last_login_at"] = *u.last_login_at;
    users.push_back(std::move(j));
  }
  return ctx.Json({{"users", users},
                   {"next_cursor", page.next_cursor.empty()
                                       ? nlohmann::json(nullptr)
                                       : nlohmann::json(page.next_cursor)},
                   {"count", page.count},
                   {"count_capped", page.count_capped}});
}

}  // namespace latchkey::portal
