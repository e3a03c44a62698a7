// HostApi: the directory service's /host/v1 (docs/fleet-protocol.md), the
// route table and dispatcher of latchkey-portal's second listener
// ([directory] listen, TLS only). It shares the portal's App: the KDF pool
// (warm memory, fair queueing), the Services pool, the mail nudge and the
// metrics, but none of its routes: a /host/v1 path is not served on the
// portal's port, nor a portal path here.
//
// Every request: the Authorization: Bearer token is looked up in the hosts
// table (HostStore::Authenticate) before the handler runs, so a revoked
// host is refused from its next request, also on a kept-alive connection;
// a missing, unknown or revoked token is 401 {"error": "host_unknown"}.
// Answers are JSON with Cache-Control: no-store.
//
// In memory, per process: last_seen_at is written at most every
// kTouchEvery per host; failed logins per host within [directory]
// host_alarm_window raise one host_alarm audit row and
// latchkey_host_alarms_total (never a lock); the map is cached for
// kMapCacheFor across hosts.
//
// Thread-safe.
#ifndef LATCHKEY_PORTAL_DIRECTORY_HOST_API_H_
#define LATCHKEY_PORTAL_DIRECTORY_HOST_API_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "latchkey/fleet/directory_service.h"
#include "latchkey/store/host_store.h"
#include "portal/app.h"
#include "portal/context.h"
#include "portal/metrics.h"
#include "portal/server.h"

namespace latchkey::portal {

class HostApi;

// What a /host/v1 handler gets: the portal's Context (Services, JSON
// answers) and the authenticated host.
struct HostCall {
  Context& ctx;
  const Host& host;
  HostApi& api;
  DirectoryService& directory;
};
using HostHandler = Response (*)(HostCall&);

inline constexpr std::chrono::seconds kTouchEvery{30};
inline constexpr std::chrono::seconds kMapCacheFor{5};

class HostApi final : public RouteSet {
 public:
  // Registers its metrics in app.metrics() (before serving starts).
  explicit HostApi(App& app);

  std::span<const Route> routes() const override { return routes_; }
  Response Dispatch(App& app, const Request& request, size_t index,
                    Services* services) noexcept override;
  void Observe(size_t index, int code, double seconds) noexcept override;

  // A login outcome from `host`: counts its failures and raises the alarm
  // (audit through `services`) when they reach the threshold.
  void CountOutcome(Services& services, const Host& host, AuthStatus status);

  // The map and its version, from the cache when younger than
  // kMapCacheFor. Errors: db.
  struct CachedMap {
    std::string version;
    nlohmann::json users;
    nlohmann::json groups;
  };
  Result<std::shared_ptr<const CachedMap>> Map(DirectoryService& directory);

 private:
  void MaybeTouch(Services& services, const Host& host, std::string_view agent);

  App& app_;
  std::vector<Route> routes_;
  std::vector<HostHandler> handlers_;
  // requests_[route][code slot]; the last route is "unmatched".
  std::vector<std::vector<Counter*>> requests_;
  Counter* alarms_ = nullptr;

  std::mutex mu_;
  std::map<int64_t, std::chrono::steady_clock::time_point> touched_;
  struct Failures {
    std::deque<std::chrono::steady_clock::time_point> times;
    std::optional<std::chrono::steady_clock::time_point> alarmed_at;
  };
  std::map<int64_t, Failures> failures_;
  std::shared_ptr<const CachedMap> map_;
  std::chrono::steady_clock::time_point map_at_;
};

// The handlers (handlers.cc), for the table.
Response HostAuthenticate(HostCall& call);
Response HostSecondFactor(HostCall& call);
Response HostAccount(HostCall& call);
Response HostPassword(HostCall& call);
Response HostSession(HostCall& call);
Response HostSshKeys(HostCall& call);
Response HostMap(HostCall& call);
Response HostOfflineCheck(HostCall& call);
Response HostAudit(HostCall& call);
Response HostPing(HostCall& call);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_DIRECTORY_HOST_API_H_
