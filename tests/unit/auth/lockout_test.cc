// The lockout policy, driven with a FakeClock: the "throttling with a fake
// clock" unit test.
#include "latchkey/auth/lockout.h"

#include <gtest/gtest.h>

#include <chrono>

#include "latchkey/base/clock.h"
#include "support/fakes.h"

namespace latchkey {
namespace {

using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;

// What LockoutStore does with one failed attempt, as pure functions: the
// attempt is counted if MayReserve, then StartLockIfDue; while locked the
// state stays as it is.
LockoutDecision OnFailure(const LockoutConfig& config,
                          const LockoutState& state, int64_t now) {
  if (!MayReserve(config, state, now)) {
    LockoutDecision out;
    out.state = state;
    return out;
  }
  LockoutState reserved = state;
  ++reserved.failed_logins;
  return StartLockIfDue(config, reserved, now);
}

// A success: failed_logins = 0, the lock history kept.
LockoutState OnSuccess(const LockoutState& state) {
  LockoutState out = state;
  out.failed_logins = 0;
  return out;
}

class LockoutTest : public ::testing::Test {
 protected:
  // One failure at the clock's now, applied to state_.
  LockoutDecision Fail() {
    LockoutDecision d = OnFailure(config_, state_, clock_.NowUnix());
    state_ = d.state;
    return d;
  }
  // Fails until a lock starts; returns the lock's length in seconds and
  // checks it took exactly max_failures attempts.
  int64_t FailUntilLocked() {
    for (uint32_t i = 1; i <= config_.max_failures; ++i) {
      const LockoutDecision d = Fail();
      if (i < config_.max_failures) {
        EXPECT_FALSE(d.lock_started) << "locked after " << i;
        EXPECT_EQ(state_.failed_logins, i);
      } else {
        EXPECT_TRUE(d.lock_started);
        EXPECT_EQ(state_.failed_logins, 0u);
        EXPECT_TRUE(IsLocked(state_, clock_.NowUnix()));
        EXPECT_EQ(d.locked_until, state_.locked_until);
        EXPECT_EQ(state_.last_locked_at, clock_.NowUnix());
        return *d.locked_until - clock_.NowUnix();
      }
    }
    return -1;
  }
  // Moves the clock to the end of the current lock.
  void WaitOutLock() {
    ASSERT_TRUE(state_.locked_until.has_value());
    clock_.Set(*state_.locked_until);
    ASSERT_FALSE(IsLocked(state_, clock_.NowUnix()));
  }

