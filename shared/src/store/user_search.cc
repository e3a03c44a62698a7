#include "latchkey/store/user_search.h"

#include <algorithm>
#include <charconv>

#include "latchkey/base/encoding.h"
#include "latchkey/base/strings.h"

namespace latchkey {
namespace {

// From this many matches on, a page reads the sort key backwards and
// filters as it goes: with at least this many matches among N accounts it
// reads about 50 * N / matches rows (10,000 at 1M accounts). Below it, the
// matches come from the prefix and filter keys and are sorted (at most
// this many rows). Where the two cost about the same at 1M accounts.
constexpr int64_t kScanSortKeyFrom = 5000;
// How many rows such a scan may examine. Matches need not be spread
// evenly along the sort key (accounts that never verified their email
// never signed in, so by last sign-in they all lie at the far end): a
// scan that finds too few in this many rows stops, and the page is read
// the other way instead.
constexpr int64_t kScanSortKeyRows = 20'000;

std::optional<int64_t> ParseInt(std::string_view text) {
  int64_t v = 0;
  const char* end = text.data() + text.size();
  auto [p, ec] = std::from_chars(text.data(), end, v);
  if (ec != std::errc() || p != end || text.empty()) return std::nullopt;
  return v;
}

// LIKE pattern for a prefix, with '!' as the escape character (immune to
// the NO_BACKSLASH_ESCAPES sql_mode).
std::string PrefixPattern(std::string_view text) {
  std::string p;
  for (char c : text) {
    if (c == '!' || c == '%' || c == '_') p.push_back('!');
    p.push_back(c);
  }
  p.push_back('%');
  return p;
}

// Text parameters arrive as binary strings, which LOWER() leaves alone and
// which would make the comparison binary (no key): convert first. The
// columns are lower-case (username by rule, email stored so, full_name_lc
// generated), so a lower-cased pattern compares in their byte-wise
// collation, which a key serves.
constexpr std::string_view kLikeLower =
    " LIKE (LOWER(CONVERT(? USING utf8mb4)) COLLATE utf8mb4_nopad_bin) "
    "ESCAPE '!'";

// The WHERE conditions of everything but the prefix, and their values.
struct Filters {
  std::string sql;
  std::vector<db::Value> params;
};

Filters BuildFilters(const UserQuery& q, std::optional<int64_t> role_id,
                     int64_t now_micros) {
  Filters f;
  if (q.active) {
    f.sql += " AND u.is_active = ?";
    f.params.push_back(static_cast<int64_t>(*q.active ? 1 : 0));
  }
  if (q.password_locked) {
    f.sql += " AND u.locked_until > ?";
    f.params.push_back(db::Timestamp{now_micros});
  }
  if (q.admin_locked) {
    f.sql += " AND u.admin_locked_until > ?";
    f.params.push_back(db::Timestamp{now_micros});
  }
  if (q.unverified) f.sql += " AND u.email_verified_at IS NULL";
  if (q.totp) {
    f.sql += " AND u.has_totp = ?";
    f.params.push_back(static_cast<int64_t>(*q.totp ? 1 : 0));
  }
  if (role_id) {
    f.sql +=
        " AND EXISTS (SELECT 1 FROM user_roles ur WHERE ur.user_id = u.id "
        "AND ur.role_id = ?)";
    f.params.push_back(*role_id);
  }
  return f;
}

// The columns the prefix is compared with: only email when it holds '@'.
std::vector<std::string_view> PrefixColumns(std::string_view prefix) {
  if (prefix.find('@') != std::string_view::npos) return {"u.email"};
  return {"u.username", "u.email", "u.full_name_lc"};
}

std::string_view SortColumn(UserSort sort) {
  return sort == UserSort::kCreated ? "u.created_at" : "u.last_login_at";
}

std::string_view SortKey(UserSort sort) {
  return sort == UserSort::kCreated ? "users_created" : "users_last_login";
}

std::optional<bool> ParseFlag(std::string_view v) {
  if (v == "1" || v == "on" || v == "true" || v == "yes") return true;
  if (v == "0" || v == "off" || v == "false" || v == "no" || v.empty()) {
    return false;
  }
  return std::nullopt;
}

}  // namespace

std::string_view UserSortName(UserSort sort) {
  return sort == UserSort::kCreated ? "created" : "last-login";
}

std::string EncodeUserCursor(const UserCursor& cursor) {
  std::string text = cursor.sort == UserSort::kCreated ? "c:" : "l:";
  text += cursor.micros ? std::to_string(*cursor.micros) : "-";
  text += ':';
  text += std::to_string(cursor.id);
  return Base64UrlEncode(text);
}

std::optional<UserCursor> DecodeUserCursor(std::string_view text) {
  if (text.size() > 64) return std::nullopt;
  std::optional<std::string> raw = Base64UrlDecode(text);
  if (!raw || raw->size() < 5 || (*raw)[1] != ':') return std::nullopt;
  UserCursor c;
  if ((*raw)[0] == 'c') {
    c.sort = UserSort::kCreated;
  } else if ((*raw)[0] == 'l') {
    c.sort = UserSort::kLastLogin;
  } else {
    return std::nullopt;
  }
  const std::string_view rest = std::string_view(*raw).substr(2);
  const size_t colon = rest.find(':');
  if (colon == std::string_view::npos) return std::nullopt;
  const std::string_view value = rest.substr(0, colon);
  std::optional<int64_t> id = ParseInt(rest.substr(colon + 1));
  if (!id || *id <= 0) return std::nullopt;
  c.id = *id;
  if (value == "-") {
    if (c.sort == UserSort::kCreated) return std::nullopt;  // never NULL
  } else {
    c.micros = ParseInt(value);
    if (!c.micros || *c.micros < 0) return std::nullopt;
  }
  return c;
}

Result<UserQuery> ParseUserQuery(
    const std::function<std::optional<std::string_view>(std::string_view)>&
        param,
    FieldErrors& errors) {
  UserQuery q;
  auto text = [&](std::string_view name) {
    return std::string(TrimWhitespace(param(name).value_or("")));
  };
  auto flag = [&](std::string_view name) {
    const std::string v = text(name);
    std::optional<bool> b = ParseFlag(v);
    if (!b) errors.Add(name, "must be 1 or 0, not '" + v + "'");
    return b.value_or(false);
  };
  q.prefix = text("q");
  if (q.prefix.size() > kUserSearchMaxBytes) {
    errors.Add("q", "the search text is longer than " +
                        std::to_string(kUserSearchMaxBytes) + " characters");
  }
  const bool active = flag("active");
  const bool inactive = flag("inactive");
  if (active && inactive) {
    errors.Add("inactive", "active and inactive exclude each other");
  } else if (active || inactive) {
    q.active = active;
  }
  q.password_locked = flag("password_locked");
  q.admin_locked = flag("admin_locked");
  q.unverified = flag("unverified");
  if (const std::string totp = text("totp"); totp == "on") {
    q.totp = true;
  } else if (totp == "off") {
    q.totp = false;
  } else if (!totp.empty() && totp != "any") {
    errors.Add("totp", "must be on or off, not '" + totp + "'");
  }
  q.role = text("role");
  if (const std::string sort = text("sort");
      sort.empty() || sort == "created") {
    q.sort = UserSort::kCreated;
  } else if (sort == "last-login" || sort == "last_login") {
    q.sort = UserSort::kLastLogin;
  } else {
    errors.Add("sort", "must be created or last-login, not '" + sort + "'");
  }
  if (const std::string after = text("after"); !after.empty()) {
    q.after = DecodeUserCursor(after);
    if (!q.after) {
      errors.Add("after",
                 "the page cursor is not valid; start again from the first "
                 "page");
    } else if (q.after->sort != q.sort && !errors.Has("sort")) {
      errors.Add("after",
                 "the page cursor belongs to another sort order; start again "
                 "from the first page");
    }
  }
  if (const std::string limit = text("limit"); !limit.empty()) {
    std::optional<int64_t> n = ParseInt(limit);
    if (!n || *n < 1 || *n > kUserPageMax) {
      errors.Add("limit", "must be a number from 1 to " +
                              std::to_string(kUserPageMax) + ", not '" + limit +
                              "'");
    } else {
      q.limit = static_cast<uint32_t>(*n);
    }
  }
  if (!errors.empty()) {
    const auto& [name, message] = *errors.fields.begin();
    return InvalidArgument(name + ": " + message);
  }
  return q;
}

UserSearch::UserSearch(db::Connection& db, const Clock& clock,
                       int64_t count_cap)
    : db_(db), clock_(clock), count_cap_(count_cap) {}

Result<UserPage> UserSearch::Find(const UserQuery& query, FieldErrors& errors) {
  auto refuse = [&](std::string_view field, const std::string& message) {
    errors.Add(field, message);
    return InvalidArgument(std::string(field) + ": " + message);
  };
  if (query.prefix.size() > kUserSearchMaxBytes) {
    return refuse("q", "the search text is longer than " +
                           std::to_string(kUserSearchMaxBytes) + " characters");
  }
  if (query.limit < 1 || query.limit > kUserPageMax) {
    return refuse("limit",
                  "must be a number from 1 to " + std::to_string(kUserPageMax));
  }
  if (query.after && query.after->sort != query.sort) {
    return refuse("after",
                  "the page cursor belongs to another sort order; start "
                  "again from the first page");
  }
  std::optional<int64_t> role_id;
  if (!query.role.empty()) {
    LK_ASSIGN_OR_RETURN(std::optional<db::Row> row,
                        db_.QueryOne("SELECT id FROM roles WHERE name = ?",
                                     {std::string_view(query.role)}));
    if (!row) return refuse("role", "no role named '" + query.role + "'");
    role_id = row->i64(0);
  }

  const Filters filters = BuildFilters(query, role_id, clock_.NowUnixMicros());
  const std::string pattern = PrefixPattern(query.prefix);
  const std::vector<std::string_view> columns =
      query.prefix.empty() ? std::vector<std::string_view>()
                           : PrefixColumns(query.prefix);

  // The count, exact up to the cap: each prefix column is its own key
  // range read (an OR of the three would gather every match before the
  // LIMIT stops it), and UNION removes the accounts two of them found.
  // One column past the cap settles it without the UNION.
  UserPage page;
  const std::string limit = " LIMIT " + std::to_string(count_cap_ + 1);
  auto count = [&](const std::vector<std::string_view>& cols) {
    std::string sql = "SELECT COUNT(*) FROM (";
    std::vector<db::Value> params;
    if (cols.empty()) {
      sql += "SELECT u.id FROM users u WHERE 1=1" + filters.sql + limit;
      params = filters.params;
    }
    for (size_t i = 0; i < cols.size(); ++i) {
      if (i > 0) sql += " UNION ";
      sql += "(SELECT u.id FROM users u WHERE " + std::string(cols[i]) +
             std::string(kLikeLower) + filters.sql + limit + ")";
      params.push_back(std::string_view(pattern));
      params.insert(params.end(), filters.params.begin(), filters.params.end());
    }
    sql += ") t";
    Result<std::vector<db::Row>> rows = db_.Query(sql, params);
    if (!rows.ok()) return Result<int64_t>(rows.status());
    return Result<int64_t>(rows->empty() ? 0 : rows->front().i64(0));
  };
  int64_t n = 0;
  bool settled = false;
  if (columns.size() > 1) {
    for (std::string_view column : columns) {
      LK_ASSIGN_OR_RETURN(int64_t one, count({column}));
      n = std::max(n, one);
      if (n > count_cap_) break;
    }
    settled = n == 0 || n > count_cap_;
  }
  if (!settled) {
    LK_ASSIGN_OR_RETURN(n, count(columns));
  }
  page.count_capped = n > count_cap_;
  page.count = page.count_capped ? count_cap_ : n;
  if (page.count == 0) return page;

  // The page. Many matches: read the sort key backwards from the cursor
  // and stop at the page's end (or after kScanSortKeyRows rows). Few, or
  // that scan stopped short: read them by their keys and sort.
  std::string where = " WHERE 1=1";
  std::vector<db::Value> params;
  if (!columns.empty()) {
    where += " AND (";
    for (size_t i = 0; i < columns.size(); ++i) {
      if (i > 0) where += " OR ";
      where += std::string(columns[i]) + std::string(kLikeLower);
      params.push_back(std::string_view(pattern));
    }
    where += ")";
  }
  where += filters.sql;
  params.insert(params.end(), filters.params.begin(), filters.params.end());
  const std::string column(SortColumn(query.sort));
  if (query.after) {
    const UserCursor& c = *query.after;
    if (c.micros) {
      where += " AND (" + column + " < ? OR (" + column + " = ? AND u.id < ?)";
      if (query.sort == UserSort::kLastLogin) {
        where += " OR " + column + " IS NULL";  // never signed in: last
      }
      where += ")";
      params.push_back(db::Timestamp{*c.micros});
      params.push_back(db::Timestamp{*c.micros});
      params.push_back(c.id);
    } else {
      where += " AND " + column + " IS NULL AND u.id < ?";
      params.push_back(c.id);
    }
  }
  // DESC puts NULL (never signed in) last.
  where += " ORDER BY " + column + " DESC, u.id DESC LIMIT ?";
  params.push_back(static_cast<int64_t>(query.limit) + 1);
  const std::string key(SortKey(query.sort));
  const std::string select = "SELECT " + std::string(UserSelectColumns()) +
                             ", " + column + " FROM users u";
  std::vector<db::Row> rows;
  if (page.count_capped || page.count >= kScanSortKeyFrom) {
    Result<std::vector<db::Row>> scanned =
        db_.Query(select + " FORCE INDEX (" + key + ")" + where +
                      " ROWS EXAMINED " + std::to_string(kScanSortKeyRows),
                  params);
    if (scanned.ok()) {
      rows = std::move(*scanned);
    } else if (scanned.status().message().find("ROWS EXAMINED") ==
               std::string::npos) {
      // A plan that sorts after all (a role's semi-join) reports the
      // bound as an error ("Sort aborted"): that too is "stopped short".
      return scanned.status();
    }
  }
  if (rows.size() <= query.limit) {  // not run, stopped short, or the end
    LK_ASSIGN_OR_RETURN(rows, db_.Query(select +
                                            " IGNORE INDEX (users_created, "
                                            "users_last_login)" +
                                            where,
                                        params));
  }

  const size_t sort_index = kUserSelectColumnCount;
  const size_t shown = std::min<size_t>(rows.size(), query.limit);
  page.users.reserve(shown);
  for (size_t i = 0; i < shown; ++i) page.users.push_back(UserFromRow(rows[i]));
  if (rows.size() > query.limit) {
    const db::Row& last = rows[shown - 1];
    page.next_cursor = EncodeUserCursor(
        {query.sort, last.unix_micros(sort_index), last.i64(0)});
  }
  return page;
}

}  // namespace latchkey
