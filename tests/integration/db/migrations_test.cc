// Migrations against a real MariaDB: fresh database, idempotence, states,
// the schema check and two migrations racing on one database.
#include "latchkey/db/migrations.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "latchkey/base/clock.h"
#include "latchkey/db/db.h"
#include "support/fakes.h"
#include "support/sandbox.h"

namespace latchkey {
namespace {

using testing::TestDatabase;

constexpr int64_t kNow = 1'700'000'000;

const char* const kTables[] = {"users",          "roles",
                               "user_roles",     "tokens",
                               "recovery_codes", "sessions",
                               "auth_events",    "ip_failures",
                               "mail_outbox",    "schema_migrations"};

std::set<std::string> TablesOf(db::Connection& conn) {
  std::set<std::string> out;
  auto rows = conn.Query(
      "SELECT table_name FROM information_schema.tables "
      "WHERE table_schema = DATABASE()");
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  if (rows.ok()) {
    for (const db::Row& r : *rows) out.insert(r.str(0));
  }
  return out;
}

class MigrationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ =
        std::make_unique<TestDatabase>(TestDatabase::Options{.migrate = false});
    ASSERT_TRUE(db_->ok()) << db_->status().ToString();
    conn_ = db_->Connect();
  }
  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<db::Connection> conn_;
  FakeClock clock_{kNow};
};

TEST(BuiltinMigrationsTest, AreEmbeddedInOrder) {
  const std::vector<Migration>& all = BuiltinMigrations();
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all[0].version, 1);
  EXPECT_EQ(all[0].name, "init");
  EXPECT_EQ(all[0].file, "001_init.sql");
  EXPECT_NE(all[0].sql.find("CREATE TABLE users"), std::string_view::npos);
  for (size_t i = 1; i < all.size(); ++i) {
    EXPECT_LT(all[i - 1].version, all[i].version);
  }
  EXPECT_EQ(LatestSchemaVersion(), all.back().version);
  EXPECT_NE(GrantsSql().find("CREATE ROLE IF NOT EXISTS latchkey_pam"),
            std::string_view::npos);
}

TEST_F(MigrationsTest, FreshDatabaseGetsEveryMigrationOnce) {
  const size_t n = BuiltinMigrations().size();

  Status before = CheckSchemaCurrent(*conn_);
  EXPECT_EQ(before.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(before.message(),
            "the database schema is at version 0, this program needs " +
                std::to_string(LatestSchemaVersion()) +
                ": run latchkeyctl migrate");

  auto pending = GetMigrationStates(*conn_);
  ASSERT_TRUE(pending.ok()) << pending.status().ToString();
  ASSERT_EQ(pending->size(), n);
  for (const MigrationState& s : *pending) {
    EXPECT_FALSE(s.applied_at.has_value()) << s.version;
  }

  auto applied = ApplyPendingMigrations(*conn_, clock_);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(*applied, static_cast<int>(n));

  std::set<std::string> tables = TablesOf(*conn_);
  for (const char* t : kTables) EXPECT_TRUE(tables.count(t)) << t;
  auto roles = conn_->Query("SELECT name FROM roles ORDER BY name");
  ASSERT_TRUE(roles.ok());
  ASSERT_EQ(roles->size(), 2u);
  EXPECT_EQ((*roles)[0].str(0), "admin");

  auto states = GetMigrationStates(*conn_);
  ASSERT_TRUE(states.ok()) << states.status().ToString();
  ASSERT_EQ(states->size(), n);
  for (size_t i = 0; i < n; ++i) {
    EXPECT_EQ((*states)[i].version, BuiltinMigrations()[i].version);
    EXPECT_EQ((*states)[i].name, BuiltinMigrations()[i].name);
    EXPECT_EQ((*states)[i].applied_at, kNow);
  }
  Status after = CheckSchemaCurrent(*conn_);
  EXPECT_TRUE(after.ok()) << after.ToString();

  // A second run applies nothing and changes nothing.
  clock_.Set(kNow + 100);
  auto again = ApplyPendingMigrations(*conn_, clock_);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, 0);
  auto count = conn_->QueryOne(
      "SELECT COUNT(*), MAX(applied_at) FROM "
      "schema_migrations");
  ASSERT_TRUE(count.ok() && count->has_value());
  EXPECT_EQ((*count)->i64(0), static_cast<int64_t>(n));
  EXPECT_EQ((*count)->unix_time(1), kNow);
}

