#include "host_json.h"

#include "output.h"

namespace latchkey::cli {

nlohmann::json HostSummaryJson(const HostSummary& h) {
  return {{"name", h.name},
          {"kind", h.kind},
          {"group",
           h.group.empty() ? nlohmann::json(nullptr) : nlohmann::json(h.group)},
          {"may_reset_passwords", h.may_reset_passwords},
          {"created_at", JsonTime(h.created_at)},
          {"last_seen_at", JsonTime(h.last_seen_at)},
          {"agent_version", h.agent_version.empty()
                                ? nlohmann::json(nullptr)
                                : nlohmann::json(h.agent_version)},
          {"revoked_at", JsonTime(h.revoked_at)}};
}

nlohmann::json HostGroupJson(const HostGroupSummary& g) {
  return {{"name", g.name},
          {"description", g.description},
          {"created_at", JsonTime(g.created_at)},
          {"host_count", g.hosts},
          {"rule_count", g.rules}};
}

nlohmann::json AccessRuleJson(const HostAccessRule& r) {
  return {{"role", r.role}, {"service", r.service}};
}

}  // namespace latchkey::cli
