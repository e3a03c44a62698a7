// LockoutStore against a real database: the account lockout is counted in the
// database, so failures arriving over different connections (hosts) add
// up; the per-address window; admin unlock.
#include "latchkey/auth/lockout_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <thread>
#include <vector>

#include "latchkey/base/clock.h"
#include "latchkey/store/user_store.h"
#include "support/fakes.h"
#include "support/sandbox.h"

namespace latchkey {
namespace {

using std::chrono::minutes;
using std::chrono::seconds;

class LockoutStoreTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    second_ = db().Connect();
    ASSERT_TRUE(second_->Connect().ok());
    users_ = std::make_unique<UserStore>(conn(), clock_);
    NewUser u;
    u.username = "carol";
    u.email = "carol@example.org";
    u.password_hash = "$argon2id$placeholder";
    auto id = users_->Create(u);
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    user_id_ = *id;
  }

  User Load() {
    auto u = users_->FindById(user_id_);
    EXPECT_TRUE(u.ok() && u->has_value());
    return u.ok() && u->has_value() ? **u : User{};
  }

  // A failure counted without a password check, as the password step
  // counts one: Reserve, then Settle. While locked it changes nothing.
  // `db` is the connection `t` uses (default: conn()); a thread of its own
  // must pass its own.
  Result<AccountFailure> Fail(LockoutStore& t, int64_t user_id,
                              db::Connection* db = nullptr) {
    LockSubject subject;
    subject.user_id = user_id;
    LK_ASSIGN_OR_RETURN(Reservation r, t.Reserve(subject));
    if (!r.reserved) {
      LK_ASSIGN_OR_RETURN(
          std::optional<db::Row> row,
          (db ? *db : conn())
              .QueryOne("SELECT failed_logins FROM users WHERE id = ?",
                        {user_id}));
      if (!row) return NotFound("no user with id " + std::to_string(user_id));
      AccountFailure out;
      out.failed_logins = static_cast<uint32_t>(row->i64(0));
      return out;
    }
    return t.Settle(subject, r.failed_logins, /*refused=*/false);
  }

  // The failure count stored for an address in its current row.
  int64_t IpCount(std::string_view ip) {
    auto row =
        conn().QueryOne("SELECT failures FROM ip_failures WHERE ip = ?", {ip});
    EXPECT_TRUE(row.ok());
    return row.ok() && row->has_value() ? (*row)->i64(0) : -1;
  }

  FakeClock clock_;
  LockoutConfig config_;
  std::unique_ptr<db::Connection> second_;
  std::unique_ptr<UserStore> users_;
  int64_t user_id_ = 0;
};

TEST_F(LockoutStoreTest, FailuresOnTwoConnectionsShareOneCount) {
  LockoutStore host_a(conn(), clock_, config_);
  LockoutStore host_b(*second_, clock_, config_);
  for (uint32_t i = 1; i <= config_.max_failures; ++i) {
    LockoutStore& t = (i % 2 == 1) ? host_a : host_b;
    auto f = Fail(t, user_id_);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    if (i < config_.max_failures) {
      EXPECT_FALSE(f->lock_started) << "failure " << i;
      EXPECT_EQ(f->failed_logins, i);
      EXPECT_EQ(Load().failed_logins, i);
      EXPECT_FALSE(host_a.AccountLocked(Load()).has_value());
    } else {
      EXPECT_TRUE(f->lock_started) << "failure " << i;
      ASSERT_TRUE(f->locked_until.has_value());
      EXPECT_EQ(*f->locked_until, clock_.NowUnix() + 60);
    }
  }
  const User u = Load();
  EXPECT_EQ(u.failed_logins, 0u);
  EXPECT_EQ(u.lock_count, 1u);
  EXPECT_EQ(u.locked_until, clock_.NowUnix() + 60);
  EXPECT_EQ(u.last_locked_at, clock_.NowUnix());
  EXPECT_EQ(u.last_failed_at, clock_.NowUnix());
  // Both hosts see the lock.
  EXPECT_EQ(host_a.AccountLocked(u), clock_.NowUnix() + 60);
  EXPECT_EQ(host_b.AccountLocked(u), clock_.NowUnix() + 60);

  // Failures while locked change nothing.
  auto during = Fail(host_b, user_id_);
  ASSERT_TRUE(during.ok());
  EXPECT_FALSE(during->lock_started);
  EXPECT_EQ(Load().locked_until, u.locked_until);
  EXPECT_EQ(Load().failed_logins, 0u);

  // After it expires, the next lock is twice as long.
  clock_.Advance(seconds(61));
  EXPECT_FALSE(host_a.AccountLocked(Load()).has_value());
  for (uint32_t i = 1; i <= config_.max_failures; ++i) {
    auto f = Fail((i % 2 == 1) ? host_b : host_a, user_id_);
    ASSERT_TRUE(f.ok());
    EXPECT_EQ(f->lock_started, i == config_.max_failures);
    if (f->lock_started) {
      EXPECT_EQ(*f->locked_until, clock_.NowUnix() + 120);
    }
  }
  EXPECT_EQ(Load().lock_count, 2u);
}

