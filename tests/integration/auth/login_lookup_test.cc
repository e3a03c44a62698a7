// LookUpLogin against a real database: one query that answers what
// UserStore::FindByLogin/FindByUsername and LockoutStore::IpBlocked answer
// separately, for known and unknown names, emails and addresses.
#include "latchkey/auth/login_lookup.h"

#include <gtest/gtest.h>

#include <chrono>

#include "latchkey/auth/lockout_store.h"
#include "support/fakes.h"
#include "support/sandbox.h"

namespace latchkey {
namespace {

class LoginLookupTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    config_.ip_max_failures = 3;
    config_.ip_window = Seconds{600};
    users_ = std::make_unique<UserStore>(conn(), clock_);
    ASSERT_TRUE(users_->CreateRole("ops", "").ok());
    NewUser u;
    u.username = "dora";
    u.email = "Dora@Example.org";
    u.full_name = "Dora D";
    u.password_hash = "$argon2id$placeholder";
    u.roles = {"ops"};
    auto id = users_->Create(u);
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    id_ = *id;
  }

  LoginLookup Look(std::string_view login, std::string_view rhost,
                   bool usernames_only = false) {
    Result<LoginLookup> r =
        LookUpLogin(conn(), clock_, config_, login, usernames_only, rhost);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(*r) : LoginLookup{};
  }

  FakeClock clock_;
  LockoutConfig config_;
  std::unique_ptr<UserStore> users_;
  int64_t id_ = 0;
};

TEST_F(LoginLookupTest, FindsWhatUserStoreFinds) {
  for (std::string_view login :
       {"dora", "dora@example.org", " DORA@example.ORG "}) {
    SCOPED_TRACE(login);
    LoginLookup l = Look(login, "198.51.100.1");
    ASSERT_TRUE(l.user.has_value());
    auto alone = users_->FindByLogin(login);
    ASSERT_TRUE(alone.ok() && alone->has_value());
    EXPECT_EQ(l.user->id, id_);
    EXPECT_EQ(l.user->username, (*alone)->username);
    EXPECT_EQ(l.user->email, (*alone)->email);
    EXPECT_EQ(l.user->full_name, "Dora D");
    EXPECT_EQ(l.user->password_hash, (*alone)->password_hash);
    EXPECT_EQ(l.user->roles, (*alone)->roles);
    EXPECT_TRUE(l.user->HasRole("ops"));
    EXPECT_FALSE(l.address_blocked);
  }
  const std::string_view unknown[] = {
      "Dora",         "nobody", "",
      "not@an@email", "x@",     "a-name-longer-than-thirty-two-bytes-x"};
  for (std::string_view login : unknown) {
    SCOPED_TRACE(login);
    EXPECT_FALSE(Look(login, "198.51.100.1").user.has_value());
  }
  // PAM logins match usernames only.
  EXPECT_FALSE(Look("dora@example.org", "", true).user.has_value());
  EXPECT_TRUE(Look("dora", "", true).user.has_value());
}

TEST_F(LoginLookupTest, NamesCompareExactly) {
  // MariaDB's PAD SPACE collations compare "dora " equal to "dora"; a
  // login must name the account byte for byte.
  const std::string_view padded[] = {
      "dora ",  "dora  ",   " dora",
      "dora\t", "dora\n",   "DORA",
      "do ra",  "dora\x01", std::string_view("dora\0", 5)};
  for (std::string_view login : padded) {
    SCOPED_TRACE(::testing::PrintToString(std::string(login)));
    EXPECT_FALSE(Look(login, "198.51.100.1").user.has_value());
    EXPECT_FALSE(Look(login, "", true).user.has_value());
    auto store = users_->FindByUsername(login);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_FALSE(store->has_value());
    auto by_login = users_->FindByLogin(login);
    ASSERT_TRUE(by_login.ok()) << by_login.status().ToString();
    EXPECT_FALSE(by_login->has_value());
  }
  // The columns compare exactly too (a NO PAD collation), whoever asks.
  for (std::string_view column : {"username", "email"}) {
    const std::string sql =
        "SELECT COUNT(*) FROM users WHERE " + std::string(column) + " = ?";
    const std::string padded_value =
        column == "username" ? "dora " : "dora@example.org ";
    auto n = conn().QueryOne(sql, {std::string_view(padded_value)});
    ASSERT_TRUE(n.ok() && n->has_value()) << n.status().ToString();
    EXPECT_EQ((*n)->i64(0), 0) << column;
  }
  // An email is normalized (trimmed, lower-cased) and then compared
  // exactly: a stored address never has trailing spaces.
  auto email = users_->FindByEmail("dora@example.org ");
  ASSERT_TRUE(email.ok());
  EXPECT_TRUE(email->has_value());
}

TEST_F(LoginLookupTest, AnswersTheAddressLikeIpBlocked) {
  LockoutStore lockouts(conn(), clock_, config_);
  const std::string_view ip = "203.0.113.77";
  for (int failures = 0; failures <= 4; ++failures) {
    SCOPED_TRACE(failures);
    const bool blocked = *lockouts.IpBlocked(ip);
    EXPECT_EQ(blocked, failures >= 3);
    // Known or not, the address gets the same answer.
    EXPECT_EQ(Look("dora", ip).address_blocked, blocked);
    EXPECT_EQ(Look("nobody", ip).address_blocked, blocked);
    ASSERT_TRUE(lockouts.RecordIpFailure(ip).ok());
  }
  EXPECT_FALSE(Look("dora", "203.0.113.78").address_blocked);
  EXPECT_FALSE(Look("dora", "").address_blocked);  // local: never counted
  // The window passes.
  clock_.Advance(std::chrono::seconds(601));
  EXPECT_FALSE(Look("dora", ip).address_blocked);
  // ip_max_failures = 0 turns the limit off.
  clock_.Advance(std::chrono::seconds(-601));
  EXPECT_TRUE(Look("dora", ip).address_blocked);
  config_.ip_max_failures = 0;
  EXPECT_FALSE(Look("dora", ip).address_blocked);
}

}  // namespace
}  // namespace latchkey
