// db::Connection against a real MariaDB: values, errors, transactions, the
// statement cache and reconnecting.
#include "latchkey/db/db.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "latchkey/base/random.h"
#include "support/fakes.h"
#include "support/sandbox.h"

namespace latchkey::db {
namespace {

using testing::DatabaseTest;

constexpr char kCreate[] =
    "CREATE TABLE t (\n"
    "  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,\n"
    "  i BIGINT NULL,\n"
    "  u BIGINT UNSIGNED NULL,\n"
    "  s VARCHAR(100) CHARACTER SET utf8mb4 NULL,\n"
    "  b LONGBLOB NULL,\n"
    "  ts DATETIME(6) NULL,\n"
    "  UNIQUE KEY t_s (s)\n"
    ") ENGINE=InnoDB;\n";
constexpr char kInsert[] =
    "INSERT INTO t (i, u, s, b, ts) VALUES (?, ?, ?, ?, ?)";
constexpr char kSelect[] = "SELECT i, u, s, b, ts FROM t WHERE id = ?";

class DbTest : public DatabaseTest {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(DatabaseTest::SetUp());
    Status s = conn().ExecuteScript(kCreate);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }

  // The server's id for the session `c` is on now.
  static int64_t SessionId(Connection& c) {
    auto row = c.QueryOne("SELECT CONNECTION_ID()");
    EXPECT_TRUE(row.ok()) << row.status().ToString();
    if (!row.ok() || !*row) return 0;
    return (*row)->i64(0);
  }