TEST_F(LockoutStoreTest, ConcurrentFailuresStartExactlyOneLock) {
  constexpr int kThreads = 12;
  std::vector<std::unique_ptr<db::Connection>> conns;
  for (int i = 0; i < kThreads; ++i) {
    conns.push_back(db().Connect());
    ASSERT_TRUE(conns.back()->Connect().ok());
  }
  std::atomic<int> locks{0}, errors{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      LockoutStore t(*conns[i], clock_, config_);
      start.arrive_and_wait();
      auto f = Fail(t, user_id_, conns[i].get());
      if (!f.ok()) {
        ADD_FAILURE() << f.status().ToString();
        ++errors;
      } else if (f->lock_started) {
        ++locks;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(locks.load(), 1);
  const User u = Load();
  EXPECT_EQ(u.lock_count, 1u);
  EXPECT_EQ(u.failed_logins, 0u);  // the rest arrived while locked
}

TEST_F(LockoutStoreTest, SuccessResetsTheCounter) {
  LockoutStore t(conn(), clock_, config_);
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(Fail(t, user_id_).ok());
  EXPECT_EQ(Load().failed_logins, 4u);
  ASSERT_TRUE(t.RecordAccountSuccess(user_id_).ok());
  EXPECT_EQ(Load().failed_logins, 0u);
  EXPECT_FALSE(Load().last_login_at.has_value());
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(Fail(t, user_id_).ok());
  clock_.Advance(seconds(5));
  ASSERT_TRUE(t.RecordAccountSuccess(user_id_).ok());
  EXPECT_EQ(Load().failed_logins, 0u);
  // Four more do not lock: the count started again.
  for (int i = 0; i < 4; ++i) {
    EXPECT_FALSE(Fail(t, user_id_)->lock_started);
  }
}

TEST_F(LockoutStoreTest, UnlockClearsTheLockAndItsHistory) {
  LockoutStore t(conn(), clock_, config_);
  for (uint32_t i = 0; i < config_.max_failures; ++i) {
    ASSERT_TRUE(Fail(t, user_id_).ok());
  }
  ASSERT_TRUE(t.AccountLocked(Load()).has_value());
  LockoutStore other(*second_, clock_, config_);
  ASSERT_TRUE(other.Unlock(user_id_).ok());
  const User u = Load();
  EXPECT_FALSE(t.AccountLocked(u).has_value());
  EXPECT_EQ(u.lock_count, 0u);
  EXPECT_EQ(u.failed_logins, 0u);
  EXPECT_FALSE(u.locked_until.has_value());
  EXPECT_FALSE(u.last_locked_at.has_value());
  EXPECT_EQ(t.Unlock(user_id_ + 99).code(), StatusCode::kNotFound);
}

TEST_F(LockoutStoreTest, AdminLockUntil) {
  LockoutStore t(conn(), clock_, config_);
  ASSERT_TRUE(t.LockUntil(user_id_, clock_.NowUnix() + 86400).ok());
  // The admin lock is its own column: the password lock stays clear.
  EXPECT_EQ(t.AdminLocked(Load()), clock_.NowUnix() + 86400);
  EXPECT_FALSE(t.AccountLocked(Load()).has_value());
  EXPECT_EQ(t.AnyLock(Load()), clock_.NowUnix() + 86400);
  EXPECT_EQ(Load().lock_count, 0u);
  EXPECT_EQ(t.LockUntil(user_id_ + 99, 1).code(), StatusCode::kNotFound);
  ASSERT_TRUE(t.Unlock(user_id_).ok());
  EXPECT_FALSE(t.AnyLock(Load()).has_value());
}

TEST_F(LockoutStoreTest, UnknownUserAndNameLock) {
  LockoutStore t(conn(), clock_, config_);
  EXPECT_EQ(Fail(t, user_id_ + 99).status().code(), StatusCode::kNotFound);
  LockSubject ghost;
  ghost.name_hash = std::string(32, 'g');
  for (uint32_t i = 1; i <= config_.max_failures; ++i) {
    auto r = t.Reserve(ghost);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->reserved);
    EXPECT_EQ(r->failed_logins, i);
    auto f = t.Settle(ghost, r->failed_logins, false);
    ASSERT_TRUE(f.ok()) << f.status().ToString();
    EXPECT_EQ(f->lock_started, i == config_.max_failures);
  }
  auto refused = t.Reserve(ghost);
  ASSERT_TRUE(refused.ok());
  EXPECT_FALSE(refused->reserved);
  EXPECT_EQ(Load().failed_logins, 0u);
  clock_.Advance(seconds(61));
  EXPECT_TRUE(t.Reserve(ghost)->reserved);
}

TEST_F(LockoutStoreTest, AKilledAttemptStillCountsAndLocksLater) {
  LockoutStore t(conn(), clock_, config_);
  LockSubject alice;
  alice.user_id = user_id_;
  // max_failures reservations whose processes never settled them.
  for (uint32_t i = 0; i < config_.max_failures; ++i) {
    ASSERT_TRUE(t.Reserve(alice)->reserved);
  }
  EXPECT_FALSE(t.Reserve(alice)->reserved);
  // Within the grace time a refusal does not start a lock (the last
  // attempt may still be in its KDF) ...
  auto early = t.Settle(alice, 0, true);
  ASSERT_TRUE(early.ok());
  EXPECT_FALSE(early->lock_started);
  // ... after it, the stale count becomes a lock.
  clock_.Advance(kPendingLockGrace + seconds(1));
  auto late = t.Settle(alice, 0, true);
  ASSERT_TRUE(late.ok());
  EXPECT_TRUE(late->lock_started);
  EXPECT_EQ(late->locked_until, clock_.NowUnix() + 60);
  EXPECT_FALSE(t.Reserve(alice)->reserved);
}

TEST_F(LockoutStoreTest, ExpiredNameRowsArePruned) {
  LockoutStore t(conn(), clock_, config_);
  LockSubject ghost;
  ghost.name_hash = std::string(32, 'h');
  ASSERT_TRUE(t.Reserve(ghost)->reserved);
  auto count = [&] {
    auto row = conn().QueryOne("SELECT COUNT(*) FROM name_lockouts");
    return row.ok() && row->has_value() ? (*row)->i64(0) : -1;
  };
  EXPECT_EQ(count(), 1);
  ASSERT_TRUE(t.PruneNames().ok());
  EXPECT_EQ(count(), 1);
  clock_.Advance(config_.lock_reset_after + config_.max_lock_duration +
                 seconds(1));
  ASSERT_TRUE(t.PruneNames().ok());
  EXPECT_EQ(count(), 0);
}

TEST_F(LockoutStoreTest, AddressWindow) {
  config_.ip_max_failures = 3;
  config_.ip_window = minutes(15);
  LockoutStore a(conn(), clock_, config_);
  LockoutStore b(*second_, clock_, config_);
  const std::string ip = "203.0.113.5";
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE((i % 2 ? a : b).RecordIpFailure(ip).ok());
    EXPECT_FALSE(*a.IpBlocked(ip));
  }
  ASSERT_TRUE(a.RecordIpFailure(ip).ok());
  EXPECT_TRUE(*a.IpBlocked(ip));
  EXPECT_TRUE(*b.IpBlocked(ip));
  EXPECT_EQ(IpCount(ip), 3);
  EXPECT_FALSE(*a.IpBlocked("203.0.113.6"));
  // Still inside the window.
  clock_.Advance(minutes(14));
  EXPECT_TRUE(*a.IpBlocked(ip));
  ASSERT_TRUE(a.RecordIpFailure(ip).ok());
  EXPECT_EQ(IpCount(ip), 4);
  // The window (from the first failure) has passed: free again, and the
  // next failure starts a new window at 1.
  clock_.Advance(minutes(1));
  EXPECT_FALSE(*a.IpBlocked(ip));
  ASSERT_TRUE(b.RecordIpFailure(ip).ok());
  EXPECT_EQ(IpCount(ip), 1);
  EXPECT_FALSE(*a.IpBlocked(ip));
  ASSERT_TRUE(a.RecordIpFailure(ip).ok());
  ASSERT_TRUE(a.RecordIpFailure(ip).ok());
  EXPECT_TRUE(*a.IpBlocked(ip));
  // The new window runs from its own first failure.
  clock_.Advance(minutes(14));
  EXPECT_TRUE(*a.IpBlocked(ip));
  // An admin clearing the address (a DELETE of its row).
  ASSERT_TRUE(conn()
                  .Execute("DELETE FROM ip_failures WHERE ip = ?",
                           {std::string_view(IpKey(ip, config_.ip_prefix_v6))})
                  .ok());
  EXPECT_FALSE(*a.IpBlocked(ip));
}

