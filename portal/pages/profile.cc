// GET/POST /profile: who you are; the full name form, the avatar form
// (posted to /avatar) and links to the email, password and security pages
// (kNeedsSession).
#include "latchkey/account/profile.h"

#include "portal/core_fields.h"
#include "portal/pages/profile_page.h"

namespace latchkey::portal {

Response RenderProfile(Context& ctx, const ProfileForm& form, int status) {
  const User& user = *ctx.user();
  tmpl::Dict view = ctx.View("Your profile");
  tmpl::Dict profile;
  profile["full_name"] = user.full_name;
  profile["username"] = user.username;
  profile["email"] = user.email;
  profile["email_verified"] = user.email_verified();
  profile["totp"] = user.has_totp();
  profile["has_avatar"] = user.has_avatar;
  // A new URL after each change, so no cache shows the old picture.
  profile["avatar_version"] = user.updated_at;
  view["profile"] = std::move(profile);
  view["full_name"] = form.full_name.value_or(user.full_name);
  view["avatar_max_kib"] = static_cast<int64_t>(
      (ctx.config().portal.avatar_max_bytes + 1023) / 1024);
  view["errors"] = form.errors.View();
  return ctx.Page("profile", view, status);
}

Response ProfilePage(Context& ctx) {
  return RenderProfile(ctx, ProfileForm(), 200);
}

Response ProfileSubmit(Context& ctx) {
  const std::string full_name(ctx.req().Field("full_name"));
  Profile profile(ctx.services());
  Result<latchkey::FieldErrors> saved =
      profile.UpdateFullName(ctx.user()->id, full_name, ctx.auth_context());
  if (!saved.ok()) return ctx.Fail(saved.status(), "saving the full name");
  if (saved->empty()) return ctx.Redirect("/profile?notice=profile_saved");
  ProfileForm form;
  form.full_name = full_name;
  AddCoreErrors(*saved, form.errors);
  return RenderProfile(ctx, form, 422);
}

}  // namespace latchkey::portal
