#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "latchkey/config/config.h"

namespace latchkey {
namespace {

struct Good {
  const char* text;
  int64_t millis;
};

TEST(ParseDurationTest, AcceptsUnitsAndBareSeconds) {
  const Good cases[] = {
      {"0", 0},
      {"45", 45000},
      {"500ms", 500},
      {"2s", 2000},
      {"30m", 30 * 60000},
      {"12h", 12 * 3600000LL},
      {"7d", 7 * 86400000LL},
      {"1h30m", 90 * 60000},
      {"1m500ms", 60500},
      {"0ms", 0},
      {"007s", 7000},
      {"3650d", 3650 * 86400000LL},
  };
  for (const Good& c : cases) {
    SCOPED_TRACE(c.text);
    Result<Millis> d = ParseDuration(c.text);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    EXPECT_EQ(d->count(), c.millis);
  }
}

struct Bad {
  const char* text;
  const char* message;
};

TEST(ParseDurationTest, RejectsWithReasonNamingTheText) {
  const Bad cases[] = {
      {"", "bad duration '': empty"},
      {"-5s", "bad duration '-5s': negative"},
      {"5x", "bad duration '5x': unknown unit 'x' (units: ms, s, m, h, d)"},
      {"5S", "bad duration '5S': unknown unit 'S' (units: ms, s, m, h, d)"},
      {"5min",
       "bad duration '5min': unknown unit 'min' (units: ms, s, m, h, d)"},
      {"s", "bad duration 's': expected a number (units: ms, s, m, h, d)"},
      {"1.5h",
       "bad duration '1.5h': missing unit after '1' (units: ms, s, m, h, d)"},
      {"1h30",
       "bad duration '1h30': missing unit after '30' (units: ms, s, m, h, d)"},
      {"1h 30m",
       "bad duration '1h 30m': expected a number after '1h' (units: ms, s, m, "
       "h, d)"},
      {" 5s", "bad duration ' 5s': expected a number (units: ms, s, m, h, d)"},
      {"+5s", "bad duration '+5s': expected a number (units: ms, s, m, h, d)"},
      {"3651d", "bad duration '3651d': too large (at most 3650d)"},
      {"3650d1ms", "bad duration '3650d1ms': too large (at most 3650d)"},
      {"99999999999999999999999s",
       "bad duration '99999999999999999999999s': too large (at most 3650d)"},
      {"9223372036854775807ms",
       "bad duration '9223372036854775807ms': too large (at most 3650d)"},
      {"106751991167d",
       "bad duration '106751991167d': too large (at most 3650d)"},
  };
  for (const Bad& c : cases) {
    SCOPED_TRACE(c.text);
    Result<Millis> d = ParseDuration(c.text);
    ASSERT_FALSE(d.ok()) << d->count();
    EXPECT_EQ(d.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(d.status().message(), c.message);
  }
}

TEST(ParseDurationTest, LongTextIsCutInTheMessage) {
  const std::string text(200, 'x');
  Result<Millis> d = ParseDuration(text);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().message().find(std::string(65, 'x')), std::string::npos);
  EXPECT_NE(d.status().message().find("..."), std::string::npos);
}

}  // namespace
}  // namespace latchkey
