// The profile API (kNeedsSession):
//   GET    /api/v1/profile         200 the user + has_avatar, avatar_url
//   PATCH  /api/v1/profile         {"full_name"} -> 200 the same; 422
//   GET    /api/v1/profile/avatar  the image with its true type; 404
//                                  (pages/avatar.cc AvatarImage serves it)
//   PUT    /api/v1/profile/avatar  the image as the body (Content-Type
//                                  image/png or image/jpeg) -> 204;
//                                  413 too large, 415 not PNG/JPEG or
//                                  mislabelled, 422 broken or too many
//                                  pixels
//   DELETE /api/v1/profile/avatar  204
//   POST   /api/v1/profile/email   {"email"} -> 202 {"pending_email"}
//                                  (re-auth window needed: 403
//                                  reauth_required); 422; 429
//   POST   /api/v1/profile/email/confirm  {"token"} from the mailed link
//                                  (no session needed) -> 200; 404/409
//                                  as for other links; 409 email_taken
#include "latchkey/account/profile.h"

#include "latchkey/account/email_change.h"
#include "portal/api/body_fields.h"
#include "portal/api/json_user.h"
#include "portal/api/link_errors.h"
#include "portal/core_fields.h"
#include "portal/reauth_gate.h"

namespace latchkey::portal {
namespace {

nlohmann::json ProfileJson(const User& user) {
  nlohmann::json j = UserJson(user);
  j["has_avatar"] = user.has_avatar;
  j["avatar_url"] = user.has_avatar ? nlohmann::json("/api/v1/profile/avatar")
                                    : nlohmann::json(nullptr);
  return j;
}

int ImageProblemStatus(ImageProblem problem) {
  switch (problem) {
    case ImageProblem::kTooLarge:
      return 413;
    case ImageProblem::kUnknownFormat:
    case ImageProblem::kMislabelled:
      return 415;
    default:
      return 422;
  }
}

}  // namespace

Response ApiProfileGet(Context& ctx) {
  return ctx.Json(ProfileJson(*ctx.user()));
}

Response ApiProfilePatch(Context& ctx) {
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  for (const auto& [key, value] : body.items()) {
    if (key != "full_name") errors.Add(key, "cannot be changed here");
  }
  if (!body.contains("full_name")) {
    errors.Add("full_name", "required");
  }
  const std::string full_name = StringMember(body, "full_name", errors);
  if (!errors.empty()) return InvalidFields(ctx, errors);
  Profile profile(ctx.services());
  Result<latchkey::FieldErrors> saved =
      profile.UpdateFullName(ctx.user()->id, full_name, ctx.auth_context());
  if (!saved.ok()) return ctx.Fail(saved.status(), "saving the full name");
  if (!saved->empty()) {
    AddCoreErrors(*saved, errors);
    return InvalidFields(ctx, errors);
  }
  Result<std::optional<User>> user =
      ctx.services().users().FindById(ctx.user()->id);
  if (!user.ok() || !*user) {
    return ctx.Fail(user.ok() ? NotFound("the user is gone") : user.status(),
                    "reading the user back");
  }
  return ctx.Json(ProfileJson(**user));
}

Response ApiAvatarPut(Context& ctx) {
  // The raw body, or the "avatar" part of a multipart form.
  std::string_view bytes = ctx.req().body;
  std::string_view declared = ctx.req().content_type;
  if (const FormField* file = ctx.req().form.Find("avatar")) {
    bytes = file->value;
    declared = file->content_type;
  }
  Profile profile(ctx.services());
  Result<ImageCheck> check =
      profile.SetAvatar(ctx.user()->id, bytes, declared, ctx.auth_context());
  if (!check.ok()) return ctx.Fail(check.status(), "saving the avatar");
  if (!check->ok()) {
    FieldErrors errors;
    errors.Add("avatar", check->message);
    return ctx.ApiError(ImageProblemStatus(check->problem),
                        ImageProblemName(check->problem), check->message,
                        errors.Json());
  }
  return Response::NoContent();
}

Response ApiAvatarDelete(Context& ctx) {
  Profile profile(ctx.services());
  const Status removed =
      profile.RemoveAvatar(ctx.user()->id, ctx.auth_context());
  if (!removed.ok()) return ctx.Fail(removed, "removing the avatar");
  return Response::NoContent();
}

Response ApiEmailChange(Context& ctx) {
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  const std::string email = RequiredString(body, "email", errors);
  if (!errors.empty()) return InvalidFields(ctx, errors);
  if (!ReauthWindowOpenNow(ctx)) {
    return ctx.ApiError(403, "reauth_required",
                        "Confirm your password first (POST /api/v1/reauth).");
  }
  EmailChange change(ctx.services());
  Result<latchkey::FieldErrors> asked =
      change.Request(ctx.user()->id, email, ctx.auth_context());
  if (asked.status().code() == StatusCode::kResourceExhausted) {
    Response r = ctx.ApiError(429, "throttled",
                              "Too many email changes. Try again later.");
    r.Header("Retry-After", std::to_string(kEmailChangePerUser.window.count()));
    return r;
  }
  if (!asked.ok())
    return ctx.Fail(asked.status(), "requesting an email change");
  if (!asked->empty()) {
    AddCoreErrors(*asked, errors);
    return InvalidFields(ctx, errors);
  }
  ctx.app().NudgeMail();
  return ctx.Json({{"status", "confirmation_sent"}, {"pending_email", email}},
                  202);
}

Response ApiEmailConfirm(Context& ctx) {
  nlohmann::json body = ctx.req().Json();
  if (!body.is_object()) return BadJson(ctx);
  FieldErrors errors;
  const std::string token = RequiredString(body, "token", errors);
  if (!errors.empty()) return InvalidFields(ctx, errors);
  EmailChange change(ctx.services());
  Result<LinkState> state = change.Confirm(token, ctx.auth_context());
  if (state.status().code() == StatusCode::kAlreadyExists) {
    return ctx.ApiError(409, "email_taken",
                        "That address now belongs to another account.");
  }
  if (!state.ok()) {
    return ctx.Fail(state.status(), "confirming an email change");
  }
  if (*state != LinkState::kOk) return LinkError(ctx, *state);
  return ctx.Json({{"status", "email_changed"}});
}

}  // namespace latchkey::portal
