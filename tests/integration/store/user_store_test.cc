// UserStore against a real database: create, find (one query with roles),
// duplicates named, setters, roles (the list is
// user_search_test.cc).
#include "latchkey/store/user_store.h"

#include <gtest/gtest.h>

#include <chrono>

#include "latchkey/base/clock.h"
#include "support/fakes.h"
#include "support/sandbox.h"

namespace latchkey {
namespace {

using std::chrono::seconds;

class UserStoreTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    users_ = std::make_unique<UserStore>(conn(), clock_);
  }
  NewUser Person(const std::string& name) {
    NewUser u;
    u.username = name;
    u.email = name + "@Example.org";
    u.full_name = "Person " + name;
    u.password_hash = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA";
    return u;
  }
  int64_t Make(const NewUser& u) {
    auto id = users_->Create(u);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : 0;
  }
  User Load(int64_t id) {
    auto u = users_->FindById(id);
    EXPECT_TRUE(u.ok() && u->has_value());
    return u.ok() && u->has_value() ? **u : User{};
  }

  FakeClock clock_;
  std::unique_ptr<UserStore> users_;
};

TEST_F(UserStoreTest, CreateAndFind) {
  NewUser n = Person("alice");
  n.full_name = "Alice Ångström";
  n.roles = {"user", "admin"};
  n.email_verified = true;
  const int64_t id = Make(n);
  const User u = Load(id);
  EXPECT_EQ(u.username, "alice");
  EXPECT_EQ(u.email, "alice@example.org");  // normalized
  EXPECT_EQ(u.full_name, "Alice Ångström");
  EXPECT_EQ(u.password_hash, n.password_hash);
  EXPECT_TRUE(u.is_active);
  EXPECT_EQ(u.email_verified_at, clock_.NowUnix());
  EXPECT_EQ(u.created_at, clock_.NowUnix());
  EXPECT_EQ(u.password_changed_at, clock_.NowUnix());
  EXPECT_EQ(u.roles, (std::vector<std::string>{"admin", "user"}));
  EXPECT_TRUE(u.HasRole("admin"));
  EXPECT_FALSE(u.has_totp());
  EXPECT_FALSE(u.has_avatar);

  EXPECT_EQ((*users_->FindByLogin("alice"))->id, id);
  EXPECT_EQ((*users_->FindByLogin("ALICE@example.ORG"))->id, id);
  EXPECT_EQ((*users_->FindByUsername("alice"))->id, id);
  EXPECT_EQ((*users_->FindByEmail(" alice@example.org"))->id, id);
  EXPECT_FALSE(users_->FindByLogin("Alice")->has_value());
  EXPECT_FALSE(users_->FindByLogin("bob")->has_value());
  EXPECT_FALSE(users_->FindByLogin("not an @ email")->has_value());
  EXPECT_FALSE(users_->FindById(id + 1)->has_value());
  EXPECT_FALSE(users_->FindByLogin("")->has_value());
}

