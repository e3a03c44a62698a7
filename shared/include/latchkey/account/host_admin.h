// HostAdmin: what an administrator does to host groups, access rules and
// hosts (latchkeyctl host-group ..., latchkeyctl host set, the admin
// area's Hosts and Host groups pages and /api/v1/admin/hosts, /host-groups).
// Each change runs in one transaction with its audit row, which names the
// acting admin ("... by alice"), as UserAdmin does for accounts.
//
// Guard rails (every door):
//   - a group that still has hosts that are not revoked cannot be deleted:
//     FailedPrecondition "host group web still has 2 hosts: move or revoke
//     its 2 hosts first";
//   - an admin (AdminActor::account_id) cannot take away their own way in
//     to live hosts: removing the last rule of a group that admits them
//     (with hosts in it), or moving a host out of a group that admits them
//     into one that does not, is refused with FailedPrecondition.
// AdminActor::force (the CLI's --force) skips both; when a rail would have
// refused, one guard_overridden row is audited with the refusal's
// sentence, in the same transaction.
//
// Every change first locks the group's row (and a host change the host's
// row), so two admins changing one group serialize.
//
// Not thread-safe (uses `services`, which is bound to one Connection).
// Errors common to every call: db errors (Unavailable, Internal, ...).
#ifndef LATCHKEY_ACCOUNT_HOST_ADMIN_H_
#define LATCHKEY_ACCOUNT_HOST_ADMIN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/account/user_admin.h"
#include "latchkey/base/result.h"
#include "latchkey/store/host_access.h"
#include "latchkey/store/host_group_store.h"

namespace latchkey {

class Services;

struct HostGroupDetail {
  HostGroupSummary group;
  std::vector<HostAccessRule> rules;  // by role, then service
  std::vector<HostSummary> hosts;     // by name, revoked ones too
};

class HostAdmin {
 public:
  explicit HostAdmin(Services& services);

  // Every group by name with its host (not revoked) and rule counts.
  Result<std::vector<HostGroupSummary>> ListGroups();
  // The group with its rules and hosts. Errors: NotFound "no host group
  // named 'web'".
  Result<HostGroupDetail> ShowGroup(std::string_view name);
  // Every host by name.
  Result<std::vector<HostSummary>> ListHosts();
  // Errors: NotFound "no host named 'web1'".
  Result<HostSummary> FindHost(std::string_view name);

  // Creates the group; audits host_group_created ("host group web by
  // alice"). Errors: InvalidArgument "name: ..." or "description: ...";
  // AlreadyExists "a host group named 'web' exists already".
  Result<HostGroupSummary> CreateGroup(std::string_view name,
                                       std::string_view description,
                                       const AdminActor& actor);
  // Deletes the group and its rules (its revoked hosts are left in no
  // group); audits host_group_deleted ("host group web, 2 rules, by
  // alice"). Errors: NotFound; FailedPrecondition (hosts left, above).
  Status DeleteGroup(std::string_view name, const AdminActor& actor);

  // Lets `role` log in to the group's hosts for `service` ("" = every
  // service); audits access_rule_added ("role ops -> host group web (sshd)
  // by alice"). Errors: InvalidArgument "role: ..." or "service: ...";
  // NotFound "no host group named 'web'" or "no role named 'ops'";
  // AlreadyExists "role ops may already log in to web (sshd)".
  Status AllowRole(std::string_view group, std::string_view role,
                   std::string_view service, const AdminActor& actor);
  // Removes that rule; audits access_rule_removed. Errors as AllowRole,
  // NotFound "web has no rule for role ops (sshd)", FailedPrecondition
  // "you cannot remove the last rule that lets you log in to the 2 hosts
  // of web" (guarded, above).
  Status DenyRole(std::string_view group, std::string_view role,
                  std::string_view service, const AdminActor& actor);

  // Moves the host into `group` (nullopt: no group); audits
  // host_group_changed ("host web1 moved from web to db by alice").
  // Returns false (nothing audited) when it was there already. Errors:
  // NotFound (host, group), FailedPrecondition "host web1 is revoked", the
  // guard rail above.
  Result<bool> SetHostGroup(std::string_view host,
                            const std::optional<std::string>& group,
                            const AdminActor& actor);
  // Sets whether the host may change a password without the old one (a
  // fleet host only: a direct-mode host follows its own root_may_reset);
  // audits host_group_changed ("host web1 may reset passwords: yes by
  // alice"). Returns false when it was so already. Errors: NotFound,
  // FailedPrecondition (revoked, or a direct-mode host).
  Result<bool> SetMayResetPasswords(std::string_view host, bool allowed,
                                    const AdminActor& actor);
  // Revokes the host (HostStore::Revoke: from now on the directory refuses
  // its token; a direct-mode host's database login stays until a database
  // admin drops it); audits host_revoked ("host web1 by alice"). Errors:
  // NotFound, FailedPrecondition "host web1 is revoked already".
  Result<HostSummary> RevokeHost(std::string_view host,
                                 const AdminActor& actor);

 private:
  Status Audit(AuditEvent event, const std::string& what,
               const AdminActor& actor);
  // The rail's refusal, or (with actor.force) its guard_overridden row.
  Status Rail(const std::string& refusal, const AdminActor& actor);
  Result<HostSummary> LockHost(std::string_view name);
  Result<HostGroupSummary> LockGroup(std::string_view name);
  // Whether the account's roles are admitted to the group for any service
  // (AccessFromRules, the directory's rule), by `rules` when given, else
  // by the group's rules.
  Result<bool> AdmitsActor(std::optional<int64_t> group_id,
                           const std::vector<HostAccessRule>* rules,
                           int64_t account_id);

  Services& services_;
  HostGroupStore store_;
};

}  // namespace latchkey

#endif  // LATCHKEY_ACCOUNT_HOST_ADMIN_H_
