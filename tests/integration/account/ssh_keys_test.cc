// SshKeys against a real database (issue 12, part "sshkeys"): a valid key
// is stored with its fingerprint, audited and mailed; the per-user limit,
// duplicates, expiry bounds, another user's key id, and the admin's "by".
#include "latchkey/account/ssh_keys.h"

#include <gtest/gtest.h>

#include "latchkey/base/encoding.h"
#include "latchkey/crypto/ssh_public_key.h"
#include "support/services_test.h"

namespace latchkey {
namespace {

// An Ed25519 public key line whose 32 key bytes are all `fill`.
std::string KeyLine(char fill, std::string_view comment = "me@laptop") {
  std::string blob;
  auto str = [&](std::string_view s) {
    const auto n = static_cast<uint32_t>(s.size());
    blob += static_cast<char>(n >> 24);
    blob += static_cast<char>(n >> 16);
    blob += static_cast<char>(n >> 8);
    blob += static_cast<char>(n);
    blob += s;
  };
  str("ssh-ed25519");
  str(std::string(32, fill));
  std::string line = "ssh-ed25519 " + Base64Encode(blob, true);
  if (!comment.empty()) line += " " + std::string(comment);
  return line;
}

class SshKeysTest : public testing::ServicesTest {
 protected:
  void SetUp() override {
    ServicesTest::SetUp();
    if (HasFatalFailure()) return;
    alice_ = MakeUser("alice");
    bob_ = MakeUser("bob");
    actor_.ctx.service = "portal";
    actor_.ctx.rhost = "198.51.100.7";
  }
  Result<AddedSshKey> Add(int64_t user, const std::string& line,
                          std::optional<int64_t> expires = std::nullopt) {
    return SshKeys(s()).AddKey(user, line, expires, actor_);
  }
  std::string LastDetail(std::string_view event) {
    auto row = s().db().QueryOne(
        "SELECT detail FROM auth_events WHERE event = ? ORDER BY id DESC "
        "LIMIT 1",
        {event});
    return row.ok() && *row ? (*row)->str(0) : "";
  }

  int64_t alice_ = 0;
  int64_t bob_ = 0;
  SshKeyActor actor_;
};

TEST_F(SshKeysTest, AKeyIsStoredAuditedAndMailed) {
  const std::string line = KeyLine('a');
  Result<AddedSshKey> added = Add(alice_, line, clock_.NowUnix() + 86400);
  ASSERT_TRUE(added.ok()) << added.status().ToString();
  ASSERT_TRUE(added->errors.empty());
  const StoredSshKey& key = added->key;
  EXPECT_GT(key.id, 0);
  EXPECT_EQ(key.AuthorizedKeysLine(), line);
  EXPECT_EQ(key.fingerprint, ParseSshPublicKey(line)->Fingerprint());
  EXPECT_EQ(key.expires_at, clock_.NowUnix() + 86400);

  auto listed = SshKeys(s()).ListKeys(alice_);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].fingerprint, key.fingerprint);
  // sshd gets it (the directory's ActiveForUsername).
  auto active = SshKeyStore(s().db(), clock_).ActiveForUsername("alice");
  ASSERT_TRUE(active.ok());
  EXPECT_EQ(active->size(), 1u);

  EXPECT_EQ(Events("ssh_key_added"), 1);
  EXPECT_EQ(LastDetail("ssh_key_added"), key.fingerprint + " ssh-ed25519");
  const auto mails = Outbox("alice@example.org");
  ASSERT_EQ(mails.size(), 1u);
  EXPECT_NE(mails[0].subject.find("A new SSH key was added"),
            std::string::npos);
  EXPECT_NE(mails[0].body.find(key.fingerprint), std::string::npos);
  EXPECT_NE(mails[0].body.find("198.51.100.7"), std::string::npos);
  EXPECT_NE(mails[0].body.find("If this was not you"), std::string::npos);
}

TEST_F(SshKeysTest, AnUnverifiedAddressGetsNoMail) {
  const int64_t carol = MakeUser("carol", /*verified=*/false);
  ASSERT_TRUE(Add(carol, KeyLine('c')).ok());
  EXPECT_EQ(Events("ssh_key_added"), 1);
  EXPECT_TRUE(Outbox("carol@example.org").empty());
}