TEST_F(LockoutStoreTest, EmptyAddressIsNeverThrottledOrCounted) {
  config_.ip_max_failures = 1;
  LockoutStore t(conn(), clock_, config_);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(t.RecordIpFailure("").ok());
  EXPECT_FALSE(*t.IpBlocked(""));
  auto rows = conn().Query("SELECT COUNT(*) FROM ip_failures");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->front().i64(0), 0);
}

TEST_F(LockoutStoreTest, ZeroDisablesTheAddressLimit) {
  config_.ip_max_failures = 0;
  LockoutStore t(conn(), clock_, config_);
  for (int i = 0; i < 5; ++i)
    ASSERT_TRUE(t.RecordIpFailure("198.51.100.1").ok());
  EXPECT_FALSE(*t.IpBlocked("198.51.100.1"));
}

TEST_F(LockoutStoreTest, HostileAddressesAreStoredEscapedAndBounded) {
  config_.ip_max_failures = 2;
  LockoutStore t(conn(), clock_, config_);
  const std::string hostile = "evil\n\xff" + std::string(400, 'h');
  ASSERT_TRUE(t.RecordIpFailure(hostile).ok());
  ASSERT_TRUE(t.RecordIpFailure(hostile).ok());
  EXPECT_TRUE(*t.IpBlocked(hostile));
  EXPECT_EQ(IpKey(hostile, 64).size(), 255u);
  EXPECT_EQ(IpKey(hostile, 64).substr(0, 12), "evil\\x0a\\xff");
}

