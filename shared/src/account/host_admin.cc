#include "latchkey/account/host_admin.h"

#include <string>

#include "latchkey/services/services.h"
#include "latchkey/store/host_store.h"
#include "latchkey/store/role_store.h"
#include "latchkey/store/user_store.h"

namespace latchkey {
namespace {

std::string Count(int64_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

std::string GroupLabel(const std::string& group) {
  return group.empty() ? "no group" : group;
}

}  // namespace

Result<bool> HostAdmin::AdmitsActor(std::optional<int64_t> group_id,
                                    const std::vector<HostAccessRule>* rules,
                                    int64_t account_id) {
  LK_ASSIGN_OR_RETURN(std::optional<User> user,
                      services_.users().FindById(account_id));
  if (!user) return false;
  std::vector<HostAccessRule> read;
  if (rules == nullptr) {
    LK_ASSIGN_OR_RETURN(read,
                        HostAccessStore(services_.db()).RulesOf(group_id));
    rules = &read;
  }
  // The directory's own rule (host_access.h), for any service.
  return AccessFromRules(*rules, user->roles).admitted_anywhere();
}

HostAdmin::HostAdmin(Services& services)
    : services_(services), store_(services.db(), services.clock()) {}

Status HostAdmin::Audit(AuditEvent event, const std::string& what,
                        const AdminActor& actor) {
  // No account is the subject: the group or host is named in the detail,
  // with the acting admin.
  return services_.audit().Record(event, std::nullopt, {}, actor.ctx,
                                  AuditOutcome::kOk,
                                  what + " by " + actor.name);
}

Status HostAdmin::Rail(const std::string& refusal, const AdminActor& actor) {
  if (!actor.force) return FailedPrecondition(refusal);
  return Audit(AuditEvent::kGuardOverridden,
               "guard overridden with --force: " + refusal, actor);
}

Result<HostSummary> HostAdmin::LockHost(std::string_view name) {
  LK_ASSIGN_OR_RETURN(std::optional<HostSummary> host,
                      store_.FindHost(name, /*for_update=*/true));
  if (!host) return NotFound("no host named '" + std::string(name) + "'");
  return *host;
}

Result<HostGroupSummary> HostAdmin::LockGroup(std::string_view name) {
  LK_ASSIGN_OR_RETURN(std::optional<HostGroupSummary> group,
                      store_.Find(name, /*for_update=*/true));
  if (!group) {
    return NotFound("no host group named '" + std::string(name) + "'");
  }
  return *group;
}

Result<std::vector<HostGroupSummary>> HostAdmin::ListGroups() {
  return store_.List();
}

Result<HostGroupDetail> HostAdmin::ShowGroup(std::string_view name) {
  LK_ASSIGN_OR_RETURN(std::optional<HostGroupSummary> group, store_.Find(name));
  if (!group) {
    return NotFound("no host group named '" + std::string(name) + "'");
  }
  HostGroupDetail d;
  LK_ASSIGN_OR_RETURN(d.rules,
                      HostAccessStore(services_.db()).RulesOf(group->id));
  LK_ASSIGN_OR_RETURN(d.hosts, store_.Hosts(group->id));
  d.group = std::move(*group);
  return d;
}

Result<std::vector<HostSummary>> HostAdmin::ListHosts() {
  return store_.Hosts();
}

Result<HostSummary> HostAdmin::FindHost(std::string_view name) {
  LK_ASSIGN_OR_RETURN(std::optional<HostSummary> host, store_.FindHost(name));
  if (!host) return NotFound("no host named '" + std::string(name) + "'");
  return *host;
}

Result<HostGroupSummary> HostAdmin::CreateGroup(std::string_view name,
                                                std::string_view description,
                                                const AdminActor& actor) {
  if (Status s = ValidateHostGroupName(name); !s.ok()) {
    return s.WithContext("name");
  }
  if (Status s = ValidateRoleDescription(description); !s.ok()) {
    return s.WithContext("description");
  }
  LK_ASSIGN_OR_RETURN(db::Transaction tx,
                      db::Transaction::Start(services_.db()));
  LK_ASSIGN_OR_RETURN(HostGroupSummary group, store_.Create(name, description));
  LK_RETURN_IF_ERROR(
      Audit(AuditEvent::kHostGroupCreated, "host group " + group.name, actor));
  LK_RETURN_IF_ERROR(tx.Commit());
  return group;
}

Status HostAdmin::DeleteGroup(std::string_view name, const AdminActor& actor) {
  LK_ASSIGN_OR_RETURN(db::Transaction tx,
                      db::Transaction::Start(services_.db()));
  LK_ASSIGN_OR_RETURN(HostGroupSummary group, LockGroup(name));
  if (group.hosts > 0) {
    const std::string hosts = Count(group.hosts, "host", "hosts");
    LK_RETURN_IF_ERROR(Rail("host group " + group.name + " still has " + hosts +
                                ": move or revoke its " + hosts + " first",
                            actor));
  }
  LK_ASSIGN_OR_RETURN(bool deleted, store_.Delete(group.id));
  if (!deleted) return NotFound("no host group named '" + group.name + "'");
  LK_RETURN_IF_ERROR(Audit(AuditEvent::kHostGroupDeleted,
                           "host group " + group.name + ", " +
                               Count(group.rules, "rule", "rules") + ",",
                           actor));
  return tx.Commit();
}

Status HostAdmin::AllowRole(std::string_view group_name, std::string_view role,
                            std::string_view service, const AdminActor& actor) {
  if (Status s = ValidateRoleName(role); !s.ok()) return s.WithContext("role");
  if (Status s = ValidateRuleService(service); !s.ok()) {
    return s.WithContext("service");
  }
  LK_ASSIGN_OR_RETURN(db::Transaction tx,
                      db::Transaction::Start(services_.db()));
  LK_ASSIGN_OR_RETURN(HostGroupSummary group, LockGroup(group_name));
  LK_RETURN_IF_ERROR(store_.AddRule(group, role, service));
  LK_RETURN_IF_ERROR(Audit(AuditEvent::kAccessRuleAdded,
                           "role " + std::string(role) + " -> host group " +
                               group.name + " (" + ServiceLabel(service) + ")",
                           actor));
  return tx.Commit();
}

Status HostAdmin::DenyRole(std::string_view group_name, std::string_view role,
                           std::string_view service, const AdminActor& actor) {
  if (Status s = ValidateRoleName(role); !s.ok()) return s.WithContext("role");
  if (Status s = ValidateRuleService(service); !s.ok()) {
    return s.WithContext("service");
  }
  LK_ASSIGN_OR_RETURN(db::Transaction tx,
                      db::Transaction::Start(services_.db()));
  LK_ASSIGN_OR_RETURN(HostGroupSummary group, LockGroup(group_name));
  const std::string rule =
      "role " + std::string(role) + " (" + ServiceLabel(service) + ")";
  LK_ASSIGN_OR_RETURN(std::vector<HostAccessRule> rules,
                      HostAccessStore(services_.db()).RulesOf(group.id));
  std::vector<HostAccessRule> after;
  for (const HostAccessRule& r : rules) {
    if (r.role != role || r.service != service) after.push_back(r);
  }
  if (after.size() == rules.size()) {
    return NotFound(group.name + " has no rule for " + rule);
  }
  if (actor.account_id && group.hosts > 0) {
    // Read under the group's lock, so a parallel removal waits and then
    // counts again.
    LK_ASSIGN_OR_RETURN(bool before,
                        AdmitsActor(group.id, &rules, *actor.account_id));
    LK_ASSIGN_OR_RETURN(bool still,
                        AdmitsActor(group.id, &after, *actor.account_id));
    if (before && !still) {
      LK_RETURN_IF_ERROR(
          Rail("you cannot remove the last rule that lets you log in to the " +
                   Count(group.hosts, "host", "hosts") + " of " + group.name,
               actor));
    }
  }
  LK_ASSIGN_OR_RETURN(bool removed, store_.RemoveRule(group.id, role, service));
  if (!removed) return NotFound(group.name + " has no rule for " + rule);
  LK_RETURN_IF_ERROR(Audit(AuditEvent::kAccessRuleRemoved,
                           "role " + std::string(role) + " -> host group " +
                               group.name + " (" + ServiceLabel(service) + ")",
                           actor));
  return tx.Commit();
}

Result<bool> HostAdmin::SetHostGroup(std::string_view host_name,
                                     const std::optional<std::string>& group,
                                     const AdminActor& actor) {
  if (group) {
    if (Status s = ValidateHostGroupName(*group); !s.ok()) {
      return s.WithContext("group");
    }
  }
  LK_ASSIGN_OR_RETURN(db::Transaction tx,
                      db::Transaction::Start(services_.db()));
  LK_ASSIGN_OR_RETURN(HostSummary host, LockHost(host_name));
  if (host.revoked_at) {
    return FailedPrecondition("host " + host.name + " is revoked");
  }
  std::optional<HostGroupSummary> target;
  if (group) {
    LK_ASSIGN_OR_RETURN(HostGroupSummary g, LockGroup(*group));
    target = std::move(g);
  }
  const std::optional<int64_t> target_id =
      target ? std::optional<int64_t>(target->id) : std::nullopt;
  if (target_id == host.group_id) return false;
  if (actor.account_id && host.group_id) {
    LK_ASSIGN_OR_RETURN(bool before,
                        AdmitsActor(host.group_id, nullptr, *actor.account_id));
    bool after = false;
    if (target_id) {
      LK_ASSIGN_OR_RETURN(after,
                          AdmitsActor(target_id, nullptr, *actor.account_id));
    }
    if (before && !after) {
      LK_RETURN_IF_ERROR(
          Rail("you cannot move " + host.name + " to " +
                   (target ? target->name : std::string("no group")) +
                   ": no rule there lets you log in to it, as " + host.group +
                   " does",
               actor));
    }
  }
  LK_RETURN_IF_ERROR(store_.SetHostGroup(host.id, target_id));
  LK_RETURN_IF_ERROR(
      Audit(AuditEvent::kHostGroupChanged,
            "host " + host.name + " moved from " + GroupLabel(host.group) +
                " to " + GroupLabel(target ? target->name : std::string()),
            actor));
  LK_RETURN_IF_ERROR(tx.Commit());
  return true;
}

Result<bool> HostAdmin::SetMayResetPasswords(std::string_view host_name,
                                             bool allowed,
                                             const AdminActor& actor) {
  LK_ASSIGN_OR_RETURN(db::Transaction tx,
                      db::Transaction::Start(services_.db()));
  LK_ASSIGN_OR_RETURN(HostSummary host, LockHost(host_name));
  if (host.revoked_at) {
    return FailedPrecondition("host " + host.name + " is revoked");
  }
  if (host.kind != "fleet") {
    return FailedPrecondition(
        "host " + host.name +
        " is a direct-mode host: its pam.d line's root_may_reset decides "
        "whether root there may set a password without the old one");
  }
  if (host.may_reset_passwords == allowed) return false;
  LK_RETURN_IF_ERROR(store_.SetMayResetPasswords(host.id, allowed));
  LK_RETURN_IF_ERROR(Audit(
      AuditEvent::kHostGroupChanged,
      "host " + host.name + " may reset passwords: " + (allowed ? "yes" : "no"),
      actor));
  LK_RETURN_IF_ERROR(tx.Commit());
  return true;
}

Result<HostSummary> HostAdmin::RevokeHost(std::string_view host_name,
                                          const AdminActor& actor) {
  LK_ASSIGN_OR_RETURN(db::Transaction tx,
                      db::Transaction::Start(services_.db()));
  LK_ASSIGN_OR_RETURN(HostSummary host, LockHost(host_name));
  if (host.revoked_at) {
    return FailedPrecondition("host " + host.name + " is revoked already");
  }
  // The one home of revocation (the CLI's host revoke uses it too).
  LK_RETURN_IF_ERROR(
      HostStore(services_.db(), services_.clock()).Revoke(host.name).status());
  LK_RETURN_IF_ERROR(
      Audit(AuditEvent::kHostRevoked, "host " + host.name, actor));
  LK_ASSIGN_OR_RETURN(HostSummary after, LockHost(host.name));
  LK_RETURN_IF_ERROR(tx.Commit());
  return after;
}

}  // namespace latchkey
