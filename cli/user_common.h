// Helpers shared by the `user` subcommands.
#ifndef LATCHKEY_CLI_USER_COMMON_H_
#define LATCHKEY_CLI_USER_COMMON_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "command.h"
#include "latchkey/account/user_admin.h"
#include "latchkey/base/result.h"
#include "latchkey/services/services.h"
#include "latchkey/store/user_store.h"

namespace latchkey::cli {

// The opened core and the user a command acts on.
struct UserTarget {
  Services* services = nullptr;
  User user;
};

// Opens the core and finds `username`. Errors: the config's, the
// database's, NotFound "no user named 'bob'".
Result<UserTarget> FindTarget(Context& ctx, std::string_view username);

// "no", "yes, until 2024-05-01T12:00:00Z" or "yes, until unlocked".
std::string LockText(const User& user, const LockoutStore& lockouts);
// The lock's end as JSON: an ISO time, "unlocked" for an admin lock
// without end, or null when not locked.
nlohmann::json LockJson(const User& user, const LockoutStore& lockouts);

// A user as JSON, never with the password hash or the TOTP key.
nlohmann::json UserJson(const User& user, const LockoutStore& lockouts);

}  // namespace latchkey::cli

#endif  // LATCHKEY_CLI_USER_COMMON_H_