TEST_F(LockoutStoreTest, Ipv6CountsPerNetwork) {
  EXPECT_EQ(IpKey("2001:db8:1:2:3:4:5:6", 64), "2001:db8:1:2::/64");
  EXPECT_EQ(IpKey("2001:DB8:1:2::ffff", 64), "2001:db8:1:2::/64");
  EXPECT_EQ(IpKey("2001:db8:1:2:3:4:5:6", 48), "2001:db8:1::/48");
  EXPECT_EQ(IpKey("2001:db8::1", 128), "2001:db8::1/128");
  EXPECT_EQ(IpKey("::ffff:192.0.2.1", 64), "192.0.2.1");
  EXPECT_EQ(IpKey("192.0.2.1", 64), "192.0.2.1");
  EXPECT_EQ(IpKey("host.example", 64), "host.example");
  config_.ip_max_failures = 2;
  LockoutStore t(conn(), clock_, config_);
  ASSERT_TRUE(t.RecordIpFailure("2001:db8:7:7::1").ok());
  ASSERT_TRUE(t.RecordIpFailure("2001:db8:7:7:ffff::2").ok());
  EXPECT_TRUE(*t.IpBlocked("2001:db8:7:7:1:2:3:4"));
  EXPECT_FALSE(*t.IpBlocked("2001:db8:7:8::1"));
}

}  // namespace
}  // namespace latchkey
