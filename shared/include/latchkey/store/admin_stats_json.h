// AdminStats as JSON: the one shape of GET /api/v1/admin/stats and
// `latchkeyctl stats --json` (docs/api.md, "Stats"). Header-only, so the
// core does not link a JSON library; the portal and latchkeyctl, which
// do, include it.
#ifndef LATCHKEY_STORE_ADMIN_STATS_JSON_H_
#define LATCHKEY_STORE_ADMIN_STATS_JSON_H_

#include <nlohmann/json.hpp>
#include <string>

#include "latchkey/base/clock.h"
#include "latchkey/store/admin_stats.h"

namespace latchkey {

inline nlohmann::json AdminStatsBucketsJson(
    const std::vector<FailureBucket>& buckets) {
  nlohmann::json list = nlohmann::json::array();
  for (const FailureBucket& b : buckets) {
    nlohmann::json by_service = nlohmann::json::object();
    for (size_t i = 0; i < kStatsServiceCount; ++i) {
      by_service[std::string(kStatsServices[i])] = b.by_service[i];
    }
    list.push_back({{"start", IsoTime(b.start)},
                    {"total", b.total()},
                    {"by_service", std::move(by_service)}});
  }
  return list;
}

inline nlohmann::json AdminStatsTopJson(const std::vector<TopName>& top,
                                        const char* key) {
  nlohmann::json list = nlohmann::json::array();
  for (const TopName& t : top) {
    list.push_back({{key, t.name}, {"failures", t.failures}});
  }
  return list;
}

inline nlohmann::json AdminStatsJson(const AdminStats& s) {
  nlohmann::json services = nlohmann::json::array();
  for (std::string_view name : kStatsServices) services.push_back(name);
  nlohmann::json events = nlohmann::json::array();
  for (AuditEvent e : kFailedLoginEvents) events.push_back(AuditEventName(e));

  nlohmann::json locked = nlohmann::json::array();
  for (const LockedAccount& l : s.locked) {
    locked.push_back({{"id", l.user_id},
                      {"username", l.username},
                      {"lock", StatsLockName(l.lock)},
                      {"until", IsoTime(l.until)}});
  }
  nlohmann::json signups = nlohmann::json::array();
  for (const SignupDay& d : s.signups) {
    signups.push_back({{"day", IsoTime(d.start).substr(0, 10)},
                       {"registrations", d.registrations},
                       {"activations", d.activations}});
  }
  const OutboxHealth& o = s.outbox;
  nlohmann::json outbox = {
      {"queued", o.queued},
      {"failing", o.failing},
      {"failed", o.failed},
      {"oldest_unsent", o.oldest_unsent_at
                            ? nlohmann::json(IsoTime(*o.oldest_unsent_at))
                            : nlohmann::json(nullptr)},
      {"oldest_unsent_age_seconds", o.oldest_unsent_at
                                        ? nlohmann::json(o.oldest_unsent_age)
                                        : nlohmann::json(nullptr)},
      {"stale", o.stale},
      {"stale_after_seconds", kStatsOutboxStaleAfter}};
  const int64_t top_since =
      s.hourly.empty() ? s.generated_at : s.hourly.front().start;
  return {
      {"generated_at", IsoTime(s.generated_at)},
      {"services", std::move(services)},
      {"failed_login_events", std::move(events)},
      {"failed_logins",
       {{"hourly", AdminStatsBucketsJson(s.hourly)},
        {"daily", AdminStatsBucketsJson(s.daily)}}},
      {"top",
       {{"since", IsoTime(top_since)},
        {"addresses", AdminStatsTopJson(s.top_addresses, "address")},
        {"accounts", AdminStatsTopJson(s.top_accounts, "username")}}},
      {"locked", {{"total", s.locked_total}, {"accounts", std::move(locked)}}},
      {"signups", std::move(signups)},
      {"outbox", std::move(outbox)},
  };
}

}  // namespace latchkey

#endif  // LATCHKEY_STORE_ADMIN_STATS_JSON_H_
