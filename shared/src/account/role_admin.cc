#include "latchkey/account/role_admin.h"

#include "latchkey/services/services.h"

namespace latchkey {
RoleAdmin::RoleAdmin(Services& services) : services_(services) {}

Result<std::vector<RoleSummary>> RoleAdmin::List() {
  return RoleStore(services_.db()).List();
}

Status RoleAdmin::Audit(AuditEvent event, std::string_view what,
                        const AdminActor& actor) {
  // No account is the subject: the role is named in the detail, with the
  // acting admin.
  const std::string detail = std::string(what) + " by " + actor.name;
  return services_.audit().Record(event, std::nullopt, {}, actor.ctx,
                                  AuditOutcome::kOk, detail);
}

Status RoleAdmin::Create(std::string_view name, std::string_view description,
                         const AdminActor& actor) {
  // Both checks return InvalidArgument only.
  if (Status s = ValidateRoleName(name); !s.ok()) return s.WithContext("name");
  if (Status s = ValidateRoleDescription(description); !s.ok()) {
    return s.WithContext("description");
  }
  LK_RETURN_IF_ERROR(RoleStore(services_.db()).Create(name, description));
  return Audit(AuditEvent::kRoleCreated, "role " + std::string(name), actor);
}

Result<int64_t> RoleAdmin::Delete(std::string_view name,
                                  const AdminActor& actor) {
  LK_ASSIGN_OR_RETURN(int64_t members, RoleStore(services_.db()).Delete(name));
  LK_RETURN_IF_ERROR(Audit(AuditEvent::kRoleDeleted,
                           "role " + std::string(name) + ", held by " +
                               std::to_string(members) + ",",
                           actor));
  return members;
}

}  // namespace latchkey