  LockoutConfig config_;  // defaults: 5 failures, 1m doubling to 1h, 12h
  LockoutState state_;
  FakeClock clock_;
};

TEST_F(LockoutTest, DefaultsMatchTheDesign) {
  EXPECT_EQ(config_.max_failures, 5u);
  EXPECT_EQ(config_.lock_duration, seconds(60));
  EXPECT_EQ(config_.max_lock_duration, seconds(3600));
  EXPECT_EQ(config_.lock_reset_after, seconds(12 * 3600));
}

TEST_F(LockoutTest, FiveFailuresLockForOneMinute) {
  EXPECT_EQ(FailUntilLocked(), 60);
  EXPECT_EQ(state_.lock_count, 1u);
}

TEST_F(LockoutTest, LockExpiresWhenTheClockPassesIt) {
  ASSERT_EQ(FailUntilLocked(), 60);
  clock_.Advance(seconds(59));
  EXPECT_TRUE(IsLocked(state_, clock_.NowUnix()));
  clock_.Advance(seconds(1));
  EXPECT_FALSE(IsLocked(state_, clock_.NowUnix()));
}

TEST_F(LockoutTest, AttemptsWhileLockedNeitherCountNorExtend) {
  ASSERT_EQ(FailUntilLocked(), 60);
  const LockoutState locked = state_;
  for (int i = 0; i < 20; ++i) {
    clock_.Advance(seconds(2));
    const LockoutDecision d = Fail();
    EXPECT_FALSE(d.lock_started);
    EXPECT_FALSE(d.locked_until.has_value());
    EXPECT_EQ(state_, locked);
  }
  WaitOutLock();
  // After the lock the count starts from zero again.
  EXPECT_FALSE(Fail().lock_started);
  EXPECT_EQ(state_.failed_logins, 1u);
}

TEST_F(LockoutTest, LocksDoubleUpToTheCap) {
  const int64_t expected[] = {60, 120, 240, 480, 960, 1920, 3600, 3600, 3600};
  uint32_t n = 0;
  for (int64_t want : expected) {
    ++n;
    EXPECT_EQ(FailUntilLocked(), want) << "lock " << n;
    EXPECT_EQ(state_.lock_count, n);
    WaitOutLock();
    clock_.Advance(minutes(5));  // a little quiet, far below 12h
  }
}

TEST_F(LockoutTest, DoublingRestartsAfterTwelveHoursOfQuiet) {
  ASSERT_EQ(FailUntilLocked(), 60);
  WaitOutLock();
  ASSERT_EQ(FailUntilLocked(), 120);
  WaitOutLock();
  ASSERT_EQ(FailUntilLocked(), 240);
  WaitOutLock();
  // Exactly 12h of quiet since the lock ended is not "more than" 12h.
  clock_.Advance(hours(12));
  EXPECT_EQ(FailUntilLocked(), 480);
  WaitOutLock();
  clock_.Advance(hours(12) + seconds(1));
  EXPECT_EQ(FailUntilLocked(), 60);
  EXPECT_EQ(state_.lock_count, 1u);
}

TEST_F(LockoutTest, QuietIsMeasuredFromTheLockEndNotTheLastFailure) {
  ASSERT_EQ(FailUntilLocked(), 60);
  WaitOutLock();
  // Four failures early on, then the fifth 13h after the lock ended: the
  // lock that begins then follows more than 12h of lock-free time.
  for (int i = 0; i < 4; ++i) Fail();
  clock_.Advance(hours(13));
  const LockoutDecision d = Fail();
  ASSERT_TRUE(d.lock_started);
  EXPECT_EQ(*d.locked_until - clock_.NowUnix(), 60);
}

TEST_F(LockoutTest, SuccessResetsTheCounterButNotTheDoubling) {
  for (int i = 0; i < 4; ++i) Fail();
  ASSERT_EQ(state_.failed_logins, 4u);
  state_ = OnSuccess(state_);
  EXPECT_EQ(state_.failed_logins, 0u);
  // Four more failures do not lock: the count started again.
  for (int i = 0; i < 4; ++i) EXPECT_FALSE(Fail().lock_started);
  EXPECT_TRUE(Fail().lock_started);
  EXPECT_EQ(state_.lock_count, 1u);
  WaitOutLock();
  state_ = OnSuccess(state_);
  EXPECT_EQ(state_.lock_count, 1u);
  EXPECT_EQ(FailUntilLocked(), 120);
}

TEST_F(LockoutTest, UnlockClearsEverything) {
  ASSERT_EQ(FailUntilLocked(), 60);
  WaitOutLock();
  ASSERT_EQ(FailUntilLocked(), 120);
  ASSERT_TRUE(IsLocked(state_, clock_.NowUnix()));
  state_ = LockoutState{};  // an admin unlock clears everything
  EXPECT_EQ(state_, LockoutState{});
  EXPECT_FALSE(IsLocked(state_, clock_.NowUnix()));
  EXPECT_EQ(FailUntilLocked(), 60);
}

TEST_F(LockoutTest, ZeroMaxFailuresNeverLocks) {
  config_.max_failures = 0;
  for (int i = 0; i < 100; ++i) EXPECT_FALSE(Fail().lock_started);
  EXPECT_FALSE(IsLocked(state_, clock_.NowUnix()));
}

TEST_F(LockoutTest, OtherSettingsAreHonoured) {
  config_.max_failures = 3;
  config_.lock_duration = seconds(10);
  config_.max_lock_duration = seconds(25);
  config_.lock_reset_after = seconds(100);
  EXPECT_EQ(FailUntilLocked(), 10);
  WaitOutLock();
  EXPECT_EQ(FailUntilLocked(), 20);
  WaitOutLock();
  EXPECT_EQ(FailUntilLocked(), 25);
  WaitOutLock();
  clock_.Advance(seconds(101));
  EXPECT_EQ(FailUntilLocked(), 10);
}

TEST(LockDurationTest, SaturatesWithoutOverflow) {
  LockoutConfig c;
  EXPECT_EQ(LockDuration(c, 1), 60);
  EXPECT_EQ(LockDuration(c, 2), 120);
  EXPECT_EQ(LockDuration(c, 7), 3600);
  EXPECT_EQ(LockDuration(c, 4'000'000'000u), 3600);
  c.max_lock_duration = seconds(30);  // a cap below the first lock wins
  EXPECT_EQ(LockDuration(c, 1), 30);
}

}  // namespace
}  // namespace latchkey

namespace latchkey {
namespace {

// The reservation rule: an attempt is counted before any work, and only
// while the subject is below max_failures and not locked.
TEST(ReservationTest, MayReserveOnlyBelowTheLimitAndUnlocked) {
  LockoutConfig config;
  LockoutState state;
  const int64_t now = 1'700'000'000;
  for (uint32_t i = 0; i < config.max_failures; ++i) {
    EXPECT_TRUE(MayReserve(config, state, now)) << i;
    ++state.failed_logins;
  }
  // At the limit, before the lock has started (the last attempt is still
  // in its KDF): no more reservations.
  EXPECT_FALSE(MayReserve(config, state, now));
  const LockoutDecision d = StartLockIfDue(config, state, now);
  EXPECT_TRUE(d.lock_started);
  EXPECT_EQ(d.locked_until, now + 60);
  EXPECT_EQ(d.state.failed_logins, 0u);
  EXPECT_FALSE(MayReserve(config, d.state, now + 59));
  EXPECT_TRUE(MayReserve(config, d.state, now + 60));
  // Below the limit nothing starts.
  LockoutState few;
  few.failed_logins = config.max_failures - 1;
  EXPECT_FALSE(StartLockIfDue(config, few, now).lock_started);
  // Locking off: always.
  config.max_failures = 0;
  state.failed_logins = 1000;
  EXPECT_TRUE(MayReserve(config, state, now));
  EXPECT_FALSE(StartLockIfDue(config, state, now).lock_started);
}

}  // namespace
}  // namespace latchkey