  // Kills session `id` from another connection, as a lost connection would
  // look to its owner.
  void Kill(int64_t id) {
    auto other = db().Connect();
    auto r = other->Execute("KILL CONNECTION ?", {id});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
};

TEST_F(DbTest, RoundTripsEveryValueType) {
  const int64_t i = std::numeric_limits<int64_t>::min();
  const uint64_t u = std::numeric_limits<uint64_t>::max();
  const std::string text =
      "Gr\xC3\xBC\xC3\x9F"
      "e, \xE4\xB8\x96\xE7\x95\x8C \xF0\x9F\x94\x91";
  std::string blob;
  for (int c = 0; c < 256; ++c) blob += static_cast<char>(c);
  const Timestamp ts{1'700'000'000'123'456};

  auto ins = conn().Execute(
      kInsert, {i, u, std::string_view(text), std::string_view(blob), ts});
  ASSERT_TRUE(ins.ok()) << ins.status().ToString();
  EXPECT_EQ(*ins, 1u);
  const uint64_t id = conn().last_insert_id();
  EXPECT_GT(id, 0u);

  auto row = conn().QueryOne(kSelect, {id});
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  ASSERT_TRUE(row->has_value());
  const Row& r = **row;
  ASSERT_EQ(r.size(), 5u);
  EXPECT_EQ(r.i64(0), i);
  EXPECT_EQ(r.str(1), std::to_string(u));
  EXPECT_EQ(r.str(2), text);
  EXPECT_EQ(r.str(3), blob);
  EXPECT_EQ(r.unix_micros(4), ts.unix_micros);
  EXPECT_EQ(r.unix_time(4), 1'700'000'000);
  EXPECT_EQ(r.str(4), "2023-11-14 22:13:20.123456");

  // A text parameter compares against a text column.
  auto by_text =
      conn().QueryOne("SELECT id FROM t WHERE s = ?", {std::string_view(text)});
  ASSERT_TRUE(by_text.ok()) << by_text.status().ToString();
  ASSERT_TRUE(by_text->has_value());
  EXPECT_EQ((*by_text)->i64(0), static_cast<int64_t>(id));
  auto length =
      conn().QueryOne("SELECT CHAR_LENGTH(s) FROM t WHERE id = ?", {id});
  ASSERT_TRUE(length.ok() && length->has_value());
  EXPECT_EQ((*length)->i64(0), 11);  // code points, so stored as UTF-8
}

TEST_F(DbTest, TimestampsBeforeTheEpochAndWithoutFraction) {
  const Timestamp before{-315'619'200'000'000 + 250'000};  // 1960-01-01 .25
  auto ins = conn().Execute(kInsert, {Null{}, Null{}, Null{}, Null{}, before});
  ASSERT_TRUE(ins.ok()) << ins.status().ToString();
  auto row = conn().QueryOne(kSelect, {conn().last_insert_id()});
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->str(4), "1960-01-01 00:00:00.250000");
  EXPECT_EQ((*row)->unix_micros(4), before.unix_micros);
  EXPECT_EQ((*row)->unix_time(4), -315'619'200);

  auto plain = conn().QueryOne("SELECT CAST(? AS DATETIME)",
                               {Timestamp::FromUnix(86400)});
  ASSERT_TRUE(plain.ok() && plain->has_value());
  EXPECT_EQ((*plain)->str(0), "1970-01-02 00:00:00");
  EXPECT_EQ((*plain)->unix_time(0), 86400);
}

TEST_F(DbTest, NullsRoundTrip) {
  auto ins = conn().Execute(kInsert, {Null{}, OrNull(std::optional<uint64_t>()),
                                      Null{}, Null{}, Null{}});
  ASSERT_TRUE(ins.ok()) << ins.status().ToString();
  auto row = conn().QueryOne(kSelect, {conn().last_insert_id()});
  ASSERT_TRUE(row.ok() && row->has_value());
  const Row& r = **row;
  for (size_t c = 0; c < 5; ++c) {
    EXPECT_TRUE(r.is_null(c)) << c;
    EXPECT_EQ(r.str(c), "");
    EXPECT_EQ(r.opt_str(c), std::nullopt);
    EXPECT_EQ(r.i64(c), 0);
    EXPECT_EQ(r.opt_i64(c), std::nullopt);
  }
  EXPECT_EQ(r.unix_time(4), std::nullopt);
  // Out of range columns read as NULL.
  EXPECT_TRUE(r.is_null(99));
  EXPECT_EQ(r.str(99), "");

  // Empty strings are not NULL.
  auto empty = conn().QueryOne("SELECT ?, ?",
                               {std::string_view(""), std::string_view()});
  ASSERT_TRUE(empty.ok() && empty->has_value());
  EXPECT_FALSE((*empty)->is_null(0));
  EXPECT_FALSE((*empty)->is_null(1));
  EXPECT_EQ((*empty)->opt_str(0), std::string());
}

TEST_F(DbTest, MebibyteBlob) {
  std::string blob(1 << 20, '\0');
  FakeRandom random(7);
  ASSERT_TRUE(random
                  .Fill(std::span<uint8_t>(
                      reinterpret_cast<uint8_t*>(blob.data()), blob.size()))
                  .ok());
  auto ins = conn().Execute(
      kInsert, {Null{}, Null{}, Null{}, std::string_view(blob), Null{}});
  ASSERT_TRUE(ins.ok()) << ins.status().ToString();
  const uint64_t id = conn().last_insert_id();
  // A short row first, then the long one: buffers follow the longest.
  ASSERT_TRUE(conn()
                  .Execute(kInsert, {Null{}, Null{}, Null{},
                                     std::string_view("x"), Null{}})
                  .ok());
  auto rows = conn().Query("SELECT b FROM t ORDER BY id DESC");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].str(0), "x");
  EXPECT_EQ((*rows)[1].str(0).size(), blob.size());
  EXPECT_TRUE((*rows)[1].str(0) == blob);
  auto one = conn().QueryOne("SELECT b FROM t WHERE id = ?", {id});
  ASSERT_TRUE(one.ok() && one->has_value());
  EXPECT_TRUE((*one)->str(0) == blob);
}

TEST_F(DbTest, DuplicateKeyIsAlreadyExistsNamingTheKeyNotTheValue) {
  const std::string_view secretish = "hunter2-typed-as-a-name";
  ASSERT_TRUE(conn()
                  .Execute(kInsert, {Null{}, Null{}, secretish, Null{}, Null{}})
                  .ok());
  auto dup =
      conn().Execute(kInsert, {Null{}, Null{}, secretish, Null{}, Null{}});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists)
      << dup.status().ToString();
  EXPECT_NE(dup.status().message().find("t_s"), std::string::npos)
      << dup.status().message();
  EXPECT_EQ(dup.status().message().find("hunter2"), std::string::npos)
      << dup.status().message();
  // The connection and the cached statement still work.
  EXPECT_TRUE(conn()
                  .Execute(kInsert, {Null{}, Null{}, std::string_view("other"),
                                     Null{}, Null{}})
                  .ok());
}

TEST_F(DbTest, ParameterCountMustMatch) {
  auto too_few = conn().Execute(kInsert, {int64_t{1}});
  ASSERT_FALSE(too_few.ok());
  EXPECT_EQ(too_few.status().code(), StatusCode::kInternal);
  EXPECT_NE(too_few.status().message().find("5 parameter"), std::string::npos)
      << too_few.status().message();
  auto too_many = conn().Query("SELECT ?", {int64_t{1}, int64_t{2}});
  EXPECT_FALSE(too_many.ok());
  auto none = conn().Query("SELECT 1", {int64_t{1}});
  EXPECT_FALSE(none.ok());
  // Nothing was inserted.
  auto count = conn().QueryOne("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(count.ok() && count->has_value());
  EXPECT_EQ((*count)->i64(0), 0);
}

TEST_F(DbTest, ServerErrorsAreInternalWithTheMariaDbText) {
  auto bad = conn().Query("SELECT nope FROM t");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInternal);
  EXPECT_NE(bad.status().message().find("Unknown column"), std::string::npos)
      << bad.status().message();
}

TEST_F(DbTest, SessionIsUtcAndStrict) {
  auto tz = conn().QueryOne("SELECT @@session.time_zone, @@session.sql_mode");
  ASSERT_TRUE(tz.ok() && tz->has_value());
  EXPECT_EQ((*tz)->str(0), "+00:00");
  EXPECT_NE((*tz)->str(1).find("STRICT_ALL_TABLES"), std::string::npos);
  auto charset = conn().QueryOne("SELECT @@character_set_client");
  ASSERT_TRUE(charset.ok() && charset->has_value());
  EXPECT_EQ((*charset)->str(0), "utf8mb4");
  // Strict: too long is an error, not a silent truncation.
  std::string long_text(101, 'a');
  auto ins = conn().Execute(
      kInsert, {Null{}, Null{}, std::string_view(long_text), Null{}, Null{}});
  EXPECT_FALSE(ins.ok());
}

TEST_F(DbTest, AffectedRowsAndQueryOne) {
  for (int64_t k = 0; k < 3; ++k) {
    ASSERT_TRUE(
        conn().Execute(kInsert, {k, Null{}, Null{}, Null{}, Null{}}).ok());
  }
  auto n = conn().Execute("UPDATE t SET u = ? WHERE i >= ?",
                          {uint64_t{5}, int64_t{1}});
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 2u);
  auto none = conn().QueryOne("SELECT id FROM t WHERE i = ?", {int64_t{42}});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  auto all = conn().Query("SELECT i FROM t ORDER BY i");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[2].i64(0), 2);
}

