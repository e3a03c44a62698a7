// SessionCache with a fake clock: time to live, generations, the size
// bound, and copies that do not share their secrets.
#include "latchkey/store/session_cache.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "support/fakes.h"

namespace latchkey {
namespace {

SignedIn Entry(int64_t user_id, std::string_view name) {
  SignedIn in;
  in.session.id_sha256 = std::string(32, static_cast<char>('a' + user_id));
  in.session.user_id = user_id;
  in.session.csrf_secret = Secret(std::string(32, 'k'));
  in.user.id = user_id;
  in.user.username = std::string(name);
  in.user.roles = {"user"};
  return in;
}

std::string Key(int n) { return std::string(32, static_cast<char>('A' + n)); }

TEST(SessionCacheTest, ServesACopyForTtlOnly) {
  FakeClock clock;
  SessionCache cache({Seconds{2}, 100}, clock);
  EXPECT_FALSE(cache.Get(Key(1)).has_value());
  cache.Put(Key(1), Entry(1, "alice"), cache.generation());
  std::optional<SignedIn> hit = cache.Get(Key(1));
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->user.username, "alice");
  EXPECT_EQ(hit->session.user_id, 1);
  EXPECT_EQ(hit->session.csrf_secret.view(), std::string(32, 'k'));
  // The copy owns its bytes.
  EXPECT_NE(hit->session.csrf_secret.view().data(),
            cache.Get(Key(1))->session.csrf_secret.view().data());

  clock.Advance(std::chrono::milliseconds(1999));
  EXPECT_TRUE(cache.Get(Key(1)).has_value());
  clock.Advance(std::chrono::milliseconds(1));
  EXPECT_FALSE(cache.Get(Key(1)).has_value());
  const SessionCache::Stats s = cache.stats();
  EXPECT_EQ(s.hits, 3u);
  EXPECT_EQ(s.misses, 2u);
  EXPECT_EQ(s.entries, 0u);  // the expired entry is gone, not just hidden
}

TEST(SessionCacheTest, AClockThatStepsBackExpiresEntries) {
  FakeClock clock(1'700'000'100);
  SessionCache cache({Seconds{2}, 100}, clock);
  cache.Put(Key(1), Entry(1, "alice"), cache.generation());
  clock.Set(1'700'000'000);
  EXPECT_FALSE(cache.Get(Key(1)).has_value());
}

TEST(SessionCacheTest, ClearVoidsReadsThatStartedBeforeIt) {
  FakeClock clock;
  SessionCache cache({Seconds{2}, 100}, clock);
  cache.Put(Key(1), Entry(1, "alice"), cache.generation());
  // A lookup reads the generation, then goes to the database...
  const uint64_t before = cache.generation();
  // ...while a logout clears the cache...
  cache.Clear();
  EXPECT_FALSE(cache.Get(Key(1)).has_value());
  // ...so what the lookup read is not stored.
  cache.Put(Key(2), Entry(2, "bob"), before);
  EXPECT_FALSE(cache.Get(Key(2)).has_value());
  cache.Put(Key(2), Entry(2, "bob"), cache.generation());
  EXPECT_TRUE(cache.Get(Key(2)).has_value());
  EXPECT_EQ(cache.stats().clears, 1u);
}

TEST(SessionCacheTest, EraseAndReplace) {
  FakeClock clock;
  SessionCache cache({Seconds{2}, 100}, clock);
  cache.Put(Key(1), Entry(1, "alice"), cache.generation());
  cache.Put(Key(1), Entry(1, "alice2"), cache.generation());
  EXPECT_EQ(cache.Get(Key(1))->user.username, "alice2");
  EXPECT_EQ(cache.stats().entries, 1u);
  cache.Erase(Key(1));
  EXPECT_FALSE(cache.Get(Key(1)).has_value());
  cache.Erase(Key(1));  // erasing a missing key is fine
}

TEST(SessionCacheTest, DropsTheOldestBeyondMaxEntries) {
  FakeClock clock;
  SessionCache cache({Seconds{2}, 3}, clock);
  for (int i = 0; i < 5; ++i) {
    cache.Put(Key(i), Entry(i, "u"), cache.generation());
  }
  EXPECT_EQ(cache.stats().entries, 3u);
  EXPECT_FALSE(cache.Get(Key(0)).has_value());
  EXPECT_FALSE(cache.Get(Key(1)).has_value());
  for (int i = 2; i < 5; ++i) EXPECT_TRUE(cache.Get(Key(i)).has_value()) << i;
}

TEST(SessionCacheTest, ZeroTtlStoresNothing) {
  FakeClock clock;
  SessionCache cache({Seconds{0}, 100}, clock);
  EXPECT_FALSE(cache.enabled());
  cache.Put(Key(1), Entry(1, "alice"), cache.generation());
  EXPECT_FALSE(cache.Get(Key(1)).has_value());
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST(SessionCacheTest, ManyThreadsAtOnce) {
  FakeClock clock;
  SessionCache cache({Seconds{2}, 64}, clock);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string key = Key((t * 7 + i) % 50);
        if (std::optional<SignedIn> hit = cache.Get(key)) {
          EXPECT_EQ(hit->user.username, "u");
        } else {
          cache.Put(key, Entry(1, "u"), cache.generation());
        }
        if (i % 500 == 0) cache.Clear();
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_LE(cache.stats().entries, 64u);
}

}  // namespace
}  // namespace latchkey
