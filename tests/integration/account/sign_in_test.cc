// SignIn against a real database: the login recorded, the old session
// ended and a new one made together; a failed sign-in changes nothing; two
// sign-ins of one account at once both succeed (no deadlock).
#include "latchkey/account/sign_in.h"

#include <gtest/gtest.h>

#include <memory>
#include <thread>

#include "support/services_test.h"

namespace latchkey {
namespace {

class SignInTest : public testing::ServicesTest {
 protected:
  void SetUp() override {
    ServicesTest::SetUp();
    if (HasFatalFailure()) return;
    id_ = MakeUser("alice");
    sessions_ = std::make_unique<SessionStore>(s().db(), clock_, random_,
                                               config_.session);
  }
  int64_t id_ = 0;
  std::unique_ptr<SessionStore> sessions_;
};

TEST_F(SignInTest, RecordsTheLoginAndReplacesTheOldSession) {
  Result<NewSession> old = sessions_->Create(id_, "", "");
  ASSERT_TRUE(old.ok());
  EXPECT_FALSE(Load(id_).last_login_at.has_value());

  SignInRequest request;
  request.user_id = id_;
  request.old_session_id = old->id.view();
  request.client_ip = "192.0.2.10";
  request.user_agent = "Firefox/140";
  Result<NewSession> created = SignIn(s(), *sessions_, request);
  ASSERT_TRUE(created.ok()) << created.status().ToString();

  EXPECT_EQ(Load(id_).last_login_at, clock_.NowUnix());
  EXPECT_FALSE(sessions_->Lookup(old->id.view())->has_value());
  Result<std::optional<Session>> now = sessions_->Lookup(created->id.view());
  ASSERT_TRUE(now.ok() && now->has_value());
  EXPECT_EQ((*now)->user_id, id_);
  EXPECT_EQ((*now)->ip, "192.0.2.10");
  EXPECT_NE(created->id.view(), old->id.view());
}

TEST_F(SignInTest, AFailedSignInKeepsEverything) {
  Result<NewSession> old = sessions_->Create(id_, "", "");
  ASSERT_TRUE(old.ok());
  SignInRequest request;
  request.user_id = id_ + 1000;  // no such user
  request.old_session_id = old->id.view();
  Result<NewSession> created = SignIn(s(), *sessions_, request);
  EXPECT_EQ(created.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(sessions_->Lookup(old->id.view())->has_value());
  Result<std::optional<db::Row>> n =
      s().db().QueryOne("SELECT COUNT(*) FROM sessions");
  ASSERT_TRUE(n.ok() && n->has_value());
  EXPECT_EQ((**n).i64(0), 1);
}

TEST_F(SignInTest, TwoSignInsOfOneAccountAtOnceBothSucceed) {
  std::unique_ptr<Services> other =
      Services::WithConnection(config_, db().Connect(), clock_, random_);
  SessionStore other_sessions(other->db(), clock_, random_, config_.session);
  Result<NewSession> a = Internal("not run");
  Result<NewSession> b = Internal("not run");
  SignInRequest request;
  request.user_id = id_;
  for (int round = 0; round < 10; ++round) {
    std::thread ta([&] { a = SignIn(s(), *sessions_, request); });
    std::thread tb([&] { b = SignIn(*other, other_sessions, request); });
    ta.join();
    tb.join();
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    ASSERT_TRUE(b.ok()) << b.status().ToString();
  }
}

}  // namespace
}  // namespace latchkey