TEST_F(DbTest, TransactionRollsBackUnlessCommitted) {
  auto other = db().Connect();
  {
    auto tx = Transaction::Start(conn());
    ASSERT_TRUE(tx.ok()) << tx.status().ToString();
    EXPECT_TRUE(conn().in_transaction());
    ASSERT_TRUE(
        conn()
            .Execute(kInsert, {int64_t{1}, Null{}, Null{}, Null{}, Null{}})
            .ok());
    // Not visible to another session before commit.
    auto seen = other->QueryOne("SELECT COUNT(*) FROM t");
    ASSERT_TRUE(seen.ok() && seen->has_value());
    EXPECT_EQ((*seen)->i64(0), 0);
  }  // destroyed without Commit
  EXPECT_FALSE(conn().in_transaction());
  auto after = conn().QueryOne("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(after.ok() && after->has_value());
  EXPECT_EQ((*after)->i64(0), 0);

  {
    auto tx = Transaction::Start(conn());
    ASSERT_TRUE(tx.ok());
    ASSERT_TRUE(
        conn()
            .Execute(kInsert, {int64_t{2}, Null{}, Null{}, Null{}, Null{}})
            .ok());
    Status c = tx->Commit();
    ASSERT_TRUE(c.ok()) << c.ToString();
  }
  auto seen = other->QueryOne("SELECT i FROM t");
  ASSERT_TRUE(seen.ok() && seen->has_value());
  EXPECT_EQ((*seen)->i64(0), 2);

  // A moved-from transaction does nothing; the moved-to one rolls back.
  {
    auto tx = Transaction::Start(conn());
    ASSERT_TRUE(tx.ok());
    Transaction moved(std::move(*tx));
    ASSERT_TRUE(
        conn()
            .Execute(kInsert, {int64_t{3}, Null{}, Null{}, Null{}, Null{}})
            .ok());
  }
  auto count = conn().QueryOne("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(count.ok() && count->has_value());
  EXPECT_EQ((*count)->i64(0), 1);
  // Begin twice is an error.
  ASSERT_TRUE(conn().Begin().ok());
  EXPECT_FALSE(conn().Begin().ok());
  EXPECT_TRUE(conn().Rollback().ok());
}

TEST_F(DbTest, StatementsArePreparedOncePerConnection) {
  const uint64_t start = conn().prepare_count();
  for (int64_t k = 0; k < 5; ++k) {
    ASSERT_TRUE(
        conn().Execute(kInsert, {k, Null{}, Null{}, Null{}, Null{}}).ok());
  }
  EXPECT_EQ(conn().prepare_count(), start + 1);
  ASSERT_TRUE(conn().Query(kSelect, {uint64_t{1}}).ok());
  ASSERT_TRUE(conn().Query(kSelect, {uint64_t{2}}).ok());
  EXPECT_EQ(conn().prepare_count(), start + 2);
  // A new connection prepares again.
  conn().Close();
  EXPECT_FALSE(conn().connected());
  ASSERT_TRUE(conn().Query(kSelect, {uint64_t{1}}).ok());
  EXPECT_EQ(conn().prepare_count(), start + 3);
  EXPECT_TRUE(conn().connected());
}

TEST_F(DbTest, APrepareAheadIsWhatTheStatementThenUses) {
  ASSERT_TRUE(conn().Connect().ok());
  const uint64_t start = conn().prepare_count();
  conn().PrepareAhead(kInsert);
  // Another statement first: the outstanding answer is read before it.
  auto none = conn().QueryOne(kSelect, {uint64_t{42}});
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_FALSE(none->has_value());
  EXPECT_EQ(conn().prepare_count(), start + 2);
  auto ins =
      conn().Execute(kInsert, {int64_t{7}, Null{}, Null{}, Null{}, Null{}});
  ASSERT_TRUE(ins.ok()) << ins.status().ToString();
  // The insert found its statement prepared.
  EXPECT_EQ(conn().prepare_count(), start + 2);
  // Asking again for a prepared statement sends nothing.
  conn().PrepareAhead(kInsert);
  ASSERT_TRUE(
      conn()
          .Execute(kInsert, {int64_t{8}, Null{}, Null{}, Null{}, Null{}})
          .ok());
  EXPECT_EQ(conn().prepare_count(), start + 2);
}

TEST_F(DbTest, APrepareAheadInsideATransactionKeepsItsRows) {
  ASSERT_TRUE(conn().Connect().ok());
  ASSERT_TRUE(conn().Begin().ok());
  conn().PrepareAhead(kInsert);
  ASSERT_TRUE(
      conn()
          .Execute(kInsert, {int64_t{1}, Null{}, Null{}, Null{}, Null{}})
          .ok());
  conn().PrepareAhead(kSelect);
  ASSERT_TRUE(conn().Rollback().ok());  // settles the prepare, then rolls back
  auto count = conn().QueryOne("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(count.ok() && count->has_value());
  EXPECT_EQ((*count)->i64(0), 0);
}

TEST_F(DbTest, AFailedPrepareAheadIsReportedByTheStatement) {
  ASSERT_TRUE(conn().Connect().ok());
  constexpr char kBad[] = "SELECT no_such_column FROM t WHERE id = ?";
  conn().PrepareAhead(kBad);
  auto bad = conn().Query(kBad, {uint64_t{1}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInternal);
  EXPECT_NE(bad.status().message().find("no_such_column"), std::string::npos)
      << bad.status().ToString();
  // The connection is fine for the next statement.
  EXPECT_TRUE(conn().Query(kSelect, {uint64_t{1}}).ok());
}

TEST_F(DbTest, APrepareAheadNeedsAnOpenConnection) {
  conn().Close();
  conn().PrepareAhead(kInsert);  // nothing to send it on
  EXPECT_FALSE(conn().connected());
  const uint64_t start = conn().prepare_count();
  ASSERT_TRUE(
      conn()
          .Execute(kInsert, {int64_t{1}, Null{}, Null{}, Null{}, Null{}})
          .ok());
  EXPECT_EQ(conn().prepare_count(), start + 1);
}

TEST_F(DbTest, AKilledSessionWithAPrepareAheadReconnects) {
  ASSERT_TRUE(conn().Connect().ok());
  const int64_t first = SessionId(conn());
  conn().PrepareAhead(kInsert);
  ASSERT_NO_FATAL_FAILURE(Kill(first));
  auto ins =
      conn().Execute(kInsert, {int64_t{1}, Null{}, Null{}, Null{}, Null{}});
  ASSERT_TRUE(ins.ok()) << ins.status().ToString();
  EXPECT_NE(SessionId(conn()), first);
  // Closing with one outstanding does not wait or fail.
  conn().PrepareAhead(kSelect);
  conn().Close();
  EXPECT_FALSE(conn().connected());
}

TEST_F(DbTest, WorkRunsWhileTheServerIsBusy) {
  int calls = 0;
  conn().WhileWaiting([&] {
    ++calls;
    return true;
  });
  auto row = conn().QueryOne("SELECT SLEEP(0.2), ? + 1", {int64_t{41}});
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  ASSERT_TRUE(row->has_value());
  EXPECT_EQ((*row)->i64(1), 42);
  EXPECT_GT(calls, 10);  // called again and again for 200 ms

  // Work that says it is done is not called again while that wait lasts.
  int done_calls = 0;
  conn().WhileWaiting([&] {
    ++done_calls;
    return false;
  });
  ASSERT_TRUE(conn().QueryOne("SELECT SLEEP(0.2)").ok());
  EXPECT_GE(done_calls, 1);
  EXPECT_LT(done_calls, 10);

  conn().WhileWaiting(nullptr);
  const int before = done_calls;
  ASSERT_TRUE(conn().QueryOne("SELECT SLEEP(0.05)").ok());
  EXPECT_EQ(done_calls, before);
}

TEST_F(DbTest, TheReadTimeoutHoldsWhileWorkRuns) {
  DatabaseConfig cfg = db().config();
  cfg.read_timeout = Millis(1000);
  auto opened = OpenFromConfig(cfg);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Connection& c = **opened;
  c.WhileWaiting([] { return true; });  // never done
  ASSERT_TRUE(c.Begin().ok());          // no retry inside a transaction
  const auto start = std::chrono::steady_clock::now();
  auto slow = c.Query("SELECT SLEEP(5)");
  const double took =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start)
          .count();
  ASSERT_FALSE(slow.ok());
  EXPECT_EQ(slow.status().code(), StatusCode::kUnavailable)
      << slow.status().ToString();
  EXPECT_GE(took, 0.9);
  EXPECT_LT(took, 3.0);
  EXPECT_TRUE(c.Rollback().ok());
}

TEST_F(DbTest, ReconnectsOnceAfterTheSessionIsKilled) {
  const int64_t first = SessionId(conn());
  ASSERT_GT(first, 0);
  ASSERT_NO_FATAL_FAILURE(Kill(first));
  // The cached statement died with the session; it runs on a new one.
  auto row = conn().QueryOne("SELECT CONNECTION_ID()");
  ASSERT_TRUE(row.ok()) << row.status().ToString();
  ASSERT_TRUE(row->has_value());
  EXPECT_NE((*row)->i64(0), first);
  // Session settings are applied to the new session too.
  auto tz = conn().QueryOne("SELECT @@session.time_zone");
  ASSERT_TRUE(tz.ok() && tz->has_value());
  EXPECT_EQ((*tz)->str(0), "+00:00");
  // A script's first statement is retried the same way.
  ASSERT_NO_FATAL_FAILURE(Kill(SessionId(conn())));
  Status script = conn().ExecuteScript("CREATE TABLE k1 (x INT);\nDO 1;\n");
  EXPECT_TRUE(script.ok()) << script.ToString();
}

TEST_F(DbTest, ALostConnectionBreaksTheTransaction) {
  auto tx = Transaction::Start(conn());
  ASSERT_TRUE(tx.ok());
  ASSERT_TRUE(
      conn()
          .Execute(kInsert, {int64_t{1}, Null{}, Null{}, Null{}, Null{}})
          .ok());
  const int64_t id = SessionId(conn());
  ASSERT_NO_FATAL_FAILURE(Kill(id));
  auto lost =
      conn().Execute(kInsert, {int64_t{2}, Null{}, Null{}, Null{}, Null{}});
  ASSERT_FALSE(lost.ok());
  EXPECT_EQ(lost.status().code(), StatusCode::kUnavailable)
      << lost.status().ToString();
  // No silent reconnect inside the transaction: still refused.
  auto again = conn().Query("SELECT 1");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kUnavailable);
  Status commit = tx->Commit();
  EXPECT_EQ(commit.code(), StatusCode::kUnavailable) << commit.ToString();
  EXPECT_FALSE(conn().in_transaction());
  // Outside the transaction the connection comes back, and nothing of the
  // lost transaction was committed.
  auto count = conn().QueryOne("SELECT COUNT(*) FROM t");
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  ASSERT_TRUE(count->has_value());
  EXPECT_EQ((*count)->i64(0), 0);
}

TEST_F(DbTest, PingConnectsAndReconnects) {
  auto c = db().Connect();
  EXPECT_FALSE(c->connected());
  EXPECT_EQ(c->peer(), "");
  Status s = c->Ping();
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(c->connected());
  EXPECT_EQ(c->peer(), testing::Sandbox().socket);
  ASSERT_NO_FATAL_FAILURE(Kill(SessionId(*c)));
  s = c->Ping();
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_F(DbTest, ExecuteScriptNamesTheFailingStatement) {
  Status s = conn().ExecuteScript(
      "-- a comment; not a split\n"
      "CREATE TABLE s1 (x VARCHAR(20) DEFAULT 'a;b');\n"
      "\n"
      "INSERT INTO s1 VALUES ('semi;\n"
      "colon');\n"
      "SELECT nope FROM s1;\n"
      "CREATE TABLE s2 (x INT);\n");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("statement 3 (line 6)"), std::string::npos)
      << s.ToString();
  // The statements before it ran; the one after did not.
  auto rows = conn().Query("SELECT x FROM s1");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].str(0), "semi;\ncolon");
  EXPECT_FALSE(conn().Query("SELECT x FROM s2").ok());
}

