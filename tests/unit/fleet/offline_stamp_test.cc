// The directory's pure rules (fleet/directory_service.h): when an account
// gets an offline stamp and what changes it, and the map's version.
#include <gtest/gtest.h>

#include "latchkey/fleet/directory_service.h"

namespace latchkey {
namespace {

constexpr int64_t kNow = 1'800'000'000;

User Alice() {
  User u;
  u.id = 7;
  u.username = "alice";
  u.password_hash = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA";
  u.password_changed_at = kNow - 100;
  u.roles = {"staff", "user"};
  return u;
}

HostAccess Every() {
  HostAccess a;
  a.every_service = true;
  return a;
}

std::optional<std::string> Stamp(const User& u,
                                 const HostAccess& access = Every(),
                                 std::optional<int64_t> group = 3) {
  return OfflineStamp(u, access, group, kNow, false);
}

TEST(OfflineStampTest, EligibleAccountGetsAStableStamp) {
  const std::optional<std::string> s = Stamp(Alice());
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->size(), 32u);
  EXPECT_EQ(s, Stamp(Alice()));
  EXPECT_EQ(s->find("argon2"), std::string::npos);
}

TEST(OfflineStampTest, NullWhenNotEligible) {
  User totp = Alice();
  totp.totp_secret_enc = "sealed";
  EXPECT_FALSE(Stamp(totp));
  User inactive = Alice();
  inactive.is_active = false;
  EXPECT_FALSE(Stamp(inactive));
  User locked = Alice();
  locked.admin_locked_until = kNow + 60;
  EXPECT_FALSE(Stamp(locked));
  User was_locked = Alice();
  was_locked.admin_locked_until = kNow - 60;
  EXPECT_TRUE(Stamp(was_locked));
  User expired = Alice();
  expired.account_expires_at = kNow;
  EXPECT_FALSE(Stamp(expired));
  User pw_expired = Alice();
  pw_expired.password_expires_at = kNow - 1;
  EXPECT_FALSE(Stamp(pw_expired));
  EXPECT_FALSE(Stamp(Alice(), HostAccess{}));
  EXPECT_FALSE(OfflineStamp(Alice(), Every(), 3, kNow, true));  // unverified
}

TEST(OfflineStampTest, ChangesWithPasswordRolesServicesAndGroup) {
  const std::string base = *Stamp(Alice());
  User changed = Alice();
  changed.password_changed_at = kNow;
  EXPECT_NE(*Stamp(changed), base);
  User rehashed = Alice();
  rehashed.password_hash += "x";
  EXPECT_NE(*Stamp(rehashed), base);
  User fewer = Alice();
  fewer.roles = {"staff"};
  EXPECT_NE(*Stamp(fewer), base);
  HostAccess sshd;
  sshd.services = {"sshd"};
  EXPECT_NE(*Stamp(Alice(), sshd), base);
  EXPECT_NE(*Stamp(Alice(), Every(), 4), base);
  User other = Alice();
  other.id = 8;
  EXPECT_NE(*Stamp(other), base);
}

TEST(NssMapVersionTest, EqualMapsEqualVersionsAnyChangeANewOne) {
  NssMap a;
  a.users.push_back({"alice", 20001, 20001, "Alice", "/home/alice", "/bin/sh"});
  a.groups.push_back({"alice", 20001, {}});
  NssMap b = a;
  EXPECT_EQ(NssMapVersion(a), NssMapVersion(b));
  EXPECT_EQ(NssMapVersion(a).size(), 16u);
  b.users[0].shell = "/bin/bash";
  EXPECT_NE(NssMapVersion(a), NssMapVersion(b));
  NssMap c = a;
  c.groups[0].members.push_back("bob");
  EXPECT_NE(NssMapVersion(a), NssMapVersion(c));
  EXPECT_NE(NssMapVersion(a), NssMapVersion(NssMap{}));
}

}  // namespace
}  // namespace latchkey
