// The JSON shape of a user in API answers.
#ifndef LATCHKEY_PORTAL_API_JSON_USER_H_
#define LATCHKEY_PORTAL_API_JSON_USER_H_

#include <nlohmann/json.hpp>

#include "latchkey/store/user_store.h"

namespace latchkey::portal {

// {"id", "username", "email", "full_name", "roles", "totp_enabled",
//  "email_verified"}
nlohmann::json UserJson(const User& user);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_API_JSON_USER_H_
