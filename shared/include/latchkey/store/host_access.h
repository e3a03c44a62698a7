// Host access rules (fleet mode, migration 015): which roles may log in to
// the hosts of a host group, for every service or for one PAM service. A
// group with no rule admits nobody (as Kanidm's pam_allowed_login_groups).
// The directory asks them in the account phase, for offline stamps and for
// offline-check; the pam.d line's require_role= applies as well (both must
// allow).
//
// Rules are written by `latchkeyctl host-group` (another part); this file
// only reads them.
#ifndef LATCHKEY_STORE_HOST_ACCESS_H_
#define LATCHKEY_STORE_HOST_ACCESS_H_

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/result.h"
#include "latchkey/db/db.h"

namespace latchkey {

// One row of host_access_rules with its role's name.
struct HostAccessRule {
  std::string role;     // roles.name
  std::string service;  // "" = every service
};

// What a group's rules give one user.
struct HostAccess {
  bool every_service = false;         // a rule without a service matched
  std::vector<std::string> services;  // else these, sorted, no repeats

  bool admitted_anywhere() const { return every_service || !services.empty(); }
  // Whether `service` is admitted (exact, case-sensitive, as PAM names it).
  bool Admits(std::string_view service) const;
  // ["*"] for every service, else `services`.
  std::vector<std::string> ServiceList() const;
};

// The pure rule: a rule admits the user when it names one of `user_roles`
// (role names, exact); its service "" admits every service. No rules, or
// none naming the user's roles: nothing admitted.
HostAccess AccessFromRules(std::span<const HostAccessRule> rules,
                           std::span<const std::string> user_roles);

// Not thread-safe (one Connection). Errors: the db layer's.
class HostAccessStore {
 public:
  explicit HostAccessStore(db::Connection& db) : db_(db) {}

  // The rules of `group_id`, by role name then service. No group (a fleet
  // host without one): no rules.
  Result<std::vector<HostAccessRule>> RulesOf(std::optional<int64_t> group_id);
  // AccessFromRules(RulesOf(group_id), user_roles).
  Result<HostAccess> AccessOf(std::optional<int64_t> group_id,
                              std::span<const std::string> user_roles);

 private:
  db::Connection& db_;
};

}  // namespace latchkey

#endif  // LATCHKEY_STORE_HOST_ACCESS_H_
