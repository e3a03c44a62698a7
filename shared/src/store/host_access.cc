#include "latchkey/store/host_access.h"

#include <algorithm>

namespace latchkey {

bool HostAccess::Admits(std::string_view service) const {
  if (every_service) return true;
  return std::binary_search(services.begin(), services.end(), service);
}

std::vector<std::string> HostAccess::ServiceList() const {
  if (every_service) return {"*"};
  return services;
}

HostAccess AccessFromRules(std::span<const HostAccessRule> rules,
                           std::span<const std::string> user_roles) {
  HostAccess out;
  for (const HostAccessRule& rule : rules) {
    if (std::find(user_roles.begin(), user_roles.end(), rule.role) ==
        user_roles.end()) {
      continue;
    }
    if (rule.service.empty()) {
      out.every_service = true;
    } else {
      out.services.push_back(rule.service);
    }
  }
  std::sort(out.services.begin(), out.services.end());
  out.services.erase(std::unique(out.services.begin(), out.services.end()),
                     out.services.end());
  if (out.every_service) out.services.clear();
  return out;
}

Result<std::vector<HostAccessRule>> HostAccessStore::RulesOf(
    std::optional<int64_t> group_id) {
  std::vector<HostAccessRule> out;
  if (!group_id) return out;
  LK_ASSIGN_OR_RETURN(
      std::vector<db::Row> rows,
      db_.Query("SELECT r.name, a.service FROM host_access_rules a "
                "JOIN roles r ON r.id = a.role_id WHERE a.group_id = ? "
                "ORDER BY r.name, a.service",
                {*group_id}));
  out.reserve(rows.size());
  for (const db::Row& row : rows) out.push_back({row.str(0), row.str(1)});
  return out;
}

Result<HostAccess> HostAccessStore::AccessOf(
    std::optional<int64_t> group_id, std::span<const std::string> user_roles) {
  LK_ASSIGN_OR_RETURN(std::vector<HostAccessRule> rules, RulesOf(group_id));
  return AccessFromRules(rules, user_roles);
}

}  // namespace latchkey
