// The portal's access line and the syslog priority of each status.
#include "portal/log.h"

#include <gtest/gtest.h>

namespace latchkey::portal {
namespace {

TEST(AccessLineTest, NamesTheRouteStatusDurationAndId) {
  EXPECT_EQ(AccessLine("GET", "/security/sessions/{id}/revoke", 303, 0.0123,
                       "3f9a1c2e7b4d"),
            "access GET /security/sessions/{id}/revoke 303 12.3ms "
            "id=3f9a1c2e7b4d");
  // No route matched: "-", never the path that was asked for.
  EXPECT_EQ(AccessLine("POST", "", 404, 0.0004, "00aa"),
            "access POST - 404 0.4ms id=00aa");
}

TEST(AccessLineTest, PriorityFollowsTheStatusClass) {
  EXPECT_EQ(AccessPriority(200), LogPriority::kInfo);
  EXPECT_EQ(AccessPriority(303), LogPriority::kInfo);
  EXPECT_EQ(AccessPriority(404), LogPriority::kNotice);
  EXPECT_EQ(AccessPriority(429), LogPriority::kNotice);
  EXPECT_EQ(AccessPriority(500), LogPriority::kErr);
  EXPECT_EQ(AccessPriority(503), LogPriority::kErr);
  EXPECT_EQ(static_cast<int>(LogPriority::kErr), 3);   // LOG_ERR
  EXPECT_EQ(static_cast<int>(LogPriority::kInfo), 6);  // LOG_INFO
}

}  // namespace
}  // namespace latchkey::portal
