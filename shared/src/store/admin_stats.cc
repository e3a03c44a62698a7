#include "latchkey/store/admin_stats.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>

namespace latchkey {
namespace {

constexpr int64_t kHour = 3600;
constexpr int64_t kDay = 86400;
// Hours rolled up per transaction.
constexpr int64_t kRollupChunk = 6 * kHour;

// Series of stats_hours: "failed:<service>" per kStatsServices entry, then
// the two sign-up series.
constexpr std::string_view kRegistered = "registered";
constexpr std::string_view kActivated = "activated";

int64_t FloorTo(int64_t t, int64_t unit) {
  int64_t q = t / unit;
  if (t % unit < 0) --q;
  return q * unit;
}

size_t ServiceIndex(std::string_view service) {
  for (size_t i = 0; i + 1 < kStatsServiceCount; ++i) {
    if (kStatsServices[i] == service) return i;
  }
  return kStatsServiceCount - 1;
}

std::string FailedSeries(size_t service_index) {
  return "failed:" + std::string(kStatsServices[service_index]);
}

// The series a (event, service) group counts in; "" for none.
std::string SeriesOf(std::string_view event, std::string_view service) {
  if (event == AuditEventName(AuditEvent::kUserCreated)) {
    return std::string(kRegistered);
  }
  if (event == AuditEventName(AuditEvent::kEmailVerified)) {
    return std::string(kActivated);
  }
  for (AuditEvent e : kFailedLoginEvents) {
    if (event == AuditEventName(e)) return FailedSeries(ServiceIndex(service));
  }
  return {};
}

// " event IN (?, ...)" over every event a series counts, with the names
// appended to `params`.
std::string CountedEventsIn(std::vector<db::Value>& params,
                            bool failures_only) {
  std::string sql = " event IN (";
  bool first = true;
  auto add = [&](AuditEvent e) {
    sql += first ? "?" : ", ?";
    first = false;
    params.push_back(AuditEventName(e));
  };
  for (AuditEvent e : kFailedLoginEvents) add(e);
  if (!failures_only) {
    add(AuditEvent::kUserCreated);
    add(AuditEvent::kEmailVerified);
  }
  sql += ")";
  return sql;
}

using HourSeries = std::map<std::pair<int64_t, std::string>, int64_t>;

// Counts of auth_events in [from, to) (no upper bound when `to` is
// nullopt) by hour and series.
Result<HourSeries> CountEvents(db::Connection& db, int64_t from,
                               std::optional<int64_t> to) {
  std::vector<db::Value> params;
  std::string sql =
      "SELECT CAST(FLOOR(UNIX_TIMESTAMP(ts) / 3600) AS SIGNED) AS h, event, "
      "service, COUNT(*) FROM auth_events WHERE";
  sql += CountedEventsIn(params, false);
  sql += " AND ts >= ?";
  params.push_back(db::Timestamp::FromUnix(from));
  if (to) {
    sql += " AND ts < ?";
    params.push_back(db::Timestamp::FromUnix(*to));
  }
  sql += " GROUP BY h, event, service";
  LK_ASSIGN_OR_RETURN(std::vector<db::Row> rows, db.Query(sql, params));
  HourSeries out;
  for (const db::Row& r : rows) {
    std::string series = SeriesOf(r.str(1), r.str(2));
    if (series.empty()) continue;
    out[{r.i64(0) * kHour, std::move(series)}] += r.i64(3);
  }
  return out;
}

enum class NameKind { kAddress, kAccount };
std::string_view KindName(NameKind k) {
  return k == NameKind::kAddress ? "address" : "account";
}
std::string_view KindColumn(NameKind k) {
  return k == NameKind::kAddress ? "rhost" : "username_tried";
}

struct HourName {
  int64_t hour = 0;
  std::string name;
  int64_t n = 0;
};

// Failures in [from, to) (no upper bound when nullopt) by hour and
// address (or name tried), the `per_hour` largest of each hour.
Result<std::vector<HourName>> CountNames(db::Connection& db, NameKind kind,
                                         int64_t from,
                                         std::optional<int64_t> to,
                                         int64_t per_hour) {
  const std::string col(KindColumn(kind));
  std::vector<db::Value> params;
  // Grouped first, then ranked within each hour.
  std::string sql =
      "SELECT h, name, n FROM (SELECT h, name, n, ROW_NUMBER() OVER "
      "(PARTITION BY h ORDER BY n DESC, name) AS rn FROM (SELECT "
      "CAST(FLOOR(UNIX_TIMESTAMP(ts) / 3600) AS SIGNED) AS h, " +
      col + " AS name, COUNT(*) AS n FROM auth_events WHERE";
  sql += CountedEventsIn(params, true);
  sql += " AND ts >= ?";
  params.push_back(db::Timestamp::FromUnix(from));
  if (to) {
    sql += " AND ts < ?";
    params.push_back(db::Timestamp::FromUnix(*to));
  }
  sql += " AND " + col + " <> '' GROUP BY h, name) g) t WHERE rn <= ?";
  params.push_back(per_hour);
  LK_ASSIGN_OR_RETURN(std::vector<db::Row> rows, db.Query(sql, params));
  std::vector<HourName> out;
  out.reserve(rows.size());
  for (const db::Row& r : rows) {
    out.push_back({r.i64(0) * kHour, r.str(1), r.i64(2)});
  }
  return out;
}

// Runs `prefix` + "(?, ...), ..." + `suffix` over `rows` of `width`
// values each, in batches of 64, 32, ..., 1 rows (few distinct statements
// for the connection's statement cache).
Status InsertBatches(db::Connection& db, std::string_view prefix,
                     std::string_view tuple, std::string_view suffix,
                     const std::vector<std::vector<db::Value>>& rows) {
  size_t done = 0;
  for (size_t batch = 64; batch >= 1 && done < rows.size(); batch /= 2) {
    while (rows.size() - done >= batch) {
      std::string sql(prefix);
      std::vector<db::Value> params;
      for (size_t i = 0; i < batch; ++i) {
        if (i > 0) sql += ", ";
        sql += tuple;
        const std::vector<db::Value>& row = rows[done + i];
        params.insert(params.end(), row.begin(), row.end());
      }
      sql += suffix;
      LK_RETURN_IF_ERROR(db.Execute(sql, params).status());
      done += batch;
    }
  }
  return Status::Ok();
}

// Rolls up the hours in [from, to) (series) and [names_from, to) (names).
Status RollUpHours(db::Connection& db, int64_t from, int64_t names_from,
                   int64_t to) {
  LK_ASSIGN_OR_RETURN(HourSeries counts, CountEvents(db, from, to));
  std::vector<std::vector<db::Value>> rows;
  rows.reserve(counts.size());
  for (const auto& [key, n] : counts) {
    rows.push_back(
        {db::Timestamp::FromUnix(key.first), std::string_view(key.second), n});
  }
  // An hour rolled up again (the rollup state reset) is replaced.
  LK_RETURN_IF_ERROR(InsertBatches(
      db, "INSERT INTO stats_hours (hour_start, series, n) VALUES ",
      "(?, ?, ?)", " ON DUPLICATE KEY UPDATE n = VALUES(n)", rows));
  if (names_from >= to) return Status::Ok();
  for (NameKind kind : {NameKind::kAddress, NameKind::kAccount}) {
    LK_ASSIGN_OR_RETURN(
        std::vector<HourName> names,
        CountNames(db, kind, names_from, to, kStatsNamesPerHour));
    rows.clear();
    for (const HourName& h : names) {
      rows.push_back({db::Timestamp::FromUnix(h.hour), KindName(kind),
                      std::string_view(h.name), h.n});
    }
    LK_RETURN_IF_ERROR(InsertBatches(
        db, "INSERT INTO stats_hour_names (hour_start, kind, name, n) VALUES ",
        "(?, ?, ?, ?)", " ON DUPLICATE KEY UPDATE n = VALUES(n)", rows));
  }
  return Status::Ok();
}

struct Windows {
  int64_t now = 0;
  int64_t hour_start = 0;  // the current hour
  int64_t hours_from = 0;  // the hourly chart and the top lists
  int64_t days_from = 0;   // the daily charts (and the oldest hour rolled)
};

Windows WindowsAt(int64_t now) {
  Windows w;
  w.now = now;
  w.hour_start = FloorTo(now, kHour);
  w.hours_from = w.hour_start - (kStatsHours - 1) * kHour;
  w.days_from = FloorTo(now, kDay) - (kStatsDays - 1) * kDay;
  return w;
}

// Rolls up at most kRollupChunk hours from where the rollup ends, in one
// transaction that holds the stats_rollup row (so concurrent callers never
// count an hour twice, and each statement stays well within the
// connection's read timeout even on a first fill of 30 days). Returns
// where the rollup ends now.
Result<int64_t> RollUpChunk(db::Connection& db, const Windows& w,
                            int64_t target) {
  LK_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Start(db));
  LK_RETURN_IF_ERROR(
      db.Execute("INSERT IGNORE INTO stats_rollup (id, done_until) VALUES "
                 "(1, NULL)")
          .status());
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> state,
      db.QueryOne("SELECT done_until FROM stats_rollup WHERE id = 1 FOR "
                  "UPDATE"));
  std::optional<int64_t> done_until;
  if (state) done_until = state->unix_time(0);
  const int64_t from = std::max(done_until.value_or(w.days_from), w.days_from);
  if (from >= target) {
    LK_RETURN_IF_ERROR(tx.Commit());
    return from;
  }
  const int64_t to = std::min(target, from + kRollupChunk);
  // Names are only ever read for the last kStatsHours hours.
  const int64_t names_from = std::max(from, w.hours_from);
  LK_RETURN_IF_ERROR(RollUpHours(db, from, names_from, to));
  LK_RETURN_IF_ERROR(db.Execute("DELETE FROM stats_hour_names WHERE "
                                "hour_start < ?",
                                {db::Timestamp::FromUnix(w.hours_from - kDay)})
                         .status());
  LK_RETURN_IF_ERROR(
      db.Execute("UPDATE stats_rollup SET done_until = ? WHERE id = 1",
                 {db::Timestamp::FromUnix(to)})
          .status());
  LK_RETURN_IF_ERROR(tx.Commit());
  return to;
}

