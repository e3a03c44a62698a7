// The route table's types and its matcher. The table itself is routes.cc.
#ifndef LATCHKEY_PORTAL_ROUTE_H_
#define LATCHKEY_PORTAL_ROUTE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "portal/request.h"
#include "portal/response.h"

namespace latchkey::portal {

class Context;
using Handler = Response (*)(Context&);

using Methods = uint8_t;
constexpr Methods operator|(Method a, Method b) {
  return static_cast<Methods>(static_cast<Methods>(a) |
                              static_cast<Methods>(b));
}
constexpr Methods operator|(Methods a, Method b) {
  return static_cast<Methods>(a | static_cast<Methods>(b));
}
constexpr Methods kGet = static_cast<Methods>(Method::kGet);
constexpr Methods kPost = static_cast<Methods>(Method::kPost);
constexpr Methods kPut = static_cast<Methods>(Method::kPut);
constexpr Methods kPatch = static_cast<Methods>(Method::kPatch);
constexpr Methods kDelete = static_cast<Methods>(Method::kDelete);

// Route flags. CSRF is not a flag: every POST/PUT/PATCH/DELETE is checked
// (see context.h), with no opt-out.
enum RouteFlag : uint32_t {
  kNone = 0,
  // A valid session is required: pages redirect to /login, the API answers
  // 401. The CSRF token must then be the session's.
  kNeedsSession = 1u << 0,
  // The admin area (admin/gate.h): the session's user must hold the admin
  // role, read from the database on this request (never the session
  // cache), and have TOTP enrolled (403 otherwise); a state-changing method
  // also needs the admin re-authentication window open (403
  // reauth_required). Implies kNeedsSession.
  kAdminOnly = 1u << 1,
  // The handler runs a password hash: it runs on the KDF pool, not on an
  // HTTP thread (503 + Retry-After when the queue is full or slow).
  kKdfBound = 1u << 2,
  // Errors are JSON ({"error", "message", "fields"}) and the audit service
  // is "api". Set for everything under /api/.
  kApi = 1u << 3,
  // The admin re-authentication itself (password and code): an admin
  // route whose POST opens the window rather than needing it.
  kAdminReauth = 1u << 4,
};

// The flag names of `flags`, " | "-joined ("kApi | kAdminOnly"), for
// latchkey-portal --routes.
std::string RouteFlagNames(uint32_t flags);

// Bodies larger than this get 413 unless the route says otherwise.
inline constexpr uint64_t kDefaultMaxBody = 64 * 1024;
// As a route's max_file: [portal] avatar_max_bytes; as its max_body: that
// plus kUploadOverhead (App::Create puts in the configured numbers).
inline constexpr uint64_t kAvatarLimit = ~uint64_t{0};
// Room for the multipart boundaries and the other fields of an upload form.
inline constexpr uint64_t kUploadOverhead = 64 * 1024;

struct Route {
  // "/login", "/admin/users/{id}" ({name}: one non-empty segment, read
  // with Request::Param), "/static/*" (the rest of the path, Param("*")).
  std::string_view pattern;
  Methods methods;  // HEAD is served wherever GET is
  Handler handler;
  uint32_t flags = kNone;
  uint64_t max_body = 0;  // 0: kDefaultMaxBody
  uint64_t max_file = 0;  // multipart file parts up to this; 0: refused
};

// The table (routes.cc).
std::span<const Route> AllRoutes();

struct RouteMatch {
  enum Kind { kFound, kNotFound, kWrongMethod } kind = kNotFound;
  const Route* route = nullptr;
  size_t index = 0;  // into the table
  Pairs params;
  std::string allow;  // kWrongMethod: "GET, HEAD, POST"
};

// The first route whose pattern matches `path` and whose methods include
// `method` (HEAD matches GET). If patterns match but no method does:
// kWrongMethod with the union of their methods in `allow`.
RouteMatch MatchRoute(std::span<const Route> routes, Method method,
                      std::string_view path);

// Checks the table: patterns well-formed, every route has a handler and a
// method, no two routes share a pattern and a method. "" if fine, else
// what is wrong.
std::string CheckRoutes(std::span<const Route> routes);

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_ROUTE_H_
