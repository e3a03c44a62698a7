#include "portal/route.h"

#include <array>
#include <utility>

namespace latchkey::portal {
namespace {

// Matches one pattern; fills params on success.
bool MatchPattern(std::string_view pattern, std::string_view path,
                  Pairs& params) {
  params.clear();
  if (pattern.find('{') == std::string_view::npos && pattern.back() != '*') {
    return pattern == path;
  }
  size_t pi = 0;
  size_t si = 0;
  while (pi < pattern.size()) {
    if (pattern[pi] == '*' && pi + 1 == pattern.size()) {
      params.emplace_back("*", std::string(path.substr(si)));
      return true;
    }
    if (pattern[pi] == '{') {
      const size_t close = pattern.find('}', pi);
      if (close == std::string_view::npos) return false;
      const size_t end = path.find('/', si);
      const std::string_view seg = path.substr(si, end - si);
      if (seg.empty()) return false;
      params.emplace_back(std::string(pattern.substr(pi + 1, close - pi - 1)),
                          std::string(seg));
      pi = close + 1;
      si = end == std::string_view::npos ? path.size() : end;
      continue;
    }
    if (si >= path.size() || pattern[pi] != path[si]) return false;
    ++pi;
    ++si;
  }
  return si == path.size();
}

bool Allows(Methods methods, Method m) {
  if (m == Method::kHead) m = Method::kGet;
  return (methods & static_cast<Methods>(m)) != 0;
}

std::string AllowHeader(Methods methods) {
  static constexpr std::array<Method, 6> kOrder = {
      Method::kGet, Method::kHead,  Method::kPost,
      Method::kPut, Method::kPatch, Method::kDelete};
  std::string out;
  for (Method m : kOrder) {
    const Methods bit =
        static_cast<Methods>(m == Method::kHead ? Method::kGet : m);
    if ((methods & bit) == 0) continue;
    if (!out.empty()) out += ", ";
    out += MethodName(m);
  }
  return out;
}

}  // namespace

RouteMatch MatchRoute(std::span<const Route> routes, Method method,
                      std::string_view path) {
  RouteMatch match;
  Methods seen = 0;
  Pairs params;
  for (size_t i = 0; i < routes.size(); ++i) {
    const Route& r = routes[i];
    if (!MatchPattern(r.pattern, path, params)) continue;
    if (Allows(r.methods, method)) {
      match.kind = RouteMatch::kFound;
      match.route = &r;
      match.index = i;
      match.params = std::move(params);
      return match;
    }
    seen = static_cast<Methods>(seen | r.methods);
  }
  if (seen != 0) {
    match.kind = RouteMatch::kWrongMethod;
    match.allow = AllowHeader(seen);
  }
  return match;
}

std::string RouteFlagNames(uint32_t flags) {
  static constexpr std::pair<uint32_t, std::string_view> kNames[] = {
      {kNeedsSession, "kNeedsSession"}, {kAdminOnly, "kAdminOnly"},
      {kKdfBound, "kKdfBound"},         {kApi, "kApi"},
      {kAdminReauth, "kAdminReauth"},
  };
  std::string out;
  for (const auto& [bit, name] : kNames) {
    if ((flags & bit) == 0) continue;
    if (!out.empty()) out += " | ";
    out += name;
  }
  return out.empty() ? std::string("kNone") : out;
}

std::string CheckRoutes(std::span<const Route> routes) {
  for (size_t i = 0; i < routes.size(); ++i) {
    const Route& r = routes[i];
    const std::string name(r.pattern);
    if (r.pattern.empty() || r.pattern.front() != '/') {
      return "route '" + name + "' does not start with '/'";
    }
    if (r.handler == nullptr) return "route '" + name + "' has no handler";
    if (r.methods == 0) return "route '" + name + "' has no method";
    const size_t star = r.pattern.find('*');
    if (star != std::string_view::npos && star + 1 != r.pattern.size()) {
      return "route '" + name + "': '*' must end the pattern";
    }
    int depth = 0;
    for (char c : r.pattern) {
      if (c == '{') ++depth;
      if (c == '}') --depth;
      if (depth < 0 || depth > 1) return "route '" + name + "': bad braces";
    }
    if (depth != 0) return "route '" + name + "': bad braces";
    const bool api = r.pattern.rfind("/api/", 0) == 0;
    if (api != ((r.flags & kApi) != 0)) {
      return "route '" + name + "': kApi must be set exactly on /api/ routes";
    }
    // The admin area is everything under these two prefixes, and nothing
    // else: a new admin route cannot miss the gate (or the matrix test,
    // which reads this table through latchkey-portal --routes).
    const bool admin = r.pattern == "/admin" ||
                       r.pattern.rfind("/admin/", 0) == 0 ||
                       r.pattern == "/api/v1/admin" ||
                       r.pattern.rfind("/api/v1/admin/", 0) == 0;
    if (admin != ((r.flags & kAdminOnly) != 0)) {
      return "route '" + name +
             "': kAdminOnly must be set exactly on /admin and /api/v1/admin "
             "routes";
    }
    if ((r.flags & kAdminReauth) != 0 &&
        ((r.flags & kAdminOnly) == 0 || r.methods != kPost)) {
      return "route '" + name + "': kAdminReauth is for an admin POST";
    }
    for (size_t j = 0; j < i; ++j) {
      if (routes[j].pattern == r.pattern && (routes[j].methods & r.methods)) {
        return "route '" + name + "' is listed twice for one method";
      }
    }
  }
  return {};
}

}  // namespace latchkey::portal
