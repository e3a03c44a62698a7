// The {id} of /admin/users/{id}/... and /api/v1/admin/users/{id}/...
// routes (issue 11, part "invite").
#ifndef LATCHKEY_PORTAL_ADMIN_USER_ID_H_
#define LATCHKEY_PORTAL_ADMIN_USER_ID_H_

#include <charconv>
#include <cstdint>
#include <optional>
#include <string_view>

namespace latchkey::portal {

// A positive decimal account id, or nullopt (not a number, 0, signs,
// leading junk or overflow): such a path names no account (404).
inline std::optional<int64_t> ParseUserId(std::string_view text) {
  int64_t id = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, id);
  if (ec != std::errc() || ptr != end || id <= 0 || text.empty() ||
      text[0] == '+') {
    return std::nullopt;
  }
  return id;
}

}  // namespace latchkey::portal

#endif  // LATCHKEY_PORTAL_ADMIN_USER_ID_H_
