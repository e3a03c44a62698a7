// TokenStore against a real database: issue, peek, consume, expiry, voiding
// and a 20-connection race for one token.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <thread>
#include <vector>

#include "latchkey/base/clock.h"
#include "latchkey/base/encoding.h"
#include "latchkey/base/random.h"
#include "latchkey/store/token_store.h"
#include "latchkey/store/user_store.h"
#include "support/fakes.h"
#include "support/sandbox.h"

namespace latchkey {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

class TokenTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    users_ = std::make_unique<UserStore>(conn(), clock_);
    tokens_ = std::make_unique<TokenStore>(conn(), clock_, random_);
    NewUser u;
    u.username = "tok";
    u.email = "tok@example.org";
    u.password_hash = "$argon2id$placeholder";
    auto id = users_->Create(u);
    ASSERT_TRUE(id.ok()) << id.status().ToString();
    user_id_ = *id;
  }

  FakeClock clock_;
  SystemRandom random_;
  std::unique_ptr<UserStore> users_;
  std::unique_ptr<TokenStore> tokens_;
  int64_t user_id_ = 0;
};

TEST_F(TokenTest, PurposeNamesAndTtls) {
  EXPECT_EQ(TokenPurposeName(TokenPurpose::kActivate), "activate");
  EXPECT_EQ(TokenPurposeName(TokenPurpose::kReset), "reset");
  EXPECT_EQ(TokenPurposeName(TokenPurpose::kEmailChange), "email_change");
  EXPECT_EQ(kActivationTokenTtl, hours(48));
  EXPECT_EQ(kResetTokenTtl, hours(1));
  EXPECT_EQ(kEmailChangeTokenTtl, hours(48));
}

TEST_F(TokenTest, IssuedTokenIs256BitsAndOnlyItsHashIsStored) {
  auto token =
      tokens_->Issue(user_id_, TokenPurpose::kActivate, kActivationTokenTtl);
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_EQ(token->size(), 43u);
  auto raw = Base64UrlDecode(token->view());
  ASSERT_TRUE(raw.has_value());
  EXPECT_EQ(raw->size(), 32u);
  auto rows = conn().Query(
      "SELECT token_sha256, purpose, payload, expires_at, created_at FROM "
      "tokens WHERE user_id = ?",
      {user_id_});
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 1u);
  const db::Row& row = rows->front();
  EXPECT_EQ(row.str(0), std::string(DigestView(Sha256(token->view()))));
  EXPECT_EQ(row.str(1), "activate");
  EXPECT_TRUE(row.is_null(2));
  EXPECT_EQ(*row.unix_time(3) - *row.unix_time(4), 48 * 3600);
  // Two tokens are never the same.
  auto other =
      tokens_->Issue(user_id_, TokenPurpose::kActivate, kActivationTokenTtl);
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->view(), token->view());
}

TEST_F(TokenTest, PeekThenConsumeOnce) {
  auto token = tokens_->Issue(user_id_, TokenPurpose::kReset, kResetTokenTtl);
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  auto peek = tokens_->Peek(token->view(), TokenPurpose::kReset);
  ASSERT_TRUE(peek.ok());
  EXPECT_EQ(peek->state, TokenState::kValid);
  EXPECT_EQ(peek->user_id, user_id_);
  // Peeking does not use it.
  ASSERT_EQ(tokens_->Peek(token->view(), TokenPurpose::kReset)->state,
            TokenState::kValid);

  auto used = tokens_->Consume(token->view(), TokenPurpose::kReset);
  ASSERT_TRUE(used.ok()) << used.status().ToString();
  EXPECT_EQ(used->user_id, user_id_);
  EXPECT_FALSE(used->payload.has_value());

  auto again = tokens_->Consume(token->view(), TokenPurpose::kReset);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(again.status().message(), "this link has already been used");
  EXPECT_EQ(tokens_->Peek(token->view(), TokenPurpose::kReset)->state,
            TokenState::kUsed);
}

TEST_F(TokenTest, PayloadComesBack) {
  auto token =
      tokens_->Issue(user_id_, TokenPurpose::kEmailChange, kEmailChangeTokenTtl,
                     std::string("new@example.org"));
  ASSERT_TRUE(token.ok());
  auto used = tokens_->Consume(token->view(), TokenPurpose::kEmailChange);
  ASSERT_TRUE(used.ok()) << used.status().ToString();
  EXPECT_EQ(used->payload, "new@example.org");
  EXPECT_EQ(tokens_
                ->Issue(user_id_, TokenPurpose::kEmailChange, hours(1),
                        std::string(300, 'x'))
                .status()
                .code(),
            StatusCode::kInvalidArgument);
}

