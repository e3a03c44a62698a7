// GET /avatar (and GET /api/v1/profile/avatar: the same handler, whose
// 404 comes as JSON on the API route): the signed-in user's picture, with
// its true content type.
// POST /avatar: upload (multipart field "avatar"; the route caps the file
// at [portal] avatar_max_bytes). POST /avatar/remove. All kNeedsSession.
#include <string>

#include "latchkey/account/profile.h"
#include "latchkey/base/field_errors.h"
#include "portal/pages/profile_page.h"

namespace latchkey::portal {
Response AvatarImage(Context& ctx) {
  Profile profile(ctx.services());
  Result<Avatar> avatar = profile.GetAvatar(ctx.user()->id);
  if (avatar.status().code() == StatusCode::kNotFound) {
    return ctx.Error(404, "not_found", "You have no picture.");
  }
  if (!avatar.ok()) return ctx.Fail(avatar.status(), "reading the avatar");
  Response r;
  r.content_type = std::move(avatar->content_type);
  r.body = std::move(avatar->bytes);
  // Shown inline only, never as a document of this origin.
  r.Header("Content-Disposition", "inline; filename=\"avatar\"");
  return r;
}

Response AvatarSubmit(Context& ctx) {
  const FormField* file = ctx.req().form.Find("avatar");
  ProfileForm form;
  if (file == nullptr || (file->filename.empty() && file->value.empty())) {
    form.errors.Add("avatar", "Choose a PNG or JPEG file.");
    return RenderProfile(ctx, form, 422);
  }
  Profile profile(ctx.services());
  Result<ImageCheck> check = profile.SetAvatar(
      ctx.user()->id, file->value, file->content_type, ctx.auth_context());
  if (!check.ok()) return ctx.Fail(check.status(), "saving the avatar");
  if (check->ok()) return ctx.Redirect("/profile?notice=avatar_saved");
  form.errors.Add("avatar", Sentence(check->message));
  return RenderProfile(ctx, form,
                       check->problem == ImageProblem::kTooLarge ? 413 : 422);
}

Response AvatarRemove(Context& ctx) {
  Profile profile(ctx.services());
  const Status removed =
      profile.RemoveAvatar(ctx.user()->id, ctx.auth_context());
  if (!removed.ok()) return ctx.Fail(removed, "removing the avatar");
  return ctx.Redirect("/profile?notice=avatar_removed");
}

}  // namespace latchkey::portal