TEST_F(UserStoreTest, DuplicatesAreNamed) {
  Make(Person("alice"));
  auto dup_name = users_->Create(Person("alice"));
  ASSERT_FALSE(dup_name.ok());
  EXPECT_EQ(dup_name.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(dup_name.status().message().find("username"), std::string::npos)
      << dup_name.status().message();
  NewUser other = Person("alicia");
  other.email = "ALICE@example.org";
  auto dup_mail = users_->Create(other);
  ASSERT_FALSE(dup_mail.ok());
  EXPECT_EQ(dup_mail.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(dup_mail.status().message().find("email"), std::string::npos)
      << dup_mail.status().message();
}

TEST_F(UserStoreTest, CreateValidates) {
  NewUser bad = Person("root");
  EXPECT_EQ(users_->Create(bad).status().code(), StatusCode::kInvalidArgument);
  bad = Person("bob");
  bad.email = "bob";
  EXPECT_EQ(users_->Create(bad).status().message(),
            "not a valid email address");
  bad = Person("bob");
  bad.full_name = "Bob\nSmith";
  EXPECT_EQ(users_->Create(bad).status().code(), StatusCode::kInvalidArgument);
  bad = Person("bob");
  bad.roles = {"user", "wizard"};
  auto r = users_->Create(bad);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(r.status().message(), "no role named 'wizard'");
  // Nothing was left behind.
  EXPECT_FALSE(users_->FindByUsername("bob")->has_value());
}

TEST_F(UserStoreTest, Setters) {
  const int64_t id = Make(Person("alice"));
  const int64_t other = Make(Person("bob"));
  clock_.Advance(seconds(10));
  ASSERT_TRUE(users_->SetPasswordHash(id, "$6$new", clock_.NowUnix() + 5).ok());
  EXPECT_EQ(Load(id).password_hash, "$6$new");
  EXPECT_EQ(Load(id).password_changed_at, clock_.NowUnix());
  EXPECT_EQ(Load(id).password_expires_at, clock_.NowUnix() + 5);
  EXPECT_FALSE(*users_->ReplaceHashIfUnchanged(id, "$6$old", "$argon2id$x"));
  EXPECT_TRUE(*users_->ReplaceHashIfUnchanged(id, "$6$new", "$argon2id$x"));
  EXPECT_EQ(Load(id).password_hash, "$argon2id$x");

  ASSERT_TRUE(users_->SetActive(id, false).ok());
  EXPECT_FALSE(Load(id).is_active);
  ASSERT_TRUE(users_->SetActive(id, false).ok());  // unchanged is fine
  ASSERT_TRUE(users_->MarkEmailVerified(id).ok());
  EXPECT_EQ(Load(id).email_verified_at, clock_.NowUnix());
  ASSERT_TRUE(users_->SetFullName(id, "Alice B.").ok());
  EXPECT_EQ(Load(id).full_name, "Alice B.");
  EXPECT_EQ(users_->SetFullName(id, "A\x01").code(),
            StatusCode::kInvalidArgument);

  ASSERT_TRUE(users_->SetEmail(id, "New@Example.org", false).ok());
  EXPECT_EQ(Load(id).email, "new@example.org");
  EXPECT_FALSE(Load(id).email_verified_at.has_value());
  const Status dup = users_->SetEmail(id, "bob@example.org", true);
  EXPECT_EQ(dup.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(dup.message().find("email"), std::string::npos);

  ASSERT_TRUE(users_->SetAccountExpiry(id, 123).ok());
  EXPECT_EQ(Load(id).account_expires_at, 123);
  ASSERT_TRUE(users_->SetAccountExpiry(id, std::nullopt).ok());
  EXPECT_FALSE(Load(id).account_expires_at.has_value());
  ASSERT_TRUE(users_->SetPasswordExpiry(id, 456).ok());
  EXPECT_EQ(Load(id).password_expires_at, 456);

  ASSERT_TRUE(users_->SetAvatar(id, "\x89PNG...", "image/png").ok());
  EXPECT_TRUE(Load(id).has_avatar);
  auto avatar = users_->GetAvatar(id);
  ASSERT_TRUE(avatar.ok());
  EXPECT_EQ(avatar->first, "\x89PNG...");
  EXPECT_EQ(avatar->second, "image/png");
  ASSERT_TRUE(users_->SetAvatar(id, "", "").ok());
  EXPECT_EQ(users_->GetAvatar(id).status().code(), StatusCode::kNotFound);

  ASSERT_TRUE(users_->RecordLogin(id).ok());
  EXPECT_EQ(Load(id).last_login_at, clock_.NowUnix());

  const int64_t missing = other + 100;
  EXPECT_EQ(users_->SetActive(missing, true).code(), StatusCode::kNotFound);
  EXPECT_EQ(users_->SetPasswordHash(missing, "x").code(),
            StatusCode::kNotFound);
  EXPECT_EQ(users_->RecordLogin(missing).code(), StatusCode::kNotFound);
  EXPECT_EQ(users_->Delete(missing).code(), StatusCode::kNotFound);
  ASSERT_TRUE(users_->Delete(id).ok());
  EXPECT_FALSE(users_->FindById(id)->has_value());
}

TEST_F(UserStoreTest, Roles) {
  const int64_t id = Make(Person("alice"));
  auto roles = users_->ListRoles();
  ASSERT_TRUE(roles.ok());
  ASSERT_EQ(roles->size(), 2u);
  EXPECT_EQ((*roles)[0].name, "admin");
  EXPECT_EQ((*roles)[1].name, "user");

  ASSERT_TRUE(users_->CreateRole("operators", "run the hosts").ok());
  EXPECT_EQ(users_->CreateRole("operators", "").code(),
            StatusCode::kAlreadyExists);
  EXPECT_EQ(users_->CreateRole("Bad Name", "").code(),
            StatusCode::kInvalidArgument);

  EXPECT_TRUE(*users_->AddRole(id, "operators"));
  EXPECT_FALSE(*users_->AddRole(id, "operators"));
  EXPECT_EQ(Load(id).roles, (std::vector<std::string>{"operators", "user"}));
  auto unknown = users_->AddRole(id, "wizard");
  EXPECT_EQ(unknown.status().message(), "no role named 'wizard'");
  EXPECT_EQ(users_->AddRole(id + 100, "admin").status().code(),
            StatusCode::kNotFound);

  EXPECT_TRUE(*users_->RemoveRole(id, "user"));
  EXPECT_FALSE(*users_->RemoveRole(id, "user"));
  EXPECT_EQ(Load(id).roles, (std::vector<std::string>{"operators"}));

  ASSERT_TRUE(users_->SetRoles(id, {"admin", "user", "admin"}).ok());
  EXPECT_EQ(Load(id).roles, (std::vector<std::string>{"admin", "user"}));
  EXPECT_EQ(users_->SetRoles(id, {"admin", "wizard"}).message(),
            "no role named 'wizard'");
  EXPECT_EQ(Load(id).roles, (std::vector<std::string>{"admin", "user"}));
  ASSERT_TRUE(users_->SetRoles(id, {}).ok());
  EXPECT_TRUE(Load(id).roles.empty());
  EXPECT_EQ(users_->SetRoles(id + 100, {}).code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace latchkey
