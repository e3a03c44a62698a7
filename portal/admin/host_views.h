// What the admin area's Hosts and Host groups pages and their API
// (hosts.cc, host_groups.cc; issue 12, part "groups") share: a host, a
// group and a rule as JSON and as template rows, and the HTTP status of a
// refused action.
#ifndef LATCHKEY_PORTAL_ADMIN_HOST_VIEWS_H_
#define LATCHKEY_PORTAL_ADMIN_HOST_VIEWS_H_

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "latchkey/store/host_group_store.h"
#include "portal/context.h"
#include "portal/template.h"

namespace latchkey::portal {

// {"name", "kind", "group" (null: none), "may_reset_passwords",
// "created_at", "last_seen_at" (null: never), "agent_version" (null),
// "revoked_at" (null)}; times in Unix seconds.
nlohmann::json AdminHostJson(const HostSummary& h);
// {"name", "description", "created_at", "host_count", "rule_count"}.
nlohmann::json AdminHostGroupJson(const HostGroupSummary& g);
// {"role", "service"} ("" = every service).
nlohmann::json AdminAccessRuleJson(const HostAccessRule& r);

// A host for a template: name, kind, fleet (bool), group, may_reset,
// agent_version, last_seen / revoked (TimeView or absent), created.
tmpl::Dict AdminHostRow(const HostSummary& h, int64_t now);

// 409 for FailedPrecondition (a guard rail) and AlreadyExists, 422 for
// InvalidArgument, 404 for NotFound; 0 for any other error (Fail()).
int AdminHostActionStatus(const Status& status);

// The status's message as a field shows it: without the "field: " that
// the core puts before a field's refusal, as a sentence.
std::string AdminFieldSentence(const Status& status, std::string_view field);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_ADMIN_HOST_VIEWS_H_
