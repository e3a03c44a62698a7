// ComputeAdminStats against a real database: failed logins per hour, day
// and service, the top lists, the rollup of completed hours (across hour
// boundaries, with new and late events), locked accounts and the outbox.
#include "latchkey/store/admin_stats.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "support/fakes.h"
#include "support/sandbox.h"

namespace latchkey {
namespace {

using std::chrono::minutes;

constexpr int64_t kHour = 3600;
constexpr int64_t kDay = 86400;
// 2023-11-14 00:00:00 UTC.
constexpr int64_t kDayStart = 1'699'920'000;

size_t Svc(std::string_view name) {
  for (size_t i = 0; i < kStatsServiceCount; ++i) {
    if (kStatsServices[i] == name) return i;
  }
  return kStatsServiceCount;
}

class AdminStatsTest : public testing::DatabaseTest {
 protected:
  void Event(int64_t ts, std::string_view event, std::string_view service,
             std::string_view rhost = "203.0.113.5",
             std::string_view user = "alice") {
    auto r = conn().Execute(
        "INSERT INTO auth_events (ts, username_tried, event, service, rhost, "
        "outcome) VALUES (?, ?, ?, ?, ?, ?)",
        {db::Timestamp::FromUnix(ts), user, event, service, rhost,
         std::string_view(event == "user_created" ||
                                  event == "email_verified" ||
                                  event == "login_success"
                              ? "ok"
                              : "fail")});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  AdminStats Stats() {
    auto s = ComputeAdminStats(conn(), clock_);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : AdminStats{};
  }
  int64_t User(std::string_view name) {
    auto r = conn().Execute(
        "INSERT INTO users (username, email, password_hash, created_at, "
        "updated_at) VALUES (?, ?, 'x', ?, ?)",
        {name, std::string(name) + "@example.org",
         db::Timestamp::FromUnix(clock_.NowUnix()),
         db::Timestamp::FromUnix(clock_.NowUnix())});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return static_cast<int64_t>(conn().last_insert_id());
  }

  FakeClock clock_{kDayStart + 10 * kHour + 30 * 60};  // 10:30
};

TEST_F(AdminStatsTest, EmptyDatabaseHasEveryBucketAtZero) {
  AdminStats s = Stats();
  ASSERT_EQ(s.hourly.size(), static_cast<size_t>(kStatsHours));
  ASSERT_EQ(s.daily.size(), static_cast<size_t>(kStatsDays));
  ASSERT_EQ(s.signups.size(), static_cast<size_t>(kStatsDays));
  EXPECT_EQ(s.hourly.back().start, kDayStart + 10 * kHour);
  EXPECT_EQ(s.hourly.front().start, kDayStart + 10 * kHour - 23 * kHour);
  EXPECT_EQ(s.daily.back().start, kDayStart);
  EXPECT_EQ(s.daily.front().start, kDayStart - 29 * kDay);
  for (const FailureBucket& b : s.hourly) EXPECT_EQ(b.total(), 0);
  for (const FailureBucket& b : s.daily) EXPECT_EQ(b.total(), 0);
  EXPECT_TRUE(s.top_addresses.empty());
  EXPECT_EQ(s.locked_total, 0);
  EXPECT_EQ(s.outbox.queued, 0);
  EXPECT_FALSE(s.outbox.oldest_unsent_at.has_value());
}

TEST_F(AdminStatsTest, CountsFailuresPerHourDayAndService) {
  const int64_t now = clock_.NowUnix();
  Event(now - kHour, "login_failure", "sshd");      // 09:30
  Event(now - kHour + 60, "unknown_user", "sshd");  // 09:31
  Event(now - 5 * 60, "login_denied", "portal");    // 10:25, live
  Event(now - 3 * kHour, "totp_wrong", "su");       // 07:30, other
  Event(now - 3 * kHour, "address_throttled", "api");
  Event(now - kHour, "login_success", "sshd");        // not a failure
  Event(now - kHour, "account_locked", "sshd");       // follows one
  Event(now - kHour, "totp_enrol_failed", "portal");  // not a login
  Event(now - 2 * kDay, "refused_locked", "sudo");
  Event(now - 2 * kDay, "totp_replayed", "login");
  Event(now - 31 * kDay, "login_failure", "cli");  // before the window
  Event(now - kDay, "user_created", "portal");
  Event(now - kDay - kHour, "user_created", "cli");
  Event(now - kHour, "email_verified", "portal");

  AdminStats s = Stats();
  EXPECT_EQ(s.hourly[22].by_service[Svc("sshd")], 2);
  EXPECT_EQ(s.hourly[22].total(), 2);
  EXPECT_EQ(s.hourly[23].by_service[Svc("portal")], 1);
  EXPECT_EQ(s.hourly[20].by_service[Svc("other")], 1);
  EXPECT_EQ(s.hourly[20].by_service[Svc("api")], 1);
  int64_t hourly_total = 0;
  for (const FailureBucket& b : s.hourly) hourly_total += b.total();
  EXPECT_EQ(hourly_total, 5);

  EXPECT_EQ(s.daily[29].total(), 5);
  EXPECT_EQ(s.daily[27].by_service[Svc("sudo")], 1);
  EXPECT_EQ(s.daily[27].by_service[Svc("login")], 1);
  int64_t daily_total = 0;
  for (const FailureBucket& b : s.daily) daily_total += b.total();
  EXPECT_EQ(daily_total, 7);

  EXPECT_EQ(s.signups[28].registrations, 2);
  EXPECT_EQ(s.signups[29].activations, 1);
  EXPECT_EQ(s.signups[29].registrations, 0);

  // The completed hours went into the rollup; asking again counts the same.
  auto rolled = conn().QueryOne(
      "SELECT COALESCE(SUM(n), 0) FROM stats_hours WHERE series LIKE "
      "'failed:%'");
  ASSERT_TRUE(rolled.ok() && rolled->has_value());
  EXPECT_EQ((*rolled)->i64(0), 6);  // all but the live 10:25 one
  AdminStats again = Stats();
  for (size_t i = 0; i < again.daily.size(); ++i) {
    EXPECT_EQ(again.daily[i].by_service, s.daily[i].by_service) << i;
  }
}

TEST_F(AdminStatsTest, RollupAcrossHourBoundariesAndNewEvents) {
  clock_.Set(kDayStart + 10 * kHour + 55 * 60);  // 10:55
  Event(kDayStart + 10 * kHour + 50 * 60, "login_failure", "sshd");
  AdminStats s = Stats();
  EXPECT_EQ(s.hourly[23].total(), 1);

  // 11:05: hour 10 has ended but is still in its grace: counted live.
  clock_.Set(kDayStart + 11 * kHour + 5 * 60);
  Event(kDayStart + 10 * kHour + 59 * 60, "login_failure", "sshd");
  Event(kDayStart + 11 * kHour + 1 * 60, "login_failure", "sudo");
  s = Stats();
  EXPECT_EQ(s.hourly[22].by_service[Svc("sshd")], 2);
  EXPECT_EQ(s.hourly[23].by_service[Svc("sudo")], 1);
  auto done = conn().QueryOne("SELECT done_until FROM stats_rollup");
  ASSERT_TRUE(done.ok() && done->has_value());
  EXPECT_EQ((*done)->unix_time(0), kDayStart + 10 * kHour);

  // 11:15: hour 10 is rolled up; the current hour is still live.
  clock_.Set(kDayStart + 11 * kHour + 15 * 60);
  Event(kDayStart + 11 * kHour + 10 * 60, "unknown_user", "sudo");
  s = Stats();
  EXPECT_EQ(s.hourly[22].by_service[Svc("sshd")], 2);
  EXPECT_EQ(s.hourly[23].by_service[Svc("sudo")], 2);
  auto row = conn().QueryOne(
      "SELECT n FROM stats_hours WHERE hour_start = ? AND series = "
      "'failed:sshd'",
      {db::Timestamp::FromUnix(kDayStart + 10 * kHour)});
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->i64(0), 2);

