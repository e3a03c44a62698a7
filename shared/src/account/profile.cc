#include "latchkey/account/profile.h"

#include "account/lifecycle_internal.h"
#include "latchkey/base/field_errors.h"

namespace latchkey {
namespace {

std::string NoSuchUser(int64_t id) {
  return "no user with id " + std::to_string(id);
}

}  // namespace

Profile::Profile(Services& services) : s_(services) {}

Result<FieldErrors> Profile::UpdateFullName(int64_t user_id,
                                            std::string_view full_name,
                                            const AuthContext& ctx) {
  FieldErrors errors;
  if (full_name.empty()) {
    errors.Add("full_name", "Enter your name.");
  } else if (Status st = ValidateFullName(full_name); !st.ok()) {
    errors.Add("full_name", Sentence(st.message()));
  }
  if (!errors.empty()) return errors;
  LK_ASSIGN_OR_RETURN(std::optional<User> user, s_.users().FindById(user_id));
  if (!user) return NotFound(NoSuchUser(user_id));
  if (user->full_name == full_name) return errors;
  LK_RETURN_IF_ERROR(s_.users().SetFullName(user_id, full_name));
  LK_RETURN_IF_ERROR(s_.audit().Record(AuditEvent::kUserUpdated, user_id,
                                       user->username, ctx, AuditOutcome::kOk,
                                       "full name changed"));
  return errors;
}

Result<ImageCheck> Profile::SetAvatar(int64_t user_id, std::string_view bytes,
                                      std::string_view declared_type,
                                      const AuthContext& ctx) {
  ImageLimits limits;
  limits.max_bytes = s_.config().portal.avatar_max_bytes;
  ImageCheck check = CheckImage(bytes, declared_type, limits);
  if (!check.ok()) return check;
  LK_ASSIGN_OR_RETURN(std::optional<User> user, s_.users().FindById(user_id));
  if (!user) return NotFound(NoSuchUser(user_id));
  LK_RETURN_IF_ERROR(
      s_.users().SetAvatar(user_id, bytes, ImageContentType(check.info->type)));
  LK_RETURN_IF_ERROR(s_.audit().Record(AuditEvent::kUserUpdated, user_id,
                                       user->username, ctx, AuditOutcome::kOk,
                                       "avatar changed"));
  return check;
}

Status Profile::RemoveAvatar(int64_t user_id, const AuthContext& ctx) {
  LK_ASSIGN_OR_RETURN(std::optional<User> user, s_.users().FindById(user_id));
  if (!user) return NotFound(NoSuchUser(user_id));
  if (!user->has_avatar) return Status::Ok();
  LK_RETURN_IF_ERROR(s_.users().SetAvatar(user_id, "", ""));
  return s_.audit().Record(AuditEvent::kUserUpdated, user_id, user->username,
                           ctx, AuditOutcome::kOk, "avatar removed");
}

Result<Avatar> Profile::GetAvatar(int64_t user_id) {
  LK_ASSIGN_OR_RETURN(auto stored, s_.users().GetAvatar(user_id));
  // The type comes from the bytes (checked on the way in), never from a
  // stored label; anything unrecognisable is not served.
  const std::optional<ImageType> type = SniffImageType(stored.first);
  if (type) {
    return Avatar{std::move(stored.first),
                  std::string(ImageContentType(*type))};
  }
  return NotFound("the user has no avatar");
}

}  // namespace latchkey
