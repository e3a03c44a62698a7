// SessionStore against a real MariaDB (the ctest `mariadb` fixture), with a
// settable clock for the timeouts.
#include "latchkey/store/session_store.h"

#include <gtest/gtest.h>

#include "latchkey/base/encoding.h"
#include "latchkey/store/session_cache.h"
#include "latchkey/store/user_store.h"
#include "support/fakes.h"
#include "support/sandbox.h"

namespace latchkey {
namespace {

class SessionStoreTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    config_.idle_timeout = Seconds{600};
    config_.absolute_timeout = Seconds{3600};
    store_ = std::make_unique<SessionStore>(conn(), clock_, random_, config_);
    UserStore users(conn(), clock_);
    for (const char* name : {"alice", "bob"}) {
      NewUser u;
      u.username = name;
      u.email = std::string(name) + "@example.org";
      u.password_hash =
          "$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA";
      Result<int64_t> id = users.Create(u);
      ASSERT_TRUE(id.ok()) << id.status().ToString();
      ids_.push_back(*id);
    }
  }

  int64_t Count() {
    auto row = conn().QueryOne("SELECT COUNT(*) FROM sessions");
    EXPECT_TRUE(row.ok());
    return row.ok() && *row ? (*row)->i64(0) : -1;
  }

  FakeClock clock_{1'700'000'000};
  FakeRandom random_{42};
  SessionConfig config_;
  std::unique_ptr<SessionStore> store_;
  std::vector<int64_t> ids_;
};

TEST_F(SessionStoreTest, CreateStoresOnlyTheHash) {
  Result<NewSession> s = store_->Create(ids_[0], "203.0.113.9", "Firefox\n<x>");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->id.size(), 43u);
  EXPECT_EQ(s->session.csrf_secret.size(), 32u);
  EXPECT_EQ(s->session.handle, HexEncode(s->session.id_sha256).substr(0, 16));
  auto row = conn().QueryOne(
      "SELECT id_sha256, ip, user_agent, TIMESTAMPDIFF(SECOND, created_at, "
      "expires_at) FROM sessions");
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ((*row)->str(0), std::string(DigestView(Sha256(s->id.view()))));
  EXPECT_EQ((*row)->str(1), "203.0.113.9");
  EXPECT_EQ((*row)->str(2), "Firefox\\x0a<x>");
  EXPECT_EQ((*row)->i64(3), 600);  // the idle deadline comes first
  EXPECT_EQ(store_->Create(999999, "", "").status().code(),
            StatusCode::kNotFound);
}

TEST_F(SessionStoreTest, LookupFindsOnlyRealIds) {
  Result<NewSession> s = store_->Create(ids_[0], "", "");
  ASSERT_TRUE(s.ok());
  auto found = store_->Lookup(s->id.view());
  ASSERT_TRUE(found.ok() && *found);
  EXPECT_EQ((*found)->user_id, ids_[0]);
  EXPECT_TRUE(ConstantTimeEquals((*found)->csrf_secret.view(),
                                 s->session.csrf_secret.view()));
  std::string other(s->id.view());
  other[0] = other[0] == 'A' ? 'B' : 'A';
  for (std::string_view bad :
       {std::string_view(other), std::string_view(""),
        std::string_view("short"), std::string_view(std::string(43, '*'))}) {
    auto miss = store_->Lookup(bad);
    ASSERT_TRUE(miss.ok());
    EXPECT_FALSE(miss->has_value()) << bad;
  }
}

TEST_F(SessionStoreTest, LookupWithUserReadsTheAccountInTheSameRow) {
  UserStore users(conn(), clock_);
  ASSERT_TRUE(users.CreateRole("auditor", "").ok());
  ASSERT_TRUE(users.AddRole(ids_[1], "auditor").ok());
  ASSERT_TRUE(users.SetFullName(ids_[1], "Bob B").ok());
  Result<NewSession> s = store_->Create(ids_[1], "198.51.100.7", "curl");
  ASSERT_TRUE(s.ok());
  auto found = store_->LookupWithUser(s->id.view());
  ASSERT_TRUE(found.ok() && *found) << found.status().ToString();
  const SignedIn& in = **found;
  EXPECT_EQ(in.session.user_id, ids_[1]);
  EXPECT_EQ(in.session.ip, "198.51.100.7");
  EXPECT_EQ(in.session.handle, s->session.handle);
  EXPECT_TRUE(ConstantTimeEquals(in.session.csrf_secret.view(),
                                 s->session.csrf_secret.view()));
  // Every User field matches what UserStore reads on its own.
  auto alone = users.FindById(ids_[1]);
  ASSERT_TRUE(alone.ok() && *alone);
  EXPECT_EQ(in.user.id, (*alone)->id);
  EXPECT_EQ(in.user.username, "bob");
  EXPECT_EQ(in.user.email, (*alone)->email);
  EXPECT_EQ(in.user.full_name, "Bob B");
  EXPECT_EQ(in.user.password_hash, (*alone)->password_hash);
  EXPECT_EQ(in.user.is_active, (*alone)->is_active);
  EXPECT_EQ(in.user.created_at, (*alone)->created_at);
  EXPECT_EQ(in.user.roles, (*alone)->roles);
  EXPECT_TRUE(in.user.HasRole("auditor"));
  // A deleted user takes its sessions with it.
  ASSERT_TRUE(users.Delete(ids_[1]).ok());
  auto gone = store_->LookupWithUser(s->id.view());
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
}

