// Relative times on pages, with the UTC time for the title attribute.
#include "portal/relative_time.h"

#include <gtest/gtest.h>

namespace latchkey::portal {
namespace {

constexpr int64_t kNow = 1796422200;  // 2026-12-04T22:10:00Z

TEST(RelativeTimeTest, PastAndFutureInTheLargestWholeUnit) {
  EXPECT_EQ(RelativeTime(kNow, kNow), "just now");
  EXPECT_EQ(RelativeTime(kNow - 59, kNow), "just now");
  EXPECT_EQ(RelativeTime(kNow + 30, kNow), "just now");
  EXPECT_EQ(RelativeTime(kNow - 60, kNow), "1 minute ago");
  EXPECT_EQ(RelativeTime(kNow - 5 * 60 - 20, kNow), "5 minutes ago");
  EXPECT_EQ(RelativeTime(kNow - 89 * 60, kNow), "89 minutes ago");
  EXPECT_EQ(RelativeTime(kNow - 90 * 60, kNow), "1 hour ago");
  EXPECT_EQ(RelativeTime(kNow - 47 * 3600, kNow), "47 hours ago");
  EXPECT_EQ(RelativeTime(kNow - 48 * 3600, kNow), "2 days ago");
  EXPECT_EQ(RelativeTime(kNow + 3 * 86400, kNow), "in 3 days");
  EXPECT_EQ(RelativeTime(kNow + 2 * 3600, kNow), "in 2 hours");
  EXPECT_EQ(RelativeTime(kNow + 61, kNow), "in 1 minute");
}

TEST(RelativeTimeTest, TheViewCarriesTheUtcTime) {
  const tmpl::Dict v = TimeView(kNow - 300, kNow);
  EXPECT_EQ(*v.at("ago").as_string(), "5 minutes ago");
  EXPECT_EQ(*v.at("utc").as_string(), "2026-12-04 22:05 UTC");
  EXPECT_EQ(*v.at("iso").as_string(), "2026-12-04T22:05:00Z");
}

}  // namespace
}  // namespace latchkey::portal