// Rolls up every completed hour not yet rolled up and returns where the
// rollup ends: every hour before it is in stats_hours, every hour from it
// on is counted live.
Result<int64_t> RollUp(db::Connection& db, const Windows& w) {
  const int64_t target = FloorTo(w.now - kStatsRollupGrace, kHour);
  for (;;) {
    LK_ASSIGN_OR_RETURN(int64_t at, RollUpChunk(db, w, target));
    if (at >= target) return at;
  }
}

void AddToCharts(AdminStats& s, const Windows& w, int64_t hour,
                 std::string_view series, int64_t n) {
  // A writer whose clock is ahead stamps the future: count it now.
  hour = std::min(hour, w.hour_start);
  if (hour < w.days_from) return;
  const size_t day = static_cast<size_t>((hour - w.days_from) / kDay);
  if (series == kRegistered) {
    s.signups[day].registrations += n;
    return;
  }
  if (series == kActivated) {
    s.signups[day].activations += n;
    return;
  }
  if (!series.starts_with("failed:")) return;
  const size_t service = ServiceIndex(series.substr(7));
  s.daily[day].by_service[service] += n;
  if (hour >= w.hours_from) {
    s.hourly[static_cast<size_t>((hour - w.hours_from) / kHour)]
        .by_service[service] += n;
  }
}