TEST_F(SessionStoreTest, CachedLookupsSkipTheDatabaseForTtlOnly) {
  SessionCache cache({Seconds{2}, 100}, clock_);
  Result<NewSession> s = store_->Create(ids_[0], "", "");
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(store_->LookupWithUser(s->id.view(), &cache).ok());
  EXPECT_EQ(cache.stats().entries, 1u);
  // Ended behind the cache's back (another process): still served...
  ASSERT_TRUE(conn().Execute("DELETE FROM sessions").ok());
  auto cached = store_->LookupWithUser(s->id.view(), &cache);
  ASSERT_TRUE(cached.ok() && *cached);
  EXPECT_EQ((*cached)->user.username, "alice");
  // ...but not without the cache, nor once the entry is too old.
  EXPECT_FALSE(store_->LookupWithUser(s->id.view())->has_value());
  clock_.Advance(std::chrono::seconds(2));
  EXPECT_FALSE(store_->LookupWithUser(s->id.view(), &cache)->has_value());
  EXPECT_EQ(cache.stats().entries, 0u);
}

TEST_F(SessionStoreTest, CachedLookupsKeepTimeoutsAndRefreshExact) {
  SessionCache cache({Seconds{60}, 100}, clock_);  // longer than the refresh
  config_.idle_timeout = Seconds{100};
  SessionStore store(conn(), clock_, random_, config_);
  Result<NewSession> s = store.Create(ids_[0], "", "");
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(store.LookupWithUser(s->id.view(), &cache).ok());
  // Due for its refresh (half the idle timeout): the database is asked and
  // last_seen_at written, even though the entry is young enough.
  clock_.Advance(std::chrono::seconds(50));
  auto refreshed = store.LookupWithUser(s->id.view(), &cache);
  ASSERT_TRUE(refreshed.ok() && *refreshed);
  EXPECT_EQ((*refreshed)->session.last_seen_at, clock_.NowUnix());
  auto row = conn().QueryOne("SELECT last_seen_at FROM sessions");
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ((*row)->unix_time(0), clock_.NowUnix());
  // Idle past the timeout: not served from the cache.
  clock_.Advance(std::chrono::seconds(100));
  EXPECT_FALSE(store.LookupWithUser(s->id.view(), &cache)->has_value());
}

