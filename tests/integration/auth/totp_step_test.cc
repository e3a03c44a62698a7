// TotpStep against a real database: sealed TOTP keys bound to their
// user, replay refused atomically, one-time recovery codes.
#include "latchkey/auth/totp_step.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <latch>
#include <set>
#include <thread>
#include <vector>

#include "latchkey/base/clock.h"
#include "latchkey/base/random.h"
#include "latchkey/crypto/secret_box.h"
#include "latchkey/crypto/totp.h"
#include "latchkey/store/user_store.h"
#include "support/fakes.h"
#include "support/sandbox.h"

namespace latchkey {
namespace {

using std::chrono::seconds;

class TotpStepTest : public testing::DatabaseTest {
 protected:
  TotpStepTest()
      : box_(Secret(std::string(32, '\x42')), random_), totp_(TotpConfig{}) {}

  void SetUp() override {
    DatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    users_ = std::make_unique<UserStore>(conn(), clock_);
    sf_ = std::make_unique<TotpStep>(conn(), clock_, random_, totp_, &box_,
                                     "no key");
    alice_ = MakeUser("alice");
    bob_ = MakeUser("bob");
    auto key = totp_.GenerateKey(random_);
    ASSERT_TRUE(key.ok());
    key_ = std::move(*key);
  }

  int64_t MakeUser(const std::string& name) {
    NewUser u;
    u.username = name;
    u.email = name + "@example.org";
    u.password_hash = "$argon2id$placeholder";
    auto id = users_->Create(u);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    return id.ok() ? *id : 0;
  }
  User Load(int64_t id) {
    auto u = users_->FindById(id);
    EXPECT_TRUE(u.ok() && u->has_value());
    return u.ok() && u->has_value() ? **u : User{};
  }
  std::string CodeNow(int64_t offset = 0) {
    auto code = totp_.CodeAt(key_, clock_.NowUnix() + offset);
    EXPECT_TRUE(code.ok());
    return code.ok() ? *code : "";
  }

  FakeClock clock_;
  SystemRandom random_;
  SecretBox box_;
  Totp totp_;
  std::unique_ptr<UserStore> users_;
  std::unique_ptr<TotpStep> sf_;
  int64_t alice_ = 0, bob_ = 0;
  Secret key_;
};

TEST_F(TotpStepTest, EnableStoresTheKeySealedForItsUser) {
  ASSERT_TRUE(sf_->Enable(alice_, key_).ok());
  const User u = Load(alice_);
  ASSERT_TRUE(u.has_totp());
  EXPECT_EQ(u.totp_secret_enc.find(key_.view()), std::string::npos);
  auto back = sf_->GetKey(u);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->view(), key_.view());
  auto by_id = sf_->GetKey(alice_);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id->view(), key_.view());
  EXPECT_EQ(TotpAad(alice_), "totp:" + std::to_string(alice_));
}

TEST_F(TotpStepTest, ACiphertextCopiedToAnotherUserDoesNotOpen) {
  ASSERT_TRUE(sf_->Enable(alice_, key_).ok());
  ASSERT_TRUE(conn()
                  .Execute("UPDATE users SET totp_secret_enc = (SELECT "
                           "totp_secret_enc FROM (SELECT * FROM users) x "
                           "WHERE x.id = ?) WHERE id = ?",
                           {alice_, bob_})
                  .ok());
  const User b = Load(bob_);
  ASSERT_TRUE(b.has_totp());
  auto key = sf_->GetKey(b);
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().code(), StatusCode::kPermissionDenied);
  auto v = sf_->VerifyTotp(b, CodeNow());
  EXPECT_FALSE(v.ok());
}

TEST_F(TotpStepTest, NotEnabledIsNotFound) {
  EXPECT_EQ(sf_->GetKey(alice_).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(sf_->VerifyTotp(Load(alice_), "123456").status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(sf_->Enable(999999, key_).code(), StatusCode::kNotFound);
}

TEST_F(TotpStepTest, ACodeIsAcceptedOnceThenReplayed) {
  ASSERT_TRUE(sf_->Enable(alice_, key_).ok());
  const std::string code = CodeNow();
  auto v = sf_->VerifyTotp(Load(alice_), code);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->check, TotpCheck::kAccepted);
  EXPECT_EQ(Load(alice_).totp_last_step, totp_.StepAt(clock_.NowUnix()));
  // Fresh user row: the stored step refuses it.
  auto again = sf_->VerifyTotp(Load(alice_), code);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->check, TotpCheck::kReplayed);
  // The next step's code is fine.
  clock_.Advance(seconds(30));
  auto next = sf_->VerifyTotp(Load(alice_), CodeNow());
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->check, TotpCheck::kAccepted);
  // A wrong code is wrong.
  const std::string now_code = CodeNow(120);
  auto wrong =
      sf_->VerifyTotp(Load(alice_), now_code == "000000" ? "000001" : "000000");
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->check, TotpCheck::kWrong);
}

TEST_F(TotpStepTest, AStaleUserRowCannotReplayACode) {
  ASSERT_TRUE(sf_->Enable(alice_, key_).ok());
  const User stale = Load(alice_);  // read before the first use
  const std::string code = CodeNow();
  ASSERT_EQ(sf_->VerifyTotp(stale, code)->check, TotpCheck::kAccepted);
  auto replay = sf_->VerifyTotp(stale, code);
  ASSERT_TRUE(replay.ok());
  EXPECT_EQ(replay->check, TotpCheck::kReplayed);
}

