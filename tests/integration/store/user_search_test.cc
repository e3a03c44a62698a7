// UserSearch against a real database: prefix search on three columns in
// any case, each filter, both orders with keyset paging, the capped count,
// and the refusals; ParseUserQuery and the cursor without a database.
#include "latchkey/store/user_search.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>

#include "latchkey/base/encoding.h"
#include "support/fakes.h"
#include "support/sandbox.h"

namespace latchkey {
namespace {

using std::chrono::seconds;

class UserSearchTest : public testing::DatabaseTest {
 protected:
  void SetUp() override {
    DatabaseTest::SetUp();
    if (HasFatalFailure()) return;
    users_ = std::make_unique<UserStore>(conn(), clock_);
    search_ = std::make_unique<UserSearch>(conn(), clock_);
  }
  int64_t Make(const std::string& name, const std::string& full_name = "",
               std::vector<std::string> roles = {"user"}) {
    NewUser u;
    u.username = name;
    u.email = name + "@Example.org";
    u.full_name = full_name.empty() ? "Person " + name : full_name;
    u.password_hash = "$argon2id$v=19$m=1024,t=1,p=1$c2FsdA$aGFzaA";
    u.roles = std::move(roles);
    auto id = users_->Create(u);
    EXPECT_TRUE(id.ok()) << id.status().ToString();
    clock_.Advance(seconds(1));  // created_at apart
    return id.ok() ? *id : 0;
  }
  void Sql(std::string_view sql, std::initializer_list<db::Value> params) {
    auto r = conn().Execute(sql, params);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  UserPage Find(const UserQuery& q) {
    FieldErrors errors;
    auto page = search_->Find(q, errors);
    EXPECT_TRUE(page.ok()) << page.status().ToString();
    return page.ok() ? *page : UserPage{};
  }
  std::vector<std::string> NamesOf(const UserQuery& q) {
    std::vector<std::string> names;
    for (const User& u : Find(q).users) names.push_back(u.username);
    return names;
  }
  UserQuery Prefix(std::string p) {
    UserQuery q;
    q.prefix = std::move(p);
    return q;
  }

  FakeClock clock_;
  std::unique_ptr<UserStore> users_;
  std::unique_ptr<UserSearch> search_;
};

using Names = std::vector<std::string>;

TEST_F(UserSearchTest, PrefixOfUsernameEmailOrFullNameInAnyCase) {
  Make("ada", "Ada Lovelace");
  Make("grace", "Grace Hopper");
  Make("lovel", "Zed 100%_Real");
  Make("xadam", "Adam Smith");
  // Newest first.
  EXPECT_EQ(NamesOf(Prefix("ADA")), (Names{"xadam", "ada"}));
  EXPECT_EQ(NamesOf(Prefix("lovel")), (Names{"lovel"}));  // not "Ada Lovelace"
  EXPECT_EQ(NamesOf(Prefix("GRACE@EXAMPLE")), (Names{"grace"}));
  EXPECT_EQ(NamesOf(Prefix("  gra  ")), (Names{}));  // trimming is the door's
  EXPECT_EQ(NamesOf(Prefix("gra")), (Names{"grace"}));
  // An '@' searches emails only: no username or name begins with "ada@".
  EXPECT_EQ(NamesOf(Prefix("ada@")), (Names{"ada"}));
  // LIKE's wildcards are plain characters.
  EXPECT_EQ(NamesOf(Prefix("%")), (Names{}));
  EXPECT_EQ(NamesOf(Prefix("zed 100%_")), (Names{"lovel"}));
  EXPECT_EQ(NamesOf(Prefix("zed 100__")), (Names{}));
  EXPECT_EQ(NamesOf(Prefix("_")), (Names{}));
  EXPECT_EQ(NamesOf(Prefix("!")), (Names{}));
  // Not a substring search.
  EXPECT_EQ(NamesOf(Prefix("hopper")), (Names{}));
  EXPECT_EQ(Find(Prefix("")).count, 4);
}

TEST_F(UserSearchTest, NonAsciiFullNameInAnyCase) {
  Make("anders", "Ångström Åsa");
  EXPECT_EQ(NamesOf(Prefix("åNGSTR")), (Names{"anders"}));
}

TEST_F(UserSearchTest, EachFilter) {
  const int64_t anna = Make("anna");
  const int64_t bert = Make("bert", "", {"admin", "user"});
  const int64_t carl = Make("carl");
  const int64_t dora = Make("dora");
  Make("emil");
  const int64_t now = clock_.NowUnix();
  Sql("UPDATE users SET is_active = 0 WHERE id = ?", {anna});
  Sql("UPDATE users SET locked_until = ? WHERE id = ?",
      {db::Timestamp::FromUnix(now + 60), bert});
  Sql("UPDATE users SET locked_until = ? WHERE id = ?",
      {db::Timestamp::FromUnix(now - 60), dora});  // over
  Sql("UPDATE users SET admin_locked_until = ? WHERE id = ?",
      {db::Timestamp::FromUnix(now + 60), carl});
  Sql("UPDATE users SET email_verified_at = ?", {db::Timestamp::FromUnix(now)});
  Sql("UPDATE users SET email_verified_at = NULL WHERE id = ?", {dora});
  Sql("UPDATE users SET totp_secret_enc = 'sealed' WHERE id IN (?, ?)",
      {anna, carl});

  UserQuery q;
  q.active = false;
  EXPECT_EQ(NamesOf(q), (Names{"anna"}));
  q.active = true;
  EXPECT_EQ(NamesOf(q), (Names{"emil", "dora", "carl", "bert"}));
  q = {};
  q.password_locked = true;
  EXPECT_EQ(NamesOf(q), (Names{"bert"}));
  q = {};
  q.admin_locked = true;
  EXPECT_EQ(NamesOf(q), (Names{"carl"}));
  q = {};
  q.unverified = true;
  EXPECT_EQ(NamesOf(q), (Names{"dora"}));
  q = {};
  q.totp = true;
  EXPECT_EQ(NamesOf(q), (Names{"carl", "anna"}));
  EXPECT_TRUE(Find(q).users.front().has_totp());
  q.totp = false;
  EXPECT_EQ(NamesOf(q), (Names{"emil", "dora", "bert"}));
  q = {};
  q.role = "admin";
  EXPECT_EQ(NamesOf(q), (Names{"bert"}));
  EXPECT_EQ(Find(q).users.front().roles, (Names{"admin", "user"}));
  // Filters combine.
  q.role = "user";
  q.totp = true;
  q.active = true;
  EXPECT_EQ(NamesOf(q), (Names{"carl"}));
  // The locks end with time.
  clock_.Advance(seconds(61));
  q = {};
  q.password_locked = true;
  EXPECT_EQ(NamesOf(q), (Names{}));
  EXPECT_EQ(Find(q).count, 0);
  EXPECT_EQ(Find(q).next_cursor, "");
}

TEST_F(UserSearchTest, SortByLastLoginNeverSignedInLast) {
  const int64_t a = Make("anna");
  const int64_t b = Make("bert");
  Make("carl");
  const int64_t d = Make("dora");
  Make("emil");
  const int64_t now = clock_.NowUnix();
  Sql("UPDATE users SET last_login_at = ? WHERE id = ?",
      {db::Timestamp::FromUnix(now - 100), a});
  Sql("UPDATE users SET last_login_at = ? WHERE id = ?",
      {db::Timestamp::FromUnix(now - 10), b});
  Sql("UPDATE users SET last_login_at = ? WHERE id = ?",
      {db::Timestamp::FromUnix(now - 100), d});  // ties with anna: id
  UserQuery q;
  q.sort = UserSort::kLastLogin;
  EXPECT_EQ(NamesOf(q), (Names{"bert", "dora", "anna", "emil", "carl"}));
  // Paged one at a time across the NULLs, the same order.
  q.limit = 1;
  Names paged;
  for (int i = 0; i < 10; ++i) {
    UserPage page = Find(q);
    for (const User& u : page.users) paged.push_back(u.username);
    if (page.next_cursor.empty()) break;
    q.after = DecodeUserCursor(page.next_cursor);
    ASSERT_TRUE(q.after.has_value());
  }
  EXPECT_EQ(paged, (Names{"bert", "dora", "anna", "emil", "carl"}));
}

TEST_F(UserSearchTest, KeysetPagingHasNoGapsOrDuplicates) {
  std::set<std::string> made;
  for (int i = 0; i < 120; ++i) {
    const std::string name = "u" + std::to_string(i);
    Make(name);
    made.insert(name);
  }
  // Same created_at for a run of them: id must break the tie.
  Sql("UPDATE users SET created_at = ? WHERE username LIKE 'u1%'",
      {db::Timestamp::FromUnix(1'600'000'000)});
  UserQuery q;
  std::vector<std::string> seen;
  int pages = 0;
  for (;;) {
    UserPage page = Find(q);
    ++pages;
    EXPECT_LE(page.users.size(), kUserPageSize);
    EXPECT_EQ(page.count, 120);
    for (const User& u : page.users) seen.push_back(u.username);
    if (page.next_cursor.empty()) break;
    q.after = DecodeUserCursor(page.next_cursor);
    ASSERT_TRUE(q.after.has_value()) << page.next_cursor;
    ASSERT_LT(pages, 10);
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen.size(), 120u);
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), made);
}

TEST_F(UserSearchTest, CountIsExactUpToTheCap) {
  for (int i = 0; i < 7; ++i) Make("c" + std::to_string(i));
  Make("other");
  UserSearch capped(conn(), clock_, /*count_cap=*/5);
  FieldErrors errors;
  UserQuery q;
  q.prefix = "c";
  auto page = capped.Find(q, errors);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->count, 5);
  EXPECT_TRUE(page->count_capped);
  EXPECT_EQ(page->users.size(), 7u);  // the page is not capped
  q.prefix = "c1";
  page = capped.Find(q, errors);
  EXPECT_EQ(page->count, 1);
  EXPECT_FALSE(page->count_capped);
  // Exactly the cap is exact. A username and an email that both match
  // count once.
  q.prefix = "";
  q.active = true;
  Sql("UPDATE users SET is_active = 0 WHERE username IN ('c0', 'c1', 'c2')",
      {});
  page = capped.Find(q, errors);
  EXPECT_EQ(page->count, 5);
  EXPECT_FALSE(page->count_capped);
  q = {};
  q.prefix = "c";
  page = UserSearch(conn(), clock_, 100).Find(q, errors);
  EXPECT_EQ(page->count, 7);
  EXPECT_FALSE(page->count_capped);
}

// Past the cap a page scans the sort key (bounded) and falls back to the
// filter keys when that scan ends short: both ways give the same pages.
TEST_F(UserSearchTest, BothWaysOfReadingAPageAgree) {
  for (int i = 0; i < 9; ++i) Make("w" + std::to_string(i));
  const int64_t now = clock_.NowUnix();
  Sql("UPDATE users SET last_login_at = ? WHERE username IN ('w2', 'w5')",
      {db::Timestamp::FromUnix(now - 5)});
  Sql("UPDATE users SET email_verified_at = ? WHERE username <> 'w7'",
      {db::Timestamp::FromUnix(now)});
  for (bool unverified : {false, true}) {
    std::vector<std::vector<std::string>> ways;
    for (int64_t cap : {1, 100}) {  // 1: the count is capped
      UserSearch search(conn(), clock_, cap);
      UserQuery q;
      q.sort = UserSort::kLastLogin;
      q.unverified = unverified;
      q.limit = 2;
      std::vector<std::string> seen;
      for (int pages = 0; pages < 10; ++pages) {
        FieldErrors errors;
        auto page = search.Find(q, errors);
        ASSERT_TRUE(page.ok()) << page.status().ToString();
        EXPECT_EQ(page->count_capped, cap == 1 && !unverified);
        for (const User& u : page->users) seen.push_back(u.username);
        if (page->next_cursor.empty()) break;
        q.after = DecodeUserCursor(page->next_cursor);
      }
      ways.push_back(seen);
    }
    EXPECT_EQ(ways[0], ways[1]);
    EXPECT_EQ(ways[1].size(), unverified ? 1u : 9u);
  }
}

TEST_F(UserSearchTest, Refusals) {
  Make("anna");
  FieldErrors errors;
  UserQuery q;
  q.role = "nope";
  auto page = search_->Find(q, errors);
  EXPECT_EQ(page.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(errors.Get("role"), "no role named 'nope'");
  errors = {};
  q = {};
  q.sort = UserSort::kLastLogin;
  q.after = UserCursor{UserSort::kCreated, 1, 1};
  EXPECT_FALSE(search_->Find(q, errors).ok());
  EXPECT_TRUE(errors.Has("after"));
  errors = {};
  q = {};
  q.limit = 0;
  EXPECT_FALSE(search_->Find(q, errors).ok());
  EXPECT_TRUE(errors.Has("limit"));
  errors = {};
  q = {};
  q.prefix = std::string(kUserSearchMaxBytes + 1, 'a');
  EXPECT_FALSE(search_->Find(q, errors).ok());
  EXPECT_TRUE(errors.Has("q"));
}

// --- No database below ---

Result<UserQuery> Parse(const std::map<std::string, std::string>& params,
                        FieldErrors& errors) {
  return ParseUserQuery(
      [&](std::string_view name) -> std::optional<std::string_view> {
        auto it = params.find(std::string(name));
        if (it == params.end()) return std::nullopt;
        return std::string_view(it->second);
      },
      errors);
}

TEST(ParseUserQueryTest, ReadsEveryParameter) {
  FieldErrors errors;
  auto q = Parse({{"q", "  Ada "},
                  {"inactive", "1"},
                  {"password_locked", "on"},
                  {"admin_locked", "true"},
                  {"unverified", "yes"},
                  {"totp", "off"},
                  {"role", "admin"},
                  {"sort", "last-login"},
                  {"limit", "10"}},
                 errors);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->prefix, "Ada");
  EXPECT_EQ(q->active, false);
  EXPECT_TRUE(q->password_locked && q->admin_locked && q->unverified);
  EXPECT_EQ(q->totp, false);
  EXPECT_EQ(q->role, "admin");
  EXPECT_EQ(q->sort, UserSort::kLastLogin);
  EXPECT_EQ(q->limit, 10u);
  EXPECT_FALSE(q->after.has_value());

  q = Parse({{"active", ""}, {"totp", "any"}}, errors);
  ASSERT_TRUE(q.ok());
  EXPECT_FALSE(q->active.has_value());
  EXPECT_FALSE(q->totp.has_value());
  EXPECT_EQ(q->sort, UserSort::kCreated);
  EXPECT_EQ(q->limit, kUserPageSize);
}

TEST(ParseUserQueryTest, BadValuesNameTheirField) {
  for (const auto& [name, value] : std::map<std::string, std::string>{
           {"sort", "name"},
           {"totp", "maybe"},
           {"limit", "0"},
           {"after", "not-a-cursor"},
           {"active", "2"},
       }) {
    FieldErrors errors;
    auto q = Parse({{name, value}}, errors);
    EXPECT_EQ(q.status().code(), StatusCode::kInvalidArgument) << name;
    EXPECT_TRUE(errors.Has(name)) << name;
  }
  FieldErrors errors;
  EXPECT_FALSE(Parse({{"active", "1"}, {"inactive", "1"}}, errors).ok());
  EXPECT_TRUE(errors.Has("inactive"));
  errors = {};
  EXPECT_FALSE(Parse({{"limit", "1001"}}, errors).ok());
  errors = {};
  const std::string created_cursor =
      EncodeUserCursor({UserSort::kCreated, 5, 7});
  EXPECT_FALSE(
      Parse({{"sort", "last-login"}, {"after", created_cursor}}, errors).ok());
  EXPECT_TRUE(errors.Has("after"));
}

TEST(UserCursorTest, RoundTripsAndRefusesForgeries) {
  for (const UserCursor& c :
       {UserCursor{UserSort::kCreated, 1'700'000'000'123'456, 42},
        UserCursor{UserSort::kLastLogin, std::nullopt, 7},
        UserCursor{UserSort::kLastLogin, 0, 1}}) {
    auto back = DecodeUserCursor(EncodeUserCursor(c));
    ASSERT_TRUE(back.has_value());
    EXPECT_EQ(back->sort, c.sort);
    EXPECT_EQ(back->micros, c.micros);
    EXPECT_EQ(back->id, c.id);
  }
  EXPECT_FALSE(DecodeUserCursor("").has_value());
  EXPECT_FALSE(DecodeUserCursor("!!!").has_value());
  EXPECT_FALSE(DecodeUserCursor(Base64UrlEncode("c:-:5")).has_value());
  EXPECT_FALSE(DecodeUserCursor(Base64UrlEncode("x:1:5")).has_value());
  EXPECT_FALSE(DecodeUserCursor(Base64UrlEncode("c:1:0")).has_value());
  EXPECT_FALSE(DecodeUserCursor(Base64UrlEncode("c:1:5 OR 1")).has_value());
  EXPECT_FALSE(DecodeUserCursor(Base64UrlEncode("c:-1:5")).has_value());
}

}  // namespace
}  // namespace latchkey
