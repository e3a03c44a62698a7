// GET /profile: who you are (kNeedsSession).
#include "portal/context.h"

namespace latchkey::portal {

Response ProfilePage(Context& ctx) {
  const User& user = *ctx.user();
  tmpl::Dict view = ctx.View("Your profile");
  tmpl::Dict profile;
  profile["full_name"] = user.full_name;
  profile["username"] = user.username;
  profile["email"] = user.email;
  profile["totp"] = user.has_totp();
  view["profile"] = std::move(profile);
  return ctx.Page("profile", view);
}

}  // namespace latchkey::portal