Status ReadCharts(db::Connection& db, const Windows& w, int64_t rolled_until,
                  AdminStats& s) {
  for (int i = 0; i < kStatsHours; ++i) {
    s.hourly.push_back({w.hours_from + i * kHour, {}});
  }
  for (int i = 0; i < kStatsDays; ++i) {
    s.daily.push_back({w.days_from + i * kDay, {}});
    s.signups.push_back({w.days_from + i * kDay, 0, 0});
  }
  LK_ASSIGN_OR_RETURN(
      std::vector<db::Row> rows,
      db.Query("SELECT hour_start, series, n FROM stats_hours WHERE "
               "hour_start >= ? AND hour_start < ?",
               {db::Timestamp::FromUnix(w.days_from),
                db::Timestamp::FromUnix(rolled_until)}));
  for (const db::Row& r : rows) {
    AddToCharts(s, w, r.unix_time(0).value_or(0), r.str(1), r.i64(2));
  }
  LK_ASSIGN_OR_RETURN(HourSeries live,
                      CountEvents(db, rolled_until, std::nullopt));
  for (const auto& [key, n] : live) {
    AddToCharts(s, w, key.first, key.second, n);
  }
  return Status::Ok();
}

std::vector<TopName> TopOf(std::map<std::string, int64_t> counts) {
  std::vector<TopName> all;
  all.reserve(counts.size());
  for (auto& [name, n] : counts) all.push_back({name, n});
  std::sort(all.begin(), all.end(), [](const TopName& a, const TopName& b) {
    return a.failures != b.failures ? a.failures > b.failures : a.name < b.name;
  });
  if (all.size() > kStatsTopN) all.resize(kStatsTopN);
  return all;
}

Result<std::vector<TopName>> ReadTop(db::Connection& db, const Windows& w,
                                     int64_t rolled_until, NameKind kind) {
  std::map<std::string, int64_t> counts;
  if (rolled_until > w.hours_from) {
    LK_ASSIGN_OR_RETURN(
        std::vector<db::Row> rows,
        db.Query("SELECT name, SUM(n) AS total FROM stats_hour_names WHERE "
                 "kind = ? AND hour_start >= ? AND hour_start < ? GROUP BY "
                 "name ORDER BY total DESC, name LIMIT ?",
                 {KindName(kind), db::Timestamp::FromUnix(w.hours_from),
                  db::Timestamp::FromUnix(rolled_until), kStatsNamesPerHour}));
    for (const db::Row& r : rows) counts[r.str(0)] += r.i64(1);
  }
  LK_ASSIGN_OR_RETURN(std::vector<HourName> live,
                      CountNames(db, kind, std::max(rolled_until, w.hours_from),
                                 std::nullopt, kStatsNamesPerHour));
  for (const HourName& h : live) counts[h.name] += h.n;
  return TopOf(std::move(counts));
}