TEST_F(SessionStoreTest, IdleTimeoutAndLazyRefresh) {
  Result<NewSession> s = store_->Create(ids_[0], "", "");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(store_->RefreshInterval(), Seconds{60});
  // Within the refresh interval last_seen_at is not written.
  clock_.Advance(std::chrono::seconds(30));
  auto a = store_->Lookup(s->id.view());
  ASSERT_TRUE(a.ok() && *a);
  EXPECT_EQ((*a)->last_seen_at, 1'700'000'000);
  // Past it, it is, and the idle deadline moves.
  clock_.Advance(std::chrono::seconds(500));
  auto b = store_->Lookup(s->id.view());
  ASSERT_TRUE(b.ok() && *b);
  EXPECT_EQ((*b)->last_seen_at, 1'700'000'530);
  EXPECT_EQ((*b)->expires_at, 1'700'000'530 + 600);
  // Idle for longer than idle_timeout: gone, and the row deleted.
  clock_.Advance(std::chrono::seconds(601));
  auto c = store_->Lookup(s->id.view());
  ASSERT_TRUE(c.ok());
  EXPECT_FALSE(c->has_value());
  EXPECT_EQ(Count(), 0);
}

TEST_F(SessionStoreTest, AbsoluteTimeoutWinsOverActivity) {
  Result<NewSession> s = store_->Create(ids_[0], "", "");
  ASSERT_TRUE(s.ok());
  for (int i = 0; i < 12; ++i) {
    clock_.Advance(std::chrono::seconds(299));
    auto r = store_->Lookup(s->id.view());
    ASSERT_TRUE(r.ok() && *r) << i;
    EXPECT_LE((*r)->expires_at, 1'700'000'000 + 3600);
  }
  clock_.Advance(std::chrono::seconds(299 * 1));  // 13 * 299 > 3600
  auto gone = store_->Lookup(s->id.view());
  ASSERT_TRUE(gone.ok());
  EXPECT_FALSE(gone->has_value());
}

TEST_F(SessionStoreTest, ShorterConfigAppliesToOldRows) {
  Result<NewSession> s = store_->Create(ids_[0], "", "");
  ASSERT_TRUE(s.ok());
  SessionConfig strict;
  strict.idle_timeout = Seconds{2};
  strict.absolute_timeout = Seconds{3600};
  SessionStore short_store(conn(), clock_, random_, strict);
  EXPECT_EQ(short_store.RefreshInterval(), Seconds{1});
  clock_.Advance(std::chrono::seconds(3));
  auto r = short_store.Lookup(s->id.view());
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
}

TEST_F(SessionStoreTest, DestroyListRevoke) {
  auto a1 = store_->Create(ids_[0], "198.51.100.1", "ua1");
  clock_.Advance(std::chrono::seconds(1));
  auto a2 = store_->Create(ids_[0], "198.51.100.2", "ua2");
  auto b1 = store_->Create(ids_[1], "198.51.100.3", "ua3");
  ASSERT_TRUE(a1.ok() && a2.ok() && b1.ok());

  auto list = store_->ListForUser(ids_[0], a2->session.handle);
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].handle, a2->session.handle);  // newest first
  EXPECT_TRUE((*list)[0].current);
  EXPECT_FALSE((*list)[1].current);
  EXPECT_EQ((*list)[1].ip, "198.51.100.1");

  // Another user's handle never matches.
  auto wrong = store_->Revoke(ids_[0], b1->session.handle);
  ASSERT_TRUE(wrong.ok());
  EXPECT_FALSE(*wrong);
  EXPECT_FALSE(*store_->Revoke(ids_[0], "not-a-handle"));
  EXPECT_FALSE(*store_->Revoke(ids_[0], "ABCDEF0123456789"));
  auto right = store_->Revoke(ids_[0], a1->session.handle);
  ASSERT_TRUE(right.ok());
  EXPECT_TRUE(*right);
  EXPECT_FALSE(store_->Lookup(a1->id.view())->has_value());
  EXPECT_TRUE(store_->Lookup(a2->id.view())->has_value());

  ASSERT_TRUE(store_->Destroy(a2->id.view()).ok());
  EXPECT_FALSE(store_->Lookup(a2->id.view())->has_value());
  EXPECT_TRUE(store_->Destroy("garbage").ok());
  EXPECT_EQ(Count(), 1);
}

TEST_F(SessionStoreTest, DestroyAllForUserKeepsOne) {
  auto a1 = store_->Create(ids_[0], "", "");
  auto a2 = store_->Create(ids_[0], "", "");
  auto a3 = store_->Create(ids_[0], "", "");
  auto b1 = store_->Create(ids_[1], "", "");
  ASSERT_TRUE(a1.ok() && a2.ok() && a3.ok() && b1.ok());
  auto n = store_->DestroyAllForUser(ids_[0], a2->session.id_sha256);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2u);
  EXPECT_TRUE(store_->Lookup(a2->id.view())->has_value());
  EXPECT_TRUE(store_->Lookup(b1->id.view())->has_value());
  EXPECT_EQ(*store_->DestroyAllForUser(ids_[0]), 1u);
  EXPECT_EQ(Count(), 1);
}

TEST_F(SessionStoreTest, MarkReauthenticatedStoresReauthAt) {
  auto s = store_->Create(ids_[0], "", "");
  ASSERT_TRUE(s.ok());
  Session& session = s->session;
  EXPECT_FALSE(session.reauth_at.has_value());
  ASSERT_TRUE(store_->MarkReauthenticated(session).ok());
  EXPECT_EQ(session.reauth_at, clock_.NowUnix());
  auto reread = store_->Lookup(s->id.view());
  ASSERT_TRUE(reread.ok() && *reread);
  EXPECT_EQ((*reread)->reauth_at, clock_.NowUnix());
}

TEST_F(SessionStoreTest, PurgeExpired) {
  auto old = store_->Create(ids_[0], "", "");
  clock_.Advance(std::chrono::seconds(700));
  auto fresh = store_->Create(ids_[1], "", "");
  ASSERT_TRUE(old.ok() && fresh.ok());
  auto purged = store_->PurgeExpired();
  ASSERT_TRUE(purged.ok());
  EXPECT_EQ(*purged, 1u);
  EXPECT_EQ(Count(), 1);
}

}  // namespace
}  // namespace latchkey
