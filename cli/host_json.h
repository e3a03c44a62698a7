// How latchkeyctl prints a host and a host group in --json (host-group
// list|show, host set), shared by cmd_host_group.cc and cmd_host_set.cc.
#ifndef LATCHKEY_CLI_HOST_JSON_H_
#define LATCHKEY_CLI_HOST_JSON_H_

#include <nlohmann/json.hpp>

#include "latchkey/store/host_group_store.h"

namespace latchkey::cli {

// {"name", "kind", "group" (null: none), "may_reset_passwords",
// "created_at", "last_seen_at", "agent_version" (null: never seen),
// "revoked_at"}; times ISO 8601 or null.
nlohmann::json HostSummaryJson(const HostSummary& h);
// {"name", "description", "created_at", "host_count" (not revoked),
// "rule_count"}.
nlohmann::json HostGroupJson(const HostGroupSummary& g);
// {"role", "service"} ("" = every service).
nlohmann::json AccessRuleJson(const HostAccessRule& r);

}  // namespace latchkey::cli

#endif  // LATCHKEY_CLI_HOST_JSON_H_
