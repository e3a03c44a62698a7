#include <gtest/gtest.h>

#include <array>
#include <chrono>

#include "latchkey/base/clock.h"
#include "latchkey/base/random.h"
#include "support/fakes.h"

namespace latchkey {
namespace {

TEST(ClockTest, FakeClockMovesOnlyWhenTold) {
  FakeClock clock(1000);
  EXPECT_EQ(clock.NowUnix(), 1000);
  clock.Advance(std::chrono::seconds(90));
  EXPECT_EQ(clock.NowUnix(), 1090);
  clock.Set(5);
  EXPECT_EQ(clock.NowUnixMicros(), 5'000'000);
}

TEST(ClockTest, SystemClockIsNearTheRealTime) {
  const int64_t now = SystemClock::Shared().NowUnix();
  EXPECT_GT(now, 1'700'000'000);  // after 2023
}

TEST(RandomTest, FakeRandomIsDeterministicPerSeed) {
  FakeRandom a(42), b(42), c(43);
  std::array<uint8_t, 40> x{}, y{}, z{};
  ASSERT_TRUE(a.Fill(x).ok());
  ASSERT_TRUE(b.Fill(y).ok());
  ASSERT_TRUE(c.Fill(z).ok());
  EXPECT_EQ(x, y);
  EXPECT_NE(x, z);
}

TEST(RandomTest, SystemRandomFillsDistinctBuffers) {
  std::array<uint8_t, 32> x{}, y{};
  ASSERT_TRUE(SystemRandom::Shared().Fill(x).ok());
  ASSERT_TRUE(SystemRandom::Shared().Fill(y).ok());
  EXPECT_NE(x, y);
}

}  // namespace
}  // namespace latchkey
