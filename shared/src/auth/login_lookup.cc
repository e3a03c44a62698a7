#include "latchkey/auth/login_lookup.h"

#include <string>
#include <vector>

#include "latchkey/auth/lockout_store.h"

namespace latchkey {

Result<LoginLookup> LookUpLogin(db::Connection& db, const Clock& clock,
                                const LockoutConfig& lockout,
                                std::string_view login, bool usernames_only,
                                std::string_view rhost, std::string_view host) {
  std::vector<db::Value> params;
  std::string sql = "SELECT ";
  // Column 0: the address's failures in its current window, or NULL.
  const std::string ip_key = IpKey(rhost, lockout.ip_prefix_v6, host);
  if (!rhost.empty() && lockout.ip_max_failures > 0) {
    sql +=
        "(SELECT failures FROM ip_failures WHERE ip = ? AND "
        "window_start > ?), ";
    params.push_back(std::string_view(ip_key));
    params.push_back(db::Timestamp{clock.NowUnixMicros() -
                                   lockout.ip_window.count() * 1'000'000});
  } else {
    sql += "NULL, ";
  }
  // Then the user's columns, NULL when no row matches: one row always
  // comes back, so the address is answered for unknown names too.
  sql += UserSelectColumns();
  sql += "FROM (SELECT 1) AS one LEFT JOIN users u ON ";
  const std::optional<LoginMatch> match = MatchLogin(login, usernames_only);
  if (match) {
    sql += match->column;
    sql += " = ?";
    params.push_back(std::string_view(match->value));
  } else {
    sql += "FALSE";
  }
  LK_ASSIGN_OR_RETURN(std::vector<db::Row> rows, db.Query(sql, params));
  LoginLookup out;
  if (rows.empty()) return out;  // cannot happen: the derived table has a row
  const db::Row& row = rows.front();
  out.address_blocked =
      !row.is_null(0) &&
      row.i64(0) >= static_cast<int64_t>(lockout.ip_max_failures);
  if (!row.is_null(1)) out.user = UserFromRow(row, 1);
  return out;
}

}  // namespace latchkey
