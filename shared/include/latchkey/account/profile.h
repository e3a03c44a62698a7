// Profile: what a signed-in user edits about themselves - the full name and
// the avatar. (Email: email_change.h; password: AccountService; TOTP:
// totp_enrolment.h.)
#ifndef LATCHKEY_ACCOUNT_PROFILE_H_
#define LATCHKEY_ACCOUNT_PROFILE_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "latchkey/account/image_check.h"
#include "latchkey/base/field_errors.h"
#include "latchkey/base/result.h"
#include "latchkey/services/services.h"
#include "latchkey/store/audit.h"

namespace latchkey {

struct Avatar {
  std::string bytes;
  std::string content_type;  // "image/png" or "image/jpeg", from the bytes
};

// Not thread-safe (uses one Services).
class Profile {
 public:
  explicit Profile(Services& services);

  // Field "full_name": "Enter your name." or ValidateFullName's reason.
  // Audited as user_updated ("full name changed"). Errors: NotFound "no
  // user with id N"; db errors.
  Result<FieldErrors> UpdateFullName(int64_t user_id,
                                     std::string_view full_name,
                                     const AuthContext& ctx);

  // Checks the upload with CheckImage (limits: [portal] avatar_max_bytes,
  // 4096x4096) against the declared Content-Type, and stores it when ok.
  // Returns the check: !ok() means nothing was stored, and `message` is
  // the text for the "avatar" field (`problem` picks the HTTP status, see
  // image_check.h). Audited as user_updated ("avatar changed").
  // Errors: NotFound "no user with id N"; db errors.
  Result<ImageCheck> SetAvatar(int64_t user_id, std::string_view bytes,
                               std::string_view declared_type,
                               const AuthContext& ctx);
  // Removes the avatar (no error if there is none). Errors: NotFound.
  Status RemoveAvatar(int64_t user_id, const AuthContext& ctx);
  // The stored avatar with its true content type (from the bytes, not from
  // what was declared). Errors: NotFound when the user has none (or does
  // not exist, or the stored bytes are not an image any more).
  Result<Avatar> GetAvatar(int64_t user_id);

 private:
  Services& s_;
};

}  // namespace latchkey

#endif  // LATCHKEY_ACCOUNT_PROFILE_H_
