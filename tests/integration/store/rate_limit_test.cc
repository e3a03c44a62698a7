// RateLimiter against a real database: fixed windows, exact counts under
// racing connections, reset and purge.
#include "latchkey/store/rate_limit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "latchkey/base/encoding.h"
#include "support/fakes.h"
#include "support/sandbox.h"

namespace latchkey {
namespace {

using std::chrono::seconds;

class RateLimitTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    limiter_ = std::make_unique<RateLimiter>(conn(), clock_);
  }
  bool Hit(std::string_view key, const RateLimit& limit) {
    auto r = limiter_->Hit(key, limit);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() && *r;
  }
  uint32_t Count(std::string_view key, const RateLimit& limit) {
    auto r = limiter_->Count(key, limit);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : 9999;
  }

  FakeClock clock_;
  std::unique_ptr<RateLimiter> limiter_;
};

TEST_F(RateLimitTest, FixedWindowPerKey) {
  const RateLimit three{3, seconds(3600)};
  EXPECT_EQ(Count("forgot:addr:a@example.org", three), 0u);
  EXPECT_TRUE(Hit("forgot:addr:a@example.org", three));
  EXPECT_TRUE(Hit("forgot:addr:a@example.org", three));
  EXPECT_TRUE(Hit("forgot:addr:a@example.org", three));
  EXPECT_FALSE(Hit("forgot:addr:a@example.org", three));
  EXPECT_FALSE(Hit("forgot:addr:a@example.org", three));  // refused hits count
  EXPECT_EQ(Count("forgot:addr:a@example.org", three), 5u);
  // Other keys are counted apart.
  EXPECT_TRUE(Hit("forgot:addr:b@example.org", three));
  EXPECT_TRUE(Hit("forgot:ip:a@example.org", three));

  // The window runs from the first hit; it ends after `window`.
  clock_.Advance(seconds(3599));
  EXPECT_FALSE(Hit("forgot:addr:a@example.org", three));
  clock_.Advance(seconds(1));
  EXPECT_EQ(Count("forgot:addr:a@example.org", three), 0u);
  EXPECT_TRUE(Hit("forgot:addr:a@example.org", three));
  EXPECT_EQ(Count("forgot:addr:a@example.org", three), 1u);
}

TEST_F(RateLimitTest, KeysAreStoredHashed) {
  ASSERT_TRUE(Hit("forgot:addr:secret@example.org", {5, seconds(60)}));
  auto rows = conn().Query("SELECT key_hash FROM rate_limits");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].str(0),
            std::string(DigestView(Sha256("forgot:addr:secret@example.org"))));
}

TEST_F(RateLimitTest, ZeroMeansUnlimitedAndWritesNothing) {
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(Hit("k", {0, seconds(60)}));
  auto n = conn().QueryOne("SELECT COUNT(*) FROM rate_limits");
  ASSERT_TRUE(n.ok() && n->has_value());
  EXPECT_EQ((*n)->i64(0), 0);
}

TEST_F(RateLimitTest, ResetAndPurge) {
  const RateLimit one{1, seconds(60)};
  EXPECT_TRUE(Hit("a", one));
  EXPECT_FALSE(Hit("a", one));
  auto reset = limiter_->Reset("a");
  ASSERT_TRUE(reset.ok());
  EXPECT_TRUE(*reset);
  EXPECT_TRUE(Hit("a", one));
  reset = limiter_->Reset("never-seen");
  ASSERT_TRUE(reset.ok());
  EXPECT_FALSE(*reset);

  clock_.Advance(seconds(120));
  EXPECT_TRUE(Hit("b", one));
  auto purged = limiter_->PurgeOlderThan(seconds(60));
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 1u);  // "a", not "b"
  EXPECT_FALSE(Hit("b", one));
}

TEST_F(RateLimitTest, RacingHitsGetExactlyMaxSuccesses) {
  const RateLimit limit{60, seconds(3600)};
  std::atomic<int> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      auto conn = db().Connect();
      RateLimiter mine(*conn, clock_);
      for (int i = 0; i < 20; ++i) {
        auto r = mine.Hit("race", limit);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        if (*r) ++allowed;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(allowed.load(), 60);
  EXPECT_EQ(Count("race", limit), 160u);
}

}  // namespace
}  // namespace latchkey
