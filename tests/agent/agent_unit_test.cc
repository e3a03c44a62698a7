// latchkey-agent's parts without a directory: who may ask what, the SSH key
// and account caches, the offline store and audit queue files, and the
// offline rules.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "agent/agent.h"
#include "agent/caches.h"
#include "agent/offline_store.h"
#include "support/temp_dir.h"

namespace latchkey::agent {
namespace {

TEST(PeerMayAskTest, RootEverythingKeysUserKeysAndNamesOthersNothing) {
  for (const char* op :
       {"authenticate", "second_factor", "account", "change_password",
        "open_session", "close_session", "ssh_keys", "passwd", "ping"}) {
    EXPECT_TRUE(PeerMayAsk(Peer::kRoot, op)) << op;
    EXPECT_FALSE(PeerMayAsk(Peer::kOther, op)) << op;
    const bool keys_user_may =
        std::string(op) == "ssh_keys" || std::string(op) == "passwd";
    EXPECT_EQ(PeerMayAsk(Peer::kKeysUser, op), keys_user_may) << op;
  }
}

TEST(SshKeyCacheTest, FreshWithinTtlStaleWithinMaxStale) {
  SshKeyCache cache;
  cache.Put("alice", {true, {"ssh-ed25519 AAAA a"}, 1000});
  EXPECT_TRUE(cache.Fresh("alice", 1059, 60));
  EXPECT_FALSE(cache.Fresh("alice", 1060, 60));
  EXPECT_FALSE(cache.Fresh("bob", 1000, 60));
  EXPECT_TRUE(cache.Stale("alice", 1000 + 86400, 86400));
  EXPECT_FALSE(cache.Stale("alice", 1001 + 86400, 86400));
  const auto stale = cache.Stale("alice", 2000, 86400);
  ASSERT_TRUE(stale);
  EXPECT_EQ(stale->keys, std::vector<std::string>{"ssh-ed25519 AAAA a"});
}

TEST(SshKeyCacheTest, UnknownUsersAreNotServedOffline) {
  SshKeyCache cache;
  cache.Put("ghost", {false, {}, 1000});
  EXPECT_TRUE(cache.Fresh("ghost", 1001, 60));
  EXPECT_FALSE(cache.Stale("ghost", 1001, 86400));
}

TEST(SshKeyCacheTest, IsBounded) {
  SshKeyCache cache;
  for (size_t i = 0; i < kMaxCacheEntries + 10; ++i)
    cache.Put("u" + std::to_string(i), {true, {}, static_cast<int64_t>(i)});
  EXPECT_EQ(cache.size(), kMaxCacheEntries);
  EXPECT_FALSE(cache.Fresh("u0", 5, 1000000));  // the oldest went
  EXPECT_TRUE(cache.Fresh("u20009", 20009, 60));
}

TEST(AccountCacheTest, KeyedByUserServiceAndRoleSet) {
  EXPECT_EQ(AccountCache::Key("a", "sshd", {"x", "y"}),
            AccountCache::Key("a", "sshd", {"y", "x"}));
  EXPECT_NE(AccountCache::Key("a", "sshd", {"x"}),
            AccountCache::Key("a", "sudo", {"x"}));
  EXPECT_NE(AccountCache::Key("a", "sshd", {}),
            AccountCache::Key("a", "sshd", {"x"}));
  AccountCache cache;
  const std::string key = AccountCache::Key("a", "sshd", {});
  cache.PutOk(key, 1000);
  EXPECT_TRUE(cache.OkWithin(key, 1100, 100));
  EXPECT_FALSE(cache.OkWithin(key, 1101, 100));
  cache.Forget(key);
  EXPECT_FALSE(cache.OkWithin(key, 1000, 100));
}

OfflineEntry Entry(std::string stamp, int64_t confirmed_at) {
  OfflineEntry e;
  e.verifier = "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
  e.stamp = std::move(stamp);
  e.roles = {"staff"};
  e.services = {"sshd"};
  e.confirmed_at = confirmed_at;
  return e;
}

TEST(OfflineStoreTest, RoundTripsThroughARootOnlyFile) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/offline.json";
  OfflineStore store(path);
  ASSERT_TRUE(store.Load().ok());  // missing: empty
  EXPECT_TRUE(store.Users().empty());
  OfflineEntry e = Entry("s1", 1000);
  e.lockout.failed_logins = 2;
  e.lockout.locked_until = 5000;
  ASSERT_TRUE(store.Put("alice", e).ok());
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  OfflineStore again(path);
  ASSERT_TRUE(again.Load().ok());
  const auto got = again.Get("alice");
  ASSERT_TRUE(got);
  EXPECT_EQ(got->verifier, e.verifier);
  EXPECT_EQ(got->stamp, "s1");
  EXPECT_EQ(got->roles, e.roles);
  EXPECT_EQ(got->confirmed_at, 1000);
  EXPECT_EQ(got->lockout, e.lockout);
}

TEST(OfflineStoreTest, RefusesAFileOthersCanRead) {
  testing::TempDir dir;
  const std::string path = dir.WriteFile("offline.json", "{}", 0644);
  OfflineStore store(path);
  const Status loaded = store.Load();
  EXPECT_EQ(loaded.code(), StatusCode::kPermissionDenied) << loaded.ToString();
}

TEST(OfflineStoreTest, ConfirmDropsChangedNullAndMissingStamps) {
  testing::TempDir dir;
  OfflineStore store(dir.path() + "/offline.json");
  ASSERT_TRUE(store.Put("same", Entry("s1", 1000)).ok());
  ASSERT_TRUE(store.Put("changed", Entry("s1", 1000)).ok());
  ASSERT_TRUE(store.Put("nulled", Entry("s1", 1000)).ok());
  ASSERT_TRUE(store.Put("missing", Entry("s1", 1000)).ok());
  std::map<std::string, OfflineStore::Current> current;
  current["same"] = {"s1", {"admin"}, {"*"}};
  current["changed"] = {"s2", {}, {}};
  current["nulled"] = {std::nullopt, {}, {}};
  Result<std::vector<std::string>> dropped = store.Confirm(current, 2000);
  ASSERT_TRUE(dropped.ok());
  EXPECT_EQ(*dropped,
            (std::vector<std::string>{"changed", "missing", "nulled"}));
  EXPECT_EQ(store.Users(), std::vector<std::string>{"same"});
  const auto same = store.Get("same");
  EXPECT_EQ(same->confirmed_at, 2000);
  EXPECT_EQ(same->roles, std::vector<std::string>{"admin"});
  OfflineStore reread(dir.path() + "/offline.json");
  ASSERT_TRUE(reread.Load().ok());
  EXPECT_EQ(reread.Users(), std::vector<std::string>{"same"});
}

TEST(OfflineRulesTest, VerifierUsableWithinMaxAgeOnly) {
  EXPECT_TRUE(VerifierUsable(1000, 1000 + 3600, 3600));
  EXPECT_FALSE(VerifierUsable(1000, 1001 + 3600, 3600));
  EXPECT_FALSE(VerifierUsable(1000, 1000, 0));  // offline login off
}

TEST(OfflineRulesTest, AccountFromRolesAndServices) {
  OfflineEntry e = Entry("s", 0);
  EXPECT_EQ(OfflineAccountStatus(e, "sshd", {}), "ok");
  EXPECT_EQ(OfflineAccountStatus(e, "sshd", {"admin", "staff"}), "ok");
  EXPECT_EQ(OfflineAccountStatus(e, "sshd", {"admin"}), "role_missing");
  EXPECT_EQ(OfflineAccountStatus(e, "sudo", {}), "access_denied");
  e.services = {"*"};
  EXPECT_EQ(OfflineAccountStatus(e, "sudo", {}), "ok");
  e.services = {};
  EXPECT_EQ(OfflineAccountStatus(e, "sshd", {}), "access_denied");
}

TEST(AuditQueueTest, KeepsRowsUntilRemoved) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/audit-queue.json";
  {
    AuditQueue q(path);
    ASSERT_TRUE(q.Load().ok());
    ASSERT_TRUE(
        q.Add({1, "alice", "offline_login", "sshd", "h", "t", ""}).ok());
    ASSERT_TRUE(
        q.Add({2, "alice", "offline_failure", "sshd", "h", "t", ""}).ok());
  }
  AuditQueue q(path);
  ASSERT_TRUE(q.Load().ok());
  ASSERT_EQ(q.size(), 2u);
  EXPECT_EQ(q.Peek(1)[0].event, "offline_login");
  ASSERT_TRUE(q.RemoveFirst(1).ok());
  AuditQueue reread(path);
  ASSERT_TRUE(reread.Load().ok());
  ASSERT_EQ(reread.size(), 1u);
  EXPECT_EQ(reread.Peek(5)[0].event, "offline_failure");
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
}

}  // namespace
}  // namespace latchkey::agent
