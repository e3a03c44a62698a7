#include "portal/device_label.h"

#include "portal/relative_time.h"

namespace latchkey::portal {
namespace {

struct Known {
  std::string_view token;
  std::string_view label;
};

// First match wins, so the more specific tokens come first (Edge and Opera
// also say "Chrome"; Chrome also says "Safari"; Android also says "Linux").
constexpr Known kBrowsers[] = {
    {"Edg/", "Edge"},
    {"OPR/", "Opera"},
    {"Firefox/", "Firefox"},
    {"Chromium/", "Chromium"},
    {"Chrome/", "Chrome"},
    {"CriOS/", "Chrome"},
    {"FxiOS/", "Firefox"},
    {"Safari/", "Safari"},
    {"curl/", "curl"},
    {"Wget/", "Wget"},
    {"python-requests/", "Python"},
    {"Python-urllib/", "Python"},
};
constexpr Known kSystems[] = {
    {"iPhone", "iPhone"},   {"iPad", "iPad"},       {"Android", "Android"},
    {"CrOS", "ChromeOS"},   {"Windows", "Windows"}, {"Mac OS X", "macOS"},
    {"Macintosh", "macOS"}, {"Linux", "Linux"},     {"FreeBSD", "FreeBSD"},
};

std::string_view Find(std::string_view ua, const Known* begin,
                      const Known* end) {
  for (const Known* k = begin; k != end; ++k) {
    if (ua.find(k->token) != std::string_view::npos) return k->label;
  }
  return {};
}

}  // namespace

std::string DeviceLabel(std::string_view user_agent) {
  const std::string_view browser =
      Find(user_agent, std::begin(kBrowsers), std::end(kBrowsers));
  const std::string_view system =
      Find(user_agent, std::begin(kSystems), std::end(kSystems));
  if (!browser.empty() && !system.empty()) {
    return std::string(browser) + " on " + std::string(system);
  }
  if (!browser.empty()) return std::string(browser);
  if (!system.empty()) return std::string(system);
  std::string_view first = user_agent.substr(0, user_agent.find(' '));
  if (first.empty()) return "Unknown device";
  if (first.size() > 40) first = first.substr(0, 40);
  return std::string(first);
}

tmpl::Dict SessionView(const SessionInfo& session, int64_t now) {
  tmpl::Dict row;
  row["handle"] = session.handle;
  row["device"] = DeviceLabel(session.user_agent);
  row["user_agent"] = session.user_agent;
  row["ip"] = session.ip.empty() ? std::string("unknown") : session.ip;
  row["last_seen"] = TimeView(session.last_seen_at, now);
  row["created"] = TimeView(session.created_at, now);
  row["current"] = session.current;
  return row;
}

}  // namespace latchkey::portal
