// RoleAdmin: what an administrator does to roles (latchkeyctl role ...,
// /admin/roles and /api/v1/admin/roles): list, create, delete. Each change
// writes one audit row naming the acting admin, as UserAdmin does for
// accounts.
#ifndef LATCHKEY_ACCOUNT_ROLE_ADMIN_H_
#define LATCHKEY_ACCOUNT_ROLE_ADMIN_H_

#include <cstdint>
#include <string_view>
#include <vector>

#include "latchkey/account/user_admin.h"
#include "latchkey/base/result.h"
#include "latchkey/store/role_store.h"

namespace latchkey {

class Services;

// Not thread-safe (uses `services`, which is bound to one Connection).
// Errors common to every call: db errors (Unavailable, Internal, ...).
class RoleAdmin {
 public:
  explicit RoleAdmin(Services& services);

  // Every role by name, with its member count.
  Result<std::vector<RoleSummary>> List();
  // Creates the role and audits role_created ("role ops by alice").
  // Errors: InvalidArgument "name: ..." (ValidateRoleName) or
  // "description: ..." (ValidateRoleDescription); AlreadyExists "a role
  // named 'ops' exists already".
  Status Create(std::string_view name, std::string_view description,
                const AdminActor& actor);
  // Deletes the role, which every member loses, and audits role_deleted
  // ("role ops, held by 3, by alice"). Returns how many accounts held it.
  // Errors: FailedPrecondition for admin and user (a sentence saying
  // why); NotFound "no role named 'ops'".
  Result<int64_t> Delete(std::string_view name, const AdminActor& actor);

 private:
  Status Audit(AuditEvent event, std::string_view what,
               const AdminActor& actor);

  Services& services_;
};

}  // namespace latchkey

#endif  // LATCHKEY_ACCOUNT_ROLE_ADMIN_H_