Status ReadLocked(db::Connection& db, int64_t now, AdminStats& s) {
  const db::Timestamp at = db::Timestamp::FromUnix(now);
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> totals,
      db.QueryOne("SELECT (SELECT COUNT(*) FROM users WHERE locked_until > "
                  "?), (SELECT COUNT(*) FROM users WHERE admin_locked_until "
                  "> ?)",
                  {at, at}));
  if (totals) s.locked_total = totals->i64(0) + totals->i64(1);
  LK_ASSIGN_OR_RETURN(
      std::vector<db::Row> rows,
      db.Query("SELECT id, username, locked_until, admin_locked_until FROM "
               "users WHERE locked_until > ? OR admin_locked_until > ? "
               "ORDER BY id LIMIT ?",
               {at, at, static_cast<int64_t>(kStatsLockedMax)}));
  for (const db::Row& r : rows) {
    const std::optional<int64_t> password = r.unix_time(2);
    const std::optional<int64_t> admin = r.unix_time(3);
    if (admin && *admin > now && s.locked.size() < kStatsLockedMax) {
      s.locked.push_back({r.i64(0), r.str(1), StatsLock::kAdmin, *admin});
    }
    if (password && *password > now && s.locked.size() < kStatsLockedMax) {
      s.locked.push_back({r.i64(0), r.str(1), StatsLock::kPassword, *password});
    }
  }
  return Status::Ok();
}

Status ReadOutbox(db::Connection& db, int64_t now, OutboxHealth& o) {
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> row,
      db.QueryOne("SELECT COUNT(*), COALESCE(SUM(attempts > 0), 0), "
                  "MIN(created_at) FROM mail_outbox WHERE sent_at IS NULL "
                  "AND failed_at IS NULL"));
  if (row) {
    o.queued = row->i64(0);
    o.failing = row->i64(1);
    o.oldest_unsent_at = row->unix_time(2);
  }
  LK_ASSIGN_OR_RETURN(
      std::optional<db::Row> failed,
      db.QueryOne("SELECT COUNT(*) FROM mail_outbox WHERE failed_at IS NOT "
                  "NULL"));
  if (failed) o.failed = failed->i64(0);
  if (o.oldest_unsent_at) {
    o.oldest_unsent_age = std::max<int64_t>(0, now - *o.oldest_unsent_at);
    o.stale = o.oldest_unsent_age > kStatsOutboxStaleAfter;
  }
  return Status::Ok();
}

}  // namespace

int64_t FailureBucket::total() const {
  int64_t t = 0;
  for (int64_t n : by_service) t += n;
  return t;
}

std::string_view StatsLockName(StatsLock lock) {
  return lock == StatsLock::kAdmin ? "admin" : "password";
}

Result<AdminStats> ComputeAdminStats(db::Connection& db, const Clock& clock) {
  const Windows w = WindowsAt(clock.NowUnix());
  LK_ASSIGN_OR_RETURN(int64_t rolled_until, RollUp(db, w));
  AdminStats s;
  s.generated_at = w.now;
  LK_RETURN_IF_ERROR(ReadCharts(db, w, rolled_until, s));
  LK_ASSIGN_OR_RETURN(s.top_addresses,
                      ReadTop(db, w, rolled_until, NameKind::kAddress));
  LK_ASSIGN_OR_RETURN(s.top_accounts,
                      ReadTop(db, w, rolled_until, NameKind::kAccount));
  LK_RETURN_IF_ERROR(ReadLocked(db, w.now, s));
  LK_RETURN_IF_ERROR(ReadOutbox(db, w.now, s.outbox));
  return s;
}

Status ResetAdminStatsRollup(db::Connection& db) {
  LK_ASSIGN_OR_RETURN(db::Transaction tx, db::Transaction::Start(db));
  LK_RETURN_IF_ERROR(db.Execute("DELETE FROM stats_hours").status());
  LK_RETURN_IF_ERROR(db.Execute("DELETE FROM stats_hour_names").status());
  LK_RETURN_IF_ERROR(
      db.Execute("UPDATE stats_rollup SET done_until = NULL").status());
  return tx.Commit();
}

}  // namespace latchkey
