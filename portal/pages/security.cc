// GET /security: two-step sign-in (on or off, set up, turn off), recovery
// codes (how many are left, make new ones) and the active sessions with a
// revoke button each and one that ends all the others (kNeedsSession).
// Times read "5 minutes ago", the UTC time in their title. The forms post
// to totp.cc, recovery_codes.cc and sessions.cc.
#include "latchkey/mail/mail_texts.h"
#include "portal/device_label.h"
#include "portal/pages/security_page.h"
#include "portal/reauth_gate.h"

namespace latchkey::portal {

Response RenderSecurity(Context& ctx, const SecurityForm& form, int status) {
  const User& user = *ctx.user();
  const Session& current = *ctx.session();
  tmpl::Dict view = ctx.View("Security");
  view["totp"] = user.has_totp();
  if (user.has_totp()) {
    Result<int64_t> left =
        ctx.services().totp_step().RemainingRecoveryCodes(user.id);
    if (!left.ok()) return ctx.Fail(left.status(), "counting recovery codes");
    view["codes_left"] = *left;
    view["codes_low"] = *left < 3;
  }
  view["need_password"] = !ReauthWindowOpenNow(ctx);

  Result<std::vector<SessionInfo>> sessions =
      ctx.sessions().ListForUser(user.id, current.handle);
  if (!sessions.ok()) return ctx.Fail(sessions.status(), "listing sessions");
  const int64_t now = ctx.services().clock().NowUnix();
  tmpl::List rows;
  for (const SessionInfo& s : *sessions) rows.emplace_back(SessionView(s, now));
  view["others"] = rows.size() > 1;
  view["sessions"] = std::move(rows);
  if (!form.error.empty()) view["error"] = form.error;
  view["errors"] = form.errors.View();
  return ctx.Page("security", view, status);
}

Response SecurityPage(Context& ctx) {
  return RenderSecurity(ctx, SecurityForm(), 200);
}

}  // namespace latchkey::portal
