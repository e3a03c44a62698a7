// User::AccountExpired and User::PasswordExpired: the one rule for
// "expired" that the PAM phases and the Authenticator share.
#include <gtest/gtest.h>

#include "latchkey/store/user_store.h"

namespace latchkey {
namespace {

constexpr int64_t kNow = 1'800'000'000;

TEST(UserExpiryTest, UnsetNeverExpires) {
  User u;
  EXPECT_FALSE(u.AccountExpired(kNow));
  EXPECT_FALSE(u.PasswordExpired(kNow));
}

TEST(UserExpiryTest, ExpiresAtTheSecondItNames) {
  User u;
  u.account_expires_at = kNow;
  u.password_expires_at = kNow;
  EXPECT_TRUE(u.AccountExpired(kNow));
  EXPECT_TRUE(u.PasswordExpired(kNow));
  EXPECT_FALSE(u.AccountExpired(kNow - 1));
  EXPECT_FALSE(u.PasswordExpired(kNow - 1));
}

TEST(UserExpiryTest, PastAndFutureTimes) {
  User u;
  u.account_expires_at = kNow + 60;
  u.password_expires_at = kNow - 60;
  EXPECT_FALSE(u.AccountExpired(kNow));
  EXPECT_TRUE(u.PasswordExpired(kNow));
}

}  // namespace
}  // namespace latchkey