TEST_F(MigrationsTest, TwoMigratesAtOnceApplyEachMigrationOnce) {
  const int n = static_cast<int>(BuiltinMigrations().size());
  std::vector<Result<int>> results(2, Result<int>(Internal("not run")));
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([this, t, &results] {
      // One connection per thread: a Connection is single-threaded.
      std::unique_ptr<db::Connection> c = db_->Connect();
      results[t] = ApplyPendingMigrations(*c, clock_);
    });
  }
  for (std::thread& th : threads) th.join();
  ASSERT_TRUE(results[0].ok()) << results[0].status().ToString();
  ASSERT_TRUE(results[1].ok()) << results[1].status().ToString();
  EXPECT_EQ(*results[0] + *results[1], n);
  auto rows = conn_->Query("SELECT version FROM schema_migrations");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->size(), static_cast<size_t>(n));
  // The seed rows of 001 went in once, not twice.
  auto roles = conn_->QueryOne("SELECT COUNT(*) FROM roles");
  ASSERT_TRUE(roles.ok() && roles->has_value());
  EXPECT_EQ((*roles)->i64(0), 2);
  EXPECT_TRUE(CheckSchemaCurrent(*conn_).ok());
}

TEST_F(MigrationsTest, NewerVersionsAreListedAndTolerated) {
  ASSERT_TRUE(ApplyPendingMigrations(*conn_, clock_).ok());
  const int future = LatestSchemaVersion() + 1000;
  ASSERT_TRUE(conn_
                  ->Execute("INSERT INTO schema_migrations (version, name, "
                            "applied_at) VALUES (?, ?, ?)",
                            {int64_t{future}, std::string_view("from_later"),
                             db::Timestamp::FromUnix(kNow + 5)})
                  .ok());
  auto states = GetMigrationStates(*conn_);
  ASSERT_TRUE(states.ok());
  ASSERT_EQ(states->size(), BuiltinMigrations().size() + 1);
  EXPECT_EQ(states->back().version, future);
  EXPECT_EQ(states->back().name, "from_later");
  EXPECT_EQ(states->back().applied_at, kNow + 5);
  EXPECT_TRUE(CheckSchemaCurrent(*conn_).ok());
  auto none = ApplyPendingMigrations(*conn_, clock_);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);
}

TEST_F(MigrationsTest, AMissingRecordMakesTheSchemaNotCurrent) {
  ASSERT_TRUE(ApplyPendingMigrations(*conn_, clock_).ok());
  ASSERT_TRUE(conn_
                  ->Execute("DELETE FROM schema_migrations WHERE version = ?",
                            {int64_t{1}})
                  .ok());
  Status s = CheckSchemaCurrent(*conn_);
  EXPECT_EQ(s.code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(s.message().find("run latchkeyctl migrate"), std::string::npos)
      << s.message();
}

TEST_F(MigrationsTest, AFailedMigrationNamesFileAndStatement) {
  // A table in the way of 001's first CREATE TABLE.
  ASSERT_TRUE(conn_->ExecuteScript("CREATE TABLE users (x INT)").ok());
  auto r = ApplyPendingMigrations(*conn_, clock_);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("migration 001_init.sql: statement 1 "
                                      "(line 4)"),
            std::string::npos)
      << r.status().ToString();
  EXPECT_NE(r.status().message().find("already exists"), std::string::npos)
      << r.status().ToString();
  // Not recorded, so the schema is not current.
  EXPECT_EQ(CheckSchemaCurrent(*conn_).code(), StatusCode::kFailedPrecondition);
  // The lock was released: another run gets past it (and fails the same).
  auto again = ApplyPendingMigrations(*conn_, clock_);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("001_init.sql"), std::string::npos);
}

TEST_F(MigrationsTest, NeedsADatabaseName) {
  DatabaseConfig cfg = db_->config();
  cfg.name.clear();
  auto c = db::OpenFromConfig(cfg);
  ASSERT_TRUE(c.ok());
  auto r = ApplyPendingMigrations(**c, clock_);
  EXPECT_EQ(r.status().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace latchkey