TEST_F(TotpStepTest, RacingUsesOfOneCodeGiveOneSuccess) {
  ASSERT_TRUE(sf_->Enable(alice_, key_).ok());
  const User stale = Load(alice_);
  const std::string code = CodeNow();
  constexpr int kThreads = 10;
  std::vector<std::unique_ptr<db::Connection>> conns;
  for (int i = 0; i < kThreads; ++i) {
    conns.push_back(db().Connect());
    ASSERT_TRUE(conns.back()->Connect().ok());
  }
  std::atomic<int> accepted{0}, replayed{0}, other{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      TotpStep sf(*conns[i], clock_, random_, totp_, &box_, "no key");
      start.arrive_and_wait();
      auto v = sf.VerifyTotp(stale, code);
      if (!v.ok()) {
        ++other;
      } else if (v->check == TotpCheck::kAccepted) {
        ++accepted;
      } else if (v->check == TotpCheck::kReplayed) {
        ++replayed;
      } else {
        ++other;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 1);
  EXPECT_EQ(replayed.load(), kThreads - 1);
  EXPECT_EQ(other.load(), 0);
}

TEST_F(TotpStepTest, EnrolmentStepCannotBeReplayed) {
  const std::string code = CodeNow();
  const TotpVerdict confirm =
      totp_.Verify(key_, code, clock_.NowUnix(), std::nullopt);
  ASSERT_EQ(confirm.check, TotpCheck::kAccepted);
  ASSERT_TRUE(sf_->Enable(alice_, key_, confirm.step).ok());
  EXPECT_EQ(sf_->VerifyTotp(Load(alice_), code)->check, TotpCheck::kReplayed);
}

TEST_F(TotpStepTest, RecoveryCodesWorkOnceEach) {
  ASSERT_TRUE(sf_->Enable(alice_, key_).ok());
  auto codes = sf_->ReplaceRecoveryCodes(alice_);
  ASSERT_TRUE(codes.ok()) << codes.status().ToString();
  ASSERT_EQ(codes->size(), static_cast<size_t>(kRecoveryCodeCount));
  std::set<std::string> distinct;
  for (const Secret& c : *codes) distinct.insert(std::string(c.view()));
  EXPECT_EQ(distinct.size(), codes->size());
  EXPECT_EQ(*sf_->RemainingRecoveryCodes(alice_), 10);

  // Stored as MACs, not as the codes.
  auto rows = conn().Query(
      "SELECT code_hash FROM recovery_codes WHERE user_id = ?", {alice_});
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 10u);
  for (const db::Row& r : *rows) {
    EXPECT_EQ(r.str(0).size(), 32u);
    EXPECT_EQ(distinct.count(r.str(0)), 0u);
  }

  // Typed in upper case with spaces instead of dashes: still the code.
  std::string typed((*codes)[3].view());
  for (char& c : typed) {
    if (c == '-') c = ' ';
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  EXPECT_TRUE(*sf_->UseRecoveryCode(alice_, typed));
  EXPECT_FALSE(*sf_->UseRecoveryCode(alice_, (*codes)[3].view()));
  EXPECT_EQ(*sf_->RemainingRecoveryCodes(alice_), 9);
  // Another user's codes are not this user's.
  EXPECT_FALSE(*sf_->UseRecoveryCode(bob_, (*codes)[4].view()));
  EXPECT_FALSE(*sf_->UseRecoveryCode(alice_, "aaaa-bbbb-cccc"));
  EXPECT_TRUE(*sf_->UseRecoveryCode(alice_, (*codes)[4].view()));

  // New codes replace the old ones.
  auto fresh = sf_->ReplaceRecoveryCodes(alice_);
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ(*sf_->RemainingRecoveryCodes(alice_), 10);
  EXPECT_FALSE(*sf_->UseRecoveryCode(alice_, (*codes)[5].view()));
  EXPECT_TRUE(*sf_->UseRecoveryCode(alice_, (*fresh)[5].view()));
  EXPECT_EQ(sf_->ReplaceRecoveryCodes(999999).status().code(),
            StatusCode::kNotFound);
}

TEST_F(TotpStepTest, DisableClearsKeyStepAndCodes) {
  ASSERT_TRUE(sf_->Enable(alice_, key_).ok());
  ASSERT_EQ(sf_->VerifyTotp(Load(alice_), CodeNow())->check,
            TotpCheck::kAccepted);
  auto codes = sf_->ReplaceRecoveryCodes(alice_);
  ASSERT_TRUE(codes.ok());
  ASSERT_TRUE(sf_->Disable(alice_).ok());
  const User u = Load(alice_);
  EXPECT_FALSE(u.has_totp());
  EXPECT_FALSE(u.totp_last_step.has_value());
  EXPECT_EQ(*sf_->RemainingRecoveryCodes(alice_), 0);
  EXPECT_FALSE(*sf_->UseRecoveryCode(alice_, (*codes)[0].view()));
  EXPECT_EQ(sf_->GetKey(alice_).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(sf_->Disable(999999).code(), StatusCode::kNotFound);
}

TEST_F(TotpStepTest, WithoutAKeyFileItSaysWhatToDo) {
  TotpStep no_key(conn(), clock_, random_, totp_, nullptr,
                  "the secret key file /x is missing: run latchkeyctl "
                  "gen-key");
  const Status s = no_key.Enable(alice_, key_);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("latchkeyctl gen-key"), std::string::npos);
  EXPECT_EQ(no_key.ReplaceRecoveryCodes(alice_).status().code(),
            StatusCode::kFailedPrecondition);
  EXPECT_EQ(no_key.UseRecoveryCode(alice_, "x").status().code(),
            StatusCode::kFailedPrecondition);
  ASSERT_TRUE(sf_->Enable(alice_, key_).ok());
  EXPECT_EQ(no_key.VerifyTotp(Load(alice_), CodeNow()).status().code(),
            StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace latchkey
