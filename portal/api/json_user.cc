#include "portal/api/json_user.h"

namespace latchkey::portal {

nlohmann::json UserJson(const User& user) {
  return {{"id", user.id},
          {"username", user.username},
          {"email", user.email},
          {"full_name", user.full_name},
          {"roles", user.roles},
          {"totp_enabled", user.has_totp()},
          {"email_verified", user.email_verified()}};
}

}  // namespace latchkey::portal
