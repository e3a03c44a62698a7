#include "portal/admin/gate.h"

#include "latchkey/account/reauth.h"

namespace latchkey::portal {

std::optional<Response> AdminAccessRefusal(Context& ctx) {
  const User* user = ctx.user();
  if (user == nullptr || !user->HasRole("admin")) {
    return ctx.Error(403, "forbidden", "This page is for administrators.");
  }
  if (!user->has_totp()) {
    constexpr std::string_view kEnrol =
        "Administrators must use two-step sign-in. Set it up on the "
        "Security page (/security) first, then come back.";
    if (ctx.is_api()) return ctx.ApiError(403, "totp_required", kEnrol);
    tmpl::Dict view = ctx.View("Set up two-step sign-in first");
    view["message"] = kEnrol;
    return ctx.Page("admin_enrol", view, 403);
  }
  return std::nullopt;
}

std::optional<Response> AdminWriteRefusal(Context& ctx) {
  if ((ctx.route().flags & kAdminReauth) != 0) return std::nullopt;
  if (AdminWindowOpenNow(ctx)) return std::nullopt;
  if (ctx.is_api()) {
    return ctx.ApiError(403, "reauth_required",
                        "Confirm it is you first: POST /api/v1/admin/reauth "
                        "with your password and a code from your "
                        "authenticator. It holds for 10 minutes.");
  }
  return RenderAdminReauth(
      ctx, AdminReturnPath(ctx.req().Field(kReturnToField)), FieldErrors(),
      "Confirm it is you before you change anything. Then repeat the "
      "action.",
      403);
}

bool AdminWindowOpenNow(Context& ctx) {
  const Session* session = ctx.session();
  return session != nullptr &&
         AdminReauthWindowOpen(*session, ctx.services().clock().NowUnix());
}

AdminActor ActorOf(Context& ctx) {
  AdminActor actor;
  actor.ctx = ctx.auth_context();
  if (const User* user = ctx.user()) {
    actor.name = user->username;
    actor.account_id = user->id;
  }
  return actor;
}

std::string WithNotice(std::string_view path, std::string_view notice) {
  std::string out(path);
  out += out.find('?') == std::string::npos ? '?' : '&';
  out += "notice=";
  out += notice;
  return out;
}

std::string AdminReturnPath(std::string_view path) {
  const bool admin = path == "/admin" || path.rfind("/admin/", 0) == 0 ||
                     path.rfind("/admin?", 0) == 0;
  if (!admin || path.find("//") != std::string_view::npos ||
      path.find('\\') != std::string_view::npos) {
    return "/admin";
  }
  for (char c : path) {
    // Printable ASCII only: nothing that could split a header.
    if (c < 0x21 || c > 0x7e) return "/admin";
  }
  return std::string(path);
}

}  // namespace latchkey::portal
