// HostGroupStore: host groups, their access rules and the hosts' group and
// flags (migration 015: host_groups, host_access_rules, hosts.group_id,
// hosts.may_reset_passwords), for the admin side (account/host_admin.h).
//
// A host group is the unit access rules name; a rule says that a role may
// log in to the group's hosts, for one PAM service or (service "") every
// service. A group with no rule admits nobody. This store writes groups
// and rules; reading a group's rules and the pure rule that evaluates them
// (which the directory uses for every login) are host_access.h's.
//
// The `hosts` rows themselves (add, revoke, the token) are HostStore's
// (host_store.h); this store reads them with the columns fleet mode added
// and changes only group_id and may_reset_passwords.
#ifndef LATCHKEY_STORE_HOST_GROUP_STORE_H_
#define LATCHKEY_STORE_HOST_GROUP_STORE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/clock.h"
#include "latchkey/base/result.h"
#include "latchkey/db/db.h"
#include "latchkey/store/host_access.h"

namespace latchkey {

struct HostGroupSummary {
  int64_t id = 0;
  std::string name;
  std::string description;
  int64_t created_at = 0;  // Unix seconds
  int64_t hosts = 0;       // hosts in the group that are not revoked
  int64_t rules = 0;       // its access rules
};

// A row of `hosts` as the admin pages show it.
struct HostSummary {
  int64_t id = 0;
  std::string name;
  std::string kind;                 // "direct" or "fleet"
  std::optional<int64_t> group_id;  // nullopt: in no group
  std::string group;                // "" when in no group
  bool may_reset_passwords = false;
  int64_t created_at = 0;
  std::optional<int64_t> last_seen_at;
  std::string agent_version;  // "" when never seen
  std::optional<int64_t> revoked_at;
};

// The longest host group name (the column's size).
inline constexpr size_t kHostGroupNameMax = 64;

// A host group name: 1..64 characters of a-z, 0-9, '.', '-' and '_',
// starting with a letter or digit (the characters of a host name). Errors:
// InvalidArgument saying what is allowed.
Status ValidateHostGroupName(std::string_view name);

// A rule's service: "" (every service) or a PAM service name of 1..32
// characters a-z, 0-9, '_' and '-'. Errors: InvalidArgument saying so.
Status ValidateRuleService(std::string_view service);

// "every service" for "", else the service itself (for messages and audit).
std::string ServiceLabel(std::string_view service);

// Not thread-safe (one Connection). Errors: the db layer's, and those
// named. No method opens a transaction of its own: HostAdmin runs them in
// one.
class HostGroupStore {
 public:
  HostGroupStore(db::Connection& db, const Clock& clock);

  // Every group by name, with its host and rule counts.
  Result<std::vector<HostGroupSummary>> List();
  // The group named `name`, or nullopt. With `for_update`, the group's row
  // is locked (SELECT ... FOR UPDATE) until the caller's transaction ends:
  // every change to a group, its rules or its hosts takes this lock first.
  Result<std::optional<HostGroupSummary>> Find(std::string_view name,
                                               bool for_update = false);
  // Creates the group. Errors: InvalidArgument (ValidateHostGroupName;
  // the description as ValidateRoleDescription), AlreadyExists "a host
  // group named 'web' exists already".
  Result<HostGroupSummary> Create(std::string_view name,
                                  std::string_view description);
  // Deletes the group and its rules; its hosts (revoked or not) are left
  // in no group. Returns whether a row was deleted.
  Result<bool> Delete(int64_t group_id);

  // Adds the rule. Errors: NotFound "no role named 'ops'", AlreadyExists
  // "role ops may already log in to web (every service)". The role name
  // and service must have passed ValidateRoleName / ValidateRuleService.
  Status AddRule(const HostGroupSummary& group, std::string_view role,
                 std::string_view service);
  // Removes the rule; false when there was no such rule.
  Result<bool> RemoveRule(int64_t group_id, std::string_view role,
                          std::string_view service);
  // Every host by name; with `group_id`, only that group's hosts.
  Result<std::vector<HostSummary>> Hosts(
      std::optional<int64_t> group_id = std::nullopt);
  // The host named `name`, or nullopt; `for_update` locks its row.
  Result<std::optional<HostSummary>> FindHost(std::string_view name,
                                              bool for_update = false);
  // hosts.group_id (nullopt: no group).
  Status SetHostGroup(int64_t host_id, std::optional<int64_t> group_id);
  Status SetMayResetPasswords(int64_t host_id, bool allowed);

 private:
  db::Connection& db_;
  const Clock& clock_;
};

}  // namespace latchkey

#endif  // LATCHKEY_STORE_HOST_GROUP_STORE_H_
