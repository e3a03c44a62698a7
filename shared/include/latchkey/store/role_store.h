// RoleStore: the roles themselves (the `roles` table): list them with how
// many accounts hold each, create and delete. Which account holds which
// role is UserStore's (AddRole, RemoveRole, SetRoles). A role that a sudo
// stack names (`require_role=ops`) is an ordinary role made here.
#ifndef LATCHKEY_STORE_ROLE_STORE_H_
#define LATCHKEY_STORE_ROLE_STORE_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/result.h"
#include "latchkey/db/db.h"

namespace latchkey {

struct RoleSummary {
  std::string name;
  std::string description;
  int64_t members = 0;  // accounts holding the role
};

// The longest role description, in characters (the column's size).
inline constexpr size_t kRoleDescriptionMax = 255;

// OK if `description` is well-formed UTF-8 of at most kRoleDescriptionMax
// characters without control characters ("" is fine). Errors:
// InvalidArgument with a sentence.
Status ValidateRoleDescription(std::string_view description);

// `admin` and `user`: the roles latchkey itself relies on (the admin area,
// the default role of new accounts); they cannot be deleted.
bool IsBuiltinRole(std::string_view name);

// Not thread-safe (one Connection).
class RoleStore {
 public:
  explicit RoleStore(db::Connection& db);

  // Every role, by name, with its member count. Errors: db errors.
  Result<std::vector<RoleSummary>> List();
  // Errors: InvalidArgument (ValidateRoleName, ValidateRoleDescription),
  // AlreadyExists "a role named 'x' exists already", db errors.
  Status Create(std::string_view name, std::string_view description);
  // Deletes the role; every account holding it loses it (the user_roles
  // rows go with it, in the same transaction). Returns how many accounts
  // held it. Errors: FailedPrecondition for `admin` and `user` (with a
  // sentence saying why), NotFound "no role named 'x'", db errors.
  Result<int64_t> Delete(std::string_view name);

 private:
  db::Connection& db_;
};

}  // namespace latchkey

#endif  // LATCHKEY_STORE_ROLE_STORE_H_
