#include "latchkey/store/audit_query.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>

#include "latchkey/base/clock.h"
#include "latchkey/base/strings.h"
#include "latchkey/config/config.h"

namespace latchkey {
namespace {

constexpr std::string_view kColumns =
    "id, ts, user_id, username_tried, event, service, rhost, tty, outcome, "
    "detail";
constexpr std::string_view kNewestFirst = " ORDER BY ts DESC, id DESC";

bool AllDigits(std::string_view s) {
  return !s.empty() && s.size() <= 18 &&
         std::all_of(s.begin(), s.end(),
                     [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<int64_t> ToInt(std::string_view s) {
  if (!AllDigits(s)) return std::nullopt;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

// LIKE's own characters (default escape '\') made literal.
std::string EscapeLike(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 4);
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

// The conditions of every filter field but `user`, with their values. The
// strings live here, so the string_view parameters stay valid while the
// query runs.
struct Conditions {
  std::string sql;
  std::vector<db::Value> params;
  std::string event, service, outcome, address;
};

void BuildConditions(const AuditFilter& f, Conditions& c) {
  if (f.event) {
    c.event = std::string(AuditEventName(*f.event));
    c.sql += " AND event = ?";
    c.params.push_back(std::string_view(c.event));
  }
  if (!f.service.empty()) {
    c.service = EscapeLogField(f.service, kAuditServiceMax);
    c.sql += " AND service = ?";
    c.params.push_back(std::string_view(c.service));
  }
  if (f.outcome) {
    c.outcome = std::string(AuditOutcomeName(*f.outcome));
    c.sql += " AND outcome = ?";
    c.params.push_back(std::string_view(c.outcome));
  }
  if (!f.address.empty()) {
    std::string_view a = f.address;
    const bool prefix = a.back() == '*';
    if (prefix) a.remove_suffix(1);
    c.address = EscapeLogField(a, kAuditRhostMax);
    if (prefix) {
      c.address = EscapeLike(c.address) + "%";
      c.sql += " AND rhost LIKE ?";
    } else {
      c.sql += " AND rhost = ?";
    }
    c.params.push_back(std::string_view(c.address));
  }
  if (f.since) {
    c.sql += " AND ts >= ?";
    c.params.push_back(db::Timestamp::FromUnix(*f.since));
  }
  if (f.until) {
    c.sql += " AND ts < ?";
    c.params.push_back(db::Timestamp::FromUnix(*f.until));
  }
  if (f.before) {
    // (ts, id) < cursor, written so that ts <= ? is a range on each index.
    c.sql += " AND ts <= ? AND (ts < ? OR id < ?)";
    c.params.push_back(db::Timestamp{f.before->ts_micros});
    c.params.push_back(db::Timestamp{f.before->ts_micros});
    c.params.push_back(f.before->id);
  }
}

void AppendBranch(std::string& sql, std::vector<db::Value>& params,
                  std::string_view who, const db::Value& value,
                  const Conditions& c, int64_t limit) {
  sql += "SELECT ";
  sql += kColumns;
  sql += " FROM auth_events WHERE ";
  sql += who;
  sql += " = ?";
  sql += c.sql;
  sql += kNewestFirst;
  sql += " LIMIT ?";
  params.push_back(value);
  params.insert(params.end(), c.params.begin(), c.params.end());
  params.push_back(limit);
}

AuditEntry EntryFromRow(const db::Row& row) {
  AuditEntry e;
  e.id = row.i64(0);
  e.ts_micros = row.unix_micros(1).value_or(0);
  e.user_id = row.opt_i64(2);
  e.username_tried = row.str(3);
  e.event = row.str(4);
  e.service = row.str(5);
  e.rhost = row.str(6);
  e.tty = row.str(7);
  e.outcome = row.str(8);
  e.detail = row.str(9);
  return e;
}

}  // namespace

Result<std::vector<AuditEntry>> QueryAuditEvents(db::Connection& db,
                                                 const AuditFilter& filter) {
  const int64_t limit = std::clamp<uint32_t>(filter.limit, 1, 10000);
  Conditions c;
  BuildConditions(filter, c);
  std::string sql;
  std::vector<db::Value> params;
  std::string tried;  // outlives the query (params view it)
  if (filter.user.empty()) {
    sql = "SELECT ";
    sql += kColumns;
    sql += " FROM auth_events WHERE 1=1";
    sql += c.sql;
    sql += kNewestFirst;
    sql += " LIMIT ?";
    params = c.params;
    params.push_back(limit);
  } else {
    // The account first, so that each branch below reads one index in
    // order ((username_tried, ts) and (user_id, ts)); an OR of the two
    // would scan by ts instead.
    std::optional<int64_t> user_id = ToInt(filter.user);
    if (!user_id) {
      LK_ASSIGN_OR_RETURN(std::optional<db::Row> row,
                          db.QueryOne("SELECT id FROM users WHERE username = ?",
                                      {std::string_view(filter.user)}));
      if (row) user_id = row->i64(0);
    }
    tried = EscapeLogField(filter.user, kAuditUsernameMax);
    if (!user_id) {
      AppendBranch(sql, params, "username_tried", std::string_view(tried), c,
                   limit);
    } else {
      // UNION (not ALL): a row with both the name and the id comes once.
      sql = "(";
      AppendBranch(sql, params, "username_tried", std::string_view(tried), c,
                   limit);
      sql += ") UNION (";
      AppendBranch(sql, params, "user_id", *user_id, c, limit);
      sql += ")";
      sql += kNewestFirst;
      sql += " LIMIT ?";
      params.push_back(limit);
    }
  }
  LK_ASSIGN_OR_RETURN(std::vector<db::Row> rows, db.Query(sql, params));
  std::vector<AuditEntry> out;
  out.reserve(rows.size());
  for (const db::Row& row : rows) out.push_back(EntryFromRow(row));
  return out;
}

std::string FormatAuditCursor(const AuditEntry& entry) {
  return std::to_string(entry.ts_micros) + "." + std::to_string(entry.id);
}

std::optional<AuditCursor> ParseAuditCursor(std::string_view text) {
  const size_t dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  std::optional<int64_t> ts = ToInt(text.substr(0, dot));
  std::optional<int64_t> id = ToInt(text.substr(dot + 1));
  if (!ts || !id) return std::nullopt;
  return AuditCursor{*ts, *id};
}

std::optional<int64_t> ParseAuditTime(std::string_view text, int64_t now) {
  text = Trim(text);
  if (text.empty()) return std::nullopt;
  if (text.size() >= 2 && text.size() <= 8 && text[0] >= '0' &&
      text[0] <= '9' && text.back() >= 'a' && text.back() <= 'z') {
    Result<Millis> ago = ParseDuration(text);
    if (!ago.ok()) return std::nullopt;
    return now - std::chrono::duration_cast<Seconds>(*ago).count();
  }
  if (text.back() == 'Z') text.remove_suffix(1);
  // YYYY-MM-DD[( |T)HH:MM[:SS]]
  auto num = [&](size_t pos, size_t len) -> std::optional<int> {
    if (pos + len > text.size()) return std::nullopt;
    std::optional<int64_t> v = ToInt(text.substr(pos, len));
    if (!v) return std::nullopt;
    return static_cast<int>(*v);
  };
  if (text.size() != 10 && text.size() != 16 && text.size() != 19) {
    return std::nullopt;
  }
  if (text[4] != '-' || text[7] != '-') return std::nullopt;
  std::tm tm{};
  std::optional<int> y = num(0, 4), mo = num(5, 2), d = num(8, 2);
  if (!y || !mo || !d) return std::nullopt;
  int h = 0, mi = 0, s = 0;
  if (text.size() >= 16) {
    if ((text[10] != 'T' && text[10] != ' ') || text[13] != ':') {
      return std::nullopt;
    }
    std::optional<int> hh = num(11, 2), mm = num(14, 2);
    if (!hh || !mm) return std::nullopt;
    h = *hh;
    mi = *mm;
  }
  if (text.size() == 19) {
    if (text[16] != ':') return std::nullopt;
    std::optional<int> ss = num(17, 2);
    if (!ss) return std::nullopt;
    s = *ss;
  }
  if (*y < 1970 || *y > 9999 || *mo < 1 || *mo > 12 || *d < 1 || *d > 31 ||
      h > 23 || mi > 59 || s > 59) {
    return std::nullopt;
  }
  tm.tm_year = *y - 1900;
  tm.tm_mon = *mo - 1;
  tm.tm_mday = *d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  const time_t t = timegm(&tm);
  // timegm normalizes 2026-02-31 to March: such a day does not exist.
  std::tm back{};
  if (gmtime_r(&t, &back) == nullptr || back.tm_mday != *d ||
      back.tm_mon != *mo - 1) {
    return std::nullopt;
  }
  return static_cast<int64_t>(t);
}

AuditFilter ParseAuditFilter(const AuditFilterText& text, int64_t now,
                             FieldErrors& errors) {
  AuditFilter f;
  f.limit = kAuditPageDefault;
  const std::string_view user = Trim(text.user);
  if (Utf8Length(user) < 0 || user.size() > kAuditUsernameMax * 4) {
    errors.Add("user", "Enter a username of at most 64 characters.");
  } else {
    f.user = std::string(user);
  }
  if (!text.event.empty()) {
    f.event = AuditEventFromName(text.event);
    if (!f.event) errors.Add("event", "There is no event of that name.");
  }
  if (!text.service.empty()) {
    if (std::find(kAuditServices.begin(), kAuditServices.end(), text.service) ==
        kAuditServices.end()) {
      errors.Add("service",
                 "Choose one of sshd, sudo, login, portal, api or cli.");
    } else {
      f.service = text.service;
    }
  }
  if (text.outcome == "ok") {
    f.outcome = AuditOutcome::kOk;
  } else if (text.outcome == "fail") {
    f.outcome = AuditOutcome::kFail;
  } else if (!text.outcome.empty()) {
    errors.Add("outcome", "Choose ok or fail.");
  }
  const std::string_view address = Trim(text.address);
  if (Utf8Length(address) < 0 || address.size() > kAuditRhostMax) {
    errors.Add("address", "Enter an address of at most 255 characters.");
  } else {
    f.address = std::string(address);
  }
  constexpr std::string_view kTimeHelp =
      "Enter a UTC time such as 2026-12-05 or 2026-12-05T14:30, or a "
      "duration ago such as 2h or 7d.";
  if (!text.from.empty()) {
    f.since = ParseAuditTime(text.from, now);
    if (!f.since) errors.Add("from", kTimeHelp);
  }
  if (!text.to.empty()) {
    f.until = ParseAuditTime(text.to, now);
    if (!f.until) errors.Add("to", kTimeHelp);
  }
  if (f.since && f.until && *f.until <= *f.since) {
    errors.Add("to", "The end must come after the start.");
    f.until.reset();
  }
  if (!text.cursor.empty()) {
    f.before = ParseAuditCursor(text.cursor);
    if (!f.before) {
      errors.Add("cursor", "This link to older events is not valid.");
    }
  }
  if (!text.limit.empty()) {
    std::optional<int64_t> n = ToInt(text.limit);
    if (!n || *n < 1 || *n > kAuditPageMax) {
      errors.Add("limit", "Choose from 1 to " + std::to_string(kAuditPageMax) +
                              " rows.");
    } else {
      f.limit = static_cast<uint32_t>(*n);
    }
  }
  return f;
}

std::string AuditTimeText(int64_t ts_micros) {
  int64_t seconds = ts_micros / 1'000'000;
  int64_t micros = ts_micros % 1'000'000;
  if (micros < 0) {
    micros += 1'000'000;
    --seconds;
  }
  std::string iso = IsoTime(seconds);
  if (!iso.empty() && iso.back() == 'Z') iso.pop_back();
  char frac[8];
  std::snprintf(frac, sizeof frac, ".%06lld", static_cast<long long>(micros));
  return iso + frac + "Z";
}

}  // namespace latchkey
