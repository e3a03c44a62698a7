// The numbers of the admin overview (GET /admin, GET /api/v1/admin/stats,
// `latchkeyctl stats`): one function computes them for all three doors.
//
// What is counted (docs/admin.md, "Overview"):
//   - failed logins: auth_events rows whose event is one of
//     kFailedLoginEvents (a refused sign-in attempt of any kind: wrong
//     password or code, unknown name, refused while locked, address
//     throttled, right password but inactive/unverified/expired, a code
//     replayed). account_locked is not one: it follows a failure already
//     counted. Split by service: sshd, sudo, login, portal, api, cli, and
//     "other" for any other service name;
//   - registrations: user_created events (self-registration, invitations,
//     accounts an admin or the CLI made); activations: email_verified
//     events (the activation link, or an admin marking the address
//     verified). Counting events, not users rows, keeps deleted accounts in
//     the day they were made;
//   - the accounts locked now and the mail outbox, read live.
//
// Speed: the per-hour counts of completed hours are kept in a rollup
// (sql/013_admin_stats.sql: stats_hours, stats_hour_names, stats_rollup),
// filled on demand by ComputeAdminStats for every hour that ended at least
// kStatsRollupGrace ago (auth_events is append-only, so such an hour no
// longer changes, except for a writer whose clock is behind by more than
// the grace: its late rows stay in the audit log but not in the charts).
// The hours after the rollup (about an hour) are counted live through the
// (event, ts) index. The first call after the migration (or after more
// than 30 days without a call) fills up to 30 days at once, which takes
// longer; every later call adds an hour or two at most.
#ifndef LATCHKEY_STORE_ADMIN_STATS_H_
#define LATCHKEY_STORE_ADMIN_STATS_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "latchkey/base/clock.h"
#include "latchkey/base/result.h"
#include "latchkey/db/db.h"
#include "latchkey/store/audit.h"

namespace latchkey {

// The services the charts split by, in chart order; the last one, "other",
// takes every service not named before it.
inline constexpr std::array<std::string_view, 7> kStatsServices = {
    "sshd", "sudo", "login", "portal", "api", "cli", "other"};
inline constexpr size_t kStatsServiceCount = kStatsServices.size();

// The events that count as a failed login.
inline constexpr std::array<AuditEvent, 7> kFailedLoginEvents = {
    AuditEvent::kLoginFailure,  AuditEvent::kUnknownUser,
    AuditEvent::kTotpWrong,     AuditEvent::kTotpReplayed,
    AuditEvent::kRefusedLocked, AuditEvent::kAddressThrottled,
    AuditEvent::kLoginDenied};

inline constexpr int kStatsHours = 24;  // the hourly chart and the top lists
inline constexpr int kStatsDays = 30;   // the daily charts
inline constexpr size_t kStatsTopN = 10;
// How many locked accounts are listed (all are counted).
inline constexpr size_t kStatsLockedMax = 100;
// An hour is rolled up this long after its end (clock skew of the hosts
// that write auth_events, and transactions still open at the hour's end).
inline constexpr int64_t kStatsRollupGrace = 600;
// Names kept per hour and kind in the rollup: the top lists are exact
// unless more than this many addresses (or names) failed in one hour.
inline constexpr int64_t kStatsNamesPerHour = 500;
// The oldest unsent mail is flagged past this age (seconds).
inline constexpr int64_t kStatsOutboxStaleAfter = 900;

// Failed logins in one hour or day, by service (index as kStatsServices).
struct FailureBucket {
  int64_t start = 0;  // Unix seconds, UTC, the hour's or day's start
  std::array<int64_t, kStatsServiceCount> by_service{};
  int64_t total() const;
};

struct TopName {
  std::string name;  // rhost or username_tried, escaped as stored
  int64_t failures = 0;
};

enum class StatsLock { kPassword, kAdmin };
std::string_view StatsLockName(StatsLock lock);  // "password" / "admin"

// One lock in force. An account with both locks appears twice.
struct LockedAccount {
  int64_t user_id = 0;
  std::string username;
  StatsLock lock = StatsLock::kPassword;
  int64_t until = 0;  // Unix seconds
};

struct SignupDay {
  int64_t start = 0;  // the day's start, Unix seconds, UTC
  int64_t registrations = 0;
  int64_t activations = 0;
};

struct OutboxHealth {
  int64_t queued = 0;   // not sent and not given up (includes `failing`)
  int64_t failing = 0;  // of those, tried at least once
  int64_t failed = 0;   // given up (failed_at set), all kept rows
  std::optional<int64_t> oldest_unsent_at;  // created_at of the oldest queued
  int64_t oldest_unsent_age = 0;            // seconds; 0 when none
  bool stale = false;  // oldest_unsent_age > kStatsOutboxStaleAfter
};

struct AdminStats {
  int64_t generated_at = 0;  // Unix seconds
  // kStatsHours buckets, oldest first; the last is the current hour (so
  // far). The top lists count the same window: [hourly[0].start, now].
  std::vector<FailureBucket> hourly;
  // kStatsDays buckets (UTC days), oldest first; the last is today.
  std::vector<FailureBucket> daily;
  std::vector<TopName> top_addresses;  // at most kStatsTopN, no empty rhost
  std::vector<TopName> top_accounts;   // at most kStatsTopN, no empty name
  int64_t locked_total = 0;            // locks in force (both kinds)
  std::vector<LockedAccount> locked;   // at most kStatsLockedMax, by user id
  std::vector<SignupDay> signups;      // kStatsDays, oldest first
  OutboxHealth outbox;
};

// Rolls up the completed hours not yet rolled up (six hours per
// transaction, each holding the stats_rollup row, so concurrent callers
// never count an hour twice and no statement nears the read timeout),
// then reads everything at clock.NowUnix(). Errors: the db layer's
// (PermissionDenied if the role lacks the grants of sql/grants.sql).
// Not thread-safe (one Connection).
Result<AdminStats> ComputeAdminStats(db::Connection& db, const Clock& clock);

// Forgets the rollup, so the next ComputeAdminStats counts the last 30
// days again from auth_events (latchkeyctl stats --rebuild: after
// importing old events, or when a host's clock was far behind).
Status ResetAdminStatsRollup(db::Connection& db);

}  // namespace latchkey

#endif  // LATCHKEY_STORE_ADMIN_STATS_H_