TEST_F(SshKeysTest, BadKeysAndExpiriesAreFieldErrorsAndStoreNothing) {
  Result<AddedSshKey> bad = Add(alice_, "ssh-dss AAAA");
  ASSERT_TRUE(bad.ok());
  EXPECT_NE(bad->errors.Get("key").find("DSA keys (ssh-dss)"),
            std::string::npos);
  bad = Add(alice_, KeyLine('a'), clock_.NowUnix());
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->errors.Get("expires_at"), "The expiry must be in the future.");
  bad = Add(alice_, KeyLine('a'),
            clock_.NowUnix() + kMaxSshKeyLifetime.count() + 1);
  ASSERT_TRUE(bad.ok());
  EXPECT_NE(bad->errors.Get("expires_at").find("5 years"), std::string::npos);
  EXPECT_EQ(CountRows("ssh_keys"), 0);
  EXPECT_EQ(Events("ssh_key_added"), 0);
  // Exactly at the limit is fine.
  Result<AddedSshKey> ok =
      Add(alice_, KeyLine('a'), clock_.NowUnix() + kMaxSshKeyLifetime.count());
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(ok->errors.empty());
}

TEST_F(SshKeysTest, TheSameKeyTwiceIsRefused) {
  ASSERT_TRUE(Add(alice_, KeyLine('a', "one")).ok());
  Result<AddedSshKey> again = Add(alice_, KeyLine('a', "another comment"));
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(CountRows("ssh_keys"), 1);
  EXPECT_EQ(Events("ssh_key_added"), 1);
  // Another account may hold the same public key.
  EXPECT_TRUE(Add(bob_, KeyLine('a')).ok());
}

TEST_F(SshKeysTest, AnAccountHoldsAtMostTwentyKeys) {
  for (size_t i = 0; i < kMaxSshKeysPerUser; ++i) {
    Result<AddedSshKey> r = Add(alice_, KeyLine(static_cast<char>('A' + i)));
    ASSERT_TRUE(r.ok() && r->errors.empty()) << i;
  }
  Result<AddedSshKey> over = Add(alice_, KeyLine('z'));
  EXPECT_EQ(over.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(over.status().message().find("at most 20"), std::string::npos);
  EXPECT_EQ(CountRows("ssh_keys"), static_cast<int64_t>(kMaxSshKeysPerUser));
  // The limit is per account.
  EXPECT_TRUE(Add(bob_, KeyLine('z')).ok());
}

TEST_F(SshKeysTest, RemovingNeedsTheOwnersIdAndIsAudited) {
  Result<AddedSshKey> added = Add(alice_, KeyLine('a'));
  ASSERT_TRUE(added.ok());
  const int64_t id = added->key.id;
  // Bob cannot remove Alice's key by its id.
  EXPECT_EQ(SshKeys(s()).RemoveKey(bob_, id, actor_).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(CountRows("ssh_keys"), 1);
  EXPECT_EQ(Events("ssh_key_removed"), 0);
  SshKeyActor admin{actor_.ctx, "root (uid 0)"};
  admin.ctx.service = "cli";
  Result<StoredSshKey> removed = SshKeys(s()).RemoveKey(alice_, id, admin);
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_EQ(CountRows("ssh_keys"), 0);
  EXPECT_EQ(LastDetail("ssh_key_removed"),
            added->key.fingerprint + " ssh-ed25519 by root (uid 0)");
  EXPECT_EQ(SshKeys(s()).RemoveKey(alice_, id, actor_).status().code(),
            StatusCode::kNotFound);
}

TEST_F(SshKeysTest, FindKeyTakesAnIdOrAFingerprint) {
  Result<AddedSshKey> added = Add(alice_, KeyLine('a'));
  ASSERT_TRUE(added.ok());
  SshKeys keys(s());
  auto by_id = keys.FindKey(alice_, std::to_string(added->key.id));
  ASSERT_TRUE(by_id.ok() && by_id->has_value());
  auto by_fp = keys.FindKey(alice_, added->key.fingerprint);
  ASSERT_TRUE(by_fp.ok() && by_fp->has_value());
  EXPECT_EQ((*by_fp)->id, added->key.id);
  auto other = keys.FindKey(bob_, added->key.fingerprint);
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
  auto junk = keys.FindKey(alice_, "12abc");
  ASSERT_TRUE(junk.ok());
  EXPECT_FALSE(junk->has_value());
}

TEST_F(SshKeysTest, ExpiredKeysAreListedButNotServed) {
  ASSERT_TRUE(Add(alice_, KeyLine('a'), clock_.NowUnix() + 60).ok());
  clock_.Advance(std::chrono::seconds(61));
  auto listed = SshKeys(s()).ListKeys(alice_);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_TRUE(SshKeys::Expired((*listed)[0], clock_.NowUnix()));
  auto active = SshKeyStore(s().db(), clock_).ActiveForUsername("alice");
  ASSERT_TRUE(active.ok());
  EXPECT_TRUE(active->empty());
}

}  // namespace
}  // namespace latchkey
