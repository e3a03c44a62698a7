#include "portal/directory/host_api.h"

#include <array>
#include <exception>
#include <string>
#include <utility>

#include "latchkey/store/audit.h"
#include "portal/dispatch.h"
#include "portal/log.h"

namespace latchkey::portal {
namespace {

// The table's Route::handler is the portal dispatcher's; this one never
// runs a /host/v1 route through it (HostApi::Dispatch does, with the
// host). Should a portal path ever reach it: 404.
Response NotOnThisListener(Context& ctx) {
  return ctx.ApiError(404, "not_found", "There is nothing at this address.");
}

struct HostRoute {
  std::string_view pattern;
  Methods methods;
  HostHandler handler;
  uint32_t flags;
};

// docs/fleet-protocol.md's table, one line per route.
constexpr HostRoute kHostRoutes[] = {
    {"/host/v1/authenticate", kPost, HostAuthenticate, kApi | kKdfBound},
    {"/host/v1/second-factor", kPost, HostSecondFactor, kApi | kKdfBound},
    {"/host/v1/account", kPost, HostAccount, kApi},
    {"/host/v1/password", kPost, HostPassword, kApi | kKdfBound},
    {"/host/v1/session", kPost, HostSession, kApi},
    {"/host/v1/ssh-keys", kGet, HostSshKeys, kApi},
    {"/host/v1/map", kGet, HostMap, kApi},
    {"/host/v1/offline-check", kPost, HostOfflineCheck, kApi},
    {"/host/v1/audit", kPost, HostAudit, kApi},
    {"/host/v1/ping", kGet, HostPing, kApi},
};

constexpr std::array<int, 9> kCodes = {200, 400, 401, 404, 405,
                                       413, 429, 500, 503};

size_t CodeSlot(int code) {
  for (size_t i = 0; i < kCodes.size(); ++i) {
    if (kCodes[i] == code) return i;
  }
  return kCodes.size();
}

std::optional<std::string_view> BearerToken(const Request& request) {
  const std::optional<std::string_view> header =
      request.Header("Authorization");
  constexpr std::string_view kBearer = "Bearer ";
  if (!header || header->size() <= kBearer.size() ||
      header->substr(0, kBearer.size()) != kBearer) {
    return std::nullopt;
  }
  return header->substr(kBearer.size());
}

Response HostUnknown() {
  Response r = Response::Json(nlohmann::json{{"error", "host_unknown"}}, 401);
  r.Header("WWW-Authenticate", "Bearer");
  return r;
}

}  // namespace

HostApi::HostApi(App& app) : app_(app) {
  Metrics& metrics = app.metrics();
  for (const HostRoute& r : kHostRoutes) {
    routes_.push_back(Route{r.pattern, r.methods, NotOnThisListener, r.flags});
    handlers_.push_back(r.handler);
  }
  constexpr char kName[] = "latchkey_host_requests_total";
  constexpr char kHelp[] =
      "Requests to the directory's /host/v1, by route and status code.";
  for (size_t i = 0; i <= routes_.size(); ++i) {
    const std::string route =
        i < routes_.size() ? std::string(routes_[i].pattern) : "unmatched";
    std::vector<Counter*> codes;
    for (size_t c = 0; c <= kCodes.size(); ++c) {
      const std::string code =
          c < kCodes.size() ? std::to_string(kCodes[c]) : "other";
      codes.push_back(metrics.AddCounter(
          kName, kHelp,
          "route=\"" + EscapeLabel(route) + "\",code=\"" + code + "\""));
    }
    requests_.push_back(std::move(codes));
  }
  alarms_ = metrics.AddCounter(
      "latchkey_host_alarms_total",
      "Host alarms: a host reported [directory] host_alarm_failures failed "
      "logins within host_alarm_window.",
      "");
}

void HostApi::Observe(size_t index, int code, double /*seconds*/) noexcept {
  if (index >= requests_.size()) return;
  requests_[index][CodeSlot(code)]->Add();
}

void HostApi::MaybeTouch(Services& services, const Host& host,
                         std::string_view agent) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = touched_.find(host.id);
    if (it != touched_.end() && now - it->second < kTouchEvery) return;
    touched_[host.id] = now;
  }
  constexpr std::string_view kAgent = "latchkey-agent/";
  std::string_view version;
  if (agent.substr(0, kAgent.size()) == kAgent) {
    version = agent.substr(kAgent.size());
  }
  HostStore hosts(services.db(), services.clock());
  const Status touched = hosts.Touch(host.id, version);
  if (!touched.ok()) {
    LogLine("directory: recording that host " + host.name +
            " called failed: " + touched.ToString());
  }
}