TEST_F(TokenTest, ExpiresWithTheClock) {
  auto token = tokens_->Issue(user_id_, TokenPurpose::kReset, kResetTokenTtl);
  ASSERT_TRUE(token.ok());
  clock_.Advance(hours(1) - seconds(1));
  EXPECT_EQ(tokens_->Peek(token->view(), TokenPurpose::kReset)->state,
            TokenState::kValid);
  clock_.Advance(seconds(1));
  auto peek = tokens_->Peek(token->view(), TokenPurpose::kReset);
  EXPECT_EQ(peek->state, TokenState::kExpired);
  EXPECT_EQ(peek->user_id, user_id_);
  auto used = tokens_->Consume(token->view(), TokenPurpose::kReset);
  ASSERT_FALSE(used.ok());
  EXPECT_EQ(used.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(used.status().message(), "this link has expired");
  // An expired token stays expired, not "used".
  EXPECT_EQ(tokens_->Peek(token->view(), TokenPurpose::kReset)->state,
            TokenState::kExpired);
}

TEST_F(TokenTest, UnknownOrWrongPurposeIsNotValid) {
  for (std::string_view bogus :
       {std::string_view(""), std::string_view("abc"),
        std::string_view("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")}) {
    auto used = tokens_->Consume(bogus, TokenPurpose::kReset);
    ASSERT_FALSE(used.ok());
    EXPECT_EQ(used.status().code(), StatusCode::kNotFound);
    EXPECT_EQ(used.status().message(), "this link is not valid");
    EXPECT_EQ(tokens_->Peek(bogus, TokenPurpose::kReset)->state,
              TokenState::kUnknown);
  }
  auto token =
      tokens_->Issue(user_id_, TokenPurpose::kActivate, kActivationTokenTtl);
  ASSERT_TRUE(token.ok());
  // An activation link is no reset link.
  EXPECT_EQ(
      tokens_->Consume(token->view(), TokenPurpose::kReset).status().code(),
      StatusCode::kNotFound);
  EXPECT_EQ(tokens_->Peek(token->view(), TokenPurpose::kReset)->state,
            TokenState::kUnknown);
  EXPECT_TRUE(tokens_->Consume(token->view(), TokenPurpose::kActivate).ok());
}

TEST_F(TokenTest, IssueForAMissingUserIsNotFound) {
  auto token =
      tokens_->Issue(user_id_ + 1000, TokenPurpose::kReset, kResetTokenTtl);
  ASSERT_FALSE(token.ok());
  EXPECT_EQ(token.status().code(), StatusCode::kNotFound);
}

TEST_F(TokenTest, VoidOpenUsesUpOpenTokensOfThatPurposeOnly) {
  auto r1 = tokens_->Issue(user_id_, TokenPurpose::kReset, kResetTokenTtl);
  auto r2 = tokens_->Issue(user_id_, TokenPurpose::kReset, kResetTokenTtl);
  auto a =
      tokens_->Issue(user_id_, TokenPurpose::kActivate, kActivationTokenTtl);
  ASSERT_TRUE(r1.ok() && r2.ok() && a.ok());
  ASSERT_TRUE(tokens_->Consume(r1->view(), TokenPurpose::kReset).ok());
  auto voided = tokens_->VoidOpen(user_id_, TokenPurpose::kReset);
  ASSERT_TRUE(voided.ok());
  EXPECT_EQ(*voided, 1u);  // r2 only; r1 was used already
  EXPECT_EQ(
      tokens_->Consume(r2->view(), TokenPurpose::kReset).status().message(),
      "this link has already been used");
  EXPECT_TRUE(tokens_->Consume(a->view(), TokenPurpose::kActivate).ok());
}

TEST_F(TokenTest, TwentyConnectionsRaceForOneTokenAndOneWins) {
  auto token = tokens_->Issue(user_id_, TokenPurpose::kReset, kResetTokenTtl);
  ASSERT_TRUE(token.ok());
  constexpr int kThreads = 20;
  std::vector<std::unique_ptr<db::Connection>> conns;
  for (int i = 0; i < kThreads; ++i) {
    conns.push_back(db().Connect());
    ASSERT_TRUE(conns.back()->Connect().ok());
  }
  std::atomic<int> won{0}, used{0}, other{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  const std::string text(token->view());
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      TokenStore store(*conns[i], clock_, random_);
      start.arrive_and_wait();
      auto r = store.Consume(text, TokenPurpose::kReset);
      if (r.ok() && r->user_id == user_id_) {
        ++won;
      } else if (!r.ok() &&
                 r.status().message() == "this link has already been used") {
        ++used;
      } else {
        ++other;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(used.load(), kThreads - 1);
  EXPECT_EQ(other.load(), 0);
}

TEST_F(TokenTest, DeletingTheUserDeletesItsTokens) {
  auto token = tokens_->Issue(user_id_, TokenPurpose::kReset, kResetTokenTtl);
  ASSERT_TRUE(token.ok());
  ASSERT_TRUE(users_->Delete(user_id_).ok());
  EXPECT_EQ(
      tokens_->Consume(token->view(), TokenPurpose::kReset).status().code(),
      StatusCode::kNotFound);
}

}  // namespace
}  // namespace latchkey