  // A row stamped into an hour already rolled up (a clock far behind) is
  // not in the charts until the rollup is rebuilt.
  Event(kDayStart + 10 * kHour + 30 * 60, "login_failure", "sshd");
  s = Stats();
  EXPECT_EQ(s.hourly[22].by_service[Svc("sshd")], 2);
  ASSERT_TRUE(ResetAdminStatsRollup(conn()).ok());
  s = Stats();
  EXPECT_EQ(s.hourly[22].by_service[Svc("sshd")], 3);
  EXPECT_EQ(s.daily[29].total(), 5);

  // Hours later, the hour that was live is rolled up too, and the hourly
  // chart moves along: hour 10 is now the third bucket from the end.
  clock_.Set(kDayStart + 12 * kHour + 20 * 60);
  s = Stats();
  EXPECT_EQ(s.hourly[21].total(), 3);
  EXPECT_EQ(s.hourly[22].total(), 2);
  EXPECT_EQ(s.hourly[23].total(), 0);
  EXPECT_EQ(s.daily[29].total(), 5);
}

TEST_F(AdminStatsTest, TopAddressesAndAccountsOverTheLastDay) {
  const int64_t now = clock_.NowUnix();
  // 203.0.113.5: 5 failures over rolled and live hours, as bob.
  for (int64_t ago :
       {20 * kHour, 5 * kHour, kHour, int64_t{600}, int64_t{60}}) {
    Event(now - ago, "login_failure", "sshd", "203.0.113.5", "bob");
  }
  for (int i = 0; i < 3; ++i) {
    Event(now - 2 * kHour, "unknown_user", "sshd", "198.51.100.7", "root");
  }
  for (int i = 0; i < 12; ++i) {
    Event(now - 4 * kHour, "login_failure", "portal",
          "192.0.2." + std::to_string(10 + i), "u" + std::to_string(10 + i));
  }
  for (int i = 0; i < 9; ++i) Event(now - kHour, "login_failure", "sudo", "");
  // Outside the window (the oldest bucket starts 23.5 h ago), or not a
  // failure: not counted.
  for (int i = 0; i < 9; ++i) {
    Event(now - 24 * kHour, "login_failure", "sshd", "198.51.100.99", "old");
    Event(now - kHour, "login_success", "sshd", "198.51.100.98", "ok");
  }

  AdminStats s = Stats();
  ASSERT_EQ(s.top_addresses.size(), kStatsTopN);
  EXPECT_EQ(s.top_addresses[0].name, "203.0.113.5");
  EXPECT_EQ(s.top_addresses[0].failures, 5);
  EXPECT_EQ(s.top_addresses[1].name, "198.51.100.7");
  EXPECT_EQ(s.top_addresses[1].failures, 3);
  EXPECT_EQ(s.top_addresses[2].name, "192.0.2.10");  // ties: by name
  EXPECT_EQ(s.top_addresses[9].name, "192.0.2.17");
  for (const TopName& t : s.top_addresses) EXPECT_NE(t.name, "");

  ASSERT_EQ(s.top_accounts.size(), kStatsTopN);
  EXPECT_EQ(s.top_accounts[0].name, "alice");  // the 9 local sudo failures
  EXPECT_EQ(s.top_accounts[0].failures, 9);
  EXPECT_EQ(s.top_accounts[1].name, "bob");
  EXPECT_EQ(s.top_accounts[1].failures, 5);
  EXPECT_EQ(s.top_accounts[2].name, "root");
  EXPECT_EQ(s.top_accounts[2].failures, 3);

  // An hour later the 20-hours-ago failure is still in, and new live ones
  // add to the rolled-up counts.
  clock_.Advance(minutes(60));
  Event(clock_.NowUnix() - 30, "login_failure", "sshd", "198.51.100.7");
  s = Stats();
  EXPECT_EQ(s.top_addresses[0].failures, 5);
  EXPECT_EQ(s.top_addresses[1].failures, 4);
}

TEST_F(AdminStatsTest, LockedAccountsNow) {
  const int64_t now = clock_.NowUnix();
  const int64_t pw = User("pwlocked");
  const int64_t admin = User("adminlocked");
  const int64_t both = User("bothlocked");
  const int64_t past = User("waslocked");
  User("free");
  auto set = [&](int64_t id, std::optional<int64_t> pw_until,
                 std::optional<int64_t> admin_until) {
    std::optional<db::Timestamp> a, b;
    if (pw_until) a = db::Timestamp::FromUnix(*pw_until);
    if (admin_until) b = db::Timestamp::FromUnix(*admin_until);
    ASSERT_TRUE(conn()
                    .Execute("UPDATE users SET locked_until = ?, "
                             "admin_locked_until = ? WHERE id = ?",
                             {db::OrNull(a), db::OrNull(b), id})
                    .ok());
  };
  set(pw, now + 900, std::nullopt);
  set(admin, std::nullopt, 253402300799);
  set(both, now + 60, now + kDay);
  set(past, now - 1, now - 1);

  AdminStats s = Stats();
  EXPECT_EQ(s.locked_total, 4);
  ASSERT_EQ(s.locked.size(), 4u);
  EXPECT_EQ(s.locked[0].user_id, pw);
  EXPECT_EQ(s.locked[0].username, "pwlocked");
  EXPECT_EQ(s.locked[0].lock, StatsLock::kPassword);
  EXPECT_EQ(s.locked[0].until, now + 900);
  EXPECT_EQ(s.locked[1].user_id, admin);
  EXPECT_EQ(s.locked[1].lock, StatsLock::kAdmin);
  EXPECT_EQ(s.locked[1].until, 253402300799);
  EXPECT_EQ(s.locked[2].user_id, both);
  EXPECT_EQ(s.locked[2].lock, StatsLock::kAdmin);
  EXPECT_EQ(s.locked[3].user_id, both);
  EXPECT_EQ(s.locked[3].lock, StatsLock::kPassword);

  // A lock that ends is no longer listed.
  clock_.Advance(minutes(2));
  s = Stats();
  EXPECT_EQ(s.locked_total, 3);
}

TEST_F(AdminStatsTest, OutboxHealth) {
  const int64_t now = clock_.NowUnix();
  auto mail = [&](int64_t created, int64_t attempts, bool sent, bool failed) {
    std::optional<db::Timestamp> sent_at, failed_at;
    if (sent) sent_at = db::Timestamp::FromUnix(now);
    if (failed) failed_at = db::Timestamp::FromUnix(now);
    auto r = conn().Execute(
        "INSERT INTO mail_outbox (to_addr, subject, body, created_at, "
        "attempts, next_attempt_at, sent_at, failed_at) VALUES "
        "('a@example.org', 's', 'b', ?, ?, ?, ?, ?)",
        {db::Timestamp::FromUnix(created), attempts,
         db::Timestamp::FromUnix(now), db::OrNull(sent_at),
         db::OrNull(failed_at)});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  };
  mail(now - 60, 0, false, false);       // queued
  mail(now - 300, 2, false, false);      // queued, failing
  mail(now - 3 * kDay, 9, false, true);  // given up
  mail(now - kDay, 1, true, false);      // sent
  AdminStats s = Stats();
  EXPECT_EQ(s.outbox.queued, 2);
  EXPECT_EQ(s.outbox.failing, 1);
  EXPECT_EQ(s.outbox.failed, 1);
  ASSERT_TRUE(s.outbox.oldest_unsent_at.has_value());
  EXPECT_EQ(*s.outbox.oldest_unsent_at, now - 300);
  EXPECT_EQ(s.outbox.oldest_unsent_age, 300);
  EXPECT_FALSE(s.outbox.stale);

  clock_.Advance(minutes(11));  // the oldest is now 16 minutes old
  s = Stats();
  EXPECT_TRUE(s.outbox.stale);
}

}  // namespace
}  // namespace latchkey
