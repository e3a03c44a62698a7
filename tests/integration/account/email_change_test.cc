// EmailChange against a real database: the link to the new address and
// the notice to the old, confirmation, taken addresses, link states.
#include "latchkey/account/email_change.h"

#include <gtest/gtest.h>

#include <chrono>

#include "support/services_test.h"
#include "support/smtp_server.h"

namespace latchkey {
namespace {

using std::chrono::seconds;
using testing::TokenFromLink;

constexpr char kConfirmLink[] = "https://accounts.example.org/email/confirm";

class EmailChangeTest : public testing::ServicesTest {
 protected:
  void SetUp() override {
    ServicesTest::SetUp();
    if (HasFatalFailure()) return;
    id_ = MakeUser("alice");
  }
  Result<FieldErrors> Request(std::string_view email, int64_t id = 0) {
    EmailChange change(s());
    return change.Request(id != 0 ? id : id_, email, ctx_);
  }
  Result<LinkState> Confirm(std::string_view token) {
    EmailChange change(s());
    return change.Confirm(token, ctx_);
  }
  std::string TokenSentTo(const std::string& to) {
    const auto mails = Outbox(to);
    return mails.empty() ? "" : TokenFromLink(mails.back().body, kConfirmLink);
  }

  int64_t id_ = 0;
};

TEST_F(EmailChangeTest, ConfirmedAtTheNewAddressWithANoticeToTheOld) {
  auto r = Request("Alice.New@Example.org");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->empty());
  // Nothing changes until the link is opened.
  EXPECT_EQ(Load(id_).email, "alice@example.org");

  const auto to_new = Outbox("alice.new@example.org");
  ASSERT_EQ(to_new.size(), 1u);
  EXPECT_EQ(to_new[0].subject, "[latchkey] Confirm your new email address");
  const std::string token = TokenSentTo("alice.new@example.org");
  ASSERT_EQ(token.size(), 43u);
  const auto to_old = Outbox("alice@example.org");
  ASSERT_EQ(to_old.size(), 1u);
  EXPECT_EQ(to_old[0].subject,
            "[latchkey] Your email address is being changed");
  EXPECT_NE(to_old[0].body.find("alice.new@example.org"), std::string::npos);
  EXPECT_EQ(to_old[0].body.find(token), std::string::npos);
  EXPECT_EQ(Events("user_updated"), 1);

  ASSERT_TRUE(s().users().SetEmail(id_, "alice@example.org", false).ok());
  auto confirmed = Confirm(token);
  ASSERT_TRUE(confirmed.ok()) << confirmed.status().ToString();
  EXPECT_EQ(*confirmed, LinkState::kOk);
  const User alice = Load(id_);
  EXPECT_EQ(alice.email, "alice.new@example.org");
  EXPECT_TRUE(alice.email_verified());
  EXPECT_EQ(Events("email_changed"), 1);

  confirmed = Confirm(token);
  ASSERT_TRUE(confirmed.ok());
  EXPECT_EQ(*confirmed, LinkState::kUsed);
  confirmed = Confirm("bogus");
  ASSERT_TRUE(confirmed.ok());
  EXPECT_EQ(*confirmed, LinkState::kInvalid);
}

TEST_F(EmailChangeTest, FieldErrors) {
  auto r = Request("nope");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->Get("email"), "Enter a valid email address.");
  r = Request("ALICE@example.org");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->Get("email"), "That is already your address.");
  EXPECT_TRUE(Outbox().empty());
  EXPECT_EQ(Request("x@example.org", 999999).status().code(),
            StatusCode::kNotFound);
}

TEST_F(EmailChangeTest, TakenAddressGetsTheSameAnswer) {
  MakeUser("bob");
  auto r = Request("bob@example.org");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  // No link was issued; bob is told someone tried; alice's old address
  // gets nothing (nothing is pending).
  const auto to_bob = Outbox("bob@example.org");
  ASSERT_EQ(to_bob.size(), 1u);
  EXPECT_EQ(to_bob[0].subject, "[latchkey] Someone tried to use your address");
  EXPECT_EQ(to_bob[0].body.find("token="), std::string::npos);
  EXPECT_TRUE(Outbox("alice@example.org").empty());
  EXPECT_EQ(Load(id_).email, "alice@example.org");
}

TEST_F(EmailChangeTest, AddressTakenInTheMeantime) {
  ASSERT_TRUE(Request("shared@example.org").ok());
  const std::string token = TokenSentTo("shared@example.org");
  NewUser other;
  other.username = "carol";
  other.email = "shared@example.org";
  other.password_hash = "$argon2id$x";
  ASSERT_TRUE(s().users().Create(other).ok());
  auto confirmed = Confirm(token);
  EXPECT_EQ(confirmed.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(Load(id_).email, "alice@example.org");
  // The link is used up.
  confirmed = Confirm(token);
  ASSERT_TRUE(confirmed.ok());
  EXPECT_EQ(*confirmed, LinkState::kUsed);
}

TEST_F(EmailChangeTest, ANewRequestVoidsTheOldLinkAndLinksExpire) {
  ASSERT_TRUE(Request("one@example.org").ok());
  const std::string one = TokenSentTo("one@example.org");
  ASSERT_TRUE(Request("two@example.org").ok());
  const std::string two = TokenSentTo("two@example.org");
  auto c = Confirm(one);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, LinkState::kUsed);
  clock_.Advance(kEmailChangeTokenTtl);
  c = Confirm(two);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, LinkState::kExpired);
  EXPECT_EQ(Load(id_).email, "alice@example.org");
}

TEST_F(EmailChangeTest, ThrottledPerUser) {
  for (uint32_t i = 0; i < kEmailChangePerUser.max; ++i) {
    ASSERT_TRUE(Request("n" + std::to_string(i) + "@example.org").ok());
  }
  EXPECT_EQ(Request("more@example.org").status().code(),
            StatusCode::kResourceExhausted);
  clock_.Advance(seconds(3600));
  EXPECT_TRUE(Request("more@example.org").ok());
}

}  // namespace
}  // namespace latchkey