void HostApi::CountOutcome(Services& services, const Host& host,
                           AuthStatus status) {
  if (status != AuthStatus::kBadCredentials && status != AuthStatus::kLocked) {
    return;
  }
  const DirectoryConfig& config = app_.config().directory;
  if (config.host_alarm_failures == 0) return;
  const auto now = std::chrono::steady_clock::now();
  const auto window = std::chrono::seconds(config.host_alarm_window.count());
  size_t count = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Failures& f = failures_[host.id];
    while (!f.times.empty() && now - f.times.front() >= window) {
      f.times.pop_front();
    }
    f.times.push_back(now);
    if (f.times.size() < config.host_alarm_failures) return;
    // One alarm per window, however many failures follow.
    if (f.alarmed_at && now - *f.alarmed_at < window) return;
    f.alarmed_at = now;
    count = f.times.size();
  }
  alarms_->Add();
  AuthContext ctx;
  ctx.service = "directory";
  ctx.host = host.name;
  const Status audited = services.audit().Record(
      AuditEvent::kHostAlarm, std::nullopt, "", ctx, AuditOutcome::kFail,
      "host " + host.name + " reported " + std::to_string(count) +
          " failed logins within " +
          std::to_string(config.host_alarm_window.count()) + " s");
  if (!audited.ok()) {
    LogLine("directory: host alarm for " + host.name +
            " not recorded: " + audited.ToString());
  }
}

Result<std::shared_ptr<const HostApi::CachedMap>> HostApi::Map(
    DirectoryService& directory) {
  const auto now = std::chrono::steady_clock::now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (map_ && now - map_at_ < kMapCacheFor) return map_;
  }
  LK_ASSIGN_OR_RETURN(NssMap map, directory.Map());
  auto fresh = std::make_shared<CachedMap>();
  fresh->version = NssMapVersion(map);
  fresh->users = nlohmann::json::array();
  for (const NssPasswdEntry& u : map.users) {
    fresh->users.push_back({{"name", u.name},
                            {"uid", u.uid},
                            {"gid", u.gid},
                            {"gecos", u.gecos},
                            {"home", u.home},
                            {"shell", u.shell}});
  }
  fresh->groups = nlohmann::json::array();
  for (const NssGroupEntry& g : map.groups) {
    fresh->groups.push_back(
        {{"name", g.name}, {"gid", g.gid}, {"members", g.members}});
  }
  std::lock_guard<std::mutex> lock(mu_);
  map_ = fresh;
  map_at_ = now;
  return std::shared_ptr<const CachedMap>(fresh);
}

Response HostApi::Dispatch(App& app, const Request& request, size_t index,
                           Services* services) noexcept {
  try {
    const Route& route = routes_.at(index);
    Context ctx(app, request, route, services);
    const std::optional<std::string_view> token = BearerToken(request);
    if (!token) return HostUnknown();
    Services& s = ctx.services();
    HostStore hosts(s.db(), s.clock());
    Result<std::optional<Host>> host = hosts.Authenticate(*token);
    if (!host.ok()) return ctx.Fail(host.status(), "checking a host token");
    if (!*host) return HostUnknown();
    MaybeTouch(s, **host, request.Header("X-Latchkey-Agent").value_or(""));
    DirectoryService directory(s, **host);
    HostCall call{ctx, **host, *this, directory};
    return handlers_.at(index)(call);
  } catch (const ServicesBusy&) {
    try {
      return BusyResponse(app, request);
    } catch (...) {
      return InternalErrorResponse(app, request, "answering busy");
    }
  } catch (const std::exception& e) {
    return InternalErrorResponse(
        app, request,
        std::string("exception in a /host/v1 handler: ") + e.what());
  } catch (...) {
    return InternalErrorResponse(app, request,
                                 "unknown exception in a /host/v1 handler");
  }
}

}  // namespace latchkey::portal