TEST_F(DbTest, WrongPasswordIsPermissionDenied) {
  DatabaseConfig cfg = db().config();
  Connection c(cfg, Secret("not-the-password"));
  Status s = c.Connect();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
  EXPECT_NE(s.message().find("database refused user '" + cfg.user + "'"),
            std::string::npos)
      << s.message();
  EXPECT_EQ(s.message().find("not-the-password"), std::string::npos);
  EXPECT_FALSE(c.connected());
  // A statement reports the same, and does not crash.
  auto q = c.Query("SELECT 1");
  EXPECT_EQ(q.status().code(), StatusCode::kPermissionDenied);
}

TEST_F(DbTest, UnknownDatabaseIsNotUnavailable) {
  DatabaseConfig cfg = db().config();
  cfg.name = "lk_test_does_not_exist";
  auto c = OpenFromConfig(cfg);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  Status s = (*c)->Connect();
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("lk_test_does_not_exist"), std::string::npos)
      << s.ToString();
}

TEST_F(DbTest, ConfigFileForTheTestDatabaseLoadsAndConnects) {
  testing::TempDir dir;
  const std::string port = std::to_string(testing::Sandbox().port);
  const std::string path =
      db().WriteConfigFile(dir, "[database]\nhosts = 127.0.0.1:" + port +
                                    "\n[security]\nargon2_memory_kib = 1024\n");
  Result<Config> cfg = LoadConfig(path);
  ASSERT_TRUE(cfg.ok()) << cfg.status().ToString();
  EXPECT_EQ(cfg->database.name, db().name());
  EXPECT_TRUE(cfg->database.socket.empty());
  ASSERT_EQ(cfg->database.hosts.size(), 1u);
  EXPECT_EQ(cfg->security.argon2_memory_kib, 1024u);
  EXPECT_EQ(cfg->security.secret_key_file, testing::Sandbox().secret_key_file);
  auto c = OpenFromConfig(cfg->database);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  auto users = (*c)->QueryOne("SELECT COUNT(*) FROM users");
  ASSERT_TRUE(users.ok()) << users.status().ToString();
  EXPECT_EQ((*c)->peer(), "127.0.0.1:" + port);
}

TEST(DbConfigTest, NoHostIsUnavailable) {
  DatabaseConfig cfg;
  cfg.hosts.clear();
  cfg.socket.clear();
  Connection c(cfg, Secret());
  Status s = c.Connect();
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
}

}  // namespace
}  // namespace latchkey::db
